// "In sync" for a whole mode plan (lab/conformance/sync-checks.ts) on
// synthetic observations: metrics from hand-written Prometheus text (parsed
// with parsePromText, as observe() does), pmc data sets per "node:port",
// the switch's boundary clock. A passing BC-with-downstream plan, then each
// way it can fail; DualFollower's one-SLAVE-one-LISTENING rule; a direct
// link topology (the parent is the peer port's clock); unplugged ports.
import { fileURLToPath } from 'node:url'
import t from 'tap'
import type { CheckResult, ClockView, Observation, OffsetWindow } from '../../lab/conformance/checks.js'
import { buildPlan, type ModePlan, type PlanRoles } from '../../lab/conformance/plan.js'
import { syncChecks, upstreamOf, type Upstream } from '../../lab/conformance/sync-checks.js'
import { parsePromText } from '../../lab/ptp/prom-text.js'
import { loadTopologyFile, parseTopology, type Topology } from '../../lab/topology/index.js'
import { topologyWiring } from '../../lab/cluster/wiring.js'
import type { NodeHandle } from '../../lab/cluster/types.js'

// The cabling as a lab cluster knows it; checks read no node handle.
const wiringOf = (t: Topology) => topologyWiring(t, (name) => ({ name }) as NodeHandle)

const topoFile = (name: string) => fileURLToPath(new URL(`../../topologies/${name}`, import.meta.url))
const W: OffsetWindow = { min: -10000, max: 10000 }
const GEN = { softwareTimestamps: true }

// ---------------------------------------------------------------- observation builder

// Per node: role by real port name; clock state and offset by metric iface
// (the NIC alias ens2fx for ens2f0/ens2f1, as the daemon exports them).
interface NodeMetrics {
  roles?: Record<string, number>
  states?: Record<string, number>
  offsets?: Record<string, number>
}
type MetricSpec = Record<string, NodeMetrics>

function promText(node: string, m: NodeMetrics): string {
  const lines = [
    '# HELP openshift_ptp_offset_ns Offset from the time source in ns',
    '# TYPE openshift_ptp_offset_ns gauge',
    // phc2sys samples that must never be taken for ptp4l's
    `openshift_ptp_offset_ns{from="phc",iface="CLOCK_REALTIME",node="${node}",process="phc2sys"} 987654`,
    `openshift_ptp_clock_state{iface="CLOCK_REALTIME",node="${node}",process="phc2sys"} 0`,
  ]
  for (const [iface, v] of Object.entries(m.offsets ?? {}))
    lines.push(`openshift_ptp_offset_ns{from="master",iface="${iface}",node="${node}",process="ptp4l"} ${v}`)
  for (const [iface, v] of Object.entries(m.states ?? {}))
    lines.push(`openshift_ptp_clock_state{iface="${iface}",node="${node}",process="ptp4l"} ${v}`)
  lines.push('# TYPE openshift_ptp_interface_role gauge')
  for (const [iface, v] of Object.entries(m.roles ?? {}))
    lines.push(`openshift_ptp_interface_role{iface="${iface}",node="${node}",process="ptp4l"} ${v}`)
  return lines.join('\n') + '\n'
}

function observation(spec: MetricSpec, clocks: Record<string, ClockView>, switchClock?: ClockView): Observation {
  return {
    metrics: Object.fromEntries(Object.entries(spec).map(([n, m]) => [n, parsePromText(promText(n, m))])),
    clocks: structuredClone(clocks),
    ...(switchClock && { switchClock: structuredClone(switchClock) }),
  }
}

const clone = <T>(x: T): T => structuredClone(x)
const failing = (cs: CheckResult[]) => cs.filter((c) => !c.pass).map((c) => c.name)
const byName = (cs: CheckResult[], name: string) => {
  const c = cs.find((x) => x.name === name)
  if (!c) throw new Error(`no check named ${JSON.stringify(name)} in: ${cs.map((x) => x.name).join(' | ')}`)
  return c
}
const gmOf = (plan: ModePlan, obs: Observation): Upstream => ({
  name: `grandmaster ${plan.gm!.node}:${plan.gm!.port}`,
  view: obs.clocks[`${plan.gm!.node}:${plan.gm!.port}`],
})

// Clock identities.
const GM_ID = '6a23f7.fffe.a8a944'
const SW_ID = '026d35.fffe.fe0100'
const BC_ID = '1e4365.fffe.d5ab32'
const DS_ID = '3c2a11.fffe.000003'
const OTHER_ID = '99aa99.fffe.123456'

// ---------------------------------------------------------------- BC with a downstream slave (default lab)

// bc-with-slaves on the default lab: GM worker3:ens5f0 (VLAN 1502), BC on
// worker1 (slave ens2f1 on 1502, master ens2f0 on 1500), downstream slave
// worker1:ens1f1 (1500). Every port is cabled to switch1, so every slave's
// parent is the switch boundary clock.
const BC_ROLES: PlanRoles = {
  mode: 'bc',
  problem: 'bc-with-slaves',
  gm: { node: 'worker3', port: 'ens5f0' },
  clocks: [{ config: 'test-bc-master1', kind: 'bc', node: 'worker1', slavePorts: ['ens2f1'], masterPorts: ['ens2f0'] }],
  downstream: [{ config: 'test-slave1', node: 'worker1', port: 'ens1f1' }],
}
const BC_METRICS: MetricSpec = {
  worker1: {
    roles: { ens2f1: 1, ens2f0: 2, ens1f1: 1, ens1f0: 5 },
    states: { ens2fx: 1, ens1fx: 1 },
    offsets: { ens2fx: -75, ens1fx: 120 },
  },
  worker3: { roles: { ens5f0: 2 } },
}
const GM_CLOCK: ClockView = { clockIdentity: GM_ID, grandmasterIdentity: GM_ID, parentClock: GM_ID, stepsRemoved: 0 }
const SW_CLOCK: ClockView = { clockIdentity: SW_ID, grandmasterIdentity: GM_ID, parentClock: GM_ID, stepsRemoved: 1 }
const BC_CLOCK: ClockView = { clockIdentity: BC_ID, grandmasterIdentity: GM_ID, parentClock: SW_ID, stepsRemoved: 2 }
const BC_CLOCKS: Record<string, ClockView> = {
  'worker3:ens5f0': GM_CLOCK,
  'worker1:ens2f1': BC_CLOCK, // one ptp4l serves both BC ports
  'worker1:ens2f0': BC_CLOCK,
  'worker1:ens1f1': { clockIdentity: DS_ID, grandmasterIdentity: GM_ID, parentClock: SW_ID, stepsRemoved: 2 },
}

const BC_CHECK_NAMES = [
  'grandmaster worker3:ens5f0 role',
  'BC worker1:ens2f1 (slave port) role',
  'BC worker1:ens2f1 (slave port) clock state',
  'BC worker1:ens2f1 (slave port) offset from master',
  'BC worker1:ens2f1 (slave port) grandmaster identity',
  'BC worker1:ens2f1 (slave port) parent is switch boundary clock switch1',
  'BC worker1:ens2f1 (slave port) stepsRemoved',
  'BC worker1:ens2f0 (master port) role',
  'downstream worker1:ens1f1 role',
  'downstream worker1:ens1f1 clock state',
  'downstream worker1:ens1f1 offset from master',
  'downstream worker1:ens1f1 grandmaster identity',
  'downstream worker1:ens1f1 parent is switch boundary clock switch1',
  'downstream worker1:ens1f1 stepsRemoved',
]

t.test('BC with a downstream slave', async (t) => {
  const topo = await loadTopologyFile(topoFile('default.yaml'))
  const plan = buildPlan(BC_ROLES, GEN)
  // sw null: the switch's clock was not observed
  const run = (m: MetricSpec, clocks: Record<string, ClockView>, sw: ClockView | null = SW_CLOCK, w = W) => {
    const obs = observation(m, clocks, sw ?? undefined)
    return syncChecks(wiringOf(topo), plan, obs, w, gmOf(plan, obs))
  }

  t.test('in sync: every check passes, all tagged sync', async (t) => {
    const cs = run(BC_METRICS, BC_CLOCKS)
    t.same(cs.map((c) => c.name), BC_CHECK_NAMES)
    t.same(failing(cs), [], 'nothing fails')
    t.ok(cs.every((c) => c.test === 'sync'), 'every check carries test "sync"')
    t.same(
      cs.map((c) => c.measured),
      ['MASTER (2)', 'SLAVE (1)', 'LOCKED (1)', '-75 ns', GM_ID, SW_ID, '2', 'MASTER (2)', 'SLAVE (1)', 'LOCKED (1)', '120 ns', GM_ID, SW_ID, '2'],
    )
    t.equal(byName(cs, 'BC worker1:ens2f1 (slave port) stepsRemoved').expected, '2 (one more than switch boundary clock switch1)')
    t.equal(byName(cs, 'downstream worker1:ens1f1 offset from master').expected, '[-10000, 10000] ns')
    t.equal(byName(cs, 'downstream worker1:ens1f1 grandmaster identity').expected, GM_ID)
    // the window is inclusive
    const edge = clone(BC_METRICS)
    edge.worker1!.offsets = { ens2fx: -10000, ens1fx: 10000 }
    t.same(failing(run(edge, BC_CLOCKS)), [], 'offsets at the window edges pass')
  })

  t.test('grandmaster port not MASTER', async (t) => {
    const m = clone(BC_METRICS)
    m.worker3!.roles = { ens5f0: 5 }
    const cs = run(m, BC_CLOCKS)
    t.same(failing(cs), ['grandmaster worker3:ens5f0 role'])
    t.match(byName(cs, 'grandmaster worker3:ens5f0 role'), { pass: false, measured: 'LISTENING (5)', expected: 'MASTER (2)', test: 'sync' })
    // no metric at all (the GM's daemon is not exporting yet)
    const none = clone(BC_METRICS)
    delete none.worker3
    t.match(byName(run(none, BC_CLOCKS), 'grandmaster worker3:ens5f0 role'), { pass: false, measured: 'no metric' })
  })

  t.test('BC master port not MASTER', async (t) => {
    const m = clone(BC_METRICS)
    m.worker1!.roles!.ens2f0 = 3
    const cs = run(m, BC_CLOCKS)
    t.same(failing(cs), ['BC worker1:ens2f0 (master port) role'])
    t.match(byName(cs, 'BC worker1:ens2f0 (master port) role'), { measured: 'FAULTY (3)', expected: 'MASTER (2)' })
    // SLAVE on the master port is wrong too
    m.worker1!.roles!.ens2f0 = 1
    t.same(failing(run(m, BC_CLOCKS)), ['BC worker1:ens2f0 (master port) role'])
  })

  t.test('slave not LOCKED', async (t) => {
    const m = clone(BC_METRICS)
    m.worker1!.states!.ens2fx = 0
    const cs = run(m, BC_CLOCKS)
    t.same(failing(cs), ['BC worker1:ens2f1 (slave port) clock state'])
    t.match(byName(cs, 'BC worker1:ens2f1 (slave port) clock state'), { measured: 'FREERUN (0)', expected: 'LOCKED (1)' })
    m.worker1!.states!.ens2fx = 1
    m.worker1!.states!.ens1fx = 2
    t.same(failing(run(m, BC_CLOCKS)), ['downstream worker1:ens1f1 clock state'], 'HOLDOVER is not LOCKED')
    // a slave port that is not SLAVE
    const r = clone(BC_METRICS)
    r.worker1!.roles!.ens1f1 = 4
    t.same(failing(run(r, BC_CLOCKS)), ['downstream worker1:ens1f1 role'])
  })

  t.test('offset outside the window', async (t) => {
    const m = clone(BC_METRICS)
    m.worker1!.offsets!.ens1fx = 10001
    const cs = run(m, BC_CLOCKS)
    t.same(failing(cs), ['downstream worker1:ens1f1 offset from master'])
    t.match(byName(cs, 'downstream worker1:ens1f1 offset from master'), { measured: '10001 ns', expected: '[-10000, 10000] ns' })
    m.worker1!.offsets!.ens1fx = 120
    m.worker1!.offsets!.ens2fx = -10001
    t.same(failing(run(m, BC_CLOCKS)), ['BC worker1:ens2f1 (slave port) offset from master'])
    // a narrower window turns the in-sync observation into a failure
    t.same(failing(run(BC_METRICS, BC_CLOCKS, SW_CLOCK, { min: -100, max: 100 })), ['downstream worker1:ens1f1 offset from master'])
    // no offset sample: the phc2sys one must not be used
    const none = clone(BC_METRICS)
    delete none.worker1!.offsets!.ens2fx
    t.match(byName(run(none, BC_CLOCKS), 'BC worker1:ens2f1 (slave port) offset from master'), { pass: false, measured: 'no metric' })
  })

  t.test('wrong grandmaster identity', async (t) => {
    const c = clone(BC_CLOCKS)
    c['worker1:ens1f1']!.grandmasterIdentity = OTHER_ID
    const cs = run(BC_METRICS, c)
    t.same(failing(cs), ['downstream worker1:ens1f1 grandmaster identity'])
    t.match(byName(cs, 'downstream worker1:ens1f1 grandmaster identity'), { measured: OTHER_ID, expected: GM_ID })
    // the GM's own clock unknown: nobody can be checked against it
    const noGm = clone(BC_CLOCKS)
    delete noGm['worker3:ens5f0']
    t.same(failing(run(BC_METRICS, noGm)), [
      'BC worker1:ens2f1 (slave port) grandmaster identity',
      'downstream worker1:ens1f1 grandmaster identity',
    ])
  })

  t.test('parent is not the switch', async (t) => {
    const c = clone(BC_CLOCKS)
    // the BC claims to hear the GM directly, which it cannot behind OVS
    c['worker1:ens2f1'] = { ...BC_CLOCK, parentClock: GM_ID }
    const cs = run(BC_METRICS, c)
    t.same(failing(cs), ['BC worker1:ens2f1 (slave port) parent is switch boundary clock switch1'])
    t.match(byName(cs, 'BC worker1:ens2f1 (slave port) parent is switch boundary clock switch1'), { measured: GM_ID, expected: SW_ID })
    // the downstream slave's parent is the BC under test: still not the switch
    const d = clone(BC_CLOCKS)
    d['worker1:ens1f1']!.parentClock = BC_ID
    t.same(failing(run(BC_METRICS, d)), ['downstream worker1:ens1f1 parent is switch boundary clock switch1'])
    // no switch clock observed: parent and steps cannot pass
    t.same(failing(run(BC_METRICS, BC_CLOCKS, null)), [
      'BC worker1:ens2f1 (slave port) parent is switch boundary clock switch1',
      'BC worker1:ens2f1 (slave port) stepsRemoved',
      'downstream worker1:ens1f1 parent is switch boundary clock switch1',
      'downstream worker1:ens1f1 stepsRemoved',
    ])
  })

  t.test('stepsRemoved not parent + 1', async (t) => {
    for (const steps of [1, 3]) {
      const c = clone(BC_CLOCKS)
      c['worker1:ens2f1'] = { ...BC_CLOCK, stepsRemoved: steps }
      const cs = run(BC_METRICS, c)
      t.same(failing(cs), ['BC worker1:ens2f1 (slave port) stepsRemoved'], `stepsRemoved ${steps}`)
      t.match(byName(cs, 'BC worker1:ens2f1 (slave port) stepsRemoved'), {
        measured: String(steps),
        expected: '2 (one more than switch boundary clock switch1)',
      })
    }
    // the switch one step further away moves the expectation with it
    const sw = { ...SW_CLOCK, stepsRemoved: 2 }
    t.same(failing(run(BC_METRICS, BC_CLOCKS, sw)), ['BC worker1:ens2f1 (slave port) stepsRemoved', 'downstream worker1:ens1f1 stepsRemoved'])
    const c = clone(BC_CLOCKS)
    c['worker1:ens2f1'] = { ...BC_CLOCK, stepsRemoved: 3 }
    c['worker1:ens1f1']!.stepsRemoved = 3
    t.same(failing(run(BC_METRICS, c, sw)), [])
    // unknown stepsRemoved
    const u = clone(BC_CLOCKS)
    delete u['worker1:ens1f1']!.stepsRemoved
    t.match(byName(run(BC_METRICS, u), 'downstream worker1:ens1f1 stepsRemoved'), { pass: false, measured: 'unknown' })
    t.match(byName(run(BC_METRICS, BC_CLOCKS, { ...SW_CLOCK, stepsRemoved: undefined }), 'downstream worker1:ens1f1 stepsRemoved'), {
      pass: false,
      expected: 'one more than switch boundary clock switch1 (unknown)',
    })
  })
})

// ---------------------------------------------------------------- DualFollower

t.test('DualFollower: one port SLAVE, the other LISTENING', async (t) => {
  const topo = await loadTopologyFile(topoFile('default.yaml'))
  // dualfollower on the default lab: GM worker1:ens1f1, both ens3 ports of worker2 on VLAN 1500
  const plan = buildPlan(
    {
      mode: 'dualfollower',
      problem: 'dualfollower',
      gm: { node: 'worker1', port: 'ens1f1' },
      clocks: [{ config: 'test-slave1', kind: 'dualfollower', node: 'worker2', slavePorts: ['ens3f0', 'ens3f1'], masterPorts: [] }],
      downstream: [],
    },
    GEN,
  )
  const DF: ClockView = { clockIdentity: DS_ID, grandmasterIdentity: GM_ID, parentClock: SW_ID, stepsRemoved: 2 }
  const clocks = { 'worker1:ens1f1': GM_CLOCK, 'worker2:ens3f0': DF, 'worker2:ens3f1': DF }
  const metrics = (r0: number, r1: number): MetricSpec => ({
    worker1: { roles: { ens1f1: 2 } },
    worker2: { roles: { ens3f0: r0, ens3f1: r1 }, states: { ens3fx: 1 }, offsets: { ens3fx: 33 } },
  })
  const run = (m: MetricSpec) => {
    const obs = observation(m, clocks, SW_CLOCK)
    return syncChecks(wiringOf(topo), plan, obs, W, gmOf(plan, obs))
  }
  const names = (port: string) => [
    'grandmaster worker1:ens1f1 role',
    'DualFollower worker2 one port SLAVE, the other LISTENING',
    `DualFollower worker2:${port} role`,
    `DualFollower worker2:${port} clock state`,
    `DualFollower worker2:${port} offset from master`,
    `DualFollower worker2:${port} grandmaster identity`,
    `DualFollower worker2:${port} parent is switch boundary clock switch1`,
    `DualFollower worker2:${port} stepsRemoved`,
  ]

  const first = run(metrics(1, 5))
  t.same(first.map((c) => c.name), names('ens3f0'), 'port 1 active: its checks are about ens3f0')
  t.same(failing(first), [])
  t.ok(first.every((c) => c.test === 'sync'))
  t.match(byName(first, 'DualFollower worker2 one port SLAVE, the other LISTENING'), {
    measured: 'ens3f0=1 ens3f1=5',
    expected: 'one of ens3f0, ens3f1 SLAVE (1), the other LISTENING (5)',
  })

  const second = run(metrics(5, 1))
  t.same(second.map((c) => c.name), names('ens3f1'), 'port 2 active: the SLAVE port is ens3f1')
  t.same(failing(second), [], 'port 2 SLAVE + port 1 LISTENING passes')

  const both = run(metrics(1, 1))
  t.same(failing(both), ['DualFollower worker2 one port SLAVE, the other LISTENING'], 'both SLAVE fails')
  t.equal(byName(both, 'DualFollower worker2 one port SLAVE, the other LISTENING').measured, 'ens3f0=1 ens3f1=1')

  const none = run(metrics(5, 5))
  t.same(failing(none), ['DualFollower worker2 one port SLAVE, the other LISTENING', 'DualFollower worker2:ens3f0 role'], 'neither SLAVE fails')

  const faulty = run(metrics(1, 3))
  t.same(failing(faulty), ['DualFollower worker2 one port SLAVE, the other LISTENING'], 'the other FAULTY is not LISTENING')

  const m = metrics(1, 5)
  delete m.worker2!.roles!.ens3f1
  const missing = run(m)
  t.same(failing(missing), ['DualFollower worker2 one port SLAVE, the other LISTENING'])
  t.equal(byName(missing, 'DualFollower worker2 one port SLAVE, the other LISTENING').measured, 'ens3f0=1 ens3f1=none')
})

// ---------------------------------------------------------------- direct links

// No switch: gm:eth0 -- bc:ens1f0 (BC slave), bc:ens1f1 (BC master) --
// oc:ens2f0; oc:ens2f1 unplugged. The links are written in both orders.
const DIRECT = `name: direct
nodes:
  gm:
    nics: [{ name: eth, ports: [eth0] }]
  bc:
    nics: [{ name: ens1, ports: [ens1f0, ens1f1] }]
  oc:
    nics: [{ name: ens2, ports: [ens2f0, ens2f1] }]
links:
  - endpoints: [bc:ens1f0, gm:eth0]
  - endpoints: [bc:ens1f1, oc:ens2f0]
`

t.test('direct links: the parent is the peer port clock', async (t) => {
  const topo = parseTopology(DIRECT, 'direct.yaml')
  t.equal(topo.switch, undefined)
  const plan = buildPlan(
    {
      mode: 'bc',
      problem: 'bc-with-slaves',
      gm: { node: 'gm', port: 'eth0' },
      clocks: [{ config: 'test-bc-master1', kind: 'bc', node: 'bc', slavePorts: ['ens1f0'], masterPorts: ['ens1f1'] }],
      downstream: [{ config: 'test-slave1', node: 'oc', port: 'ens2f0' }],
    },
    GEN,
  )
  const BC: ClockView = { clockIdentity: BC_ID, grandmasterIdentity: GM_ID, parentClock: GM_ID, stepsRemoved: 1 }
  const clocks: Record<string, ClockView> = {
    'gm:eth0': GM_CLOCK,
    'bc:ens1f0': BC,
    'bc:ens1f1': BC,
    'oc:ens2f0': { clockIdentity: DS_ID, grandmasterIdentity: GM_ID, parentClock: BC_ID, stepsRemoved: 2 },
  }
  const metrics: MetricSpec = {
    gm: { roles: { eth0: 2 } },
    bc: { roles: { ens1f0: 1, ens1f1: 2 }, states: { ens1fx: 1 }, offsets: { ens1fx: 5 } },
    oc: { roles: { ens2f0: 1 }, states: { ens2fx: 1 }, offsets: { ens2fx: -5 } },
  }
  const obs = observation(metrics, clocks)

  // upstreamOf: either end of a direct link finds the other
  t.same(upstreamOf(wiringOf(topo), obs, { node: 'bc', port: 'ens1f0' }), { name: 'gm:eth0', view: GM_CLOCK })
  t.same(upstreamOf(wiringOf(topo), obs, { node: 'gm', port: 'eth0' }), { name: 'bc:ens1f0', view: BC })
  t.same(upstreamOf(wiringOf(topo), obs, { node: 'oc', port: 'ens2f0' }), { name: 'bc:ens1f1', view: BC })
  t.same(upstreamOf(wiringOf(topo), obs, { node: 'bc', port: 'ens1f1' }), { name: 'oc:ens2f0', view: clocks['oc:ens2f0'] })

  const cs = syncChecks(wiringOf(topo), plan, obs, W, gmOf(plan, obs))
  t.same(failing(cs), [], 'in sync')
  t.ok(cs.every((c) => c.test === 'sync'))
  t.match(byName(cs, 'BC bc:ens1f0 (slave port) parent is gm:eth0'), { pass: true, measured: GM_ID, expected: GM_ID })
  t.match(byName(cs, 'BC bc:ens1f0 (slave port) stepsRemoved'), { pass: true, expected: '1 (one more than gm:eth0)' })
  t.match(byName(cs, 'downstream oc:ens2f0 parent is bc:ens1f1'), { pass: true, measured: BC_ID, expected: BC_ID })
  t.match(byName(cs, 'downstream oc:ens2f0 stepsRemoved'), { pass: true, measured: '2', expected: '2 (one more than bc:ens1f1)' })
  t.notOk(cs.some((c) => /switch/.test(c.name)), 'no switch named anywhere')

  // the downstream slave following the GM directly is wrong here
  const wrong = clone(clocks)
  wrong['oc:ens2f0'] = { ...wrong['oc:ens2f0']!, parentClock: GM_ID, stepsRemoved: 1 }
  const bad = syncChecks(wiringOf(topo), plan, observation(metrics, wrong), W, gmOf(plan, observation(metrics, wrong)))
  t.same(failing(bad), ['downstream oc:ens2f0 parent is bc:ens1f1', 'downstream oc:ens2f0 stepsRemoved'])
  t.match(byName(bad, 'downstream oc:ens2f0 parent is bc:ens1f1'), { measured: GM_ID, expected: BC_ID })

  // a switch clock in the observation changes nothing on direct links
  const withSw = observation(metrics, clocks, { clockIdentity: SW_ID, grandmasterIdentity: GM_ID, parentClock: GM_ID, stepsRemoved: 1 })
  t.same(failing(syncChecks(wiringOf(topo), plan, withSw, W, gmOf(plan, withSw))), [])

  // the peer's clock not observed: parent unknown
  const lost = clone(clocks)
  delete lost['gm:eth0']
  const lostObs = observation(metrics, lost)
  t.same(upstreamOf(wiringOf(topo), lostObs, { node: 'bc', port: 'ens1f0' }), { name: 'gm:eth0', view: undefined })
  t.match(byName(syncChecks(wiringOf(topo), plan, lostObs, W, gmOf(plan, lostObs)), 'BC bc:ens1f0 (slave port) parent is gm:eth0'), {
    pass: false,
    expected: 'gm:eth0 clock identity (unknown)',
  })
})

// ---------------------------------------------------------------- unplugged ports

t.test('an unplugged port listens to nothing', async (t) => {
  const direct = parseTopology(DIRECT, 'direct.yaml')
  const obs = observation({}, { 'oc:ens2f1': GM_CLOCK }, SW_CLOCK)
  t.same(upstreamOf(wiringOf(direct), obs, { node: 'oc', port: 'ens2f1' }), { name: 'nothing (unplugged port)', view: undefined })

  const mini: Topology = await loadTopologyFile(topoFile('two-node.yaml'))
  t.same(upstreamOf(wiringOf(mini), obs, { node: 'node1', port: 'ens1f1' }), { name: 'nothing (unplugged port)', view: undefined }, 'not the switch')
  t.same(upstreamOf(wiringOf(mini), obs, { node: 'node2', port: 'ens2f0' }), { name: 'switch boundary clock switch1', view: SW_CLOCK })
  t.same(upstreamOf(wiringOf(mini), obs, { node: 'node1', port: 'ens1f0' }), { name: 'switch boundary clock switch1', view: SW_CLOCK })

  // an OC on the unplugged port: parent and steps cannot pass however good the rest looks
  const plan = buildPlan(
    {
      mode: 'oc',
      problem: 'oc',
      gm: { node: 'node2', port: 'ens2f0' },
      clocks: [{ config: 'test-slave1', kind: 'oc', node: 'node1', slavePorts: ['ens1f1'], masterPorts: [] }],
      downstream: [],
    },
    GEN,
  )
  const o = observation(
    { node1: { roles: { ens1f1: 1 }, states: { ens1fx: 1 }, offsets: { ens1fx: 0 } }, node2: { roles: { ens2f0: 2 } } },
    { 'node2:ens2f0': GM_CLOCK, 'node1:ens1f1': { clockIdentity: DS_ID, grandmasterIdentity: GM_ID, parentClock: SW_ID, stepsRemoved: 2 } },
    SW_CLOCK,
  )
  const cs = syncChecks(wiringOf(mini), plan, o, W, gmOf(plan, o))
  t.same(failing(cs), ['OC node1:ens1f1 (slave port) parent is nothing (unplugged port)', 'OC node1:ens1f1 (slave port) stepsRemoved'])
  t.match(byName(cs, 'OC node1:ens1f1 (slave port) parent is nothing (unplugged port)'), {
    expected: 'nothing (unplugged port) clock identity (unknown)',
  })
  t.equal(byName(cs, 'OC node1:ens1f1 (slave port) stepsRemoved').expected, 'one more than nothing (unplugged port) (unknown)')
  t.ok(cs.every((c) => c.test === 'sync'))
})
