// The suite and its named tests against an in-memory cluster whose clocks
// follow a script (tests/fixtures/fake-cluster.ts): each passes on a good
// script and fails, with a message that says what went wrong, on a script
// that breaks exactly its behaviour. No root, no lab.
import t from 'tap'
import { ClusterUnhealthyError, runSuite } from '../../lab/conformance/suite.js'
import { NAMED_TESTS, soakVerdict } from '../../lab/conformance/engine.js'
import type { SuiteResult } from '../../lab/conformance/report.js'
import type { TestSettings } from '../../lab/conformance/settings.js'
import type { Mode } from '../../lab/conformance/modes.js'
import { FakeCluster, type FakeScript } from '../fixtures/fake-cluster.js'

const settings = (modes: Mode[], over: Partial<TestSettings> = {}): TestSettings => ({
  modes,
  window: { min: -100, max: 100 },
  timeoutMs: 1500,
  keepConfig: false,
  externalGm: false,
  skipInterfaces: [],
  ...over,
})

async function suite(script: FakeScript, modes: Mode[] = ['oc'], over: Partial<TestSettings> = {}) {
  const cluster = new FakeCluster(script)
  const progress: string[] = []
  const results = await runSuite({ cluster, settings: settings(modes, over), progress: (m) => progress.push(m) })
  return { cluster, results, progress }
}

const tests = (r: SuiteResult) => [...new Set(r.checks.map((c) => c.test))]
const failing = (r: SuiteResult) => r.checks.filter((c) => !c.pass)

t.test('OC on a good script: every named test passes, and the suite cleans up after itself', async (t) => {
  const { cluster, results } = await suite({})
  const [r] = results
  t.equal(r!.error, undefined)
  t.same(failing(r!), [])
  t.same(tests(r!), ['sync', 'port down/up recovery', 'process restart', 'profile priority'])
  t.ok(r!.syncedAfterMs! >= 0)
  t.ok(r!.checks.every((c) => typeof c.durationMs === 'number'), 'every check carries its named test duration')
  // What the suite did through the seam, in order.
  const seq = cluster.calls.filter((c) => !c.startsWith('label'))
  t.same(seq.slice(0, 3), ['l2discover', 'apply test-grandmaster', 'apply test-slave1'])
  t.ok(seq.some((c) => /^carrier worker1:ens1f0 down$/.test(c)) && seq.some((c) => /^carrier worker1:ens1f0 up$/.test(c)), 'the slave port was pulled and plugged back')
  t.ok(seq.some((c) => c.startsWith('stop worker1 ptp4l.')), 'ptp4l of the clock under test was stopped')
  t.same(cluster.configs, [], 'the generated PtpConfigs are removed')
  t.same((await cluster.nodes()).map((n) => Object.keys(n.labels).filter((k) => k.startsWith('ptp/'))), [[], [], []], 'and the role labels')
})

t.test('BC, DualNICBC and DualFollower on a good script', async (t) => {
  const { results } = await suite({}, ['bc', 'dualnicbc', 'dualfollower'])
  for (const r of results) {
    t.same(failing(r), [], `${r.suite}: ${r.description}`)
    t.ok(r.checks.length > 8, `${r.suite}: ${r.checks.length} checks`)
  }
  t.same(tests(results[2]!), ['sync', 'dual follower failover', 'process restart', 'profile priority'])
})

t.test('a clock that never locks fails sync with its clock state, and no later test runs', async (t) => {
  const { results } = await suite({ neverLocks: true })
  const r = results[0]!
  t.same(tests(r), ['sync'])
  const st = r.checks.find((c) => /clock state$/.test(c.name))!
  t.equal(st.pass, false)
  t.equal(st.measured, 'FREERUN (0)')
  t.equal(st.expected, 'LOCKED (1)')
})

t.test('PTPLAB_DEBUG: while waiting for sync, the failing checks are said with what they measured, not every poll', async (t) => {
  const { progress } = await suite({ neverLocks: true }, ['oc'], { debug: true })
  const said = progress.filter((m) => m.startsWith('debug: '))
  t.ok(said.length >= 1 && said.length <= 3, `said ${said.length} times in 1.5 s of polling every 250 ms`)
  t.match(said[0], /^debug: \+[\d.]+ s not yet: .*clock state: FREERUN \(0\) \(expected LOCKED \(1\)\)/)
  const quiet = await suite({ neverLocks: true })
  t.same(quiet.progress.filter((m) => m.startsWith('debug: ')), [], 'nothing without it')
})

t.test("a slave that does not leave SLAVE when its cable is pulled fails port recovery", async (t) => {
  const r = (await suite({ stuckOnLinkDown: true })).results[0]!
  const c = r.checks.find((x) => x.test === 'port down/up recovery' && /leaves SLAVE/.test(x.name))!
  t.equal(c.pass, false)
  t.equal(c.measured, 'still SLAVE')
  t.same(failing(r).map((x) => x.test), ['port down/up recovery'], 'nothing else fails')
})

t.test('a ptp4l that ignores SIGTERM fails the restart test: status never drops, same process', async (t) => {
  const r = (await suite({ restartIgnored: true })).results[0]!
  const [status, fresh] = r.checks.filter((x) => x.test === 'process restart')
  t.equal(status!.pass, false)
  t.equal(status!.measured, '1', 'process_status stayed 1')
  t.equal(status!.expected, '1 -> 0 -> 1')
  t.equal(fresh!.pass, false)
  t.match(fresh!.measured, /^process (\d+) -> \1$/)
})

t.test('a daemon that never applies the priority profile fails the priority test, and the originals stay', async (t) => {
  const r = (await suite({ neverApplies: ['temp_temp'] })).results[0]!
  const [replaced, restored] = r.checks.filter((x) => x.test === 'profile priority')
  t.equal(replaced!.pass, false)
  t.match(replaced!.name, /priority 0 profile temp_temp replaces test-slave1_test-slave1 on worker1/)
  t.equal(replaced!.measured, 'profiles: test-slave1_test-slave1')
  t.equal(restored!.pass, true)
})

t.test('dual follower: a standby that never takes over fails the failover test', async (t) => {
  // With the active port's cable "stuck", the standby never becomes SLAVE.
  const r = (await suite({ stuckOnLinkDown: true }, ['dualfollower'])).results[0]!
  const c = r.checks.find((x) => x.test === 'dual follower failover' && /becomes SLAVE/.test(x.name))!
  t.equal(c.pass, false)
  t.equal(c.measured, 'did not take over')
})

t.test('soak: counts losses after the first lock, and fails a clock that never locks', async (t) => {
  t.same(soakVerdict([1, 1, 1], 2), { losses: 0, locked: true, pass: true })
  t.same(soakVerdict([0, 1, 0, 1, 0], 2), { losses: 2, locked: true, pass: false })
  t.same(soakVerdict([0, 1, 0, 1], 3), { losses: 1, locked: true, pass: true })
  t.same(soakVerdict([0, 0, undefined, 0], 1), { losses: 0, locked: false, pass: false }, 'never LOCKED is a failure, not a pass')
  t.same(soakVerdict([], 1), { losses: 0, locked: false, pass: false })
  // On the fake: each lock holds one second, then the servo loses it.
  const r = (await suite({ unlockAfterMs: 1000 }, ['oc'], { soak: { durationMs: 2500, failureThreshold: 1 } })).results[0]!
  const soak = r.checks.find((c) => c.test === 'soak: slave_clock_sync')!
  t.equal(soak.pass, false, `soak fails: ${soak.measured}`)
  t.match(soak.measured, /^never LOCKED|^1$/)
})

t.test('a dead daemon is named before any test runs', async (t) => {
  const cluster = new FakeCluster({ deadDaemons: ['worker2'] })
  await t.rejects(runSuite({ cluster, settings: settings(['oc']), progress: () => {} }), {
    constructor: ClusterUnhealthyError,
    message: /fake cluster is not healthy:\n  worker2: the daemon does not answer/,
  })
  t.same(cluster.calls, [], 'nothing was changed')
})

t.test('Discovery mode classifies and tests the user PtpConfigs, and leaves them in place', async (t) => {
  const cluster = new FakeCluster({})
  const { grandmasterConfig, ocSlaveConfig, LABEL_CUT, LABEL_GM } = await import('../../lab/profiles/ptpconfigs.js')
  await cluster.setNodeLabels('worker3', { [LABEL_GM]: '' })
  await cluster.setNodeLabels('worker1', { [LABEL_CUT]: '' })
  await cluster.applyPtpConfigs([grandmasterConfig('ens4f0', { softwareTimestamps: true }), ocSlaveConfig('ens1f0', { softwareTimestamps: true })])
  const [r] = await runSuite({ cluster, settings: settings(['discovery']), progress: () => {} })
  t.match(r!.description, /^discovered OC: OC worker1:ens1f0\(S\); external GM$/)
  t.same(failing(r!), [])
  t.same(cluster.configs.map((c) => c.metadata.name), ['test-grandmaster', 'test-slave1'], 'user configs untouched')
})

t.test('the named tests are a table', async (t) => {
  t.same(NAMED_TESTS.map((x) => x.name), ['dual follower failover', 'port down/up recovery', 'process restart', 'profile priority', 'soak: slave_clock_sync'])
})
