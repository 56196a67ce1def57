// How the CLI talks to people: progress lines on stderr with elapsed time,
// results on stdout, and one exit-code policy.
import { CommanderError } from 'commander'
import { InterruptedError, isInputError } from '../lab/errors.js'

const t0 = Date.now()
export const progress = (msg: string) => {
  if (process.env.PTPLAB_QUIET) return
  process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${msg}\n`)
}

// Usage problems the user can fix: exit 2, like bad input.
export class UsageError extends Error {}

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const

export function exitCodeFor(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT.usage
  if (isInputError(e) || e instanceof UsageError) return EXIT.usage
  if (e instanceof InterruptedError) return EXIT.interrupted
  return EXIT.failed
}

export function reportError(e: unknown): void {
  if (e instanceof CommanderError) return // commander printed it already
  const msg = e instanceof Error ? e.message : String(e)
  process.stderr.write(`ptplab: error: ${msg}\n`)
  if (process.env.PTPLAB_DEBUG && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n')
}
