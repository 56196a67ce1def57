// Mode plans (lab/conformance/plan.ts) built from real solver results
// (lab/conformance/suite.ts rolesFromSolution): synthetic L2 reports of the
// default topology -> buildGraph -> solveBest -> rolesFromSolution ->
// buildPlan, for every auto-configured mode with and without an external
// grandmaster. Checked: roles, labels, the generated PtpConfigs ([iface]
// sections, masterOnly, ptp4lOpts, recommend), that each passes
// validatePtpConfig and that the operator logic hands each config to exactly
// the labelled nodes; plus describePlan, planPorts and the errors of
// rolesFromSolution.
import t from 'tap'
import { DEFAULT_TOPO, reportTexts, type FixtureTopo as Topo } from '../fixtures/l2-reports.js'
import { buildGraph } from '../../lab/discovery/graph.js'
import { parseL2Report, type L2Report } from '../../lab/discovery/report.js'
import { PROBLEMS, solveBest, type ProblemBase, type SolveResult } from '../../lab/discovery/solver.js'
import { buildPlan, describePlan, planPorts, type ModePlan, type PlanRoles } from '../../lab/conformance/plan.js'
import { LABEL_CUT, LABEL_GM, LABEL_SLAVE1, LABEL_SLAVE2 } from '../../lab/profiles/ptpconfigs.js'
import { rolesFromSolution } from '../../lab/conformance/suite.js'
import { ptp4lSections, validatePtpConfig, type PtpConfig } from '../../lab/operator/ptpconfig.js'
import { resolveNodeProfiles, type NodeInfo } from '../../lab/operator/resolve.js'

// ---------------------------------------------------------------- fixtures
// Same shape as tests/unit/solver.test.ts: node -> port -> { PCI device,
// function, LAN }. Every port of a LAN hears every other port of it ("88b5"),
// every port receives PTP ("88f7"), "0000" lists all local interfaces.
const reportsOf = (topo: Topo) => new Map<string, L2Report>([...reportTexts(topo)].map(([n, text]) => [n, parseL2Report(text, `${n}.json`)]))

const DEFAULT: Topo = DEFAULT_TOPO
const NODES = Object.keys(DEFAULT)
const GEN = { softwareTimestamps: true }

const graph = buildGraph(reportsOf(DEFAULT))

function planFor(mode: ProblemBase, externalGm: boolean): { sol: SolveResult; plan: ModePlan } {
  const sol = solveBest(graph, mode, externalGm)
  if (!sol) throw new Error(`${mode} (externalGm ${externalGm}) has no solution on the default lab`)
  return { sol, plan: buildPlan(rolesFromSolution(mode, sol), GEN) }
}

// [iface, masterOnly] of every non-global section, in file order.
function portSections(c: PtpConfig): Array<[string, string | undefined]> {
  const ls = c.spec.profile[0]!.ptp4lConf!.split('\n').map((l) => l.trim())
  return ptp4lSections(c.spec.profile[0]!.ptp4lConf!)
    .filter((s) => s !== 'global')
    .map((s) => {
      const start = ls.indexOf(`[${s}]`)
      const end = ls.findIndex((l, i) => i > start && l.startsWith('['))
      const opt = ls.slice(start + 1, end < 0 ? undefined : end).find((l) => l.startsWith('masterOnly '))
      return [s, opt?.split(/\s+/)[1]]
    })
}
const globalLines = (c: PtpConfig): string[] => {
  const ls = c.spec.profile[0]!.ptp4lConf!.split('\n')
  const end = ls.findIndex((l, i) => i > 0 && l.startsWith('['))
  return ls.slice(1, end < 0 ? undefined : end)
}

// What each generated config should be, by name.
interface WantConfig {
  label: string
  iface?: string // profile interface (GM, OC); undefined for BC / DualFollower
  opts: string
  sections: Array<[string, string]>
}
const gmWant = (iface: string): WantConfig => ({ label: LABEL_GM, iface, opts: '-2', sections: [[iface, '1']] })
const ocWant = (label: string, iface: string): WantConfig => ({ label, iface, opts: '-2 -s', sections: [[iface, '0']] })
const bcWant = (slave: string, master: string): WantConfig => ({ label: LABEL_CUT, opts: '-2', sections: [[slave, '0'], [master, '1']] })

interface Case {
  mode: ProblemBase
  externalGm: boolean
  problem: string
  roles: Omit<PlanRoles, 'mode' | 'problem'>
  description: string
  labels: ModePlan['labels']
  configs: Record<string, WantConfig>
  profiles: Record<string, string[]> // node -> resolved profile names
  ports: string[] // planPorts
}

const q = (n: string) => `${n}_${n}`

const CASES: Case[] = [
  {
    mode: 'oc',
    externalGm: false,
    problem: 'oc',
    roles: {
      gm: { node: 'worker3', port: 'ens4f0' },
      clocks: [{ config: 'test-slave1', kind: 'oc', node: 'worker1', slavePorts: ['ens1f0'], masterPorts: [] }],
      downstream: [],
    },
    description: 'OC worker1:ens1f0(S); GM worker3:ens4f0',
    labels: [
      { node: 'worker3', key: LABEL_GM },
      { node: 'worker1', key: LABEL_CUT },
    ],
    configs: { 'test-grandmaster': gmWant('ens4f0'), 'test-slave1': ocWant(LABEL_CUT, 'ens1f0') },
    profiles: { worker1: [q('test-slave1')], worker2: [], worker3: [q('test-grandmaster')] },
    ports: ['worker3:ens4f0', 'worker1:ens1f0'],
  },
  {
    mode: 'oc',
    externalGm: true,
    problem: 'oc-extgm',
    roles: { gm: undefined, clocks: [{ config: 'test-slave1', kind: 'oc', node: 'worker1', slavePorts: ['ens1f0'], masterPorts: [] }], downstream: [] },
    description: 'OC worker1:ens1f0(S); external GM',
    labels: [{ node: 'worker1', key: LABEL_CUT }],
    configs: { 'test-slave1': ocWant(LABEL_CUT, 'ens1f0') },
    profiles: { worker1: [q('test-slave1')], worker2: [], worker3: [] },
    ports: ['worker1:ens1f0'],
  },
  {
    mode: 'dualfollower',
    externalGm: false,
    problem: 'dualfollower',
    roles: {
      gm: { node: 'worker1', port: 'ens1f1' },
      clocks: [{ config: 'test-slave1', kind: 'dualfollower', node: 'worker2', slavePorts: ['ens3f0', 'ens3f1'], masterPorts: [] }],
      downstream: [],
    },
    description: 'DUALFOLLOWER worker2:ens3f0(S),ens3f1(S); GM worker1:ens1f1',
    labels: [
      { node: 'worker1', key: LABEL_GM },
      { node: 'worker2', key: LABEL_CUT },
    ],
    configs: {
      'test-grandmaster': gmWant('ens1f1'),
      'test-slave1': { label: LABEL_CUT, opts: '-2 -s', sections: [['ens3f0', '0'], ['ens3f1', '0']] },
    },
    profiles: { worker1: [q('test-grandmaster')], worker2: [q('test-slave1')], worker3: [] },
    ports: ['worker1:ens1f1', 'worker2:ens3f0', 'worker2:ens3f1'],
  },
  {
    mode: 'dualfollower',
    externalGm: true,
    problem: 'dualfollower-extgm',
    roles: {
      gm: undefined,
      clocks: [{ config: 'test-slave1', kind: 'dualfollower', node: 'worker1', slavePorts: ['ens1f0', 'ens1f1'], masterPorts: [] }],
      downstream: [],
    },
    description: 'DUALFOLLOWER worker1:ens1f0(S),ens1f1(S); external GM',
    labels: [{ node: 'worker1', key: LABEL_CUT }],
    configs: { 'test-slave1': { label: LABEL_CUT, opts: '-2 -s', sections: [['ens1f0', '0'], ['ens1f1', '0']] } },
    profiles: { worker1: [q('test-slave1')], worker2: [], worker3: [] },
    ports: ['worker1:ens1f0', 'worker1:ens1f1'],
  },
  {
    mode: 'bc',
    externalGm: false,
    problem: 'bc-with-slaves',
    roles: {
      gm: { node: 'worker3', port: 'ens5f0' },
      clocks: [{ config: 'test-bc-master1', kind: 'bc', node: 'worker1', slavePorts: ['ens2f1'], masterPorts: ['ens2f0'] }],
      downstream: [{ config: 'test-slave1', node: 'worker1', port: 'ens1f1' }],
    },
    description: 'BC worker1:ens2f1(S),ens2f0(M); GM worker3:ens5f0; downstream worker1:ens1f1',
    // The downstream slave shares worker1 with the BC: two labels there.
    labels: [
      { node: 'worker3', key: LABEL_GM },
      { node: 'worker1', key: LABEL_CUT },
      { node: 'worker1', key: LABEL_SLAVE1 },
    ],
    configs: {
      'test-grandmaster': gmWant('ens5f0'),
      'test-bc-master1': bcWant('ens2f1', 'ens2f0'),
      'test-slave1': ocWant(LABEL_SLAVE1, 'ens1f1'),
    },
    profiles: { worker1: [q('test-bc-master1'), q('test-slave1')], worker2: [], worker3: [q('test-grandmaster')] },
    ports: ['worker3:ens5f0', 'worker1:ens2f1', 'worker1:ens2f0', 'worker1:ens1f1'],
  },
  {
    mode: 'bc',
    externalGm: true,
    problem: 'bc-with-slaves-extgm',
    roles: {
      gm: undefined,
      clocks: [{ config: 'test-bc-master1', kind: 'bc', node: 'worker1', slavePorts: ['ens2f1'], masterPorts: ['ens2f0'] }],
      downstream: [{ config: 'test-slave1', node: 'worker1', port: 'ens1f1' }],
    },
    description: 'BC worker1:ens2f1(S),ens2f0(M); external GM; downstream worker1:ens1f1',
    labels: [
      { node: 'worker1', key: LABEL_CUT },
      { node: 'worker1', key: LABEL_SLAVE1 },
    ],
    configs: { 'test-bc-master1': bcWant('ens2f1', 'ens2f0'), 'test-slave1': ocWant(LABEL_SLAVE1, 'ens1f1') },
    profiles: { worker1: [q('test-bc-master1'), q('test-slave1')], worker2: [], worker3: [] },
    ports: ['worker1:ens2f1', 'worker1:ens2f0', 'worker1:ens1f1'],
  },
  {
    mode: 'dualnicbc',
    externalGm: false,
    problem: 'dualnicbc-with-slaves',
    roles: {
      gm: { node: 'worker2', port: 'ens3f0' },
      clocks: [
        { config: 'test-bc-master1', kind: 'bc', node: 'worker1', slavePorts: ['ens1f1'], masterPorts: ['ens1f0'] },
        { config: 'test-bc-master2', kind: 'bc', node: 'worker1', slavePorts: ['ens2f0'], masterPorts: ['ens2f1'] },
      ],
      downstream: [
        { config: 'test-slave1', node: 'worker3', port: 'ens4f0' },
        { config: 'test-slave2', node: 'worker3', port: 'ens5f0' },
      ],
    },
    description:
      'BC worker1:ens1f1(S),ens1f0(M); BC worker1:ens2f0(S),ens2f1(M); GM worker2:ens3f0; downstream worker3:ens4f0; downstream worker3:ens5f0',
    // both BCs on worker1: ptp/clock-under-test once
    labels: [
      { node: 'worker2', key: LABEL_GM },
      { node: 'worker1', key: LABEL_CUT },
      { node: 'worker3', key: LABEL_SLAVE1 },
      { node: 'worker3', key: LABEL_SLAVE2 },
    ],
    configs: {
      'test-grandmaster': gmWant('ens3f0'),
      'test-bc-master1': bcWant('ens1f1', 'ens1f0'),
      'test-bc-master2': bcWant('ens2f0', 'ens2f1'),
      'test-slave1': ocWant(LABEL_SLAVE1, 'ens4f0'),
      'test-slave2': ocWant(LABEL_SLAVE2, 'ens5f0'),
    },
    profiles: {
      worker1: [q('test-bc-master1'), q('test-bc-master2')],
      worker2: [q('test-grandmaster')],
      worker3: [q('test-slave1'), q('test-slave2')],
    },
    ports: ['worker2:ens3f0', 'worker1:ens1f1', 'worker1:ens1f0', 'worker1:ens2f0', 'worker1:ens2f1', 'worker3:ens4f0', 'worker3:ens5f0'],
  },
  {
    mode: 'dualnicbc',
    externalGm: true,
    problem: 'dualnicbc-with-slaves-extgm',
    roles: {
      gm: undefined,
      clocks: [
        { config: 'test-bc-master1', kind: 'bc', node: 'worker1', slavePorts: ['ens1f0'], masterPorts: ['ens1f1'] },
        { config: 'test-bc-master2', kind: 'bc', node: 'worker1', slavePorts: ['ens2f0'], masterPorts: ['ens2f1'] },
      ],
      downstream: [
        { config: 'test-slave1', node: 'worker2', port: 'ens3f0' },
        { config: 'test-slave2', node: 'worker3', port: 'ens5f0' },
      ],
    },
    description:
      'BC worker1:ens1f0(S),ens1f1(M); BC worker1:ens2f0(S),ens2f1(M); external GM; downstream worker2:ens3f0; downstream worker3:ens5f0',
    labels: [
      { node: 'worker1', key: LABEL_CUT },
      { node: 'worker2', key: LABEL_SLAVE1 },
      { node: 'worker3', key: LABEL_SLAVE2 },
    ],
    configs: {
      'test-bc-master1': bcWant('ens1f0', 'ens1f1'),
      'test-bc-master2': bcWant('ens2f0', 'ens2f1'),
      'test-slave1': ocWant(LABEL_SLAVE1, 'ens3f0'),
      'test-slave2': ocWant(LABEL_SLAVE2, 'ens5f0'),
    },
    profiles: {
      worker1: [q('test-bc-master1'), q('test-bc-master2')],
      worker2: [q('test-slave1')],
      worker3: [q('test-slave2')],
    },
    // the solver's 'Unused' role (worker3:ens4f0) gets nothing
    ports: ['worker1:ens1f0', 'worker1:ens1f1', 'worker1:ens2f0', 'worker1:ens2f1', 'worker2:ens3f0', 'worker3:ens5f0'],
  },
]

t.test('every base mode is covered with and without an external GM', async (t) => {
  const bases: ProblemBase[] = ['oc', 'bc', 'dualnicbc', 'dualfollower']
  t.same(CASES.map((c) => `${c.mode}/${c.externalGm}`).sort(), bases.flatMap((b) => [`${b}/false`, `${b}/true`]).sort())
})

for (const c of CASES) {
  const name = `${c.mode}${c.externalGm ? ' (external GM)' : ''}`
  t.test(`${name}: plan from the solver on the default lab`, async (t) => {
    const { sol, plan } = planFor(c.mode, c.externalGm)
    t.equal(sol.problem, c.problem, 'solver problem')

    // roles and description
    t.equal(plan.mode, c.mode)
    t.equal(plan.problem, c.problem)
    t.same(plan.gm, c.roles.gm, 'grandmaster port')
    t.equal(plan.gm === undefined, c.externalGm, 'a generated GM exactly without an external one')
    t.strictSame(plan.clocks, c.roles.clocks, 'clocks under test')
    t.strictSame(plan.downstream, c.roles.downstream, 'downstream slaves')
    t.equal(plan.description, c.description)
    t.equal(describePlan(plan), c.description)
    t.strictSame(plan.labels, c.labels, 'labels (in order, no duplicates)')
    t.same(
      planPorts(plan).map((p) => `${p.node}:${p.port}`),
      c.ports,
      'planPorts: GM, clock slave then master ports, downstream',
    )

    // the roles really come from the solver's assignment
    const at = (role: string) => `${sol.assignment[role]!.node}:${sol.assignment[role]!.iface}`
    if (plan.gm) t.equal(`${plan.gm.node}:${plan.gm.port}`, at(sol.semantics.gm!))
    sol.semantics.clocks.forEach((sc, i) => {
      const pc = plan.clocks[i]!
      t.same(pc.slavePorts.map((p) => `${pc.node}:${p}`), sc.slavePorts.map(at), `${sc.name} slave ports`)
      t.same(pc.masterPorts.map((p) => `${pc.node}:${p}`), sc.masterPorts.map(at), `${sc.name} master ports`)
    })

    // the PtpConfigs
    t.same(plan.configs.map((x) => x.metadata.name).sort(), Object.keys(c.configs).sort(), 'config names')
    t.equal(new Set(plan.configs.map((x) => x.metadata.name)).size, plan.configs.length, 'no config name twice')
    for (const cfg of plan.configs) {
      const n = cfg.metadata.name
      const want = c.configs[n]!
      const p = cfg.spec.profile[0]!
      t.equal(cfg.kind, 'PtpConfig')
      t.equal(cfg.metadata.namespace, 'openshift-ptp')
      t.equal(cfg.spec.profile.length, 1, `${n}: one profile`)
      t.equal(p.name, n, `${n}: profile named as the CR`)
      t.strictSame(cfg.spec.recommend, [{ profile: n, priority: 5, match: [{ nodeLabel: want.label }] }], `${n}: recommend`)
      t.equal(p.interface, want.iface, `${n}: profile interface`)
      t.equal(p.ptp4lOpts, want.opts, `${n}: ptp4lOpts`)
      t.same(portSections(cfg), want.sections, `${n}: [iface] sections with masterOnly`)
      const g = globalLines(cfg)
      t.ok(g.includes('domainNumber 24'), `${n}: domain 24`)
      t.ok(g.includes('time_stamping software'), `${n}: software timestamps`)
      if (n === 'test-grandmaster') t.ok(['priority1 0', 'priority2 0', 'clockClass 6'].every((l) => g.includes(l)), 'GM clock quality')
      else t.notOk(g.includes('priority1 0'), `${n}: not a GM`)
      if (n.startsWith('test-bc-master')) {
        t.ok(g.includes('gmCapable 0'), `${n}: gmCapable 0`)
        t.notOk(g.some((l) => l.startsWith('boundary_clock_jbod')), `${n}: no jbod with software timestamps`)
      }
      t.doesNotThrow(() => validatePtpConfig(cfg), `${n} passes validatePtpConfig`)
    }
    // every label the plan sets is matched by some config, and vice versa
    t.same(
      [...new Set(plan.labels.map((l) => l.key))].sort(),
      [...new Set(plan.configs.map((x) => x.spec.recommend[0]!.match![0]!.nodeLabel!))].sort(),
      'labels and config matches agree',
    )

    // The operator logic, given the default lab's nodes with the plan's labels.
    const nodes: NodeInfo[] = NODES.map((name) => ({
      name,
      labels: {
        'node-role.kubernetes.io/worker': '',
        'node-role.kubernetes.io/master': '',
        ...Object.fromEntries(plan.labels.filter((l) => l.node === name).map((l) => [l.key, ''])),
      },
    }))
    for (const node of nodes) {
      const r = resolveNodeProfiles(plan.configs, node)
      t.same(r.profiles.map((p) => p.name), c.profiles[node.name], `${node.name} gets exactly its profiles`)
      t.ok(r.matches.every((m) => m.priority === 5), `${node.name}: matched at priority 5`)
      // and with them exactly the plan's ports on that node, each once
      const ifaces = r.profiles.flatMap((p) => (p.interface ? [p.interface] : ptp4lSections(p.ptp4lConf!).filter((s) => s !== 'global')))
      t.same(
        [...ifaces].sort(),
        planPorts(plan)
          .filter((p) => p.node === node.name)
          .map((p) => p.port)
          .sort(),
        `${node.name}: its profiles serve exactly the plan's ports there`,
      )
    }
    // each config reaches exactly the nodes carrying its label
    for (const cfg of plan.configs) {
      const label = cfg.spec.recommend[0]!.match![0]!.nodeLabel!
      const reached = nodes.filter((n) => resolveNodeProfiles([cfg], n).profiles.length > 0).map((n) => n.name)
      t.same(reached, plan.labels.filter((l) => l.key === label).map((l) => l.node).sort(), `${cfg.metadata.name} reaches the ${label} nodes`)
    }
    // without the labels nobody gets anything
    for (const name of NODES) t.same(resolveNodeProfiles(plan.configs, { name, labels: {} }).profiles, [], `${name} unlabelled: no profile`)
  })
}

// ---------------------------------------------------------------- rolesFromSolution errors

const fakeSolution = (problem: keyof typeof PROBLEMS, assignment: SolveResult['assignment']): SolveResult => ({
  problem,
  upstream: PROBLEMS[problem].upstream,
  indices: [],
  assignment,
  semantics: PROBLEMS[problem].semantics,
})

t.test('rolesFromSolution: clock ports on two nodes throw', async (t) => {
  const split = fakeSolution('bc', {
    BCSlave: { node: 'worker1', iface: 'ens1f0' },
    BCMaster: { node: 'worker2', iface: 'ens3f0' },
    GM: { node: 'worker3', iface: 'ens4f0' },
  })
  t.throws(() => rolesFromSolution('bc', split), { message: 'bc: ports of test-bc-master1 are on several nodes' })

  // a dual follower split across nodes too
  const df = fakeSolution('dualfollower-extgm', { Slave1: { node: 'worker1', iface: 'ens1f0' }, Slave2: { node: 'worker2', iface: 'ens3f0' } })
  t.throws(() => rolesFromSolution('dualfollower', df), /dualfollower-extgm: ports of test-slave1 are on several nodes/)

  // the second BC of a dual-NIC BC on another node
  const dn = fakeSolution('dualnicbc-extgm', {
    BC1Slave: { node: 'worker1', iface: 'ens1f0' },
    BC1Master: { node: 'worker1', iface: 'ens1f1' },
    BC2Slave: { node: 'worker2', iface: 'ens3f0' },
    BC2Master: { node: 'worker1', iface: 'ens2f1' },
  })
  t.throws(() => rolesFromSolution('dualnicbc', dn), /ports of test-bc-master2 are on several nodes/)

  // the same on one node is fine, and keeps the node
  const ok = fakeSolution('bc', {
    BCSlave: { node: 'worker1', iface: 'ens1f0' },
    BCMaster: { node: 'worker1', iface: 'ens1f1' },
    GM: { node: 'worker3', iface: 'ens4f0' },
  })
  t.strictSame(rolesFromSolution('bc', ok), {
    mode: 'bc',
    problem: 'bc',
    gm: { node: 'worker3', port: 'ens4f0' },
    clocks: [{ config: 'test-bc-master1', kind: 'bc', node: 'worker1', slavePorts: ['ens1f0'], masterPorts: ['ens1f1'] }],
    downstream: [],
  })
})

t.test('rolesFromSolution: a role missing from the assignment throws', async (t) => {
  const noGm = fakeSolution('oc', { Slave: { node: 'worker1', iface: 'ens1f0' } })
  t.throws(() => rolesFromSolution('oc', noGm), { message: 'solver result for oc has no role GM' })
  const noDown = fakeSolution('bc-with-slaves', {
    BCMaster: { node: 'worker1', iface: 'ens2f0' },
    BCSlave: { node: 'worker1', iface: 'ens2f1' },
    GM: { node: 'worker3', iface: 'ens5f0' },
  })
  t.throws(() => rolesFromSolution('bc', noDown), /has no role Slave1/)
})

// ---------------------------------------------------------------- buildPlan / describePlan / planPorts by hand

t.test('buildPlan: hand-made roles on several nodes', async (t) => {
  const roles: PlanRoles = {
    mode: 'bc',
    problem: 'bc-with-slaves',
    gm: { node: 'gm', port: 'eth0' },
    clocks: [{ config: 'test-bc-master1', kind: 'bc', node: 'bc', slavePorts: ['eth1'], masterPorts: ['eth2', 'eth3'] }],
    downstream: [
      { config: 'test-slave1', node: 's', port: 'eth4' },
      { config: 'test-slave2', node: 's', port: 'eth5' },
    ],
  }
  const plan = buildPlan(roles, GEN)
  t.equal(plan.description, 'BC bc:eth1(S),eth2(M),eth3(M); GM gm:eth0; downstream s:eth4; downstream s:eth5')
  t.strictSame(plan.labels, [
    { node: 'gm', key: LABEL_GM },
    { node: 'bc', key: LABEL_CUT },
    { node: 's', key: LABEL_SLAVE1 },
    { node: 's', key: LABEL_SLAVE2 },
  ])
  t.same(plan.configs.map((c) => c.metadata.name), ['test-grandmaster', 'test-bc-master1', 'test-slave1', 'test-slave2'])
  t.same(portSections(plan.configs[1]!), [
    ['eth1', '0'],
    ['eth2', '1'],
    ['eth3', '1'],
  ])
  t.same(plan.configs.map((c) => c.spec.recommend[0]!.match), [
    [{ nodeLabel: LABEL_GM }],
    [{ nodeLabel: LABEL_CUT }],
    [{ nodeLabel: LABEL_SLAVE1 }],
    [{ nodeLabel: LABEL_SLAVE2 }],
  ])
  t.same(planPorts(plan), [
    { node: 'gm', port: 'eth0' },
    { node: 'bc', port: 'eth1' },
    { node: 'bc', port: 'eth2' },
    { node: 'bc', port: 'eth3' },
    { node: 's', port: 'eth4' },
    { node: 's', port: 'eth5' },
  ])
  // the roles are kept as given
  t.equal(plan.mode, 'bc')
  t.equal(plan.problem, 'bc-with-slaves')
  t.strictSame(plan.clocks, roles.clocks)

  // two clocks of one node share ptp/clock-under-test once; a downstream
  // slave on that node adds its own label
  const one = buildPlan(
    {
      mode: 'dualnicbc',
      problem: 'dualnicbc',
      gm: { node: 'n', port: 'g0' },
      clocks: [
        { config: 'test-bc-master1', kind: 'bc', node: 'n', slavePorts: ['a0'], masterPorts: ['a1'] },
        { config: 'test-bc-master2', kind: 'bc', node: 'n', slavePorts: ['b0'], masterPorts: ['b1'] },
      ],
      downstream: [],
    },
    GEN,
  )
  t.strictSame(one.labels, [
    { node: 'n', key: LABEL_GM },
    { node: 'n', key: LABEL_CUT },
  ])
  t.equal(one.configs.length, 3)
})

t.test('describePlan and planPorts: external GM, no downstream', async (t) => {
  const r = {
    gm: undefined,
    clocks: [{ config: 'test-slave1', kind: 'dualfollower' as const, node: 'w', slavePorts: ['p0', 'p1'], masterPorts: [] }],
    downstream: [],
  }
  t.equal(describePlan(r), 'DUALFOLLOWER w:p0(S),p1(S); external GM')
  t.same(planPorts(r), [
    { node: 'w', port: 'p0' },
    { node: 'w', port: 'p1' },
  ])
  t.equal(describePlan({ gm: { node: 'g', port: 'e' }, clocks: [], downstream: [] }), 'GM g:e')
  t.same(planPorts({ gm: undefined, clocks: [], downstream: [] }), [])
})

t.test('buildPlan: bad ports from a solver are refused by the generators', async (t) => {
  t.throws(
    () =>
      buildPlan(
        { mode: 'oc', problem: 'oc', gm: { node: 'g', port: 'bad port' }, clocks: [], downstream: [] },
        GEN,
      ),
    { name: 'InputError', message: /invalid interface name "bad port"/ },
  )
  t.throws(
    () =>
      buildPlan(
        {
          mode: 'dualfollower',
          problem: 'dualfollower',
          gm: undefined,
          clocks: [{ config: 'test-slave1', kind: 'dualfollower', node: 'w', slavePorts: ['p0', 'p0'], masterPorts: [] }],
          downstream: [],
        },
        GEN,
      ),
    { name: 'InputError', message: /dual follower ports repeat/ },
  )
})
