// The effects a run has on this machine, behind small interfaces so a dry
// run can journal them without acting, and tests can script them: commands
// (execa, argument arrays, never a shell) and the run's private temp dir.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadExeca } from '../sys/execa.js'
import type { Journal } from './journal.js'

export interface ExecResult {
  exitCode: number
  stdout: string
  stderr: string
  timedOut: boolean
}

export interface ExecOptions {
  timeoutMs: number
  signal: AbortSignal
  onOutput?: (chunk: string) => void // stdout and stderr as they come
}

export type Exec = (argv: string[], o: ExecOptions) => Promise<ExecResult>

export const execCommand: Exec = async (argv, o) => {
  const [cmd, ...args] = argv
  const execa = await loadExeca()
  const p = execa(cmd!, args, {
    reject: false,
    stdin: 'ignore',
    cancelSignal: o.signal,
    timeout: o.timeoutMs,
    forceKillAfterDelay: 5000,
    maxBuffer: 64 * 1024 * 1024,
  })
  if (o.onOutput) {
    p.stdout?.on('data', (b: Buffer) => o.onOutput!(b.toString()))
    p.stderr?.on('data', (b: Buffer) => o.onOutput!(b.toString()))
  }
  const r = await p
  const stderr = String(r.stderr ?? '') || (r.exitCode === undefined ? (r.shortMessage ?? '') : '')
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout ?? ''), stderr, timedOut: r.timedOut === true }
}

export const dryExec: Exec = async () => ({ exitCode: 0, stdout: '', stderr: '', timedOut: false })

export interface Workdir {
  dir: string
  write(name: string, content: string, mode?: number): Promise<string>
  remove(): Promise<void>
}

// ssh_config and rsync's -e split paths on spaces: the dir must need no quoting.
const PLAIN_PATH = /^[A-Za-z0-9._/-]+$/

// mkdtemp makes the dir 0700: the key never leaves it, and it goes at the end.
export async function privateWorkdir(journal: Journal): Promise<Workdir> {
  const dir = await mkdtemp(join(tmpdir(), 'ptplab-vm-'))
  if (!PLAIN_PATH.test(dir)) {
    await rm(dir, { recursive: true, force: true })
    throw new Error(`the temp dir ${JSON.stringify(dir)} has characters ssh_config cannot take: set TMPDIR to a plain path`)
  }
  await chmod(dir, 0o700)
  return {
    dir,
    async write(name, content, mode = 0o600) {
      const p = join(dir, name)
      journal.push({ kind: 'file', path: p, mode })
      await writeFile(p, content, { mode })
      return p
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  }
}

export function dryWorkdir(journal: Journal): Workdir {
  const dir = join(tmpdir(), 'ptplab-vm-XXXXXX')
  return {
    dir,
    async write(name, _content, mode = 0o600) {
      const p = join(dir, name)
      journal.push({ kind: 'file', path: p, mode })
      return p
    },
    remove: async () => {},
  }
}

// The local artifacts directory: what rsync fetches, plus the run's own log.
export interface Artifacts {
  dir: string
  ensure(): Promise<void>
  write(name: string, text: string): Promise<void>
}

export function localArtifacts(dir: string): Artifacts {
  return {
    dir,
    ensure: async () => void (await mkdir(dir, { recursive: true })),
    async write(name, text) {
      await mkdir(dir, { recursive: true })
      await writeFile(join(dir, name), text)
    },
  }
}

export function dryArtifacts(dir: string, journal: Journal): Artifacts {
  return {
    dir,
    ensure: async () => {},
    write: async (name) => void journal.push({ kind: 'file', path: join(dir, name), mode: 0o644 }),
  }
}
