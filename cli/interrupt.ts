// Ctrl-C for long commands: one AbortSignal for the work, exit 130 after it.
import { InterruptedError } from '../lab/errors.js'
import { progress } from './output.js'

// SIGINT/SIGTERM during `fn` aborts its signal: the running step ends, up
// rolls back, run tears down. Once aborted, the command ends as interrupted
// (exit 130) whatever it then returns or throws (a step that failed because
// of the interruption, an error thrown as `new Error('interrupted')`).
export async function interruptibly<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController()
  const onSig = () => {
    progress(ac.signal.aborted ? 'interrupted again: still cleaning up' : 'interrupted: cleaning up')
    ac.abort()
  }
  process.on('SIGINT', onSig)
  process.on('SIGTERM', onSig)
  try {
    const r = await fn(ac.signal)
    if (ac.signal.aborted) throw new InterruptedError()
    return r
  } catch (e) {
    if (ac.signal.aborted && !(e instanceof InterruptedError)) throw new InterruptedError('interrupted', { cause: e })
    throw e
  } finally {
    process.off('SIGINT', onSig)
    process.off('SIGTERM', onSig)
  }
}
