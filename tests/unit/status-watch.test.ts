// `ptplab status --watch` (cli/watch.ts): frames on a terminal redraw the
// screen, piped they follow each other under a header; a failing frame
// shows its error and the watch goes on; the abort (Ctrl-C through
// interruptibly) ends it as interrupted (exit 130), also in the middle of
// a wait. In-process with an injected wait: no real sleeps.
import t from 'tap'
import { CLEAR, parseInterval, watch } from '../../cli/watch.js'
import { exitCodeFor } from '../../cli/output.js'
import { InterruptedError } from '../../lab/errors.js'

function run(o: { tty: boolean; bare?: boolean; frames: Array<string | Error>; abortAfterWaits: number }) {
  const ac = new AbortController()
  const out: string[] = []
  const waits: number[] = []
  let i = 0
  const done = watch({
    title: 'ptplab status --name lab',
    intervalMs: 1500,
    tty: o.tty,
    bare: o.bare,
    now: () => new Date(Date.UTC(2026, 11, 2, 6, 0, i)),
    frame: async () => {
      const f = o.frames[Math.min(i++, o.frames.length - 1)]!
      if (f instanceof Error) throw f
      return f
    },
    write: (s) => void out.push(s),
    signal: ac.signal,
    wait: async (ms) => {
      waits.push(ms)
      if (waits.length >= o.abortAfterWaits) ac.abort()
    },
  })
  return { done, out, waits }
}

t.test('piped: successive frames, each under its header; an error frame and the watch goes on', async (t) => {
  const r = run({ tty: false, frames: ['one\n', new Error('lab "x" is not up'), 'three'], abortAfterWaits: 3 })
  const e = await r.done.catch((x: unknown) => x)
  t.ok(e instanceof InterruptedError, 'ends as interrupted')
  t.equal(exitCodeFor(e), 130)
  t.same(r.waits, [1500, 1500, 1500])
  t.same(r.out, [
    'Every 1.5s: ptplab status --name lab    2026-12-02T06:00:01Z\n\none\n\n',
    'Every 1.5s: ptplab status --name lab    2026-12-02T06:00:02Z\n\nerror: lab "x" is not up\n\n',
    'Every 1.5s: ptplab status --name lab    2026-12-02T06:00:03Z\n\nthree\n\n',
  ])
  t.notOk(r.out.join('').includes('\x1b'), 'no escape codes in a pipe')
})

t.test('on a terminal each frame clears the screen first', async (t) => {
  const r = run({ tty: true, frames: ['a', 'b'], abortAfterWaits: 2 })
  await t.rejects(r.done, InterruptedError)
  t.equal(r.out.length, 2)
  t.ok(r.out.every((f) => f.startsWith(CLEAR + 'Every 1.5s: ')), 'cursor home, clear, header')
})

t.test('bare frames (--json): one document a line, errors as JSON', async (t) => {
  const r = run({ tty: false, bare: true, frames: ['{"a":1}', new Error('gone')], abortAfterWaits: 2 })
  await t.rejects(r.done, InterruptedError)
  t.same(r.out, ['{"a":1}\n', '{"error":"gone"}\n'])
})

t.test('--interval: seconds, at least 0.1; bad values name the flag', async (t) => {
  t.equal(parseInterval(undefined), 2000)
  t.equal(parseInterval('0.5'), 500)
  t.equal(parseInterval('3'), 3000)
  for (const bad of ['0', '-1', 'abc', '0.05', '1e3', ''])
    t.throws(() => parseInterval(bad), { name: 'InputError', field: '--interval' } as unknown as Error, JSON.stringify(bad))
})
