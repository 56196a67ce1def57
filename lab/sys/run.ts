// Thin wrapper over execa: argument arrays only, never a shell string.
import { execa, type Options } from 'execa'

export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly exitCode: number | undefined,
    readonly stderr: string,
  ) {
    super(`command failed (${exitCode ?? 'signal'}): ${argv.join(' ')}${stderr ? `\n${stderr.trim()}` : ''}`)
    this.name = 'CommandError'
  }
}

export interface RunResult {
  stdout: string
  stderr: string
  exitCode: number
}

// Run a command and return its output; throws CommandError on non-zero exit
// unless `allowFail` is set.
export async function run(
  cmd: string,
  args: string[],
  opts: { allowFail?: boolean; env?: Record<string, string>; timeoutMs?: number; input?: string } = {},
): Promise<RunResult> {
  const o: Options = {
    reject: false,
    env: opts.env,
    timeout: opts.timeoutMs ?? 30_000,
    input: opts.input,
    stdin: opts.input === undefined ? 'ignore' : undefined,
  }
  const r = await execa(cmd, args, o)
  const res = { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? -1 }
  if (res.exitCode !== 0 && !opts.allowFail) throw new CommandError([cmd, ...args], r.exitCode, res.stderr)
  return res
}

// Which of these programs are missing from PATH.
export async function missingPrograms(names: string[]): Promise<string[]> {
  const { access } = await import('node:fs/promises')
  const dirs = (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')
  for (const d of ['/usr/sbin', '/sbin']) if (!dirs.includes(d)) dirs.push(d)
  const missing: string[] = []
  for (const n of names) {
    let found = false
    for (const d of dirs) {
      try {
        await access(`${d}/${n}`)
        found = true
        break
      } catch {
        /* keep looking */
      }
    }
    if (!found) missing.push(n)
  }
  return missing
}
