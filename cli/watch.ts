// `--watch`: a refreshing view, as `watch kubectl get` gives: on a terminal
// each frame replaces the last (cursor home, clear screen); piped, frames
// follow each other, each under its header line. Runs until the signal
// aborts (Ctrl-C: the caller's interruptibly() makes that exit 130). A
// frame that fails shows the error and the watch goes on (the lab may be
// coming up or going down).
import { InputError, InterruptedError } from '../lab/errors.js'
import { sleep } from '../lab/sys/poll.js'

export const CLEAR = '\x1b[H\x1b[2J'

export interface WatchOptions {
  title: string // what is shown: "ptplab status --name lab"
  frame: () => Promise<string>
  intervalMs: number
  tty: boolean
  bare?: boolean // frames alone, no header (JSON lines)
  write: (s: string) => void
  signal: AbortSignal
  now?: () => Date
  wait?: (ms: number, signal: AbortSignal) => Promise<void>
}

export async function watch(o: WatchOptions): Promise<never> {
  const wait = o.wait ?? sleep
  for (;;) {
    let body: string
    try {
      body = await o.frame()
    } catch (e) {
      body = o.bare ? JSON.stringify({ error: (e as Error).message }) : `error: ${(e as Error).message}`
    }
    if (o.signal.aborted) break
    const head = `Every ${(o.intervalMs / 1000).toFixed(1)}s: ${o.title}    ${(o.now?.() ?? new Date()).toISOString().slice(0, 19)}Z`
    const text = body.replace(/\n?$/, '\n')
    o.write(o.bare ? text : `${o.tty ? CLEAR : ''}${head}\n\n${text}${o.tty ? '' : '\n'}`)
    await wait(o.intervalMs, o.signal)
    if (o.signal.aborted) break
  }
  throw new InterruptedError()
}

// --interval S: seconds, at least 0.1.
export function parseInterval(v: string | undefined, d = 2): number {
  if (v === undefined) return d * 1000
  const s = Number(v)
  if (!/^\s*\d+(\.\d+)?\s*$/.test(v) || !(s >= 0.1)) throw new InputError(`--interval must be a number of seconds, at least 0.1 (got ${JSON.stringify(v.slice(0, 20))})`, { field: '--interval' })
  return Math.round(s * 1000)
}
