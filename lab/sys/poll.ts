// The one way ptplab waits for something: poll a function until it yields a
// value (or holds), a deadline passes, or an AbortSignal fires.
import { InterruptedError } from '../errors.js'

// Resolves after ms, or at once when `signal` aborts (callers check it).
export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((r) => {
    if (signal?.aborted) return r()
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      r()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })

export interface PollOptions {
  timeoutMs: number
  intervalMs?: number // default 25
  signal?: AbortSignal // aborting throws InterruptedError
  ignoreErrors?: boolean // an attempt that throws counts as "not yet"
}

// Calls f until it returns a value other than undefined/false. Returns that
// value and how long it took, or { ms } alone when the deadline passed.
export async function poll<T>(f: () => T | undefined | false | Promise<T | undefined | false>, o: PollOptions): Promise<{ value?: T; ms: number }> {
  const start = Date.now()
  for (;;) {
    if (o.signal?.aborted) throw new InterruptedError()
    let v: T | undefined | false
    try {
      v = await f()
    } catch (e) {
      if (!o.ignoreErrors || e instanceof InterruptedError) throw e
      v = undefined
    }
    if (v !== undefined && v !== false) return { value: v, ms: Date.now() - start }
    if (Date.now() - start > o.timeoutMs) return { ms: Date.now() - start }
    await sleep(o.intervalMs ?? 25, o.signal)
  }
}

// Like poll, but a timeout is an error saying what it waited for (a
// function: the message may depend on what is still missing).
export async function pollUntil(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string | (() => string),
  o: { intervalMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const r = await poll(cond, { timeoutMs, ...o })
  if (r.value === undefined) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`)
}
