// The run report wired to the suite (lab/report/recorder.ts, json.ts): the
// RunRecorder observes a real suite run on the in-memory cluster
// (tests/fixtures/fake-cluster.ts) through the Cluster seam only, as it does
// a lab or a Kubernetes cluster: parts from the plan, a series per observed
// slave port sampled through the node handles, the named tests' intervals,
// the engine's events in the order they happened, the roles when sync
// passed; then the report files and the --json document from that record.
import t from 'tap'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runSuite } from '../../lab/conformance/suite.js'
import type { TestSettings } from '../../lab/conformance/settings.js'
import type { Mode } from '../../lab/conformance/modes.js'
import { runJson } from '../../lab/report/json.js'
import { observedTopology, planParts, RunRecorder } from '../../lab/report/recorder.js'
import { writeRunReport } from '../../lab/report/write.js'
import { FakeCluster } from '../fixtures/fake-cluster.js'

const settings = (modes: Mode[]): TestSettings => ({ modes, window: { min: -100, max: 100 }, timeoutMs: 1500, keepConfig: false, externalGm: false, skipInterfaces: [] })

async function recorded(modes: Mode[], withTopology: boolean) {
  const cluster = new FakeCluster({})
  const rec = new RunRecorder({
    cluster,
    lab: withTopology ? 'fake' : cluster.description,
    ...(withTopology && { topology: cluster.t }),
    window: { min: -100, max: 100 },
    clock: withTopology ? 'shared' : 'independent',
    command: 'ptplab test',
    intervalMs: 20,
    junitFor: (m) => ({ label: `junit-${m}.xml`, path: `junit-${m}.xml` }),
  })
  const results = await runSuite({ cluster, settings: settings(modes), progress: () => {}, observer: rec })
  return { cluster, rec, results, record: rec.record() }
}

t.test('parts of a plan: slave ports observed, numbered when a mode has two clocks of a kind', async (t) => {
  const p = planParts({
    gm: { node: 'w3', port: 'e5' },
    clocks: [
      { config: 'test-bc-master1', kind: 'bc', node: 'w1', slavePorts: ['e1'], masterPorts: ['e2'] },
      { config: 'test-bc-master2', kind: 'bc', node: 'w2', slavePorts: ['e3'], masterPorts: ['e4'] },
    ],
    downstream: [{ config: 'test-slave1', node: 'w3', port: 'e6' }],
  })
  t.same(p.observed.map((x) => `${x.node}:${x.port} ${x.part}`), ['w1:e1 BC1 slave', 'w2:e3 BC2 slave', 'w3:e6 downstream slave'])
  t.same(p.parts.map((x) => x.part), ['BC1 slave', 'BC2 slave', 'downstream slave', 'BC1 master', 'BC2 master', 'GM'])
  const topo = observedTopology('c', [{ node: 'a', port: 'p1' }, { node: 'b', port: 'p2' }, { node: 'a', port: 'p1' }, { node: 'a', port: 'p3' }])
  t.same(topo.nodes.map((n) => [n.name, n.nics[0]!.ports]), [['a', ['p1', 'p3']], ['b', ['p2']]])
  t.same(topo.links, [])
})

t.test('a BC run on a lab-like cluster: the record the report is made from', async (t) => {
  const { record, rec, results } = await recorded(['bc'], true)
  const [m] = record.modes
  t.equal(m!.result, results[0], 'the suite result as the engine returned it')
  t.same(m!.parts.map((p) => p.part).sort(), ['BC master', 'BC slave', 'GM', 'downstream slave'])
  t.same(m!.series.map((s) => s.part), ['BC slave', 'downstream slave'], 'a series per observed slave port')
  for (const s of m!.series) {
    t.ok(s.samples.length >= 3, `${s.node}:${s.port}: ${s.samples.length} samples`)
    t.ok(s.samples.some((x) => x.role === 'SLAVE' && x.clockState === 'LOCKED' && x.offsetNs === 42), 'locked with the offset the daemon exports')
  }
  const slave = m!.series[0]!
  t.same(m!.tests.map((x) => [x.name, x.status]), [['sync', 'PASSED'], ['port down/up recovery', 'PASSED'], ['process restart', 'PASSED'], ['profile priority', 'PASSED']])
  t.ok(m!.tests.every((x, i) => x.start <= x.end && (i === 0 || x.start >= m!.tests[i - 1]!.end)), 'intervals in order, not overlapping')
  const kinds = m!.events.map((e) => e.kind)
  t.same(kinds, ['config-applied', 'port-down', 'port-up', 'sigterm', 'process-exit', 'process-start', 'config-applied', 'profile-applied', 'config-removed', 'profile-applied', 'config-removed'])
  t.match(m!.events[1], { node: slave.node, port: slave.port })
  const inTest = (kind: string, name: string) => {
    const e = m!.events.find((x) => x.kind === kind)!
    const x = m!.tests.find((y) => y.name === name)!
    return e.t >= x.start && e.t <= x.end
  }
  t.ok(inTest('port-down', 'port down/up recovery') && inTest('sigterm', 'process restart') && inTest('profile-applied', 'profile priority'), 'each event inside its named test')
  t.equal(m!.live?.ports[`${slave.node}:${slave.port}`]?.role, 'SLAVE', 'the roles when sync passed')
  t.ok(m!.live!.clocks.some((c) => c.stepsRemoved !== undefined), 'and the clocks (pmc), for the GM chain')
  t.same(m!.junit, { label: 'junit-bc.xml', path: 'junit-bc.xml' })
  t.ok(rec.rounds >= slave.samples.length, 'rounds counted')
  t.equal(record.topology.nodes.length, 3)

  const dir = await mkdtemp(join(tmpdir(), 'ptplab-report-run-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const files = await writeRunReport(dir, record)
  const html = await readFile(files.index, 'utf8')
  t.match(html, /data-mode="bc"/)
  t.equal((html.match(/<svg[^>]*class="series-plot"/g) ?? []).length, 2, 'two plots')
  const csv = (await readFile(files.csv, 'utf8')).trim().split('\n')
  t.equal(csv.length - 1, m!.series.reduce((a, s) => a + s.samples.length, 0), 'a CSV row per sample')

  const j = runJson(record, files)
  t.equal(j.verdict, 'PASS')
  t.same(j.report, files)
  t.equal(j.checks.total, m!.result.checks.length)
  const jm = j.modes[0]!
  t.same(jm.checks, m!.result.checks, 'checks in run order, with their timings')
  t.ok(jm.checks.every((c) => typeof c.durationMs === 'number'))
  t.same(jm.tests.map((x) => x.name), m!.tests.map((x) => x.name))
  t.ok(jm.tests.every((x) => x.durationMs === x.end - x.start && x.checks > 0 && x.failed === 0))
  t.same(jm.samples.map((s) => [s.part, s.samples === m!.series.find((x) => x.part === s.part)!.samples.length]), [['BC slave', true], ['downstream slave', true]])
  t.ok(jm.samples.every((s) => s.minNs === 42 && s.maxNs === 42 && s.inWindowPct === 100))
})

t.test('a cluster without a topology (Kubernetes): nodes and ports of the modes drawn, uncabled', async (t) => {
  const { record } = await recorded(['oc'], false)
  const [m] = record.modes
  t.same(record.topology.nodes.map((n) => n.name).sort(), [...new Set(m!.parts.map((p) => p.node))].sort(), 'the nodes the mode used')
  t.same(record.topology.links, [])
  t.equal(record.clock, 'independent')
  t.equal(m!.series.length, 1)
  t.ok(m!.series[0]!.samples.some((x) => x.clockState === 'LOCKED'))
  t.ok(m!.live, 'roles read through the cluster node handles')
  const dir = await mkdtemp(join(tmpdir(), 'ptplab-report-run-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const files = await writeRunReport(dir, record)
  t.match(await readFile(files.index, 'utf8'), /data-mode="oc"/)
})

t.test('interrupted in the middle of a mode: the sampler stops, the mode is recorded as interrupted', async (t) => {
  const cluster = new FakeCluster({})
  const ac = new AbortController()
  const rec = new RunRecorder({ cluster, lab: 'fake', topology: cluster.t, window: { min: -100, max: 100 }, clock: 'shared', intervalMs: 20 })
  const observer = {
    modeStart: (plan: Parameters<RunRecorder['modeStart']>[0]) => {
      const o = rec.modeStart(plan)
      return { ...o, event: (e: Parameters<NonNullable<typeof o.event>>[0]) => (o.event!(e), e.kind === 'port-down' && ac.abort()) }
    },
    modeEnd: rec.modeEnd.bind(rec),
  }
  await t.rejects(runSuite({ cluster, settings: settings(['oc', 'bc']), progress: () => {}, signal: ac.signal, observer }), { name: 'InterruptedError' })
  const r = rec.record()
  t.equal(r.modes.length, 1, 'only the mode that ran')
  t.match(r.modes[0], { result: { suite: 'oc', error: 'interrupted' }, tests: [{ name: 'sync', status: 'PASSED' }] })
  t.ok(r.modes[0]!.series[0]!.samples.length > 0, 'its samples kept')
  const n = r.modes[0]!.series[0]!.samples.length
  await new Promise((res) => setTimeout(res, 60))
  t.equal(rec.record().modes[0]!.series[0]!.samples.length, n, 'no sampling after the end')
})
