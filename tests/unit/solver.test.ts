// The role solver (lab/discovery/solver.ts, problems.ts) and `ptplab solve`
// (cli/solve-command.ts) on synthetic L2 reports: every problem feasible
// where it should be and infeasible where a LAN/NIC/PTP port is missing,
// negations, NIC identity across nodes, distinct vertices, upstream's search
// order, with-slaves preference, role semantics, and the answers for
// ptplab's default topology.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { DEFAULT_TOPO, reportTexts, type FixturePort as Port, type FixtureTopo as Topo } from '../fixtures/l2-reports.js'
import { cmdSolve, skipInterfacesFromEnv } from '../../cli/solve-command.js'
import { buildGraph, sameLan, sameNic, sameNode, isPtp, type BuildGraphOptions, type L2Graph } from '../../lab/discovery/graph.js'
import { parseL2Report, type L2Report } from '../../lab/discovery/report.js'
import {
  checkProblem,
  findProblem,
  PROBLEM_NAMES,
  PROBLEMS,
  solutions,
  solve,
  solveBest,
  solveProblem,
  type Problem,
  type ProblemName,
  type Step,
} from '../../lab/discovery/solver.js'

const TMP = mkdtempSync(join(tmpdir(), 'ptplab-solver-'))
t.teardown(() => rmSync(TMP, { recursive: true, force: true }))

// ---------------------------------------------------------------- fixtures
const reportsOf = (topo: Topo) => new Map<string, L2Report>([...reportTexts(topo)].map(([n, text]) => [n, parseL2Report(text, `${n}.json`)]))
const graphOf = (topo: Topo, opts?: BuildGraphOptions): L2Graph => buildGraph(reportsOf(topo), opts)

// ptplab's default topology (topologies/default.yaml, upstream's CI lab).
const DEFAULT: Topo = DEFAULT_TOPO
const mapPorts = (topo: Topo, f: (node: string, port: string, p: Port) => Port | undefined): Topo =>
  Object.fromEntries(
    Object.entries(topo).map(([n, ps]) => [
      n,
      Object.fromEntries(
        Object.entries(ps)
          .map(([p, s]) => [p, f(n, p, s)] as const)
          .filter((x): x is readonly [string, Port] => x[1] !== undefined),
      ),
    ]),
  )
// Variants of the default lab, each lacking something.
const SINGLE_PORT_NICS = mapPorts(DEFAULT, (n, p, s) => ({ ...s, pci: `${s.pci}:${p}` })) // every port its own NIC
const ONE_LAN = mapPorts(DEFAULT, (_n, _p, s) => ({ ...s, lan: '1500' }))
const TWO_LANS = mapPorts(DEFAULT, (_n, _p, s) => ({ ...s, lan: s.lan === '1502' ? '1501' : s.lan }))
const NO_ENS2 = mapPorts(DEFAULT, (_n, p, s) => (p.startsWith('ens2') ? undefined : s)) // worker1 keeps one NIC
const NO_PTP = mapPorts(DEFAULT, (_n, _p, s) => ({ ...s, ptp: false }))
const NO_SHARED_LAN = mapPorts(DEFAULT, (n, p, s) => ({ ...s, lan: `${n}-${p}` }))

const names = (g: L2Graph, idx: readonly number[]) => idx.map((i) => `${g.vertices[i]!.node}:${g.vertices[i]!.iface}`)
const byRole = (g: L2Graph, p: Problem, idx: readonly number[]) =>
  Object.fromEntries(p.roles.map((r, k) => [r, `${g.vertices[idx[k]!]!.node}:${g.vertices[idx[k]!]!.iface}`]))

// ---------------------------------------------------------------- registry

t.test('PROBLEMS: the twelve problems, well formed, upstream names', async (t) => {
  t.same(PROBLEM_NAMES, [
    'oc',
    'dualfollower',
    'bc',
    'bc-with-slaves',
    'dualnicbc',
    'dualnicbc-with-slaves',
    'oc-extgm',
    'dualfollower-extgm',
    'bc-extgm',
    'bc-with-slaves-extgm',
    'dualnicbc-extgm',
    'dualnicbc-with-slaves-extgm',
  ])
  for (const p of Object.values(PROBLEMS)) {
    t.same(checkProblem(p), [], `${p.name} is well formed`)
    t.equal(PROBLEMS[p.name], p)
  }
  t.same(
    Object.values(PROBLEMS).map((p) => p.upstream),
    ['OC', 'DualFollower', 'BC', 'BCWithSlaves', 'DualNicBC', 'DualNicBCWithSlaves', 'OCExtGM', 'DualFollowerExtGM', 'BCExtGM', 'BCWithSlavesExtGM', 'DualNicBCExtGM', 'DualNicBCWithSlavesExtGM'],
  )
  // docs/upstream.md#suite names and encodings
  t.same(PROBLEMS.oc.roles, ['Slave', 'GM'])
  t.same(PROBLEMS.oc.steps, [[['Nil', 0, 0]], [['SameLan', 2, 0, 1, 0]]])
  t.same(PROBLEMS.dualfollower.roles, ['Slave1', 'GM', 'Slave2'])
  t.same(PROBLEMS.bc.roles, ['BCSlave', 'BCMaster', 'GM'])
  t.same(PROBLEMS['bc-with-slaves'].roles, ['Slave1', 'BCMaster', 'BCSlave', 'GM'])
  t.same(PROBLEMS['bc-with-slaves'].steps[3], [
    ['SameLan', 2, 2, 3, 0],
    ['SameNic', 2, 0, 3, 1],
    ['SameLan', 2, 0, 3, 1],
  ])
  t.same(PROBLEMS.dualnicbc.roles, ['BC1Slave', 'BC1Master', 'GM', 'BC2Master', 'BC2Slave'])
  t.same(PROBLEMS['oc-extgm'].steps, [[['IsPTP', 1, 0]]], 'ExtGM: IsPTP(0) replaces the GM')

  t.same(checkProblem({ roles: ['a'], steps: [[['SameLan', 2, 0, 1]]] }), ['step 0 constraint 0: p1 out of range'])
  t.same(checkProblem({ roles: ['a', 'a'], steps: [[['Nil', 0]], [['IsPTP', 1, 1, 1]]] }), ['duplicate role names'])
})

t.test('findProblem: registry or upstream name, any case; externalGm picks the -extgm variant', async (t) => {
  t.equal(findProblem('bc-with-slaves')?.name, 'bc-with-slaves')
  t.equal(findProblem('BCWithSlaves')?.name, 'bc-with-slaves')
  t.equal(findProblem(' dualnicbcextgm ')?.name, 'dualnicbc-extgm')
  t.equal(findProblem('oc', true)?.name, 'oc-extgm')
  t.equal(findProblem('bc-with-slaves', true)?.name, 'bc-with-slaves-extgm')
  t.equal(findProblem('oc-extgm', true)?.name, 'oc-extgm')
  t.equal(findProblem('tgm'), undefined)
})

t.test('semantics: every role has exactly one job; downstream slaves hang off BC master ports', async (t) => {
  for (const p of Object.values(PROBLEMS)) {
    const s = p.semantics
    const used = [
      ...(s.gm ? [s.gm] : []),
      ...s.clocks.flatMap((c) => [...c.slavePorts, ...c.masterPorts]),
      ...s.downstream.map((d) => d.port),
    ]
    t.same([...used].sort(), p.roles.filter((r) => r !== 'Unused').sort(), `${p.name}: each role used once`)
    t.equal(s.gm === undefined, p.externalGm, `${p.name}: a GM config exactly when the GM is local`)
    const masters = s.clocks.flatMap((c) => c.masterPorts)
    for (const d of s.downstream) t.ok(masters.includes(d.upstreamMaster), `${p.name}: ${d.name} listens to a BC master port`)
    t.equal(s.downstream.length > 0, p.withSlaves, `${p.name}: downstream slaves exactly in with-slaves problems`)
  }
  t.same(PROBLEMS['dualnicbc-with-slaves'].semantics.clocks, [
    { name: 'test-bc-master1', kind: 'bc', slavePorts: ['BC1Slave'], masterPorts: ['BC1Master'], phc2sys: true },
    { name: 'test-bc-master2', kind: 'bc', slavePorts: ['BC2Slave'], masterPorts: ['BC2Master'], phc2sys: false },
  ])
  t.same(PROBLEMS['dualnicbc-with-slaves'].semantics.downstream, [
    { name: 'test-slave1', label: 'ptp/test-slave1', port: 'Slave1', upstreamMaster: 'BC1Master' },
    { name: 'test-slave2', label: 'ptp/test-slave2', port: 'Slave2', upstreamMaster: 'BC2Master' },
  ])
  t.same(PROBLEMS.dualfollower.semantics.clocks, [{ name: 'test-slave1', kind: 'dualfollower', slavePorts: ['Slave1', 'Slave2'], masterPorts: [], phc2sys: true }])
  t.match(PROBLEMS.bc.semantics.notes, /BCMaster \(masterOnly 1\) on the GM's LAN/)
})

// ---------------------------------------------------------------- default lab

const DEFAULT_ANSWERS: Record<ProblemName, Record<string, string>> = {
  oc: { Slave: 'worker1:ens1f0', GM: 'worker3:ens4f0' },
  dualfollower: { Slave1: 'worker2:ens3f0', GM: 'worker1:ens1f1', Slave2: 'worker2:ens3f1' },
  bc: { BCSlave: 'worker1:ens1f0', BCMaster: 'worker1:ens1f1', GM: 'worker1:ens2f0' },
  'bc-with-slaves': { Slave1: 'worker1:ens1f1', BCMaster: 'worker1:ens2f0', BCSlave: 'worker1:ens2f1', GM: 'worker3:ens5f0' },
  dualnicbc: { BC1Slave: 'worker1:ens1f0', BC1Master: 'worker1:ens1f1', GM: 'worker2:ens3f0', BC2Master: 'worker1:ens2f0', BC2Slave: 'worker1:ens2f1' },
  'dualnicbc-with-slaves': {
    Slave1: 'worker3:ens4f0',
    BC1Master: 'worker1:ens1f0',
    BC1Slave: 'worker1:ens1f1',
    GM: 'worker2:ens3f0',
    BC2Slave: 'worker1:ens2f0',
    BC2Master: 'worker1:ens2f1',
    Slave2: 'worker3:ens5f0',
  },
  'oc-extgm': { Slave: 'worker1:ens1f0' },
  'dualfollower-extgm': { Slave1: 'worker1:ens1f0', Slave2: 'worker1:ens1f1' },
  'bc-extgm': { BCSlave: 'worker1:ens1f0', BCMaster: 'worker1:ens1f1' },
  'bc-with-slaves-extgm': { Slave1: 'worker1:ens1f1', BCMaster: 'worker1:ens2f0', BCSlave: 'worker1:ens2f1' },
  'dualnicbc-extgm': { BC1Slave: 'worker1:ens1f0', BC1Master: 'worker1:ens1f1', BC2Slave: 'worker1:ens2f0', BC2Master: 'worker1:ens2f1' },
  'dualnicbc-with-slaves-extgm': {
    Slave1: 'worker2:ens3f0',
    BC1Master: 'worker1:ens1f1',
    BC1Slave: 'worker1:ens1f0',
    Unused: 'worker3:ens4f0',
    BC2Slave: 'worker1:ens2f0',
    BC2Master: 'worker1:ens2f1',
    Slave2: 'worker3:ens5f0',
  },
}

t.test('default lab: graph', async (t) => {
  const g = graphOf(DEFAULT)
  t.same(names(g, g.vertices.map((v) => v.index)), [
    'worker1:ens1f0',
    'worker1:ens1f1',
    'worker1:ens2f0',
    'worker1:ens2f1',
    'worker2:ens3f0',
    'worker2:ens3f1',
    'worker3:ens4f0',
    'worker3:ens5f0',
    'worker3:ens6f0',
  ])
  t.same(g.lans, [
    [0, 6], // 1501
    [1, 2, 4, 5], // 1500
    [3, 7, 8], // 1502
  ])
  t.ok(g.vertices.every((v) => v.ptp))
})

t.test('default lab: every problem is feasible, first solutions as upstream would pick them', async (t) => {
  const g = graphOf(DEFAULT)
  for (const p of Object.values(PROBLEMS)) {
    const r = solveProblem(g, p)
    t.ok(r, `${p.name} feasible`)
    if (!r) continue
    t.same(byRole(g, p, r.indices), DEFAULT_ANSWERS[p.name], p.name)
    t.same(
      Object.fromEntries(Object.entries(r.assignment).map(([k, v]) => [k, `${v.node}:${v.iface}`])),
      DEFAULT_ANSWERS[p.name],
      `${p.name} assignment`,
    )
    t.equal(r.upstream, p.upstream)
    t.equal(r.semantics, p.semantics)
  }
})

t.test('default lab: every solution uses distinct vertices and satisfies the role semantics', async (t) => {
  const g = graphOf(DEFAULT)
  for (const p of Object.values(PROBLEMS)) {
    let n = 0
    for (const sol of solutions(g, p)) {
      n++
      t.equal(new Set(sol).size, sol.length, `${p.name} ${sol}: distinct`)
      const v = (role: string) => sol[p.roles.indexOf(role)]!
      for (const c of p.semantics.clocks) {
        const ports = [...c.slavePorts, ...c.masterPorts].map(v)
        t.ok(ports.every((x) => sameNode(g, x, ports[0]!)), `${p.name}: ${c.name} on one node`)
        if (c.kind !== 'oc') t.ok(ports.every((x) => sameNic(g, x, ports[0]!)), `${p.name}: ${c.name} ports on one NIC`)
      }
      if (p.semantics.clocks.length === 2) t.ok(sameNode(g, v('BC1Slave'), v('BC2Slave')), `${p.name}: both BCs on one node`)
      for (const d of p.semantics.downstream) t.ok(sameLan(g, v(d.port), v(d.upstreamMaster)), `${p.name}: ${d.name} on its master's LAN`)
      if (p.semantics.gm && p.withSlaves)
        for (const c of p.semantics.clocks) t.ok(sameLan(g, v(c.slavePorts[0]!), v(p.semantics.gm)), `${p.name}: ${c.name} slave port on the GM LAN`)
      if (p.semantics.gm && !p.withSlaves && p.base !== 'oc' && p.base !== 'dualfollower')
        for (const c of p.semantics.clocks) t.ok(sameLan(g, v(c.masterPorts[0]!), v(p.semantics.gm)), `${p.name}: upstream's inverted mapping, ${c.name} MASTER port on the GM LAN`)
      if (p.externalGm) for (const c of p.semantics.clocks) t.ok(c.slavePorts.every((r) => isPtp(g, v(r))), `${p.name}: ${c.name} slave ports receive PTP`)
    }
    t.ok(n > 0, `${p.name}: ${n} solutions`)
  }
})

t.test('default lab: solveBest prefers the with-slaves problem', async (t) => {
  const g = graphOf(DEFAULT)
  t.equal(solveBest(g, 'oc', false)?.problem, 'oc')
  t.equal(solveBest(g, 'dualfollower', false)?.problem, 'dualfollower')
  t.equal(solveBest(g, 'bc', false)?.problem, 'bc-with-slaves')
  t.equal(solveBest(g, 'dualnicbc', false)?.problem, 'dualnicbc-with-slaves')
  t.equal(solveBest(g, 'oc', true)?.problem, 'oc-extgm')
  t.equal(solveBest(g, 'dualfollower', true)?.problem, 'dualfollower-extgm')
  t.equal(solveBest(g, 'bc', true)?.problem, 'bc-with-slaves-extgm')
  t.equal(solveBest(g, 'dualnicbc', true)?.problem, 'dualnicbc-with-slaves-extgm')
  t.same(solveBest(g, 'bc', false)?.assignment, {
    Slave1: { node: 'worker1', iface: 'ens1f1' },
    BCMaster: { node: 'worker1', iface: 'ens2f0' },
    BCSlave: { node: 'worker1', iface: 'ens2f1' },
    GM: { node: 'worker3', iface: 'ens5f0' },
  })

  // One LAN only: no downstream slave can be kept off the GM's LAN, so plain BC.
  const one = graphOf(ONE_LAN)
  t.equal(solveProblem(one, PROBLEMS['bc-with-slaves']), undefined)
  t.equal(solveBest(one, 'bc', false)?.problem, 'bc')
  t.equal(solveBest(graphOf(TWO_LANS), 'dualnicbc', false)?.problem, 'dualnicbc')
  t.equal(solveBest(graphOf(SINGLE_PORT_NICS), 'bc', false), undefined)
})

// ---------------------------------------------------------------- infeasible

t.test('each problem is infeasible without the LAN, NIC or PTP port it needs', async (t) => {
  const cases: Array<[ProblemName, string, Topo]> = [
    ['oc', 'no two ports share a LAN', NO_SHARED_LAN],
    ['dualfollower', 'no NIC with two ports', SINGLE_PORT_NICS],
    ['bc', 'no NIC with two ports', SINGLE_PORT_NICS],
    ['bc-with-slaves', 'one LAN only', ONE_LAN],
    ['dualnicbc', 'no node with two two-port NICs', NO_ENS2],
    ['dualnicbc-with-slaves', 'two LANs only', TWO_LANS],
    ['oc-extgm', 'no port receives PTP', NO_PTP],
    ['dualfollower-extgm', 'no NIC with two ports', SINGLE_PORT_NICS],
    ['bc-extgm', 'no port receives PTP', NO_PTP],
    ['bc-with-slaves-extgm', 'no NIC with two ports', SINGLE_PORT_NICS],
    ['dualnicbc-extgm', 'no node with two two-port NICs', NO_ENS2],
    ['dualnicbc-with-slaves-extgm', 'no node with two two-port NICs', NO_ENS2],
  ]
  t.same(cases.map((c) => c[0]).sort(), [...PROBLEM_NAMES].sort(), 'every problem covered')
  for (const [name, why, topo] of cases) t.equal(solve(graphOf(topo), PROBLEMS[name]), undefined, `${name}: ${why}`)

  // ...while the simpler ones still solve there
  t.ok(solve(graphOf(SINGLE_PORT_NICS), PROBLEMS.oc), 'oc needs no NIC pair')
  t.ok(solve(graphOf(ONE_LAN), PROBLEMS.bc), 'bc needs one LAN')
  t.ok(solve(graphOf(TWO_LANS), PROBLEMS.dualnicbc), 'dualnicbc needs one LAN')
  t.ok(solve(graphOf(NO_ENS2), PROBLEMS.bc), 'bc needs one two-port NIC')
  t.ok(solve(graphOf(NO_PTP), PROBLEMS.oc), 'local GM problems ignore PTP reception')
  t.equal(solve(graphOf(NO_PTP), PROBLEMS['dualnicbc-with-slaves-extgm']), undefined)

  // only ens4f0 receives PTP: an OC there, but nothing needing two PTP ports on one NIC
  const onlyEns4 = graphOf(mapPorts(DEFAULT, (_n, p, s) => ({ ...s, ptp: p === 'ens4f0' })))
  t.same(byRole(onlyEns4, PROBLEMS['oc-extgm'], solve(onlyEns4, PROBLEMS['oc-extgm'])!), { Slave: 'worker3:ens4f0' })
  t.equal(solve(onlyEns4, PROBLEMS['dualfollower-extgm']), undefined)
  t.equal(solve(onlyEns4, PROBLEMS['bc-extgm']), undefined, 'ens4 has a single port')
})

// ---------------------------------------------------------------- constraints

t.test('negations: bc-with-slaves keeps the GM off the downstream slave NIC and LAN', async (t) => {
  // LAN X: b:b0, s:s0; LAN Y: b:b1, g:g0, s:s1; NICs b(b0,b1), s(s0,s1).
  const topo: Topo = {
    b: { b0: { pci: '0000:01:00', lan: 'X' }, b1: { pci: '0000:01:00', lan: 'Y' } },
    g: { g0: { pci: '0000:02:00', lan: 'Y' } },
    s: { s0: { pci: '0000:03:00', lan: 'X' }, s1: { pci: '0000:03:00', lan: 'Y' } },
  }
  const g = graphOf(topo)
  const p = PROBLEMS['bc-with-slaves']
  // Without the negations upstream's first pick for the GM would be b:b1, on Slave1's own NIC.
  const positiveOnly: Step[] = p.steps.map((s) => s.filter((c) => c[2 + c[1]] !== 1))
  t.same(byRole(g, p, solve(g, { steps: positiveOnly })!), { Slave1: 'b:b0', BCMaster: 's:s0', BCSlave: 's:s1', GM: 'b:b1' })
  t.same(byRole(g, p, solve(g, p)!), { Slave1: 'b:b0', BCMaster: 's:s0', BCSlave: 's:s1', GM: 'g:g0' }, '!Nic(0,3) skips b:b1')
  for (const sol of solutions(g, p)) {
    t.notOk(sameNic(g, sol[0]!, sol[3]!), `${names(g, sol)}: !Nic(Slave1, GM)`)
    t.notOk(sameLan(g, sol[0]!, sol[3]!), `${names(g, sol)}: !Lan(Slave1, GM)`)
  }
  // all on one LAN: only !Lan(0,3) stands in the way
  const one = graphOf(mapPorts(topo, (_n, _p, s) => ({ ...s, lan: 'X' })))
  t.equal(solve(one, p), undefined)
  t.ok(solve(one, { steps: positiveOnly }))
})

t.test('SameNic: equal PCI device strings on two nodes are two NICs', async (t) => {
  // netdevsim gives every node the same PCI numbering
  const twoNodes: Topo = {
    n1: { e0: { pci: '0000:1f:01', lan: 'A' } },
    n2: { e1: { pci: '0000:1f:01', lan: 'B' } },
    gm: { g0: { pci: '0000:1f:09', lan: 'B' } },
  }
  const g = graphOf(twoNodes)
  t.notOk(sameNic(g, 0, 1))
  t.equal(solve(g, PROBLEMS.bc), undefined, 'no BC across two nodes')
  t.equal(solve(g, PROBLEMS['bc-extgm']), undefined)
  const oneNode: Topo = { gm: twoNodes.gm!, n1: { e0: { pci: '0000:1f:01', lan: 'A' }, e1: { pci: '0000:1f:01', fn: '1', lan: 'B' } } }
  const g1 = graphOf(oneNode)
  t.same(byRole(g1, PROBLEMS.bc, solve(g1, PROBLEMS.bc)!), { BCSlave: 'n1:e0', BCMaster: 'n1:e1', GM: 'gm:g0' })
})

t.test('a vertex is used at most once', async (t) => {
  const single = graphOf({ a: { e0: { pci: '0000:01:00', lan: 'A' } } })
  t.equal(solve(single, PROBLEMS.oc), undefined, 'Lan(p0,p0) would hold, but p1 must be another port')
  t.same(solve(single, PROBLEMS['oc-extgm']), [0])
  t.equal(solve(single, { steps: [[['Nil', 0]], [['SameNode', 2, 0, 1]]] }), undefined)
  const pair = graphOf({ a: { e0: { pci: '0000:01:00', lan: 'A' } }, b: { e0: { pci: '0000:01:00', lan: 'A' } } })
  t.same(solve(pair, PROBLEMS.oc), [0, 1])
  t.same([...solutions(pair, PROBLEMS.oc)], [
    [0, 1],
    [1, 0],
  ])
  t.equal(solve(pair, PROBLEMS.dualfollower), undefined, 'three roles, two ports')
})

t.test("upstream's search order: in-place swaps, not lexicographic", async (t) => {
  // Only vertex 2 receives PTP. After p0 = 2 the array is [2,1,0,3]: upstream
  // tries p1 = 1 before 0, so its first solution is [2,1,0], not [2,0,1].
  const g = graphOf({
    a: { e0: { pci: '1', ptp: false }, e1: { pci: '2', ptp: false }, e2: { pci: '3' }, e3: { pci: '4', ptp: false } },
  })
  const steps: Step[] = [[['IsPTP', 1, 0]], [['Nil', 0, 0]], [['Nil', 0, 0]]]
  t.same(solve(g, { steps }), [2, 1, 0])
  t.same(
    [...solutions(g, { steps })].slice(0, 4),
    [
      [2, 1, 0],
      [2, 1, 3],
      [2, 0, 1],
      [2, 0, 3],
    ],
  )
  // negate flag inverts: the first vertex NOT receiving PTP
  t.same(solve(g, { steps: [[['IsPTP', 1, 0, 1]]] }), [0])
  t.same(solve(g, { steps: [] }), [], 'no variables: one empty solution, as upstream')
})

t.test('steps naming a later variable (DualNicBCWithSlavesExtGM): checked when it is chosen', async (t) => {
  const g = graphOf(DEFAULT)
  const p = PROBLEMS['dualnicbc-with-slaves-extgm']
  const sol = solve(g, p)!
  const v = (r: string) => sol[p.roles.indexOf(r)]!
  t.ok(sameNode(g, v('BC1Slave'), v('BC2Slave')) && isPtp(g, v('BC2Slave')), 'step 3 constraints on p4 hold')
  t.ok(sameLan(g, v('BC2Master'), v('Slave2')), 'step 5 Lan(p5,p6) holds')
  // Upstream tests p4/p6 against whatever sits in the array slot at that depth:
  // on the default lab it finds nothing, and would fall back to DualNicBCExtGM.
  t.equal(solve(g, p, { lookahead: 'upstream' }), undefined)
  t.equal(solveBest(g, 'dualnicbc', true, { lookahead: 'upstream' })?.problem, 'dualnicbc-extgm')
  // no other problem looks ahead: both modes agree everywhere
  for (const q of Object.values(PROBLEMS)) {
    if (q === p) continue
    for (const topo of [DEFAULT, ONE_LAN, TWO_LANS, NO_ENS2])
      t.same(solve(graphOf(topo), q, { lookahead: 'upstream' }), solve(graphOf(topo), q), `${q.name}: same in both modes`)
  }
})

// ---------------------------------------------------------------- ptplab solve

interface Captured {
  code: number | undefined
  out: string
  err: string
  error?: unknown
}
async function run(o: Parameters<typeof cmdSolve>[0], env: Record<string, string> = {}): Promise<Captured> {
  const saved = { out: process.stdout.write, err: process.stderr.write, skip: process.env.SKIP_INTERFACES }
  let out = ''
  let err = ''
  process.stdout.write = ((s: string | Uint8Array) => ((out += String(s)), true)) as typeof process.stdout.write
  process.stderr.write = ((s: string | Uint8Array) => ((err += String(s)), true)) as typeof process.stderr.write
  delete process.env.SKIP_INTERFACES
  Object.assign(process.env, env)
  try {
    return { code: await cmdSolve(o), out, err }
  } catch (error) {
    return { code: undefined, out, err, error }
  } finally {
    process.stdout.write = saved.out
    process.stderr.write = saved.err
    if (saved.skip === undefined) delete process.env.SKIP_INTERFACES
    else process.env.SKIP_INTERFACES = saved.skip
  }
}
const writeReports = (name: string, topo: Topo) => {
  const dir = join(TMP, name)
  mkdirSync(dir)
  for (const [node, text] of reportTexts(topo)) writeFileSync(join(dir, `${node}.json`), text)
  return dir
}

t.test('ptplab solve: prints the roles of the named problem', async (t) => {
  const dir = writeReports('default', DEFAULT)
  const r = await run({ problem: 'bc', l2: dir })
  t.equal(r.code, 0)
  t.equal(r.err, '')
  t.same(JSON.parse(r.out), {
    problem: 'bc',
    roles: {
      BCSlave: { node: 'worker1', iface: 'ens1f0' },
      BCMaster: { node: 'worker1', iface: 'ens1f1' },
      GM: { node: 'worker1', iface: 'ens2f0' },
    },
  })
  const ext = await run({ problem: 'oc', externalGm: true, l2: dir })
  t.same(JSON.parse(ext.out), { problem: 'oc-extgm', roles: { Slave: { node: 'worker1', iface: 'ens1f0' } } })
  const up = await run({ problem: 'DualNicBCWithSlaves', l2: dir })
  t.equal(JSON.parse(up.out).problem, 'dualnicbc-with-slaves', 'upstream names accepted')
})

t.test('ptplab solve: SKIP_INTERFACES from the environment', async (t) => {
  t.same(skipInterfacesFromEnv({ SKIP_INTERFACES: ' eno1, ,ens2f1,' }), ['eno1', 'ens2f1'])
  t.same(skipInterfacesFromEnv({}), [])
  const dir = writeReports('skip', DEFAULT)
  const r = await run({ problem: 'oc', l2: dir }, { SKIP_INTERFACES: 'ens4f0' })
  t.equal(r.code, 0)
  // ens1f0 has no LAN partner left; SameLan does not care about nodes
  t.same(JSON.parse(r.out).roles, { Slave: { node: 'worker1', iface: 'ens1f1' }, GM: { node: 'worker1', iface: 'ens2f0' } })
})

t.test('ptplab solve: no assignment -> exit 1 with what was found', async (t) => {
  const dir = writeReports('noens2', NO_ENS2)
  const r = await run({ problem: 'dualnicbc', l2: dir })
  t.equal(r.code, 1)
  t.equal(r.out, '')
  t.match(r.err, /no assignment for problem dualnicbc \(upstream DualNicBC, 5 roles: BC1Slave, BC1Master, GM, BC2Master, BC2Slave\)/)
  t.match(r.err, /found 7 interfaces on 3 nodes, 3 LANs of 2\+ interfaces \(2\+3\+2\), 7 receiving PTP/)
})

t.test('ptplab solve: bad input is an InputError (exit 2)', async (t) => {
  const dir = writeReports('bad-input', DEFAULT)
  const unknown = await run({ problem: 'tgm', l2: dir })
  t.match(unknown.error, { name: 'InputError', field: '--problem', message: /unknown problem "tgm"; known: oc, dualfollower, bc, bc-with-slaves, dualnicbc, .*dualnicbc-with-slaves-extgm/ })
  const missing = join(TMP, 'does-not-exist')
  t.match((await run({ problem: 'oc', l2: missing })).error, { name: 'InputError', file: missing, message: /ENOENT/ })
  const empty = join(TMP, 'empty')
  mkdirSync(empty)
  t.match((await run({ problem: 'oc', l2: empty })).error, { name: 'InputError', file: empty, message: /no L2 reports/ })
  const bad = join(TMP, 'bad')
  mkdirSync(bad)
  writeFileSync(join(bad, 'worker1.json'), '{"88b5": {"x": {}}}')
  t.match((await run({ problem: 'oc', l2: bad })).error, { name: 'InputError', file: join(bad, 'worker1.json'), field: '88b5.x.Local' })
})
