// Thin wrapper over execa: argument arrays only, never a shell string.
import type { Options } from 'execa'
import { loadExeca } from './execa.js'

export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly exitCode: number | undefined,
    readonly stderr: string,
    readonly signal?: string,
  ) {
    super(`command failed (${exitCode ?? signal ?? 'signal'}): ${argv.join(' ')}${stderr ? `\n${stderr.trim()}` : ''}`)
    this.name = 'CommandError'
  }
}

export interface RunResult {
  stdout: string
  stderr: string
  exitCode: number
}

// Run a command and return its output; throws CommandError on non-zero exit
// unless `allowFail` is set. The command runs in its own session (so its own
// process group): Ctrl-C in a terminal signals the whole foreground group,
// and a command killed by that SIGINT in the middle of `up` would turn an
// orderly interruption (finish the step, roll back, exit 130) into a
// failure. Only ptplab gets the signal; it stops between steps.
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
    detached: true,
  }
  const r = await (await loadExeca())(cmd, args, o)
  const res = { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? -1 }
  if (res.exitCode !== 0 && !opts.allowFail) throw new CommandError([cmd, ...args], r.exitCode, res.stderr, r.signal)
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
