// Discovery mode classification (lab/conformance/discovery-mode.ts,
// docs/upstream.md#suite) from realistic PtpConfig YAML.
import { inputError } from '../fixtures/errors.js'
import t from 'tap'
import { parsePtpConfigs, type PtpConfig } from '../../lab/operator/ptpconfig.js'
import { classifyDiscovery, profilePorts, type DiscoveryNode } from '../../lab/conformance/discovery-mode.js'
import { bcConfig, grandmasterConfig, ocSlaveConfig } from '../../lab/profiles/ptpconfigs.js'

const F = 'ptpconfigs.yaml'


const NODES: DiscoveryNode[] = [
  { name: 'worker1', labels: { 'node-role.kubernetes.io/worker': '', 'ptp/clock-under-test': '' } },
  { name: 'worker2', labels: { 'node-role.kubernetes.io/worker': '', 'ptp/test-grandmaster': '' } },
  { name: 'worker3', labels: { 'node-role.kubernetes.io/worker': '' } },
]

const GLOBAL = `      [global]
      domainNumber 24
      logging_level 7
      network_transport L2
      ptp_dst_mac 01:1B:19:00:00:00`

// A PtpConfig document; ptp4lConf lines indented by the caller's GLOBAL style.
const doc = (o: { name: string; profile?: string; iface?: string; conf: string; label?: string; phc2sys?: boolean; extra?: string; recommend?: string }) => {
  const profile = o.profile ?? o.name
  return `apiVersion: ptp.openshift.io/v1
kind: PtpConfig
metadata:
  name: ${o.name}
  namespace: openshift-ptp
spec:
  profile:
  - name: ${profile}
${o.iface ? `    interface: ${o.iface}\n` : ''}    ptp4lOpts: "-2"
${o.phc2sys === false ? '' : '    phc2sysOpts: -a -r -n 24\n'}    ptpSchedulingPolicy: SCHED_OTHER
    ptpSchedulingPriority: 65
${o.extra ?? ''}    ptp4lConf: |
${o.conf}
  recommend:
${o.recommend ?? `  - profile: ${profile}
    priority: 5
    match:
    - nodeLabel: ${o.label ?? 'ptp/clock-under-test'}
`}`
}

const GM = doc({ name: 'test-grandmaster', iface: 'ens4f0', label: 'ptp/test-grandmaster', conf: `${GLOBAL}\n      priority1 0\n      clockClass 6\n      [ens4f0]\n      masterOnly 1` })
const OC = doc({ name: 'test-slave1', iface: 'ens1f0', conf: `${GLOBAL}\n      [ens1f0]\n      masterOnly 0` })
const DUAL_FOLLOWER = doc({
  name: 'test-dual-follower',
  conf: `${GLOBAL}\n      [ens1f0]\n      masterOnly 0\n      [ens1f1]\n      masterOnly 0`,
})
// Upstream README's example BC, metadata and all.
const SEED_BC = `apiVersion: ptp.openshift.io/v1
kind: PtpConfig
metadata:
  managedFields:
  - apiVersion: ptp.openshift.io/v1
    fieldsType: FieldsV1
    fieldsV1:
      f:spec:
        .: {}
        f:profile: {}
        f:recommend: {}
    manager: __debug_bin
    operation: Update
    time: "2022-06-13T22:27:54Z"
  name: test-bc-master
  namespace: openshift-ptp
spec:
  profile:
  - name: test-bc-master
    phc2sysOpts: -a -r
    ptp4lConf: |-
      [global]
      ptp_dst_mac 01:1B:19:00:00:00
      p2p_dst_mac 01:80:C2:00:00:0E
      domainNumber 24
      logging_level 7
      boundary_clock_jbod 1
      [ens2f0]
      masterOnly 0
      [ens2f1]
      masterOnly 1
    ptp4lOpts: "-2"
    ptpSchedulingPolicy: SCHED_OTHER
    ptpSchedulingPriority: 65
  recommend:
  - match:
    - nodeLabel: ptp/clock-under-test
    priority: 5
    profile: test-bc-master
`
const bc = (name: string, slave: string, masters: string[], phc2sys = true) =>
  doc({
    name,
    phc2sys,
    conf: `${GLOBAL}\n      [${slave}]\n      masterOnly 0${masters.map((m) => `\n      [${m}]\n      masterOnly 1`).join('')}`,
  })

const parse = (...docs: string[]): PtpConfig[] => parsePtpConfigs(docs.join('---\n'), F)

t.test('OC', async (t) => {
  t.same(classifyDiscovery(parse(GM, OC), NODES), {
    mode: 'oc',
    node: 'worker1',
    clocks: [{ config: 'test-slave1', profile: 'test-slave1', slavePorts: ['ens1f0'], masterPorts: [] }],
  })
  // A user OC: only the profile interface, no interface section.
  const user = doc({ name: 'my-oc', profile: 'slave', iface: 'ens3f1', conf: GLOBAL })
  t.same(classifyDiscovery(parse(user), NODES).clocks, [{ config: 'my-oc', profile: 'slave', slavePorts: ['ens3f1'], masterPorts: [] }])
  // ptplab's own generated configs.
  const gen = [grandmasterConfig('ens4f0', { softwareTimestamps: true }), ocSlaveConfig('ens1f0', { softwareTimestamps: true })]
  t.same(classifyDiscovery(gen, NODES), {
    mode: 'oc',
    node: 'worker1',
    clocks: [{ config: 'test-slave1', profile: 'test-slave1', slavePorts: ['ens1f0'], masterPorts: [] }],
  })
})

t.test('DualFollower', async (t) => {
  t.same(classifyDiscovery(parse(GM, DUAL_FOLLOWER), NODES), {
    mode: 'dualfollower',
    node: 'worker1',
    clocks: [{ config: 'test-dual-follower', profile: 'test-dual-follower', slavePorts: ['ens1f0', 'ens1f1'], masterPorts: [] }],
  })
})

t.test('BC', async (t) => {
  t.same(classifyDiscovery(parse(GM, SEED_BC), NODES), {
    mode: 'bc',
    node: 'worker1',
    clocks: [{ config: 'test-bc-master', profile: 'test-bc-master', slavePorts: ['ens2f0'], masterPorts: ['ens2f1'] }],
  })
  const gen = [bcConfig('test-bc-master1', 'ens2f0', ['ens2f1', 'ens2f2'], { softwareTimestamps: true })]
  t.same(classifyDiscovery(gen, NODES).clocks, [
    { config: 'test-bc-master1', profile: 'test-bc-master1', slavePorts: ['ens2f0'], masterPorts: ['ens2f1', 'ens2f2'] },
  ])
})

t.test('DualNICBC', async (t) => {
  // Upstream's primary BC runs phc2sys, the secondary has no phc2sysOpts: primary first.
  const r = classifyDiscovery(parse(GM, bc('bc-a', 'ens3f0', ['ens3f1'], false), bc('bc-b', 'ens2f0', ['ens2f1'])), NODES)
  t.same(r, {
    mode: 'dualnicbc',
    node: 'worker1',
    clocks: [
      { config: 'bc-b', profile: 'bc-b', slavePorts: ['ens2f0'], masterPorts: ['ens2f1'] },
      { config: 'bc-a', profile: 'bc-a', slavePorts: ['ens3f0'], masterPorts: ['ens3f1'] },
    ],
  })
  // Both with phc2sys (ptplab's generator): name order.
  const gen = [
    bcConfig('test-bc-master2', 'ens3f0', ['ens3f1'], { softwareTimestamps: true }),
    bcConfig('test-bc-master1', 'ens2f0', ['ens2f1'], { softwareTimestamps: true }),
  ]
  t.same(
    classifyDiscovery(gen, NODES).clocks.map((c) => c.config),
    ['test-bc-master1', 'test-bc-master2'],
  )
  t.equal(classifyDiscovery(gen, NODES).mode, 'dualnicbc')
})

t.test('what counts', async (t) => {
  // A config matched twice (two match entries) counts once.
  const twice = doc({
    name: 'test-slave1',
    iface: 'ens1f0',
    conf: `${GLOBAL}\n      [ens1f0]\n      masterOnly 0`,
    recommend: '  - profile: test-slave1\n    priority: 5\n    match:\n    - nodeLabel: ptp/clock-under-test\n    - nodeName: worker1\n',
  })
  t.equal(classifyDiscovery(parse(twice), NODES).mode, 'oc')
  // The recommended profile is read, not the first one.
  const two = `apiVersion: ptp.openshift.io/v1
kind: PtpConfig
metadata:
  name: multi
spec:
  profile:
  - name: other
    interface: ens9f0
    ptp4lConf: "[ens9f0]\\nmasterOnly 1\\n"
  - name: cut
    interface: ens1f0
    ptp4lConf: "[ens1f0]\\nmasterOnly 0\\n"
  recommend:
  - profile: other
    priority: 5
    match:
    - nodeLabel: ptp/test-grandmaster
  - profile: cut
    priority: 5
    match:
    - nodeLabel: ptp/clock-under-test
`
  t.same(classifyDiscovery(parse(two), NODES).clocks, [{ config: 'multi', profile: 'cut', slavePorts: ['ens1f0'], masterPorts: [] }])
})

t.test('profilePorts', async (t) => {
  t.same(profilePorts({ name: 'p', interface: 'eth0' }), { masterPorts: [], slavePorts: ['eth0'], otherPorts: [] })
  t.same(profilePorts({ name: 'p' }), { masterPorts: [], slavePorts: [], otherPorts: [] })
  // masterOnly in [global] applies to the profile interface.
  t.same(profilePorts({ name: 'p', interface: 'eth0', ptp4lConf: '[global]\nmasterOnly 1\n' }), { masterPorts: ['eth0'], slavePorts: [], otherPorts: [] })
  t.same(profilePorts({ name: 'p', interface: 'eth0', ptp4lConf: '[global]\nmasterOnly 0\n[eth0]\nmasterOnly 0\n' }), {
    masterPorts: [],
    slavePorts: ['eth0'],
    otherPorts: [],
  })
  // Without interface, [global] masterOnly names no port.
  t.same(profilePorts({ name: 'p', ptp4lConf: '[global]\nmasterOnly 0\n[a]\nmasterOnly 1\n' }), { masterPorts: ['a'], slavePorts: [], otherPorts: [] })
  // Sections without masterOnly (or with another value) count as neither; last value wins; port order kept.
  t.same(
    profilePorts({ name: 'p', ptp4lConf: '[global]\n[b]\nmasterOnly 1\n[a]\n[c]\nmasterOnly 1\nmasterOnly 0\n[d]\nmasterOnly true\n[unicast_master_table]\nmasterOnly 0\n' }),
    { masterPorts: ['b'], slavePorts: ['c'], otherPorts: ['a', 'd'] },
  )
  // The profile interface is a slave by default only when it is not a master port.
  t.same(profilePorts({ name: 'p', interface: 'eth0', ptp4lConf: '[eth0]\nmasterOnly 1\n' }), { masterPorts: ['eth0'], slavePorts: [], otherPorts: [] })
})

t.test('refusals', async (t) => {
  let e = inputError(() => classifyDiscovery(parse(OC), NODES.filter((n) => n.name !== 'worker1')))
  t.equal(e.message, 'Discovery mode: no node carries label "ptp/clock-under-test"; label the node that holds the clock under test')
  e = inputError(() => classifyDiscovery(parse(OC), [...NODES, { name: 'worker4', labels: { 'ptp/clock-under-test': 'yes' } }]))
  t.equal(e.message, 'Discovery mode: 2 nodes carry label "ptp/clock-under-test" (worker1, worker4); label exactly one')

  e = inputError(() => classifyDiscovery(parse(GM), NODES))
  t.match(e.message, /^Discovery mode: no PtpConfig is recommended to label "ptp\/clock-under-test"/)
  e = inputError(() => classifyDiscovery([], NODES))
  t.match(e.message, /no PtpConfig is recommended/)
  // Matched by node name only: not a clock under test (as upstream).
  const byName = doc({
    name: 'by-name',
    iface: 'ens1f0',
    conf: GLOBAL,
    recommend: '  - profile: by-name\n    priority: 5\n    match:\n    - nodeName: worker1\n',
  })
  t.match(inputError(() => classifyDiscovery(parse(byName), NODES)).message, /no PtpConfig is recommended/)

  // BC whose slave port has no masterOnly: upstream counts it as nothing.
  const noMO = doc({ name: 'bc-nomo', conf: `${GLOBAL}\n      [ens2f0]\n      [ens2f1]\n      masterOnly 1` })
  e = inputError(() => classifyDiscovery(parse(noMO), NODES))
  t.match(e.message, /^Discovery mode: the clock under test has master ports only/)
  t.match(e.message, /bc-nomo \(profile bc-nomo: master ports \[ens2f1\], slave ports \[\]\), without masterOnly: \[ens2f0\]/)
  t.match(e.message, /a port counts only with masterOnly 0 \(slave\) or 1 \(master\)/)

  const three = doc({ name: 'three', conf: `${GLOBAL}\n      [a]\n      masterOnly 0\n      [b]\n      masterOnly 0\n      [c]\n      masterOnly 0` })
  t.match(inputError(() => classifyDiscovery(parse(three), NODES)).message, /3 slave ports and no master port is not a supported clock/)

  const empty = doc({ name: 'empty', conf: GLOBAL })
  t.match(inputError(() => classifyDiscovery(parse(empty), NODES)).message, /the clock under test has no port/)

  t.match(inputError(() => classifyDiscovery(parse(OC, SEED_BC), NODES)).message, /2 PtpConfigs, not all boundary clocks/)
  t.match(inputError(() => classifyDiscovery(parse(OC, DUAL_FOLLOWER), NODES)).message, /2 PtpConfigs, not all boundary clocks/)
  t.match(
    inputError(() => classifyDiscovery(parse(bc('a', 'p1', ['p2']), bc('b', 'p3', ['p4']), bc('c', 'p5', ['p6'])), NODES)).message,
    /3 boundary clock PtpConfigs \(at most 2, a dual-NIC BC\)/,
  )
  t.match(inputError(() => classifyDiscovery(parse(bc('a', 'p1', ['p2']), bc('b', 'p3', ['p2'])), NODES)).message, /the two boundary clocks share ports p2/)

  // Recommend problems point at the file and line.
  const missing = doc({
    name: 'missing',
    iface: 'ens1f0',
    conf: GLOBAL,
    recommend: '  - profile: nosuch\n    priority: 5\n    match:\n    - nodeLabel: ptp/clock-under-test\n',
  })
  e = inputError(() => classifyDiscovery(parse(missing), NODES))
  t.equal(e.file, F)
  t.equal(e.field, 'spec.recommend[0].profile')
  t.match(e.message, /^ptpconfigs\.yaml:\d+: spec\.recommend\[0\]\.profile: Discovery mode: PtpConfig "missing" recommends profile "nosuch", which it does not define/)
  const noProfile = doc({
    name: 'noprofile',
    iface: 'ens1f0',
    conf: GLOBAL,
    recommend: '  - priority: 5\n    match:\n    - nodeLabel: ptp/clock-under-test\n',
  })
  t.match(inputError(() => classifyDiscovery(parse(noProfile), NODES)).message, /recommend entry for ptp\/clock-under-test names no profile/)
})

t.test('upstream modes ptplab does not run', async (t) => {
  const tbc = `apiVersion: ptp.openshift.io/v1
kind: PtpConfig
metadata:
  name: tbc
spec:
  profile:
  - name: tbc-tr
    ptp4lConf: "[ens1f0]\\nmasterOnly 0\\n"
  - name: tbc-tt
    ptp4lConf: "[ens1f1]\\nmasterOnly 1\\n"
    ptpSettings:
      controllingProfile: tbc-tr
  recommend:
  - profile: tbc-tr
    priority: 4
    match:
    - nodeLabel: ptp/clock-under-test
  - profile: tbc-tt
    priority: 4
    match:
    - nodeLabel: ptp/clock-under-test
`
  t.match(inputError(() => classifyDiscovery(parse(tbc), NODES)).message, /PtpConfig "tbc" is a T-BC \(TBC\), not supported by ptplab yet/)

  const ha = doc({
    name: 'test-ha',
    conf: GLOBAL,
    extra: '    ptpSettings:\n      haProfiles: bc-a,bc-b\n',
  })
  t.match(
    inputError(() => classifyDiscovery(parse(bc('bc-a', 'a0', ['a1'], false), bc('bc-b', 'b0', ['b1'], false), ha), NODES)).message,
    /PtpConfig "test-ha" is a phc2sys HA config \(DualNICBCHA\), not supported by ptplab yet/,
  )

  const tgm = doc({
    name: 'tgm',
    conf: `${GLOBAL}\n      [ens1f0]\n      masterOnly 1\n      [ens1f1]\n      masterOnly 1`,
    extra: '    ts2phcConf: |\n      [nmea]\n      ts2phc.master 1\n',
  })
  t.match(inputError(() => classifyDiscovery(parse(tgm), NODES)).message, /PtpConfig "tgm" is a T-GM \(TGM\), not supported by ptplab yet/)

  const twoProfiles = `apiVersion: ptp.openshift.io/v1
kind: PtpConfig
metadata:
  name: twoprofiles
spec:
  profile:
  - name: p1
    interface: ens1f0
  - name: p2
    interface: ens1f1
  recommend:
  - profile: p1
    priority: 4
    match:
    - nodeLabel: ptp/clock-under-test
  - profile: p2
    priority: 4
    match:
    - nodeLabel: ptp/clock-under-test
`
  t.match(
    inputError(() => classifyDiscovery(parse(twoProfiles), NODES)).message,
    /PtpConfig "twoprofiles" recommends 2 profiles \(p1, p2\) to ptp\/clock-under-test; ptplab tests one clock per PtpConfig/,
  )
})
