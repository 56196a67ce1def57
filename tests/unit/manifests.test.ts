// manifests/: every document validates against the Kubernetes API schemas
// (kubernetes-models, plus strict unknown-field checks), every CRD is
// structural, every sample validates against its CRD and passes the
// webhook rules, invalid ones are refused, the RBAC is exactly what docs/
// kubernetes.md lists, the references between objects hold, and `kubectl
// kustomize` renders exactly the expected objects with the images rewritten.
import t from 'tap'
import { execa } from 'execa'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { renderDaemonMonitoring, renderDaemonObjects, renderDaemonSet } from '../../lab/k8s/daemonset.js'
import { parsePtpConfigs } from '../../lab/operator/ptpconfig.js'
import { projectRoot } from '../../lab/paths.js'
import { inputError } from '../fixtures/errors.js'
import { EXTERNAL_SCHEMAS } from '../fixtures/external-crds.js'
import { builtinProblems, crSchema, customResourceProblems, isBuiltin, structuralProblems, typeKey } from '../fixtures/k8s-schema.js'

type Obj = Record<string, any>
const ROOT = join(projectRoot(), 'manifests')
// kustomize's own files, not resources.
const NOT_RESOURCES = new Set(['kustomization.yaml', 'images-in-env.yaml'])

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n)
      if (statSync(p).isDirectory()) return yamlFiles(p)
      return n.endsWith('.yaml') && !NOT_RESOURCES.has(n) ? [p] : []
    })
}

function parseDocs(text: string, file: string): Obj[] {
  return parseAllDocuments(text).flatMap((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0]!.message}`)
    const v = d.toJS()
    return v === null || v === undefined ? [] : [v as Obj]
  })
}

interface Doc {
  file: string
  obj: Obj
}
const docs: Doc[] = yamlFiles(ROOT).flatMap((file) => parseDocs(readFileSync(file, 'utf8'), file).map((obj) => ({ file: relative(ROOT, file), obj })))
const deployed = docs.filter((d) => !d.file.startsWith('samples/'))
const samples = docs.filter((d) => d.file.startsWith('samples/'))
const name = (o: Obj) => `${o.kind}/${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`
const find = (kind: string, n: string) => {
  const d = deployed.find((x) => x.obj.kind === kind && x.obj.metadata?.name === n)
  if (!d) throw new Error(`no ${kind} ${n} in manifests/`)
  return d.obj
}

// The CRD schema of a ptp.openshift.io kind, or the excerpt of a
// third-party one.
const crds = deployed.filter((d) => d.obj.kind === 'CustomResourceDefinition').map((d) => d.obj)
function schemaFor(o: Obj): unknown {
  const [group, version] = String(o.apiVersion).split('/')
  const crd = crds.find((c) => c.spec.group === group && c.spec.names.kind === o.kind)
  if (crd) return crSchema(crd, version!)
  const ext = EXTERNAL_SCHEMAS[typeKey(o)]
  if (!ext) throw new Error(`no schema for ${typeKey(o)}`)
  return ext
}
const problems = (o: Obj) => (isBuiltin(o) ? builtinProblems(o) : customResourceProblems(schemaFor(o), o))

// The objects `kubectl apply -k manifests` creates, in kustomize's order.
const EXPECTED = [
  'Namespace/openshift-ptp',
  'CustomResourceDefinition/nodeptpdevices.ptp.openshift.io',
  'CustomResourceDefinition/ptpconfigs.ptp.openshift.io',
  'CustomResourceDefinition/ptpoperatorconfigs.ptp.openshift.io',
  'ServiceAccount/openshift-ptp/linuxptp-daemon',
  'ServiceAccount/openshift-ptp/ptp-operator',
  'Role/openshift-ptp/linuxptp-daemon',
  'Role/openshift-ptp/ptp-operator',
  'ClusterRole/ptp-operator',
  'RoleBinding/openshift-ptp/linuxptp-daemon',
  'RoleBinding/openshift-ptp/ptp-operator',
  'ClusterRoleBinding/ptp-operator',
  'Service/openshift-ptp/ptp-monitor-service',
  'Service/openshift-ptp/webhook-service',
  'PriorityClass/openshift-user-critical',
  'Deployment/openshift-ptp/ptp-operator',
  'Certificate/openshift-ptp/serving-cert',
  'Certificate/openshift-ptp/serving-cert-daemon',
  'Issuer/openshift-ptp/selfsigned-issuer',
  'ServiceMonitor/openshift-ptp/monitor-ptp',
  'ValidatingWebhookConfiguration/ptpconfig-validating-webhook-configuration',
]

t.test('every manifest validates against its API schema', async (t) => {
  t.same(deployed.map((d) => name(d.obj)).sort(), [...EXPECTED].sort(), 'exactly the expected objects, each once')
  for (const { file, obj } of docs) t.same(problems(obj), [], `${file}: ${name(obj)}`)
})

t.test('the checks themselves refuse bad objects', async (t) => {
  const deploy = find('Deployment', 'ptp-operator')
  const cases: Array<[string, (o: Obj) => void, RegExp]> = [
    ['a typo in a pod spec field', (o) => (o.spec.template.spec.nodeselector = {}), /spec\.template\.spec\.nodeselector: unknown field/],
    ['a container name that is no string', (o) => (o.spec.template.spec.containers[0].name = 5), /containers\/0\/name must be string|containers\.0\.name: must be string/],
    ['no selector', (o) => delete o.spec.selector, /selector/],
    ['an env entry without a name', (o) => o.spec.template.spec.containers[0].env.push({ value: 'x' }), /env.*name/],
  ]
  for (const [what, mutate, want] of cases) {
    const o = structuredClone(deploy)
    mutate(o)
    t.match(builtinProblems(o).join('\n'), want, `Deployment: ${what}`)
  }
  const cert = find('Certificate', 'serving-cert')
  const mon = find('ServiceMonitor', 'monitor-ptp')
  const ext: Array<[Obj, string, (o: Obj) => void, RegExp]> = [
    [cert, 'no secretName', (o) => delete o.spec.secretName, /required property 'secretName'/],
    [cert, 'a misspelt dnsNames', (o) => (o.spec.dnsName = o.spec.dnsNames), /unknown field "dnsName"/],
    [cert, 'issuerRef without a name', (o) => delete o.spec.issuerRef.name, /issuerRef: must have required property 'name'/],
    [mon, 'scheme ftp', (o) => (o.spec.endpoints[0].scheme = 'ftp'), /endpoints\.0\.scheme: must be equal to one of the allowed values/],
    [mon, 'interval "30 seconds"', (o) => (o.spec.endpoints[0].interval = '30 seconds'), /interval: must match pattern/],
    [mon, 'no selector', (o) => delete o.spec.selector, /required property 'selector'/],
  ]
  for (const [base, what, mutate, want] of ext) {
    const o = structuredClone(base)
    mutate(o)
    t.match(problems(o).join('\n'), want, `${base.kind}: ${what}`)
  }
})

t.test('every CRD is structural, v1, namespaced, with a status subresource', async (t) => {
  t.equal(crds.length, 3)
  for (const crd of crds) {
    const n = crd.metadata.name
    t.equal(crd.spec.group, 'ptp.openshift.io', `${n}: group`)
    t.equal(n, `${crd.spec.names.plural}.${crd.spec.group}`, `${n}: named <plural>.<group>`)
    t.equal(crd.spec.scope, 'Namespaced', `${n}: namespaced`)
    t.same(crd.spec.names.shortNames, undefined, `${n}: no short names, as upstream`)
    t.same(
      crd.spec.versions.map((v: Obj) => [v.name, v.served, v.storage, v.subresources]),
      [['v1', true, true, { status: {} }]],
      `${n}: one served storage version v1 with the status subresource`,
    )
    t.same(structuralProblems(crd.spec.versions[0].schema.openAPIV3Schema), [], `${n}: structural`)
  }
  // The upstream fields the operator and daemon rely on.
  const props = (kind: string) => crds.find((c) => c.spec.names.kind === kind)!.spec.versions[0].schema.openAPIV3Schema.properties
  const profile = props('PtpConfig').spec.properties.profile.items.properties
  for (const f of ['name', 'interface', 'ptp4lOpts', 'ptp4lConf', 'phc2sysOpts', 'phc2sysConf', 'ts2phcOpts', 'ts2phcConf', 'synce4lOpts', 'synce4lConf', 'chronydOpts', 'chronydConf', 'ptpSchedulingPolicy', 'ptpSchedulingPriority', 'ptpClockThreshold', 'ptpSettings', 'plugins'])
    t.ok(profile[f], `PtpConfig spec.profile[].${f}`)
  t.same(Object.keys(props('PtpConfig').status.properties).sort(), ['conditions', 'matchList'])
  t.same(Object.keys(props('PtpOperatorConfig').spec.properties).sort(), ['daemonNodeSelector', 'plugins', 'ptpEventConfig'])
  t.same(Object.keys(props('NodePtpDevice').status.properties).sort(), ['baseBoardInfo', 'devices', 'hwconfig', 'systemInfo'])
})

t.test('the structural check refuses non-structural schemas', async (t) => {
  const root = (spec: Obj) => ({ type: 'object', properties: { metadata: { type: 'object' }, spec } })
  const cases: Array<[string, unknown, RegExp]> = [
    ['a node without a type', root({ properties: { a: { type: 'string' } } }), /properties\.spec: type is missing/],
    ['an array without items', root({ type: 'array' }), /an array needs items/],
    ['properties mixed with additionalProperties', root({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } }), /mutually exclusive/],
    ['additionalProperties: false', root({ type: 'object', properties: {}, additionalProperties: false }), /additionalProperties: false is not allowed/],
    ['a $ref', root({ $ref: '#/definitions/x' }), /\$ref is not allowed/],
    ['a type inside anyOf', root({ type: 'object', anyOf: [{ type: 'object' }] }), /spec\.anyOf\[0\]: type is not allowed inside/],
    ['an unknown type', root({ type: 'map' }), /type "map" is not one of/],
    ['metadata restricting labels', { type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } } }, /only restrict name and generateName/],
    ['a root that is no object', { type: 'string' }, /root must be type object/],
    ['a default of the wrong type', root({ type: 'integer', default: 'five' }), /default "five" is invalid: .*must be integer/],
    ['uniqueItems', root({ type: 'array', items: { type: 'string' }, uniqueItems: true }), /uniqueItems is not allowed/],
  ]
  for (const [what, schema, want] of cases) t.match(structuralProblems(schema).join('\n'), want, what)
  t.same(structuralProblems(root({ 'x-kubernetes-preserve-unknown-fields': true })), [], 'preserve-unknown-fields needs no type')
})

t.test('samples: valid against their CRDs, and PtpConfigs pass the webhook rules', async (t) => {
  t.same(samples.map((d) => d.obj.kind).sort(), ['NodePtpDevice', 'PtpConfig', 'PtpConfig', 'PtpOperatorConfig'])
  for (const { file } of samples.filter((d) => d.obj.kind === 'PtpConfig')) {
    const configs = parsePtpConfigs(readFileSync(join(ROOT, file), 'utf8'), file)
    t.equal(configs.length, 1, `${file}: accepted by the webhook rules`)
  }
})

t.test('invalid custom resources are refused', async (t) => {
  const sample = (kind: string) => structuredClone(samples.find((d) => d.obj.kind === kind)!.obj)
  const cases: Array<[string, string, (o: Obj) => void, RegExp]> = [
    ['PtpConfig', 'no recommend', (o) => delete o.spec.recommend, /spec: must have required property 'recommend'/],
    ['PtpConfig', 'a profile without a name', (o) => delete o.spec.profile[0].name, /spec\.profile\.0: must have required property 'name'/],
    ['PtpConfig', 'a misspelt field', (o) => (o.spec.profile[0].ptp4lopts = '-2'), /spec\.profile\.0: unknown field "ptp4lopts"/],
    ['PtpConfig', 'SCHED_RR', (o) => (o.spec.profile[0].ptpSchedulingPolicy = 'SCHED_RR'), /ptpSchedulingPolicy: must be equal to one of the allowed values/],
    ['PtpConfig', 'scheduling priority 99', (o) => (o.spec.profile[0].ptpSchedulingPriority = 99), /ptpSchedulingPriority: must be <= 65/],
    ['PtpConfig', 'a fractional priority', (o) => (o.spec.recommend[0].priority = 1.5), /priority: must be integer/],
    ['PtpConfig', 'priority -1', (o) => (o.spec.recommend[0].priority = -1), /priority: must be >= 0/],
    ['PtpConfig', 'priority as a string', (o) => (o.spec.recommend[0].priority = '5'), /priority: must be integer/],
    ['PtpConfig', 'a ptpSettings value that is no string', (o) => (o.spec.profile[0].ptpSettings.logReduce = false), /ptpSettings\.logReduce: must be string/],
    ['PtpConfig', 'a downtime over a day', (o) => (o.spec.profile[0].ptpClockThreshold.processDowntimeThresholds = { ptp4l: 90000 }), /processDowntimeThresholds\.ptp4l: must be <= 86400/],
    ['PtpConfig', 'a matchList entry without a profile', (o) => (o.status = { matchList: [{ nodeName: 'worker1' }] }), /status\.matchList\.0: must have required property 'profile'/],
    ['PtpConfig', 'a condition with a bad status', (o) => (o.status = { conditions: [{ type: 'Ready', status: 'Yes', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'R', message: '' }] }), /conditions\.0\.status: must be equal to one of the allowed values/],
    ['PtpConfig', 'a label value that is no string', (o) => (o.metadata.labels = { a: 1 }), /metadata\.labels/],
    ['PtpConfig', 'no metadata name', (o) => delete o.metadata.name, /metadata\.name: required/],
    ['PtpConfig', 'a misspelt metadata field', (o) => (o.metadata.label = {}), /metadata\.label: unknown field/],
    ['PtpOperatorConfig', 'a name other than default', (o) => (o.metadata.name = 'other'), /singleton, metadata\.name must be 'default'/],
    ['PtpOperatorConfig', 'no daemonNodeSelector', (o) => delete o.spec.daemonNodeSelector, /required property 'daemonNodeSelector'/],
    ['PtpOperatorConfig', 'a selector value that is no string', (o) => (o.spec.daemonNodeSelector.x = true), /daemonNodeSelector\.x: must be string/],
    ['PtpOperatorConfig', 'enableEventPublisher "yes"', (o) => (o.spec.ptpEventConfig.enableEventPublisher = 'yes'), /enableEventPublisher: must be boolean/],
    ['NodePtpDevice', 'a PCI address that is a number', (o) => (o.status.devices[0].hardwareInfo.pciAddress = 1), /hardwareInfo\.pciAddress: must be string/],
    ['NodePtpDevice', 'an unknown status field', (o) => (o.status.nics = []), /status: unknown field "nics"/],
  ]
  for (const [kind, what, mutate, want] of cases) {
    const o = sample(kind)
    mutate(o)
    t.match(problems(o).join('\n'), want, `${kind}: ${what}`)
  }
  // Free-form parts stay free: plugins and hwconfig config keep unknown fields.
  const p = sample('PtpConfig')
  p.spec.profile[0].plugins = { e810: { enableDefaultConfig: true, pins: { a: '1 1' } } }
  t.same(problems(p), [], 'plugins accept any JSON')
})

t.test('RBAC: exactly the rules docs/kubernetes.md explains, nothing wildcard', async (t) => {
  const rules = (kind: string, n: string) =>
    find(kind, n).rules.map((r: Obj) => `${r.apiGroups.join(',') || 'core'} ${r.resources.join(',')}${r.resourceNames ? `[${r.resourceNames.join(',')}]` : ''}: ${r.verbs.join(',')}`)
  t.same(rules('ClusterRole', 'ptp-operator'), ['core nodes: get,list,watch'], 'operator, cluster-wide: read nodes only')
  t.same(
    rules('Role', 'ptp-operator'),
    [
      'ptp.openshift.io ptpconfigs: get,list,watch',
      'ptp.openshift.io ptpconfigs/status: get,update,patch',
      'ptp.openshift.io ptpoperatorconfigs: get,list,watch,create',
      'ptp.openshift.io nodeptpdevices: get,list,watch,create,delete',
      'core configmaps: create',
      'core configmaps[ptp-configmap]: get,update,patch',
      'apps daemonsets: create,list,watch',
      'apps daemonsets[linuxptp-daemon]: get,update,patch',
      'coordination.k8s.io leases: create',
      'coordination.k8s.io leases[ptp.openshift.io]: get,update',
      'core events: create,patch',
    ],
    'operator, in openshift-ptp',
  )
  t.same(
    rules('Role', 'linuxptp-daemon'),
    ['ptp.openshift.io nodeptpdevices: get', 'ptp.openshift.io nodeptpdevices/status: get,update,patch'],
    'daemon: its NodePtpDevice status only',
  )
  const all = deployed.filter((d) => /Role$/.test(d.obj.kind)).flatMap((d) => d.obj.rules as Obj[])
  t.notOk(all.some((r) => [...r.verbs, ...r.resources, ...r.apiGroups].includes('*')), 'no wildcard anywhere')
  t.notOk(all.some((r) => r.resources.includes('secrets')), 'no secrets: the webhook certificate comes through the volume mount')
  // Every role is bound, to a ServiceAccount that exists.
  for (const b of deployed.filter((d) => /RoleBinding$/.test(d.obj.kind)).map((d) => d.obj)) {
    const role = find(b.roleRef.kind, b.roleRef.name)
    if (b.kind === 'RoleBinding') t.equal(role.kind, 'Role', `${name(b)} binds a Role of its namespace`)
    for (const s of b.subjects) t.ok(find('ServiceAccount', s.name).metadata.namespace === s.namespace, `${name(b)}: ServiceAccount ${s.namespace}/${s.name} exists`)
  }
})

t.test('the objects fit together', async (t) => {
  const ns = find('Namespace', 'openshift-ptp')
  t.same(ns.metadata.labels, {
    name: 'openshift-ptp',
    'pod-security.kubernetes.io/audit': 'privileged',
    'pod-security.kubernetes.io/enforce': 'privileged',
    'pod-security.kubernetes.io/warn': 'privileged',
    'openshift.io/cluster-monitoring': 'true',
  })
  for (const { obj } of deployed) if (obj.metadata.namespace !== undefined) t.equal(obj.metadata.namespace, 'openshift-ptp', `${name(obj)} in openshift-ptp`)
  t.equal(find('PriorityClass', 'openshift-user-critical').value, 1000000)

  const dep = find('Deployment', 'ptp-operator')
  const pod = dep.spec.template
  const c = pod.spec.containers[0]
  t.equal(dep.metadata.labels.name, 'ptp-operator')
  t.same(dep.spec.selector.matchLabels, { name: 'ptp-operator' })
  t.same(pod.spec.nodeSelector, { 'node-role.kubernetes.io/master': '' })
  t.ok(find('ServiceAccount', pod.spec.serviceAccountName), 'its ServiceAccount exists')
  t.equal(c.image, 'IMG_PREFIX:ptpop', 'image placeholder')
  const env = Object.fromEntries(c.env.map((e: Obj) => [e.name, e.value ?? e.valueFrom]))
  t.same(env.OPERATOR_NAMESPACE, { fieldRef: { fieldPath: 'metadata.namespace' } })
  t.equal(env.LINUXPTP_DAEMON_IMAGE, 'IMG_PREFIX:lptpd')

  const svc = find('Service', 'webhook-service')
  t.same(svc.spec.selector, { name: 'ptp-operator' }, 'webhook Service selects the operator pods')
  t.ok(Object.entries(svc.spec.selector).every(([k, v]) => pod.metadata.labels[k] === v))
  t.same(svc.spec.ports.map((p: Obj) => [p.port, p.targetPort]), [[443, 9443]])
  t.ok(c.ports.some((p: Obj) => p.containerPort === 9443), 'the operator listens on 9443')

  const vwc = find('ValidatingWebhookConfiguration', 'ptpconfig-validating-webhook-configuration')
  const hook = vwc.webhooks[0]
  t.equal(vwc.webhooks.length, 1)
  t.same([hook.clientConfig.service.name, hook.clientConfig.service.namespace, hook.clientConfig.service.path], ['webhook-service', 'openshift-ptp', '/validate-ptp-openshift-io-v1-ptpconfig'])
  t.equal(hook.failurePolicy, 'Fail')
  t.same(hook.rules[0].resources, ['ptpconfigs'])
  const [certNs, certName] = vwc.metadata.annotations['cert-manager.io/inject-ca-from'].split('/')
  const cert = find('Certificate', certName)
  t.equal(cert.metadata.namespace, certNs, 'the CA comes from Certificate serving-cert')
  t.equal(cert.spec.secretName, 'webhook-server-cert')
  t.ok(cert.spec.dnsNames.includes('webhook-service.openshift-ptp.svc'))
  const vol = pod.spec.volumes.find((v: Obj) => v.secret?.secretName === cert.spec.secretName)
  t.ok(vol && c.volumeMounts.some((m: Obj) => m.name === vol.name), 'the operator mounts the webhook certificate')
  const daemonCert = find('Certificate', 'serving-cert-daemon')
  t.equal(daemonCert.spec.secretName, 'linuxptp-daemon-secret')
  for (const ct of [cert, daemonCert]) t.ok(find(ct.spec.issuerRef.kind, ct.spec.issuerRef.name).spec.selfSigned, `${name(ct)}: issued by the self-signed Issuer`)

  const [msvc, mon] = renderDaemonMonitoring()
  t.same(find('Service', 'ptp-monitor-service'), msvc, 'manifests/monitoring/service.yaml is what the renderer renders')
  t.same(find('ServiceMonitor', 'monitor-ptp'), mon, 'manifests/monitoring/servicemonitor.yaml is what the renderer renders')
})

t.test('the linuxptp-daemon DaemonSet renderer', async (t) => {
  const ds = renderDaemonSet({ image: 'localhost/ptplab:lptpd', nodeSelector: { 'node-role.kubernetes.io/worker': '' } })
  t.same(builtinProblems(ds as Obj), [], 'valid against the DaemonSet schema, no unknown field')
  const spec = ds.spec!.template.spec!
  const c = spec.containers[0]!
  t.same(ds.metadata, { name: 'linuxptp-daemon', namespace: 'openshift-ptp' })
  t.same(ds.spec!.selector.matchLabels, { app: 'linuxptp-daemon' })
  t.same(ds.spec!.template.metadata!.labels, { app: 'linuxptp-daemon', role: 'ptp' })
  t.same(ds.spec!.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '33%' } })
  t.same(
    [spec.hostNetwork, spec.hostPID, spec.dnsPolicy, spec.tolerations, spec.serviceAccountName, spec.priorityClassName],
    [true, true, 'ClusterFirstWithHostNet', [{ operator: 'Exists' }], 'linuxptp-daemon', 'system-node-critical'],
  )
  t.same(spec.nodeSelector, { 'node-role.kubernetes.io/worker': '' })
  t.equal(spec.containers.length, 1, 'the daemon is the first (only) container: the suite execs curl there')
  t.same([c.name, c.image, c.securityContext], ['linuxptp-daemon-container', 'localhost/ptplab:lptpd', { privileged: true }])
  t.same(c.args, ['--profile-path', '/etc/linuxptp', '--run-dir', '/var/run', '--metrics-listen', '0.0.0.0:9091', '--ready-listen', ':8081'])
  t.same(
    c.env!.map((e) => [e.name, e.value ?? e.valueFrom?.fieldRef?.fieldPath]),
    [
      ['NODE_NAME', 'spec.nodeName'],
      ['POD_NAME', 'metadata.name'],
      ['NAME_SPACE', 'openshift-ptp'],
    ],
  )
  const mounts = Object.fromEntries(c.volumeMounts!.map((m) => [m.mountPath, spec.volumes!.find((v) => v.name === m.name)]))
  t.same(mounts['/etc/linuxptp']?.configMap, { name: 'ptp-configmap' })
  t.same(mounts['/var/run']?.hostPath, { path: '/var/run/ptp', type: 'DirectoryOrCreate' })
  t.notOk(JSON.stringify(ds).includes('--shared-clock'), 'no --shared-clock unless asked')

  const lab = renderDaemonSet({ image: 'registry.example:5000/ptp:lptpd', nodeSelector: {}, namespace: 'ptp-lab', sharedClock: true, extraArgs: ['--update-interval', '5'] })
  const la = lab.spec!.template.spec!.containers[0]!
  t.same(la.args!.slice(-3), ['--shared-clock', '--update-interval', '5'])
  t.equal(lab.metadata!.namespace, 'ptp-lab')
  t.same(lab.spec!.template.spec!.nodeSelector, {}, '{} selects every node')
  t.same(la.env![2], { name: 'NAME_SPACE', value: 'ptp-lab' })
  const objs = renderDaemonObjects({ image: 'localhost/ptplab:lptpd', nodeSelector: {}, monitoring: true })
  t.same(objs.map((o) => `${o.kind}/${o.metadata!.name}`), ['DaemonSet/linuxptp-daemon', 'Service/ptp-monitor-service', 'ServiceMonitor/monitor-ptp'])
  t.same(builtinProblems(objs[1] as Obj), [])
  t.same(customResourceProblems(EXTERNAL_SCHEMAS['monitoring.coreos.com/v1/ServiceMonitor'], objs[2] as Obj), [])

  const bad: Array<[string, Parameters<typeof renderDaemonSet>[0], string, RegExp]> = [
    ['an image with a space', { image: 'localhost/ptplab:lptpd --x', nodeSelector: {} }, 'image', /invalid image/],
    ['an empty image', { image: '', nodeSelector: {} }, 'image', /invalid image/],
    ['an uppercase repository', { image: 'Localhost/PTP:lptpd', nodeSelector: {} }, 'image', /invalid image/],
    ['a bad selector key', { image: 'a:b', nodeSelector: { 'bad key': '' } }, 'nodeSelector["bad key"]', /invalid node selector key/],
    ['a bad selector value', { image: 'a:b', nodeSelector: { ok: 'no spaces' } }, 'nodeSelector["ok"]', /invalid node selector value/],
    ['a bad namespace', { image: 'a:b', nodeSelector: {}, namespace: 'Openshift_PTP' }, 'namespace', /invalid namespace/],
    ['an owned flag', { image: 'a:b', nodeSelector: {}, extraArgs: ['--metrics-listen=:1'] }, 'extraArgs[0]', /--metrics-listen is set by the renderer/],
    ['--shared-clock as an extra arg', { image: 'a:b', nodeSelector: {}, extraArgs: ['-v', '--shared-clock'] }, 'extraArgs[1]', /--shared-clock is set by the renderer/],
    ['a newline in an arg', { image: 'a:b', nodeSelector: {}, extraArgs: ['a\nb'] }, 'extraArgs[0]', /control characters/],
  ]
  for (const [what, o, field, want] of bad) {
    const e = inputError(() => renderDaemonSet(o))
    t.equal(e.field, field, `${what}: names ${field}`)
    t.match(e.detail, want, what)
  }
})

// ---------------------------------------------------------- kustomize --

// PTPLAB_KUBECTL: another kubectl to try (e.g. Debian's 1.20 unpacked elsewhere).
const KUBECTL = process.env.PTPLAB_KUBECTL ?? '/usr/bin/kubectl'
const kubectlSkip = existsSync(KUBECTL) ? false : `${KUBECTL} is missing (apt-get install kubernetes-client; scripts/setup.sh does)`
// kustomize v2 (kubectl < 1.21) ignores the images fieldSpecs of
// images-in-env.yaml: the env placeholder then stays.
async function kustomizeMajor(): Promise<number> {
  const r = await execa(KUBECTL, ['version', '--client', '-o', 'json'], { reject: false })
  const v = /"kustomizeVersion":\s*"v(\d+)/.exec(r.stdout)
  return v ? Number(v[1]) : 2
}
async function kustomize(dir: string): Promise<Obj[]> {
  const r = await execa(KUBECTL, ['kustomize', dir], { reject: false, timeout: 60_000 })
  if (r.exitCode !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${r.stderr}`)
  return parseDocs(r.stdout, `kubectl kustomize ${dir}`)
}

t.test('kubectl kustomize renders the folder', { skip: kubectlSkip }, async (t) => {
  const major = await kustomizeMajor()
  const out = await kustomize(ROOT)
  // kustomize v4+ sorts for apply (namespace and CRDs first, webhooks last).
  if (major >= 4) t.same(out.map(name), EXPECTED, 'exactly the expected objects, in apply order')
  else t.same(out.map(name).sort(), [...EXPECTED].sort(), 'exactly the expected objects')
  for (const o of out) t.same(problems(o), [], `rendered ${name(o)} still valid`)
  const c = out.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0]
  t.equal(c.image, 'localhost/ptplab:ptpop', 'IMG_PREFIX rewritten to the default prefix')
  const env = c.env.find((e: Obj) => e.name === 'LINUXPTP_DAEMON_IMAGE').value
  const envSkip = major >= 4 ? false : `kustomize v${major} (kubectl < 1.21) does not rewrite env values; the env stays ${env}`
  t.equal(env, 'localhost/ptplab:lptpd', 'the daemon image in the env too', { skip: envSkip })

  // An overlay that moves every image to a registry, as the docs tell.
  const dir = await mkdtemp(join(tmpdir(), 'ptplab-kustomize-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(
    join(dir, 'kustomization.yaml'),
    [major >= 4 ? 'resources:' : 'bases:', `  - ${relative(dir, ROOT)}`, 'images:', '  - name: localhost/ptplab', '    newName: registry.example:5000/ptp', ''].join('\n'),
  )
  const moved = await kustomize(dir)
  const mc = moved.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0]
  t.equal(mc.image, 'registry.example:5000/ptp:ptpop', 'an overlay moves the operator image')
  t.equal(mc.env.find((e: Obj) => e.name === 'LINUXPTP_DAEMON_IMAGE').value, 'registry.example:5000/ptp:lptpd', 'and the daemon image', { skip: envSkip })

  const s = await kustomize(join(ROOT, 'samples'))
  t.same(s.map(name).sort(), samples.map((d) => name(d.obj)).sort(), 'manifests/samples renders on its own')
})
