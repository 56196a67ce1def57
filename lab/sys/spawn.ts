// Long-running lab processes: started inside a namespace, detached from the
// CLI (they outlive it), output appended to a log file.
import { spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import { procStartTime } from './proc.js'

export interface Spawned {
  pid: number
  startTime?: string
}

export function spawnInNetns(opts: {
  netns: string
  cmd: string
  args: string[]
  logFile: string
  env?: Record<string, string>
}): Promise<Spawned> {
  // `ip netns exec` execs the command in place: the pid we get is its pid.
  return spawnDetached({ ...opts, cmd: 'ip', args: ['netns', 'exec', opts.netns, opts.cmd, ...opts.args], what: `${opts.cmd} in ${opts.netns}` })
}

// A process in this namespace that outlives the CLI, output appended to logFile.
export async function spawnDetached(opts: { cmd: string; args: string[]; logFile: string; env?: Record<string, string>; what?: string }): Promise<Spawned> {
  const what = opts.what ?? opts.cmd
  mkdirSync(dirname(opts.logFile), { recursive: true, mode: 0o700 })
  const fd = openSync(opts.logFile, 'a', 0o600)
  try {
    const child = spawn(opts.cmd, opts.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...opts.env },
    })
    const pid = child.pid
    if (pid === undefined) {
      throw new Error(`cannot start ${what}`)
    }
    const failed = new Promise<never>((_, rej) =>
      child.once('error', (e) => rej(new Error(`cannot start ${what}: ${e.message}`))),
    )
    child.unref()
    // Give a failed exec a moment to surface as an 'error' event.
    await Promise.race([new Promise((r) => setTimeout(r, 20)), failed])
    return { pid, startTime: await procStartTime(pid) }
  } finally {
    closeSync(fd)
  }
}
