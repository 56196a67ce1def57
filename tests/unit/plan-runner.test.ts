// The step-plan runner: skips what its check says is done, stops at a
// failure and undoes what this run made (in reverse; kept steps and what an
// earlier run made are reported as left), runs `always` steps anyway, counts
// failed verdict steps and goes on; the dry-run text shows every check,
// action and undo.
import t from 'tap'
import { actionText, planLines } from '../../lab/plan/render.js'
import { PlanFailed, runPlan } from '../../lab/plan/runner.js'
import type { Action, Step } from '../../lab/plan/types.js'
import { scripted } from '../fixtures/plan-exec.js'

const cmd = (...argv: string[]): Action => ({ do: 'run', argv })
const steps: Step[] = [
  { name: 'a', actions: [cmd('make', 'a')], undo: [cmd('unmake', 'a')] },
  { name: 'b', check: { action: cmd('has', 'b'), done: (r) => r.stdout === 'yes', what: 'b is there' }, actions: [cmd('make', 'b')], undo: [cmd('unmake', 'b')] },
  { name: 'c', actions: [cmd('make', 'c')], keep: 'the c cluster' },
  { name: 'd', actions: [cmd('make', 'd'), cmd('make', 'd2')], undo: [cmd('unmake', 'd')] },
  { name: 'test', verdict: true, actions: [cmd('test', 'x')] },
  { name: 'artifacts', always: true, actions: [cmd('collect')] },
]
const quiet = { progress: () => {} }

t.test('a clean run does every step in order', async (t) => {
  const s = scripted()
  const r = await runPlan(steps, s.exec, quiet)
  t.same(s.journal, ['$ make a', '$ has b', '$ make b', '$ make c', '$ make d', '$ make d2', '$ test x', '$ collect'])
  t.ok(r.ok)
  t.same(r.steps.map((x) => x.status), ['done', 'done', 'done', 'done', 'done', 'done'])
})

t.test('a resumed run skips what is done', async (t) => {
  const s = scripted((l) => (l === '$ has b' ? { stdout: 'yes' } : undefined))
  const r = await runPlan(steps, s.exec, quiet)
  t.notOk(s.journal.includes('$ make b'), 'b not made again')
  t.equal(r.steps[1]!.status, 'skipped')
})

t.test('a failure in the middle: the failed step and what this run made are undone, kept steps are left, always steps run', async (t) => {
  const s = scripted((l) => (l === '$ make d2' ? { ok: false, detail: 'exit status 1: no space' } : l === '$ has b' ? { stdout: 'yes' } : undefined))
  const r = await runPlan(steps, s.exec, quiet)
  t.notOk(r.ok)
  t.same(r.failed, { step: 'd', error: '$ make d2: exit status 1: no space' })
  t.same(s.journal, ['$ make a', '$ has b', '$ make c', '$ make d', '$ make d2', '$ unmake d', '$ unmake a', '$ collect'], 'd undone, then a (b was an earlier run\'s), c kept; the test is not run')
  t.same(r.rolledBack, ['d', 'a'])
  t.same(r.left, ['the c cluster', 'b'], 'kept, and made by an earlier run')
  t.same(r.steps.map((x) => x.status), ['rolled back', 'skipped', 'done', 'failed', 'not run', 'done'])
  t.type(new PlanFailed(r).message, 'string')
})

t.test('a failed undo is reported and the others still run', async (t) => {
  const s = scripted((l) => (l === '$ make d' ? { ok: false, detail: 'boom' } : l === '$ unmake d' ? { ok: false, detail: 'busy' } : undefined))
  const r = await runPlan(steps, s.exec, quiet)
  t.ok(s.journal.includes('$ unmake a'))
  t.match(r.left.join('\n'), /d \(undo failed: \$ unmake d: busy\)/)
})

t.test('a failed verdict is counted; the plan goes on', async (t) => {
  const s = scripted((l) => (l === '$ test x' ? { ok: false, detail: 'FAIL' } : undefined))
  const r = await runPlan(steps, s.exec, quiet)
  t.notOk(r.ok)
  t.equal(r.failed, undefined)
  t.same(r.verdictsFailed, ['test'])
  t.equal(s.journal.at(-1), '$ collect')
  t.same(r.rolledBack, [], 'a failed test rolls nothing back')
})

t.test('an interrupt stops the plan and rolls back', async (t) => {
  const ac = new AbortController()
  const s = scripted((l) => {
    if (l === '$ make c') ac.abort()
    return undefined
  })
  const r = await runPlan(steps, s.exec, { ...quiet, signal: ac.signal })
  t.equal(r.failed?.step, 'd')
  t.match(r.failed?.error, /interrupted/)
  t.ok(s.journal.includes('$ unmake b') && s.journal.includes('$ unmake a'))
})

t.test('the dry-run text: checks, actions, undo, kept, tags', async (t) => {
  t.same(planLines(steps.slice(1, 3)), [
    '[1/2] b',
    '  skip when: b is there',
    '    $ has b',
    '  $ make b',
    '  undo: $ unmake b',
    '[2/2] c',
    '  $ make c',
    '  kept on failure (for down): the c cluster',
  ])
  t.equal(planLines([steps[4]!])[0], '[1/1] test (test)')
  t.equal(actionText({ do: 'run', argv: ['sh', '-c', 'a; b'], input: 'xy', env: { A: 'b c' }, okExit: [0, 3], stdoutTo: '/o' }), "$ A=$'b c' sh -c $'a; b' < (2 bytes) > /o  (exit 0 or 3 is fine)", 'quoted so it pastes as one word each')
  t.equal(actionText({ do: 'wait', for: { what: 'rollout', kind: 'DaemonSet', namespace: 'ns', name: 'd', minReady: 3 }, timeoutMs: 300_000 }), 'wait rollout of DaemonSet ns/d (at least 3 pods) (up to 300 s)')
  t.equal(actionText({ do: 'patch', object: { apiVersion: 'v1', kind: 'Node', name: 'n' }, patch: { a: 1 } }), 'api merge-patch v1 Node n {"a":1}')
})
