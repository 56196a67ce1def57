import t from 'tap'
import { inputError } from '../fixtures/errors.js'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import {
  loadPtpConfigFiles,
  parsePtpConfigs,
  ptp4lSections,
  toYaml,
  validatePtpConfig,
  type PtpConfig,
} from '../../lab/operator/ptpconfig.js'

const F = 'cfg.yaml'


const doc = (name: string, profile: string, extra = '') => `apiVersion: ptp.openshift.io/v1
kind: PtpConfig
metadata:
  name: ${name}
spec:
  profile:
  - name: ${profile}
    interface: eth0
    ptp4lOpts: "-2 -s"
    ptp4lConf: |
      [global]
      domainNumber 24
      [eth0]
      masterOnly 0${extra}
  recommend:
  - profile: ${profile}
    priority: 4
    match:
    - nodeLabel: node-role.kubernetes.io/worker
`

t.test('multi-document files', async (t) => {
  const text = `# leading comment\n---\n${doc('a', 'pa')}---\n---\n# only a comment\n---\n${doc('b', 'pb')}`
  const cs = parsePtpConfigs(text, F)
  t.equal(cs.length, 2)
  t.same(cs.map((c) => c.metadata), [
    { name: 'a', namespace: 'openshift-ptp' },
    { name: 'b', namespace: 'openshift-ptp' },
  ])
  t.equal(cs[0]!.spec.profile[0]!.ptp4lConf, '[global]\ndomainNumber 24\n[eth0]\nmasterOnly 0\n')
  t.same(cs[0]!.spec.recommend, [{ profile: 'pa', priority: 4, match: [{ nodeLabel: 'node-role.kubernetes.io/worker' }] }])
  t.same(parsePtpConfigs('', F), [])
  t.same(parsePtpConfigs('---\n---\n', F), [])
})

t.test('namespace, labels and status are kept; metadata extras dropped', async (t) => {
  const text = doc('a', 'pa').replace('  name: a\n', '  name: a\n  namespace: other\n  uid: x\n  labels: {team: t}\n') +
    'status:\n  matchList:\n  - nodeName: w1\n    profile: pa\n'
  const [c] = parsePtpConfigs(text, F)
  t.same(c!.metadata, { name: 'a', namespace: 'other', labels: { team: 't' } })
  t.same(c!.status, { matchList: [{ nodeName: 'w1', profile: 'pa' }] })
})

t.test('kind and apiVersion', async (t) => {
  let e = inputError(() => parsePtpConfigs(`${doc('a', 'pa')}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n`, F))
  t.match(e, { file: F, line: 22, field: 'kind' })
  t.match(e.message, /^cfg\.yaml:22: kind: .*got kind "ConfigMap" apiVersion "v1"/)
  e = inputError(() => parsePtpConfigs(doc('a', 'pa').replace('ptp.openshift.io/v1', 'ptp.openshift.io/v2'), F))
  t.match(e, { file: F, line: 2, field: 'kind' })
  t.match(e.message, /ptp\.openshift\.io\/v2/)
  e = inputError(() => parsePtpConfigs('- just\n- a list\n', F))
  t.match(e, { file: F, field: 'kind' })
})

t.test('YAML syntax errors name file and line', async (t) => {
  const e = inputError(() => parsePtpConfigs('apiVersion: ptp.openshift.io/v1\nkind: PtpConfig\nmetadata: {name: a\n', F))
  t.equal(e.file, F)
  t.type(e.line, 'number')
})

t.test('schema rejections name file, line, field and value', async (t) => {
  const cases: Array<[string, string, number, string, RegExp]> = [
    ['unknown profile field', doc('a', 'pa').replace('    interface: eth0\n', '    interface: eth0\n    ptp4lopts: "-2"\n'), 9, 'spec.profile[0].ptp4lopts', /unknown field.*"-2"/],
    ['unknown recommend field', doc('a', 'pa').replace('    priority: 4\n', '    priority: 4\n    prio: 1\n'), 18, 'spec.recommend[0].prio', /unknown field.*1/],
    ['unknown match field', doc('a', 'pa').replace('    - nodeLabel:', '    - nodelabel:'), 19, 'spec.recommend[0].match[0].nodelabel', /unknown field/],
    ['profile name missing', doc('a', 'pa').replace('  - name: pa\n    interface', '  - interface'), 7, 'spec.profile[0].name', /required/],
    ['priority missing', doc('a', 'pa').replace('    priority: 4\n', ''), 16, 'spec.recommend[0].priority', /required/],
    ['priority negative', doc('a', 'pa').replace('priority: 4', 'priority: -1'), 17, 'spec.recommend[0].priority', /-1/],
    ['priority fraction', doc('a', 'pa').replace('priority: 4', 'priority: 1.5'), 17, 'spec.recommend[0].priority', /1\.5/],
    ['ptpSettings value not a string', doc('a', 'pa').replace('    interface: eth0\n', '    interface: eth0\n    ptpSettings:\n      inSyncConditionTimes: 3\n'), 10, 'spec.profile[0].ptpSettings.inSyncConditionTimes', /got 3/],
    ['metadata name missing', doc('a', 'pa').replace('  name: a\n', '  labels: {}\n'), 3, 'metadata.name', /required/],
    ['spec.recommend missing', doc('a', 'pa').replace(/  recommend:[^]*$/, ''), 5, 'spec.recommend', /required/],
  ]
  for (const [what, text, line, field, detail] of cases) {
    const e = inputError(() => parsePtpConfigs(text, F))
    t.match(e, { file: F, line, field }, what)
    t.match(e.detail, detail, what)
    t.ok(e.message.startsWith(`${F}:${line}: ${field}: `), what)
  }
})

t.test('recommend entries without profile or match are valid', async (t) => {
  const text = doc('a', 'pa').replace('  - profile: pa\n    priority: 4\n', '  - priority: 4\n')
  const [c] = parsePtpConfigs(`${text}`, F)
  t.same(c!.spec.recommend, [{ priority: 4, match: [{ nodeLabel: 'node-role.kubernetes.io/worker' }] }])
})

t.test('webhook rules', async (t) => {
  const cases: Array<[string, string, number, string, RegExp]> = [
    ['foreign section with interface', doc('a', 'pa', '\n      [eth1]\n      masterOnly 1'), 10, 'spec.profile[0].ptp4lConf', /section \[eth1\] not allowed with interface "eth0"/],
    ['bad scheduling policy', doc('a', 'pa').replace('    interface: eth0\n', '    interface: eth0\n    ptpSchedulingPolicy: SCHED_RR\n'), 9, 'spec.profile[0].ptpSchedulingPolicy', /"SCHED_RR"/],
    ['FIFO without priority', doc('a', 'pa').replace('    interface: eth0\n', '    interface: eth0\n    ptpSchedulingPolicy: SCHED_FIFO\n'), 7, 'spec.profile[0].ptpSchedulingPriority', /SCHED_FIFO/],
    ['FIFO priority out of range', doc('a', 'pa').replace('    interface: eth0\n', '    interface: eth0\n    ptpSchedulingPolicy: SCHED_FIFO\n    ptpSchedulingPriority: 66\n'), 10, 'spec.profile[0].ptpSchedulingPriority', /got 66/],
    ['unknown ptpSettings key', doc('a', 'pa').replace('    interface: eth0\n', '    interface: eth0\n    ptpSettings:\n      unmanaged: "true"\n'), 10, 'spec.profile[0].ptpSettings.unmanaged', /not a configurable setting, got "true"/],
    ['bad clockType', doc('a', 'pa').replace('    interface: eth0\n', '    interface: eth0\n    ptpSettings:\n      clockType: OC\n'), 10, 'spec.profile[0].ptpSettings.clockType', /T-GM, T-BC, got "OC"/],
    ['bad inSyncConditionThreshold', doc('a', 'pa').replace('    interface: eth0\n', '    interface: eth0\n    ptpSettings:\n      inSyncConditionThreshold: "-1"\n'), 10, 'spec.profile[0].ptpSettings.inSyncConditionThreshold', /unsigned/],
    ['bad logReduce', doc('a', 'pa').replace('    interface: eth0\n', '    interface: eth0\n    ptpSettings:\n      logReduce: "loud"\n'), 10, 'spec.profile[0].ptpSettings.logReduce', /"loud"/],
    ['bad logReduce time', doc('a', 'pa').replace('    interface: eth0\n', '    interface: eth0\n    ptpSettings:\n      logReduce: "enhanced 30x"\n'), 10, 'spec.profile[0].ptpSettings.logReduce', /duration/],
    ['bad haProfiles', doc('a', 'pa').replace('    interface: eth0\n', '    interface: eth0\n    ptpSettings:\n      haProfiles: "a,,b"\n'), 10, 'spec.profile[0].ptpSettings.haProfiles', /comma/],
    ['bad stdoutFilter', doc('a', 'pa').replace('    interface: eth0\n', '    interface: eth0\n    ptpSettings:\n      stdoutFilter: "(x"\n'), 10, 'spec.profile[0].ptpSettings.stdoutFilter', /regular expression/],
    ['bad clockId', doc('a', 'pa').replace('    interface: eth0\n', '    interface: eth0\n    ptpSettings:\n      clockId[eth0]: "xyz"\n'), 10, 'spec.profile[0].ptpSettings["clockId[eth0]"]', /"xyz"/],
    ['duplicate profile name', doc('a', 'pa').replace('  recommend:', '  - name: pa\n  recommend:'), 15, 'spec.profile[1].name', /duplicate profile name "pa"/],
  ]
  for (const [what, text, line, field, detail] of cases) {
    const e = inputError(() => parsePtpConfigs(text, F))
    t.match(e, { file: F, line, field }, what)
    t.match(e.detail, detail, what)
  }
})

t.test('webhook accepts what upstream accepts', async (t) => {
  const settings = [
    'clockType: T-BC',
    'inSyncConditionThreshold: "100"',
    'inSyncConditionTimes: "3"',
    'logReduce: "enhanced 30s 10"',
    'haProfiles: "bc_1, bc-2"',
    'stdoutFilter: "^.*nmea.*$"',
    'controllingProfile: x',
    'upstreamPort: eth0',
    'leadingInterface: eth0',
    'clockId[eth0]: "507c6fffff1fb1b8"',
    'clockId: "123"',
  ]
  const text = doc('a', 'pa', '\n      # a comment\n      [ global ]').replace(
    '    interface: eth0\n',
    `    interface: eth0\n    ptpSchedulingPolicy: SCHED_FIFO\n    ptpSchedulingPriority: 65\n    ptpSettings:\n${settings.map((s) => `      ${s}\n`).join('')}`,
  )
  t.equal(parsePtpConfigs(text, F).length, 1)
  // Without an interface, any sections are allowed (boundary clocks).
  const bc = doc('a', 'pa', '\n      [eth1]\n      masterOnly 1').replace('    interface: eth0\n', '')
  t.equal(parsePtpConfigs(bc, F).length, 1)
})

t.test('validatePtpConfig on configs built in code', async (t) => {
  const c: PtpConfig = {
    apiVersion: 'ptp.openshift.io/v1',
    kind: 'PtpConfig',
    metadata: { name: 'x', namespace: 'openshift-ptp' },
    spec: { profile: [{ name: 'p', interface: 'e0', ptp4lConf: '[global]\n[e1]\n' }], recommend: [] },
  }
  let e = inputError(() => validatePtpConfig(c, 'gen'))
  t.match(e, { file: 'gen', line: undefined, field: 'spec.profile[0].ptp4lConf' })
  t.equal(e.message.split(': ')[0], 'gen')
  c.spec.profile[0]!.ptp4lConf = '[global]\n[e0\n'
  e = inputError(() => validatePtpConfig(c))
  t.match(e.detail, /closing/)
  c.spec.profile[0]!.ptp4lConf = '[global]\n[e0]\n'
  c.spec.recommend.push({ profile: 'p', priority: -3 })
  e = inputError(() => validatePtpConfig(c))
  t.match(e, { field: 'spec.recommend[0].priority' })
  c.spec.recommend[0]!.priority = 0
  t.doesNotThrow(() => validatePtpConfig(c))
  t.same(ptp4lSections('[global]\n  [ e0 ]\n#[x]\nfoo 1\n'), ['global', 'e0'])
})

t.test('duplicate PtpConfig names', async (t) => {
  const e = inputError(() => parsePtpConfigs(`${doc('a', 'pa')}---\n${doc('a', 'pb')}`, F))
  t.match(e, { file: F, line: 24, field: 'metadata.name' })
  t.match(e.detail, /duplicate PtpConfig "openshift-ptp\/a" \(first at line 4\)/)
})

t.test('loadPtpConfigFiles', async (t) => {
  const dir = t.testdir({ 'one.yaml': doc('a', 'pa'), 'two.yaml': `${doc('b', 'pb')}---\n${doc('c', 'pc')}`, 'dup.yaml': doc('a', 'px') })
  const cs = await loadPtpConfigFiles([join(dir, 'one.yaml'), join(dir, 'two.yaml')])
  t.same(cs.map((c) => c.metadata.name), ['a', 'b', 'c'])
  await t.rejects(loadPtpConfigFiles([join(dir, 'one.yaml'), join(dir, 'dup.yaml')]), {
    name: 'InputError',
    file: join(dir, 'dup.yaml'),
    line: 4,
    field: 'metadata.name',
  })
  await t.rejects(loadPtpConfigFiles([join(dir, 'missing.yaml')]), { name: 'InputError', file: join(dir, 'missing.yaml') })
  writeFileSync(join(dir, 'bad.yaml'), doc('z', 'pz').replace('priority: 4', 'priority: x'))
  await t.rejects(loadPtpConfigFiles([join(dir, 'bad.yaml')]), { name: 'InputError', file: join(dir, 'bad.yaml'), line: 17, field: 'spec.recommend[0].priority' })
})

t.test('toYaml round-trips', async (t) => {
  const cs = parsePtpConfigs(`${doc('a', 'pa')}---\n${doc('b', 'pb')}`, F)
  const text = toYaml(cs)
  t.match(text, /^apiVersion: ptp\.openshift\.io\/v1\nkind: PtpConfig\nmetadata:/)
  t.equal(text.split(/^---$/m).length, 2)
  t.same(parsePtpConfigs(text, 'again.yaml'), cs)
  t.equal(toYaml([]), '')
})
