// The operator's controller (lab/k8s/operator/) against the in-process fake
// API server with manifests/crds loaded: PtpConfigs and node labels into
// ptp-configmap and status.matchList (recommend rules), the objects it
// ensures, bad input reported on the object, and the informers surviving a
// dropped watch and a 410 Gone.
import t from 'tap'
import * as k8s from '@kubernetes/client-node'
import { Controller } from '../../lab/k8s/operator/controller.js'
import { poll } from '../../lab/sys/poll.js'
import { startFakeApiServer, type FakeApiServer, type KubeObject } from '../fixtures/k8s/fake-apiserver.js'
import { ptpCrds } from '../fixtures/ptp-crds.js'
import { deniedRequests } from '../fixtures/rbac-fit.js'

const NS = 'openshift-ptp'
const G = { group: 'ptp.openshift.io', version: 'v1', namespace: NS }
const node = (name: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } } })
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)

const until = async <T>(what: string, f: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> => {
  const r = await poll(f, { timeoutMs: 4000, intervalMs: 10, ignoreErrors: true })
  if (r.value === undefined) throw new Error(`timed out waiting for ${what}`)
  return r.value
}

const ptpConfig = (name: string, profiles: Array<Record<string, unknown>>, recommend: Array<Record<string, unknown>>) => ({
  apiVersion: 'ptp.openshift.io/v1',
  kind: 'PtpConfig',
  metadata: { name, namespace: NS },
  spec: { profile: profiles, recommend },
})
const prof = (name: string, iface = 'eth0') => ({ name, interface: iface, ptp4lOpts: '-2', phc2sysOpts: '-a -r' })

async function setup(t: { teardown(f: () => unknown): void }, nodes = [node('worker1', { 'node-role.kubernetes.io/worker': '' }), node('worker2', { 'node-role.kubernetes.io/worker': '' }), node('worker3')]) {
  const api = await startFakeApiServer({ objects: [...ptpCrds(), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }, ...nodes] })
  const kc = new k8s.KubeConfig()
  kc.loadFromFile(api.kubeconfigFile)
  const logs: string[] = []
  const ctl = new Controller({ kc, namespace: NS, daemon: { image: 'localhost/ptplab:lptpd' }, resyncMs: 150, backoffMs: 20, log: (m) => logs.push(m) })
  t.teardown(async () => {
    await ctl.stop()
    await api.close()
  })
  await ctl.start()
  const core = kc.makeApiClient(k8s.CoreV1Api)
  const custom = kc.makeApiClient(k8s.CustomObjectsApi)
  return { api, kc, ctl, core, custom, logs }
}

const data = (api: FakeApiServer) => (api.get('', 'configmaps', NS, 'ptp-configmap')?.data ?? {}) as Record<string, string>
const names = (api: FakeApiServer, n: string) => (JSON.parse(data(api)[n] ?? 'null') as Array<{ name: string }> | null)?.map((p) => p.name)
const status = (api: FakeApiServer, name: string) => api.get('ptp.openshift.io', 'ptpconfigs', NS, name)?.status as { matchList?: unknown[]; conditions?: Array<Record<string, unknown>> } | undefined
// What the RBAC of manifests/rbac/operator.yaml would refuse of the recorded
// requests, less those the test itself made (`mine`).
const denied = (api: FakeApiServer, mine: string[] = []) => deniedRequests(api.requests, 'ptp-operator', NS).filter((d) => !mine.includes(d))

// Quiet: no reconcile queued or running, after at least one more completed.
const settle = async (ctl: Controller) => {
  const n = ctl.reconciles
  ctl.schedule()
  await until('a quiet controller', () => ctl.reconciles > n && ctl.idle)
}

t.test('ensures PtpOperatorConfig default, NodePtpDevices, the DaemonSet and ptp-configmap', async (t) => {
  const { api } = await setup(t)
  await until('the daemon set', () => api.get('apps', 'daemonsets', NS, 'linuxptp-daemon'))
  await until('NodePtpDevices', () => api.list('ptp.openshift.io', 'nodeptpdevices', NS).length === 3)
  t.match(api.get('ptp.openshift.io', 'ptpoperatorconfigs', NS, 'default'), { spec: { daemonNodeSelector: {} } })
  t.same(api.list('ptp.openshift.io', 'nodeptpdevices', NS).map((d) => d.metadata.name), ['worker1', 'worker2', 'worker3'])
  await until('the configmap', () => Object.keys(data(api)).length === 3)
  t.same(data(api), { worker1: '[]', worker2: '[]', worker3: '[]' })
  const ds = api.get('apps', 'daemonsets', NS, 'linuxptp-daemon') as any
  t.same(ds.spec.template.spec.nodeSelector, {})
  t.equal(ds.spec.template.spec.containers[0].image, 'localhost/ptplab:lptpd')
  t.notOk(ds.spec.template.spec.containers[0].args.includes('--shared-clock'), 'no --shared-clock unless asked')
  t.same(denied(api), [], 'every request fits the operator RBAC')

  // A node joins and leaves: its NodePtpDevice follows.
  api.create(node('worker4'))
  await until('worker4 device', () => api.get('ptp.openshift.io', 'nodeptpdevices', NS, 'worker4'))
  await until('worker4 data', () => data(api).worker4 === '[]')
  const core = new k8s.KubeConfig()
  core.loadFromFile(api.kubeconfigFile)
  await core.makeApiClient(k8s.CoreV1Api).deleteNode({ name: 'worker4' })
  await until('worker4 device gone', () => !api.get('ptp.openshift.io', 'nodeptpdevices', NS, 'worker4'))
  await until('worker4 data gone', () => !('worker4' in data(api)))
})

t.test('PtpConfigs and node labels -> ptp-configmap and matchList, written only on change', async (t) => {
  const { api, ctl, custom, core } = await setup(t)
  const create = (body: object) => custom.createNamespacedCustomObject({ ...G, plural: 'ptpconfigs', body })
  await create(ptpConfig('gm', [prof('grandmaster')], [{ profile: 'grandmaster', priority: 10, match: [{ nodeName: 'worker1' }] }]))
  await create(ptpConfig('slaves', [prof('slave')], [{ profile: 'slave', priority: 20, match: [{ nodeLabel: 'ptp/slave' }] }]))
  await until('gm on worker1', () => names(api, 'worker1')?.[0] === 'gm_grandmaster')
  t.same(names(api, 'worker2'), [], 'no label yet: no profile')

  // A label key with any value matches.
  await core.patchNode({ name: 'worker2', body: { metadata: { labels: { 'ptp/slave': 'any-value' } } } }, merge)
  await until('slave on worker2', () => names(api, 'worker2')?.[0] === 'slaves_slave')
  await until('matchList', () => status(api, 'slaves')?.matchList?.length === 1)
  t.same(status(api, 'slaves')!.matchList, [{ nodeName: 'worker2', profile: 'slave' }])
  t.same(status(api, 'gm')!.matchList, [{ nodeName: 'worker1', profile: 'grandmaster' }])
  t.match(status(api, 'gm')!.conditions, [{ type: 'Valid', status: 'True', reason: 'Reconciled' }])

  // A lower priority number wins on the same node; deleting it gives the node back.
  await create(ptpConfig('urgent', [prof('hi', 'eth1')], [{ profile: 'hi', priority: 5, match: [{ nodeLabel: 'ptp/slave' }] }]))
  await until('urgent on worker2', () => names(api, 'worker2')?.[0] === 'urgent_hi')
  t.same(names(api, 'worker2'), ['urgent_hi'])
  await until('slaves lost its match', () => status(api, 'slaves')?.matchList?.length === 0)
  await custom.deleteNamespacedCustomObject({ ...G, plural: 'ptpconfigs', name: 'urgent' })
  await until('slave back on worker2', () => names(api, 'worker2')?.[0] === 'slaves_slave')

  // An update changes the profile the node gets.
  const cur = (await custom.getNamespacedCustomObject({ ...G, plural: 'ptpconfigs', name: 'slaves' })) as any
  cur.spec.profile[0].ptp4lOpts = '-2 -s'
  await custom.replaceNamespacedCustomObject({ ...G, plural: 'ptpconfigs', name: 'slaves', body: cur })
  await until('the updated profile', () => JSON.parse(data(api).worker2 ?? '[]')[0]?.ptp4lOpts === '-2 -s')

  // Nothing changed: resyncs and unrelated node changes write nothing.
  await settle(ctl)
  api.clearRequests()
  await core.patchNode({ name: 'worker3', body: { metadata: { labels: { unrelated: 'x' } } } }, merge)
  await settle(ctl)
  await new Promise((r) => setTimeout(r, 200)) // at least one resync period
  await settle(ctl)
  const writes = api.requests.filter((r) => ['PUT', 'POST', 'PATCH', 'DELETE'].includes(r.method) && r.path.includes(`/namespaces/${NS}/`))
  t.same(writes.map((r) => `${r.method} ${r.path}`), [], 'no writes without a change')

  // Resync puts back what no informer watches: an edited ptp-configmap.
  const cm = await core.readNamespacedConfigMap({ name: 'ptp-configmap', namespace: NS })
  await core.replaceNamespacedConfigMap({ name: 'ptp-configmap', namespace: NS, body: { ...cm, data: { worker1: 'garbage' } } })
  await until('the configmap restored', () => names(api, 'worker1')?.[0] === 'gm_grandmaster' && names(api, 'worker2')?.[0] === 'slaves_slave')
})

t.test('a bad PtpConfig gets a condition and an Event naming the field; the others reconcile', async (t) => {
  const { api, custom } = await setup(t)
  // Stored without the webhook (a cluster where it is not installed yet).
  api.create(ptpConfig('bad', [{ ...prof('p'), ptpSchedulingPolicy: 'SCHED_FIFO', ptpSchedulingPriority: 66 }], [{ profile: 'p', priority: 1, match: [{ nodeName: 'worker1' }] }]) as KubeObject)
  await custom.createNamespacedCustomObject({ ...G, plural: 'ptpconfigs', body: ptpConfig('good', [prof('gm')], [{ profile: 'gm', priority: 10, match: [{ nodeName: 'worker1' }] }]) })
  await until('good applied', () => names(api, 'worker1')?.[0] === 'good_gm')
  t.same(names(api, 'worker1'), ['good_gm'], 'the bad one contributes nothing')
  const cond = await until('bad condition', () => status(api, 'bad')?.conditions?.[0])
  t.match(cond, { type: 'Valid', status: 'False', reason: 'InvalidSpec', message: /^spec\.profile\[0\]\.ptpSchedulingPriority: must be an integer 1-65, got 66$/ })
  const ev = await until('the event', () => api.list('', 'events', NS).find((e) => (e.involvedObject as any)?.name === 'bad'))
  t.match(ev, { type: 'Warning', reason: 'InvalidSpec', involvedObject: { kind: 'PtpConfig', name: 'bad', namespace: NS }, message: /spec\.profile\[0\]\.ptpSchedulingPriority/ })
  t.equal(status(api, 'good')?.conditions?.[0]?.status, 'True')

  // A recommended profile defined nowhere: that node keeps what it had, others go on.
  await custom.createNamespacedCustomObject({ ...G, plural: 'ptpconfigs', body: ptpConfig('ghostly', [prof('real')], [{ profile: 'ghost', priority: 1, match: [{ nodeName: 'worker1' }] }, { profile: 'real', priority: 1, match: [{ nodeName: 'worker2' }] }]) })
  const ghost = await until('ghost condition', () => status(api, 'ghostly')?.conditions?.find((c) => c.status === 'False'))
  t.match(ghost, { reason: 'ProfileNotFound', message: /^spec\.recommend\[0\]\.profile: node "worker1": recommended profile "ghost" is defined in no PtpConfig$/ })
  await until('worker2 got real', () => names(api, 'worker2')?.[0] === 'ghostly_real')
  t.same(names(api, 'worker1'), ['good_gm'], 'worker1 keeps its last good profiles')
  await until('ghost event', () => api.list('', 'events', NS).some((e) => (e.involvedObject as any)?.name === 'ghostly' && e.reason === 'ProfileNotFound'))

  // Fixed: the condition turns True, once.
  await custom.deleteNamespacedCustomObject({ ...G, plural: 'ptpconfigs', name: 'bad' })
  const cur = (await custom.getNamespacedCustomObject({ ...G, plural: 'ptpconfigs', name: 'ghostly' })) as any
  cur.spec.recommend[0].profile = 'real'
  await custom.replaceNamespacedCustomObject({ ...G, plural: 'ptpconfigs', name: 'ghostly', body: cur })
  await until('ghostly valid', () => status(api, 'ghostly')?.conditions?.[0]?.status === 'True')
  await until('worker1 now ghostly_real', () => names(api, 'worker1')?.[0] === 'ghostly_real')
  t.equal(api.list('', 'events', NS).filter((e) => (e.involvedObject as any)?.name === 'ghostly').length, 1, 'one Event per distinct problem')
  const test = [`create ptp.openshift.io ptpconfigs in ${NS}`, `update ptp.openshift.io ptpconfigs ghostly in ${NS}`, `delete ptp.openshift.io ptpconfigs bad in ${NS}`]
  t.same(denied(api, test), [], 'statuses and Events fit the operator RBAC')
})

t.test('the DaemonSet follows spec.daemonNodeSelector; a bad selector is reported', async (t) => {
  const { api, custom } = await setup(t)
  await until('default', () => api.get('ptp.openshift.io', 'ptpoperatorconfigs', NS, 'default'))
  const sel = () => (api.get('apps', 'daemonsets', NS, 'linuxptp-daemon') as any)?.spec?.template?.spec?.nodeSelector
  await until('ds', () => sel())
  const patch = (daemonNodeSelector: Record<string, string>) =>
    custom.patchNamespacedCustomObject({ ...G, plural: 'ptpoperatorconfigs', name: 'default', body: { spec: { daemonNodeSelector } } }, merge)
  await patch({ 'node-role.kubernetes.io/worker': '' })
  await until('worker selector', () => sel()?.['node-role.kubernetes.io/worker'] === '')
  await patch({ 'node-role.kubernetes.io/worker': null as unknown as string, 'ptp/daemon': 'yes' })
  await until('new selector', () => JSON.stringify(sel()) === JSON.stringify({ 'ptp/daemon': 'yes' }))
  // Deleted by someone: put back.
  const kc = new k8s.KubeConfig()
  kc.loadFromFile(api.kubeconfigFile)
  await kc.makeApiClient(k8s.AppsV1Api).deleteNamespacedDaemonSet({ name: 'linuxptp-daemon', namespace: NS })
  await until('ds restored', () => JSON.stringify(sel()) === JSON.stringify({ 'ptp/daemon': 'yes' }))

  await patch({ 'ptp/daemon': null as unknown as string, 'bad key!': 'x' })
  const ev = await until('selector event', () => api.list('', 'events', NS).find((e) => (e.involvedObject as any)?.kind === 'PtpOperatorConfig'))
  t.match(ev, { reason: 'InvalidSpec', message: /^spec\.daemonNodeSelector\["bad key!"\]: / })
  t.same(sel(), { 'ptp/daemon': 'yes' }, 'the DaemonSet is left as it was')
  t.same(denied(api, [`patch ptp.openshift.io ptpoperatorconfigs default in ${NS}`, `delete apps daemonsets linuxptp-daemon in ${NS}`]), [], 'DaemonSet writes fit the operator RBAC')
})

t.test('informers: a dropped watch resumes, a 410 Gone relists; changes meanwhile arrive', async (t) => {
  const { api, ctl, custom, core } = await setup(t)
  await custom.createNamespacedCustomObject({ ...G, plural: 'ptpconfigs', body: ptpConfig('slaves', [prof('slave')], [{ profile: 'slave', priority: 20, match: [{ nodeLabel: 'ptp/slave' }] }]) })
  await until('watches', () => api.openWatches === 5)
  await settle(ctl)

  api.clearRequests()
  t.equal(api.dropWatches(), 5)
  await core.patchNode({ name: 'worker1', body: { metadata: { labels: { 'ptp/slave': '' } } } }, merge)
  await until('worker1 slave', () => names(api, 'worker1')?.[0] === 'slaves_slave')
  await until('watches back', () => api.openWatches === 5)
  const rewatches = api.requests.filter((r) => r.watch)
  t.ok(rewatches.every((r) => Number(r.query.resourceVersion) > 0), 'resumed from a resourceVersion')
  t.equal(api.requests.filter((r) => r.method === 'GET' && !r.watch && r.path === '/api/v1/nodes').length, 0, 'no relist after a plain drop')

  const lists = ctl.caches.nodes.lists
  api.clearRequests()
  api.compact()
  api.dropWatches()
  await core.patchNode({ name: 'worker2', body: { metadata: { labels: { 'ptp/slave': '' } } } }, merge)
  await until('worker2 slave', () => names(api, 'worker2')?.[0] === 'slaves_slave')
  await until('relisted', () => ctl.caches.nodes.lists === lists + 1 && api.openWatches === 5)
  t.ok(api.requests.some((r) => r.method === 'GET' && !r.watch && r.path === '/api/v1/nodes'), 'relisted after the 410 Gone')
  t.same(ctl.caches.nodes.list().map((n) => n.metadata?.name).sort(), ['worker1', 'worker2', 'worker3'])

  // A watch refused outright (RBAC) restarts after backoff once allowed again.
  const undo = api.forbid({ verb: 'watch', group: '', resource: 'nodes' })
  api.dropWatches()
  await until('a refused watch', () => api.requests.some((r) => r.watch && r.path === '/api/v1/nodes' && r.status === 403))
  undo()
  await core.patchNode({ name: 'worker3', body: { metadata: { labels: { 'ptp/slave': '' } } } }, merge)
  await until('worker3 slave', () => names(api, 'worker3')?.[0] === 'slaves_slave')
  await until('all watches back', () => api.openWatches === 5)
})
