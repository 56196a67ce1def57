import t from 'tap'
import { InputError } from '../../lab/errors.js'
import type { PtpProfile } from '../../lab/ptp/types.js'
import { parsePtpConfigs, type PtpConfig, type PtpRecommend } from '../../lab/operator/ptpconfig.js'
import { buildConfigMap, resolveNodeProfiles, type NodeInfo } from '../../lab/operator/resolve.js'

function cr(name: string, profiles: Array<string | PtpProfile>, recommend: PtpRecommend[]): PtpConfig {
  return {
    apiVersion: 'ptp.openshift.io/v1',
    kind: 'PtpConfig',
    metadata: { name, namespace: 'openshift-ptp' },
    spec: { profile: profiles.map((p) => (typeof p === 'string' ? { name: p, ptp4lOpts: `-2 # ${name}` } : p)), recommend },
  }
}
const byLabel = (profile: string, priority: number, label: string): PtpRecommend => ({ profile, priority, match: [{ nodeLabel: label }] })
const byNode = (profile: string, priority: number, node: string): PtpRecommend => ({ profile, priority, match: [{ nodeName: node }] })

const w1: NodeInfo = { name: 'worker-1', labels: { 'node-role.kubernetes.io/worker': '', 'ptp/clock-under-test': 'no' } }
const w2: NodeInfo = { name: 'worker-2', labels: { 'node-role.kubernetes.io/worker': '' } }
const names = (configs: PtpConfig[], node: NodeInfo) => resolveNodeProfiles(configs, node).profiles.map((p) => p.name)

t.test('lowest priority number wins, higher numbers are ignored', async (t) => {
  const cs = [cr('a', ['low'], [byLabel('low', 10, 'node-role.kubernetes.io/worker')]), cr('b', ['high'], [byLabel('high', 3, 'node-role.kubernetes.io/worker')])]
  const r = resolveNodeProfiles(cs, w1)
  t.same(r.profiles.map((p) => p.name), ['b_high'])
  t.same(r.matches, [{ config: 'b', profile: 'high', priority: 3 }])
})

t.test('later matches join only at the same priority', async (t) => {
  const cs = [
    cr('a', ['p1', 'p3'], [byLabel('p1', 5, 'ptp/clock-under-test'), byLabel('p3', 6, 'ptp/clock-under-test')]),
    cr('b', ['p2'], [byNode('p2', 5, 'worker-1')]),
  ]
  const r = resolveNodeProfiles(cs, w1)
  t.same(r.profiles.map((p) => p.name), ['a_p1', 'b_p2'])
  t.same(r.matches, [
    { config: 'a', profile: 'p1', priority: 5 },
    { config: 'b', profile: 'p2', priority: 5 },
  ])
})

t.test('nodeLabel matches the label key, whatever its value', async (t) => {
  const cs = [cr('a', ['p'], [byLabel('p', 5, 'ptp/clock-under-test')])]
  t.same(names(cs, w1), ['a_p']) // the label's value is "no"
  t.same(names(cs, w2), [])
  // a label value is not a key
  t.same(names([cr('a', ['p'], [byLabel('p', 5, 'no')])], w1), [])
})

t.test('nodeName matches the node name; any match item suffices', async (t) => {
  const cs = [cr('a', ['p'], [{ profile: 'p', priority: 1, match: [{ nodeLabel: 'absent' }, { nodeName: 'worker-2' }] }])]
  t.same(names(cs, w2), ['a_p'])
  t.same(names(cs, w1), [])
})

t.test('entries without profile or without match are skipped', async (t) => {
  const cs = [
    cr('a', ['p', 'q', 'r'], [
      { priority: 0, match: [{ nodeName: 'worker-1' }] },
      { profile: 'q', priority: 0 },
      { profile: 'r', priority: 0, match: [] },
      byNode('p', 7, 'worker-1'),
    ]),
  ]
  const r = resolveNodeProfiles(cs, w1)
  t.same(r.profiles.map((p) => p.name), ['a_p'])
  t.same(r.matches, [{ config: 'a', profile: 'p', priority: 7 }])
})

t.test('ties keep input order; output sorted by qualified name, deduplicated', async (t) => {
  const cs = [
    cr('zz', ['b'], [byNode('b', 2, 'worker-1'), byNode('b', 2, 'worker-1')]),
    cr('aa', ['a'], [byNode('a', 2, 'worker-1')]),
  ]
  const r = resolveNodeProfiles(cs, w1)
  t.same(r.matches.map((m) => `${m.config}/${m.profile}`), ['zz/b', 'aa/a'])
  t.same(r.profiles.map((p) => p.name), ['aa_a', 'zz_b'])
})

t.test('a profile named by another CR is found in every CR that defines it', async (t) => {
  const cs = [cr('rec', [], [byNode('shared', 1, 'worker-1')]), cr('one', ['shared'], []), cr('two', ['shared', 'other'], [])]
  const r = resolveNodeProfiles(cs, w1)
  t.same(r.profiles.map((p) => p.name), ['one_shared', 'two_shared'])
  t.same(r.profiles.map((p) => p.ptp4lOpts), ['-2 # one', '-2 # two'])
})

t.test('renaming copies: the input configs are untouched', async (t) => {
  const cs = [cr('a', [{ name: 'p', ptpSettings: { clockType: 'T-BC' } }], [byNode('p', 1, 'worker-1')])]
  const [p] = resolveNodeProfiles(cs, w1).profiles
  p!.ptpSettings!.clockType = 'changed'
  t.equal(cs[0]!.spec.profile[0]!.name, 'p')
  t.equal(cs[0]!.spec.profile[0]!.ptpSettings!.clockType, 'T-BC')
})

t.test('haProfiles and controllingProfile are qualified like upstream', async (t) => {
  const cs = [
    cr('ha', [{ name: 'h', ptpSettings: { haProfiles: 'bc1, bc2,ha_h,unknown', controllingProfile: 'bc1' } }], [byNode('h', 1, 'worker-1')]),
    cr('c1', ['bc1'], []),
    cr('c2', ['bc2'], []),
  ]
  const [p] = resolveNodeProfiles(cs, w1).profiles
  t.same(p!.ptpSettings, { haProfiles: 'c1_bc1,c2_bc2,ha_h,unknown', controllingProfile: 'c1_bc1' })
})

t.test('a recommended profile found in no PtpConfig is an error for that node', async (t) => {
  const text = `apiVersion: ptp.openshift.io/v1
kind: PtpConfig
metadata:
  name: a
spec:
  profile:
  - name: p
  recommend:
  - profile: ghost
    priority: 1
    match:
    - nodeName: worker-1
`
  const cs = parsePtpConfigs(text, 'a.yaml')
  const e = t.throws(() => resolveNodeProfiles(cs, w1)) as InputError
  t.type(e, InputError)
  t.match(e, { file: 'a.yaml', line: 9, field: 'spec.recommend[0].profile' })
  t.match(e.detail, /node "worker-1".*"ghost"/)
  t.same(resolveNodeProfiles(cs, w2).profiles, [], 'other nodes are fine')
})

t.test('buildConfigMap', async (t) => {
  const cs = [cr('a', [{ name: 'p', interface: 'eth0', ptp4lOpts: '-2' }], [byLabel('p', 5, 'ptp/clock-under-test')])]
  const cm = buildConfigMap(cs, [w1, w2])
  t.same(Object.keys(cm), ['worker-1', 'worker-2'])
  t.equal(cm['worker-2'], '[]')
  t.same(JSON.parse(cm['worker-1']!), [{ name: 'a_p', interface: 'eth0', ptp4lOpts: '-2' }])
  t.same(buildConfigMap([], [w1]), { 'worker-1': '[]' })
})
