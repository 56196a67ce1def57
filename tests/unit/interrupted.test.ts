// Ctrl-C ends a command as interrupted (exit 130) once its signal has
// aborted, whatever the aborted work then throws or returns; errors are
// told apart by class, not by message.
import t from 'tap'
import { interruptibly } from '../../cli/interrupt.js'
import { exitCodeFor } from '../../cli/output.js'
import { InputError, InterruptedError } from '../../lab/errors.js'
import { pollUntil, sleep } from '../../lab/sys/poll.js'
import { CommandError } from '../../lab/sys/run.js'

process.env.PTPLAB_QUIET = '1'

// Runs `fn` under interruptibly() and sends this process SIGINT once fn has started.
async function interrupted<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<unknown> {
  try {
    await interruptibly(async (signal) => {
      setImmediate(() => process.kill(process.pid, 'SIGINT'))
      return fn(signal)
    })
  } catch (e) {
    return e
  }
  return undefined
}

t.test('after SIGINT every outcome is InterruptedError, exit 130', async (t) => {
  const listeners = process.listenerCount('SIGINT')
  // A command that died of the same signal (forked as it came).
  const cmd = new CommandError(['ip', 'link', 'add'], undefined, '', 'SIGINT')
  const e1 = await interrupted(async (signal) => {
    await pollUntil(() => signal.aborted, 5000, 'the abort')
    throw cmd
  })
  t.type(e1, InterruptedError)
  t.equal((e1 as InterruptedError).cause, cmd, 'the failure is kept as the cause')
  t.equal(exitCodeFor(e1), 130)
  // Work that stops on the abort itself, e.g. pollUntil.
  const e2 = await interrupted((signal) => pollUntil(() => false, 5000, 'nothing', { signal }))
  t.type(e2, InterruptedError)
  t.equal((e2 as InterruptedError).cause, undefined, 'already interrupted: not wrapped again')
  // Work that ignores the signal and completes (a step that cannot stop).
  const e3 = await interrupted(async () => {
    await sleep(50)
    return 'done'
  })
  t.type(e3, InterruptedError, 'a command that completes after Ctrl-C still ends as interrupted')
  t.equal(process.listenerCount('SIGINT'), listeners, 'the handlers are removed again')
})

t.test('without a signal, results and errors pass through', async (t) => {
  t.equal(await interruptibly(async () => 42), 42)
  const bad = new InputError('bad', { file: 'x.yaml' })
  await t.rejects(interruptibly(async () => Promise.reject(bad)), bad)
  t.equal(exitCodeFor(bad), 2)
})

t.test('the exit code is chosen by class, not by the message', async (t) => {
  t.equal(exitCodeFor(new InterruptedError()), 130)
  t.equal(exitCodeFor(new Error('interrupted')), 1, "a plain Error('interrupted') is no interruption by itself")
  t.equal(exitCodeFor(new CommandError(['x'], undefined, '', 'SIGINT')), 1)
})
