// Shared helpers for integration tests: they need root and the lab's tools,
// and skip with the reason when those are missing.
import { execFile, spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { missingPrograms } from '../../lab/sys/run.js'
import { poll } from '../../lab/sys/poll.js'
import { listNetns } from '../../lab/sys/netns.js'
import { daemonEntry, labPaths, netnsPrefix, projectRoot } from '../../lab/paths.js'

export async function skipReason(): Promise<string | false> {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces); CI runs as root'
  const missing = await missingPrograms(['ip', 'ptp4l', 'pmc', 'ovs-vswitchd', 'ovsdb-server', 'setpriv'])
  if (missing.length) return `missing programs: ${missing.join(', ')} (run scripts/setup.sh)`
  if (!existsSync(daemonEntry())) return 'daemon not built (run npm run build)'
  return false
}

export const CLI = join(projectRoot(), 'bin', 'ptplab.js')

export function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 240_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

// Starts the CLI and resolves with the child once stderr contains `marker`.
// `job`: in a process group of its own, as a shell runs a job, so
// process.kill(-child.pid, 'SIGINT') signals it the way Ctrl-C in a terminal
// does: the CLI and every command it is running at that moment.
export function cliUntil(args: string[], marker: RegExp, o: { job?: boolean } = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: o.job })
  let stderr = ''
  const exited = new Promise<number>((r) => child.on('close', (c, sig) => r(c ?? (sig ? 128 : 1))))
  const seen = new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
      if (marker.test(stderr)) resolve()
    })
    void exited.then(() => reject(new Error(`exited before ${marker}: ${stderr}`)))
  })
  return { child, seen, exited, stderr: () => stderr }
}

export async function hostLinks(): Promise<string[]> {
  return new Promise((resolve) =>
    execFile('ip', ['-j', 'link', 'show'], (_e, out) =>
      resolve((JSON.parse(out || '[]') as Array<{ ifname: string }>).map((l) => l.ifname).sort()),
    ),
  )
}

// Processes whose command line points into the lab's run dir or its
// namespaces, and the lab's supervisor.
export function labProcesses(lab: string): string[] {
  const dir = labPaths(lab).dir
  const out: string[] = []
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
      if (cmd.includes(dir + '/') || cmd.includes(`${netnsPrefix(lab)}`) || cmd.endsWith(`supervise.js --lab ${lab} `)) out.push(`${pid}: ${cmd}`)
    } catch {
      /* gone */
    }
  }
  return out
}

// Everything a lab could leave behind.
export async function leftovers(lab: string) {
  return {
    namespaces: (await listNetns()).filter((n) => n.startsWith(netnsPrefix(lab))),
    dir: existsSync(labPaths(lab).dir),
    processes: labProcesses(lab),
  }
}

export const nothingLeft = { namespaces: [], dir: false, processes: [] }

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// The project's poll helper, throwing when the deadline passes.
export async function until<T>(what: string, timeoutMs: number, f: () => Promise<T | undefined | false>): Promise<T> {
  const r = await poll(f, { timeoutMs, intervalMs: 100, ignoreErrors: true })
  if (r.value === undefined) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
  return r.value
}

// A lab this test owns: whatever an earlier, crashed run left under that
// name is removed first, and the lab is removed again when the test ends.
export async function ownLab(t: { teardown(f: () => unknown): void }, lab: string): Promise<void> {
  await cli(['down', '--name', lab])
  t.teardown(() => cli(['down', '--name', lab]))
}
