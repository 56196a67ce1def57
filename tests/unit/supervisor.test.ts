// The lab's supervisor loop with a fake clock and fake processes: a dead
// daemon is started again and counted, with kubelet-style back-off.
import t from 'tap'
import { backoffMs, supervise, STABLE_MS, type SupervisorRecord } from '../../lab/backends/netns/supervisor.js'

function world(o: { deaths: Array<[number, string]>; until: number }) {
  let now = 0
  let next = 100
  const alive = new Set<number>([1, 2])
  const starts: Array<[number, string]> = []
  const saves: Array<Record<string, number>> = []
  const ops = {
    alive: async (s: { pid: number }) => alive.has(s.pid),
    start: async (node: string) => {
      starts.push([now, node])
      alive.add(++next)
      return { pid: next }
    },
    save: async (r: SupervisorRecord) => void saves.push({ ...r.restarts }),
    labGone: () => now >= o.until,
    now: () => now,
    sleep: async (ms: number) => {
      now += ms
      for (const [at, node] of o.deaths) if (at <= now && at > now - ms) for (const p of [...alive]) if (owner.get(p) === node) alive.delete(p)
    },
  }
  const owner = new Map<number, string>([[1, 'a'], [2, 'b']])
  const start = ops.start
  ops.start = async (node) => {
    const s = await start(node)
    owner.set(s.pid, node)
    return s
  }
  return { ops, starts, saves }
}

t.test('back-off doubles from 1 s up to 30 s', async (t) => {
  t.same([1, 2, 3, 4, 5, 6, 7].map(backoffMs), [1000, 2000, 4000, 8000, 16000, 30000, 30000])
})

t.test('a dead daemon is started again after 1 s and counted; the others are left alone', async (t) => {
  const w = world({ deaths: [[5000, 'a']], until: 20_000 })
  const rec: SupervisorRecord = { pid: 9, daemons: { a: { pid: 1 }, b: { pid: 2 } }, restarts: {} }
  await supervise(rec, w.ops, { intervalMs: 500 })
  t.same(w.starts, [[6000, 'a']], 'restarted once, 1 s after it was seen dead')
  t.same(rec.restarts, { a: 1 })
  t.same(w.saves, [{ a: 1 }], 'the count is saved when it changes')
  t.equal(rec.daemons.a!.pid, 101, 'the new process is watched')
})

t.test('a crash loop backs off; a daemon that ran a minute starts over at 1 s', async (t) => {
  const deaths: Array<[number, string]> = [[1000, 'a'], [2500, 'a'], [5000, 'a'], [9000 + STABLE_MS + 1000, 'a']]
  const w = world({ deaths, until: STABLE_MS + 20_000 })
  const rec: SupervisorRecord = { pid: 9, daemons: { a: { pid: 1 }, b: { pid: 2 } }, restarts: {} }
  await supervise(rec, w.ops, { intervalMs: 500 })
  t.same(w.starts.map(([at]) => at), [2000, 4500, 9000, 9000 + STABLE_MS + 2000])
  t.same(rec.restarts, { a: 4 })
})

t.test('stops at once when aborted or the lab is gone', async (t) => {
  const w = world({ deaths: [[0, 'a']], until: 0 })
  const rec: SupervisorRecord = { pid: 9, daemons: { a: { pid: 1 } }, restarts: {} }
  await supervise(rec, w.ops, { intervalMs: 500 })
  t.same(w.starts, [])
  const ac = new AbortController()
  ac.abort()
  await supervise(rec, world({ deaths: [], until: 1e9 }).ops, { intervalMs: 500, signal: ac.signal })
  t.pass('returned')
})
