// The role-assignment problems of upstream's conformance suite, and what each
// role means when the suite turns a solution into PtpConfigs.
//
// Sources (mirrored, not copied; read at openshift/ptp-operator commit
// 001ec3957a50, l2discovery-lib 1b1813a68d1f):
// - steps and role indices: openshift/ptp-operator (= k8snetworkplumbingwg/
//   ptp-operator) test/pkg/testconfig/testconfig.go, initAndSolveProblems():
//   data.problems[Algo...String] and data.testClockRolesAlgoMapping (older
//   versions wrote some negations as StepDifferentNic and had one step less
//   in DualNicBCWithSlavesExtGM);
// - which role gets which PtpConfig: same file, PtpConfigOC,
//   PtpConfigDualFollower, PtpConfigBC, PtpConfigDualNicBC, and the builders
//   CreatePtpConfigGrandMaster / CreatePtpConfigOC / CreatePtpConfigBC /
//   CreatePtpConfigDualFollower;
// - config names and labels: test/pkg/consts.go;
// - the encoding and the solver: redhat-cne/l2discovery-lib
//   pkg/graphsolver/graphsolver.go (see solver.ts).
//
// ENCODING. A problem is a list of steps, one per variable p0..pn: the number
// of variables IS the number of steps. The solver chooses p_k, then checks
// step k; so step k may use p0..pk. Step 0 can only test p0 alone, and where
// there is nothing to test upstream puts StepNil there ({StepNil, 0, 0}: a
// no-op that always passes). It is NOT an offset: p0 is still a real role.
// A constraint is [fn, paramCount, p..., negate?]: `negate` is upstream's
// Positive (0, the default when omitted) or Negative (1, result inverted).
// Upstream numbers functions per arity (StepNil=0; StepIsPTP=0; StepSameLan2=0,
// StepSameNic=1, StepSameNode=2); here they are named.
//
// ROLE NAMES follow docs/upstream.md#suite (OC: Slave, GM; BC: BCSlave,
// BCMaster, GM; ...). Upstream's names differ: Grandmaster, Slave1, Slave2,
// BC1Master, BC1Slave, BC2Master, BC2Slave; upstream's OC slave is Slave1 and
// its single-BC ports are BC1Slave/BC1Master.
//
// WHAT THE SUITE GENERATES (all in namespace openshift-ptp, recommend
// priority 5, matched by node label; the label goes on the node of the ports):
// - gm role: PtpConfig `test-grandmaster`, label `ptp/test-grandmaster`,
//   profile interface = the GM port, ptp4lConf + `priority1 0`, `priority2 0`,
//   `clockClass 6`, [port] `masterOnly 1`, ptp4lOpts `-2 --summary_interval -4`,
//   phc2sys `-a -r -r -n 24`. Absent with an external GM.
// - clock kind 'oc' (`test-slave1`, label `ptp/clock-under-test`): profile
//   interface = the port, [port] `masterOnly 0`, ptp4lOpts `-2 -s ...`.
// - clock kind 'dualfollower' (`test-slave1`, `ptp/clock-under-test`): no
//   profile interface, global `slaveOnly 1`, both ports `masterOnly 0`, `-2 -s`.
// - clock kind 'bc' (`test-bc-master1`, and `test-bc-master2` for the second
//   NIC of a dual-NIC BC; label `ptp/clock-under-test`): no profile
//   interface, global `boundary_clock_jbod 1` + `gmCapable 0`, slave port
//   `masterOnly 0`, master port `masterOnly 1`, ptp4lOpts `-2 ...`. Both
//   dual-NIC BCs are on one node.
// - downstream slaves (`test-slave1` label `ptp/test-slave1`, `test-slave2`
//   label `ptp/test-slave2`): OC profiles as above, no phc2sys; each listens
//   to one BC master port.
// phc2sys: test-slave1 as clock under test, test-bc-master1 (unless
// DualNICBCHA) and the GM run it; test-bc-master2 and downstream slaves don't.
//
// SameLan says nothing about nodes: a solution may put the GM, a clock
// under test and a downstream slave on one node (the default lab's
// bc-with-slaves does). Several configs then land on one node.

export const POSITIVE = 0 as const
export const NEGATIVE = 1 as const
export type Negate = typeof POSITIVE | typeof NEGATIVE

export type Fn0 = 'Nil'
export type Fn1 = 'IsPTP'
export type Fn2 = 'SameLan' | 'SameNic' | 'SameNode'
export type Constraint =
  | readonly [fn: Fn0, paramCount: 0, negate?: Negate]
  | readonly [fn: Fn1, paramCount: 1, p0: number, negate?: Negate]
  | readonly [fn: Fn2, paramCount: 2, p0: number, p1: number, negate?: Negate]
export type Step = readonly Constraint[]


export type ClockConfigName = 'test-slave1' | 'test-bc-master1' | 'test-bc-master2'
export interface ClockUnderTest {
  name: ClockConfigName // PtpConfig name; label ptp/clock-under-test
  kind: 'oc' | 'bc' | 'dualfollower'
  slavePorts: readonly string[] // roles configured `masterOnly 0`
  masterPorts: readonly string[] // roles configured `masterOnly 1`
  phc2sys: boolean // upstream sets phc2sysOpts (non-HA runs)
}
export interface DownstreamSlave {
  name: 'test-slave1' | 'test-slave2' // PtpConfig name (an OC)
  label: 'ptp/test-slave1' | 'ptp/test-slave2'
  port: string // role of its only port (masterOnly 0)
  upstreamMaster: string // the BC master-port role on its LAN
}
export interface ProblemSemantics {
  gm?: string // role of the test-grandmaster port; absent with an external GM
  clocks: readonly ClockUnderTest[]
  downstream: readonly DownstreamSlave[]
  notes?: string
}

export type ProblemBase = 'oc' | 'dualfollower' | 'bc' | 'dualnicbc'
export type ProblemName =
  | 'oc'
  | 'dualfollower'
  | 'bc'
  | 'bc-with-slaves'
  | 'dualnicbc'
  | 'dualnicbc-with-slaves'
  | 'oc-extgm'
  | 'dualfollower-extgm'
  | 'bc-extgm'
  | 'bc-with-slaves-extgm'
  | 'dualnicbc-extgm'
  | 'dualnicbc-with-slaves-extgm'

export interface Problem {
  name: ProblemName
  upstream: string // upstream's Algo...String value
  base: ProblemBase
  withSlaves: boolean
  externalGm: boolean
  steps: readonly Step[]
  roles: readonly string[] // role of p0, p1, ... (roles.length === steps.length)
  semantics: ProblemSemantics
}

// ---------------------------------------------------------------- shorthands
const Nil: Constraint = ['Nil', 0, POSITIVE]
const ptp = (a: number): Constraint => ['IsPTP', 1, a]
const lan = (a: number, b: number, n: Negate = POSITIVE): Constraint => ['SameLan', 2, a, b, n]
const nic = (a: number, b: number, n: Negate = POSITIVE): Constraint => ['SameNic', 2, a, b, n]
const node = (a: number, b: number): Constraint => ['SameNode', 2, a, b]

const oc = (port: string): ClockUnderTest => ({ name: 'test-slave1', kind: 'oc', slavePorts: [port], masterPorts: [], phc2sys: true })
const bc = (name: 'test-bc-master1' | 'test-bc-master2', slave: string, master: string): ClockUnderTest => ({
  name,
  kind: 'bc',
  slavePorts: [slave],
  masterPorts: [master],
  phc2sys: name === 'test-bc-master1',
})
const dualFollower = (a: string, b: string): ClockUnderTest => ({ name: 'test-slave1', kind: 'dualfollower', slavePorts: [a, b], masterPorts: [], phc2sys: true })
const down1 = (port: string, master: string): DownstreamSlave => ({ name: 'test-slave1', label: 'ptp/test-slave1', port, upstreamMaster: master })
const down2 = (port: string, master: string): DownstreamSlave => ({ name: 'test-slave2', label: 'ptp/test-slave2', port, upstreamMaster: master })

const inverted = (masters: string, slaves: string) =>
  `Upstream puts ${masters} (masterOnly 1) on the GM's LAN and leaves ${slaves} (masterOnly 0) without any LAN ` +
  "constraint, although its design drawing (test/doc/multi_bc.svg: p0 'BC master', p1 'BC slave' on the GM " +
  "island) means the opposite. Mirrored as upstream runs it: the BC only locks when PTP reaches its slave " +
  "port some other way, as in upstream's CI lab and in ptplab, where the switch is one boundary clock across " +
  'all VLANs.'

const list: Problem[] = [
  {
    name: 'oc',
    upstream: 'OC',
    base: 'oc',
    withSlaves: false,
    externalGm: false,
    steps: [[Nil], [lan(0, 1)]],
    roles: ['Slave', 'GM'],
    semantics: { gm: 'GM', clocks: [oc('Slave')], downstream: [] },
  },
  {
    name: 'dualfollower',
    upstream: 'DualFollower',
    base: 'dualfollower',
    withSlaves: false,
    externalGm: false,
    steps: [[Nil], [lan(0, 1)], [lan(1, 2), nic(0, 2)]],
    roles: ['Slave1', 'GM', 'Slave2'],
    semantics: { gm: 'GM', clocks: [dualFollower('Slave1', 'Slave2')], downstream: [] },
  },
  {
    name: 'bc',
    upstream: 'BC',
    base: 'bc',
    withSlaves: false,
    externalGm: false,
    steps: [[Nil], [nic(0, 1)], [lan(1, 2)]],
    roles: ['BCSlave', 'BCMaster', 'GM'],
    semantics: { gm: 'GM', clocks: [bc('test-bc-master1', 'BCSlave', 'BCMaster')], downstream: [], notes: inverted('BCMaster', 'BCSlave') },
  },
  {
    name: 'bc-with-slaves',
    upstream: 'BCWithSlaves',
    base: 'bc',
    withSlaves: true,
    externalGm: false,
    // step 3: downstream slave and GM on different NICs and LANs
    steps: [[Nil], [lan(0, 1)], [nic(1, 2)], [lan(2, 3), nic(0, 3, NEGATIVE), lan(0, 3, NEGATIVE)]],
    roles: ['Slave1', 'BCMaster', 'BCSlave', 'GM'],
    semantics: { gm: 'GM', clocks: [bc('test-bc-master1', 'BCSlave', 'BCMaster')], downstream: [down1('Slave1', 'BCMaster')] },
  },
  {
    name: 'dualnicbc',
    upstream: 'DualNicBC',
    base: 'dualnicbc',
    withSlaves: false,
    externalGm: false,
    steps: [[Nil], [nic(0, 1)], [lan(1, 2)], [node(1, 3), lan(2, 3)], [nic(3, 4), nic(1, 3, NEGATIVE)]],
    roles: ['BC1Slave', 'BC1Master', 'GM', 'BC2Master', 'BC2Slave'],
    semantics: {
      gm: 'GM',
      clocks: [bc('test-bc-master1', 'BC1Slave', 'BC1Master'), bc('test-bc-master2', 'BC2Slave', 'BC2Master')],
      downstream: [],
      notes: inverted('BC1Master and BC2Master', 'BC1Slave and BC2Slave'),
    },
  },
  {
    name: 'dualnicbc-with-slaves',
    upstream: 'DualNicBCWithSlaves',
    base: 'dualnicbc',
    withSlaves: true,
    externalGm: false,
    steps: [
      [Nil],
      [lan(0, 1)],
      [nic(1, 2)],
      [lan(2, 3)],
      [node(2, 4), lan(3, 4)],
      [nic(4, 5)],
      [
        lan(5, 6),
        nic(0, 3, NEGATIVE), // downstream slaves and GM on different NICs
        nic(6, 3, NEGATIVE),
        nic(2, 4, NEGATIVE), // the two BCs use two NICs
        lan(4, 6, NEGATIVE), // downstream slaves on other LANs than the GM's
        lan(0, 6, NEGATIVE),
        nic(0, 6, NEGATIVE), // downstream slaves on different NICs
      ],
    ],
    roles: ['Slave1', 'BC1Master', 'BC1Slave', 'GM', 'BC2Slave', 'BC2Master', 'Slave2'],
    semantics: {
      gm: 'GM',
      clocks: [bc('test-bc-master1', 'BC1Slave', 'BC1Master'), bc('test-bc-master2', 'BC2Slave', 'BC2Master')],
      downstream: [down1('Slave1', 'BC1Master'), down2('Slave2', 'BC2Master')],
    },
  },
  {
    name: 'oc-extgm',
    upstream: 'OCExtGM',
    base: 'oc',
    withSlaves: false,
    externalGm: true,
    steps: [[ptp(0)]],
    roles: ['Slave'],
    semantics: { clocks: [oc('Slave')], downstream: [] },
  },
  {
    name: 'dualfollower-extgm',
    upstream: 'DualFollowerExtGM',
    base: 'dualfollower',
    withSlaves: false,
    externalGm: true,
    steps: [[ptp(0)], [nic(0, 1), ptp(1)]],
    roles: ['Slave1', 'Slave2'],
    semantics: { clocks: [dualFollower('Slave1', 'Slave2')], downstream: [] },
  },
  {
    name: 'bc-extgm',
    upstream: 'BCExtGM',
    base: 'bc',
    withSlaves: false,
    externalGm: true,
    steps: [[ptp(0)], [nic(0, 1)]],
    roles: ['BCSlave', 'BCMaster'],
    semantics: { clocks: [bc('test-bc-master1', 'BCSlave', 'BCMaster')], downstream: [] },
  },
  {
    name: 'bc-with-slaves-extgm',
    upstream: 'BCWithSlavesExtGM',
    base: 'bc',
    withSlaves: true,
    externalGm: true,
    steps: [[Nil], [lan(0, 1)], [nic(1, 2), ptp(2)]],
    roles: ['Slave1', 'BCMaster', 'BCSlave'],
    semantics: { clocks: [bc('test-bc-master1', 'BCSlave', 'BCMaster')], downstream: [down1('Slave1', 'BCMaster')] },
  },
  {
    name: 'dualnicbc-extgm',
    upstream: 'DualNicBCExtGM',
    base: 'dualnicbc',
    withSlaves: false,
    externalGm: true,
    steps: [[ptp(0)], [nic(0, 1)], [ptp(2), node(0, 2)], [nic(2, 3), nic(0, 2, NEGATIVE)]],
    roles: ['BC1Slave', 'BC1Master', 'BC2Slave', 'BC2Master'],
    semantics: {
      clocks: [bc('test-bc-master1', 'BC1Slave', 'BC1Master'), bc('test-bc-master2', 'BC2Slave', 'BC2Master')],
      downstream: [],
    },
  },
  {
    name: 'dualnicbc-with-slaves-extgm',
    upstream: 'DualNicBCWithSlavesExtGM',
    base: 'dualnicbc',
    withSlaves: true,
    externalGm: true,
    // Verbatim upstream, quirks included: step 3 tests p4 and step 5 tests p6
    // before they are chosen (see solver.ts: checked when chosen), and p3 is
    // the non-ExtGM problem's GM slot left in: no role, no config, it only
    // takes a vertex that is on neither downstream slave's NIC.
    steps: [
      [Nil],
      [lan(0, 1)],
      [nic(1, 2)],
      [node(2, 4), ptp(2), ptp(4)],
      [nic(4, 5)],
      [lan(5, 6), nic(0, 3, NEGATIVE), nic(6, 3, NEGATIVE)],
      [nic(2, 4, NEGATIVE), nic(0, 6, NEGATIVE)],
    ],
    roles: ['Slave1', 'BC1Master', 'BC1Slave', 'Unused', 'BC2Slave', 'BC2Master', 'Slave2'],
    semantics: {
      clocks: [bc('test-bc-master1', 'BC1Slave', 'BC1Master'), bc('test-bc-master2', 'BC2Slave', 'BC2Master')],
      downstream: [down1('Slave1', 'BC1Master'), down2('Slave2', 'BC2Master')],
      notes:
        "Role 'Unused' (p3) is upstream's leftover GM slot: it gets no config but must be a distinct interface " +
        "off Slave1's and Slave2's NICs. Unlike the local-GM variant, nothing keeps the downstream slaves off each " +
        "other's LAN or off the BC slave ports' LAN.",
    },
  },
]

export const PROBLEMS: Readonly<Record<ProblemName, Problem>> = Object.freeze(
  Object.fromEntries(list.map((p) => [p.name, p])) as Record<ProblemName, Problem>,
)

export const PROBLEM_NAMES = list.map((p) => p.name) as readonly ProblemName[]

// By registry name ("bc-with-slaves") or upstream name ("BCWithSlaves"),
// case-insensitively; `externalGm` selects the -extgm variant of a base name.
export function findProblem(name: string, externalGm = false): Problem | undefined {
  const n = name.trim().toLowerCase()
  const p = list.find((x) => x.name === n || x.upstream.toLowerCase() === n)
  if (!p || !externalGm || p.externalGm) return p
  return list.find((x) => x.base === p.base && x.withSlaves === p.withSlaves && x.externalGm)
}

// Structural check: one role per step, params in range, arity right.
export function checkProblem(p: Pick<Problem, 'steps' | 'roles'>): string[] {
  const errs: string[] = []
  const n = p.steps.length
  if (p.roles.length !== n) errs.push(`${p.roles.length} roles for ${n} steps`)
  if (new Set(p.roles).size !== p.roles.length) errs.push('duplicate role names')
  p.steps.forEach((step, k) =>
    step.forEach((c, j) => {
      const params = c.slice(2, 2 + c[1]) as number[]
      if (params.length !== c[1]) errs.push(`step ${k} constraint ${j}: ${c[1]} params expected`)
      for (const x of params) if (!Number.isInteger(x) || x < 0 || x >= n) errs.push(`step ${k} constraint ${j}: p${x} out of range`)
      const neg = c[2 + c[1]]
      if (neg !== undefined && neg !== POSITIVE && neg !== NEGATIVE) errs.push(`step ${k} constraint ${j}: bad negate flag`)
      if (c.length > 3 + c[1]) errs.push(`step ${k} constraint ${j}: too many elements`)
    }),
  )
  return errs
}
