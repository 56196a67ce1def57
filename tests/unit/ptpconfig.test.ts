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

import { ACCEPTED, doc, SCHEMA_REJECTED, WEBHOOK_REJECTED } from '../fixtures/ptpconfig-cases.js'

const F = 'cfg.yaml'



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
  const cases = SCHEMA_REJECTED
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
  const cases = WEBHOOK_REJECTED
  for (const [what, text, line, field, detail] of cases) {
    const e = inputError(() => parsePtpConfigs(text, F))
    t.match(e, { file: F, line, field }, what)
    t.match(e.detail, detail, what)
  }
})

t.test('webhook accepts what upstream accepts', async (t) => {
  for (const [what, text] of ACCEPTED) t.equal(parsePtpConfigs(text, F).length, 1, what)
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
