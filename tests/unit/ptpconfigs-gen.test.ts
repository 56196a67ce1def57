import t from 'tap'
import { InputError } from '../../lab/errors.js'
import {
  bcConfig,
  downstreamSlaveConfig,
  grandmasterConfig,
  LABEL_CUT,
  LABEL_GM,
  LABEL_SLAVE1,
  LABEL_SLAVE2,
  ocSlaveConfig,
} from '../../lab/profiles/ptpconfigs.js'
import { parsePtpConfigs, ptp4lSections, toYaml, validatePtpConfig, type PtpConfig } from '../../lab/operator/ptpconfig.js'
import { buildConfigMap, resolveNodeProfiles, type NodeInfo } from '../../lab/operator/resolve.js'

const sw = { softwareTimestamps: true }
const hw = { softwareTimestamps: false }
const conf = (c: PtpConfig) => c.spec.profile[0]!.ptp4lConf!
const lines = (c: PtpConfig) => conf(c).trimEnd().split('\n')
// Options of one section, as "key value" strings.
function section(c: PtpConfig, name: string): string[] {
  const ls = lines(c)
  const start = ls.indexOf(`[${name}]`)
  if (start < 0) return []
  const end = ls.findIndex((l, i) => i > start && l.startsWith('['))
  return ls.slice(start + 1, end < 0 ? undefined : end)
}

t.test('common shape', async (t) => {
  const all = [
    grandmasterConfig('eth0', sw),
    ocSlaveConfig('eth1', sw),
    bcConfig('test-bc-master1', 'eth2', ['eth3'], sw),
    downstreamSlaveConfig('test-slave2', LABEL_SLAVE2, 'eth4', sw),
  ]
  for (const c of all) {
    const name = c.metadata.name
    t.equal(c.metadata.namespace, 'openshift-ptp', name)
    t.equal(c.spec.profile.length, 1)
    const p = c.spec.profile[0]!
    t.equal(p.name, name)
    t.equal(p.phc2sysOpts, '-a -r -n 24')
    t.equal(p.ptpSchedulingPolicy, 'SCHED_OTHER')
    t.equal(c.spec.recommend.length, 1)
    t.equal(c.spec.recommend[0]!.profile, name)
    t.equal(c.spec.recommend[0]!.priority, 5)
    t.doesNotThrow(() => validatePtpConfig(c), name)
    const g = section(c, 'global')
    for (const opt of [
      'domainNumber 24',
      'network_transport L2',
      'delay_mechanism E2E',
      'ptp_dst_mac 01:1B:19:00:00:00',
      'logging_level 6',
      'time_stamping software',
      'logAnnounceInterval -3',
      'announceReceiptTimeout 3',
      'logSyncInterval -4',
      'logMinDelayReqInterval -4',
      'freq_est_interval 0',
    ]) {
      t.ok(g.includes(opt), `${name}: ${opt}`)
    }
    // options ptp4l 3.1 rejects or the daemon owns
    t.notOk(g.some((l) => /^(clock_class_threshold|summary_interval|uds_address|free_running|boundary_clock_jbod) /.test(l)), name)
    t.same(parsePtpConfigs(toYaml([c]), 'gen.yaml'), [c], `${name} round-trips through YAML`)
  }
  t.same(all.map((c) => c.spec.recommend[0]!.match), [
    [{ nodeLabel: LABEL_GM }],
    [{ nodeLabel: LABEL_CUT }],
    [{ nodeLabel: LABEL_CUT }],
    [{ nodeLabel: LABEL_SLAVE2 }],
  ])
})

t.test('grandmaster', async (t) => {
  const c = grandmasterConfig('ens1f0', { ...sw, domain: 7 })
  const p = c.spec.profile[0]!
  t.equal(c.metadata.name, 'test-grandmaster')
  t.equal(p.interface, 'ens1f0')
  t.equal(p.ptp4lOpts, '-2')
  t.equal(p.phc2sysOpts, '-a -r -n 7')
  t.same(ptp4lSections(conf(c)), ['global', 'ens1f0'])
  t.ok(section(c, 'global').includes('domainNumber 7'))
  for (const opt of ['priority1 0', 'clockClass 6']) t.ok(section(c, 'global').includes(opt), opt)
  t.same(section(c, 'ens1f0'), ['masterOnly 1'])
})

t.test('OC slave', async (t) => {
  const c = ocSlaveConfig('eth1', hw)
  const p = c.spec.profile[0]!
  t.equal(c.metadata.name, 'test-slave1')
  t.equal(p.interface, 'eth1')
  t.equal(p.ptp4lOpts, '-2 -s')
  t.same(section(c, 'eth1'), ['masterOnly 0'])
  t.ok(section(c, 'global').includes('time_stamping hardware'))
  t.notOk(section(c, 'global').some((l) => l.startsWith('boundary_clock_jbod')), 'jbod is for BCs only')
})

t.test('boundary clock', async (t) => {
  const c = bcConfig('test-bc-master2', 'eth0', ['eth1', 'eth2'], hw)
  const p = c.spec.profile[0]!
  t.equal(p.interface, undefined)
  t.equal(p.ptp4lOpts, '-2')
  t.same(ptp4lSections(conf(c)), ['global', 'eth0', 'eth1', 'eth2'])
  t.same(section(c, 'eth0'), ['masterOnly 0'])
  t.same(section(c, 'eth1'), ['masterOnly 1'])
  t.same(section(c, 'eth2'), ['masterOnly 1'])
  t.ok(section(c, 'global').includes('boundary_clock_jbod 1'))
  t.notOk(section(bcConfig('test-bc-master1', 'eth0', ['eth1'], sw), 'global').some((l) => l.startsWith('boundary_clock_jbod')))
  t.throws(() => bcConfig('test-bc-master1', 'eth0', [], sw), InputError)
  t.throws(() => bcConfig('test-bc-master1', 'eth0', ['eth0'], sw), InputError)
})

t.test('downstream slaves and slow intervals', async (t) => {
  const c = downstreamSlaveConfig('test-slave1', LABEL_SLAVE1, 'eth9', { ...sw, fastIntervals: false })
  t.equal(c.metadata.name, 'test-slave1')
  t.equal(c.spec.profile[0]!.ptp4lOpts, '-2 -s')
  t.same(section(c, 'eth9'), ['masterOnly 0'])
  const g = section(c, 'global')
  t.ok(g.includes('announceReceiptTimeout 6'))
  t.ok(g.includes('freq_est_interval 1'))
})

t.test('bad input', async (t) => {
  t.throws(() => grandmasterConfig('eth0', { ...sw, domain: 200 }), InputError)
  t.throws(() => grandmasterConfig('eth 0', sw), InputError)
  t.throws(() => ocSlaveConfig('', sw), InputError)
})

t.test('generated configs resolve to the right nodes', async (t) => {
  const cs = [
    grandmasterConfig('eth0', sw),
    bcConfig('test-bc-master1', 'eth1', ['eth2'], sw),
    downstreamSlaveConfig('test-slave1', LABEL_SLAVE1, 'eth3', sw),
  ]
  const nodes: NodeInfo[] = [
    { name: 'gm', labels: { [LABEL_GM]: '' } },
    { name: 'bc', labels: { [LABEL_CUT]: '' } },
    { name: 's1', labels: { [LABEL_SLAVE1]: '' } },
    { name: 'idle', labels: { 'node-role.kubernetes.io/worker': '' } },
  ]
  const got = Object.fromEntries(nodes.map((n) => [n.name, resolveNodeProfiles(cs, n).profiles.map((p) => p.name)]))
  t.same(got, { gm: ['test-grandmaster_test-grandmaster'], bc: ['test-bc-master1_test-bc-master1'], s1: ['test-slave1_test-slave1'], idle: [] })
  const cm = buildConfigMap(cs, nodes)
  t.equal(cm.idle, '[]')
  t.equal(JSON.parse(cm.bc!)[0].ptp4lConf, conf(cs[1]!))
})
