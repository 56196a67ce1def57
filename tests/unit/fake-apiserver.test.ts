// The fake API server (tests/fixtures/k8s) driven only through
// @kubernetes/client-node, to prove that the client interoperates with it:
// every request here is what a real client sends, every answer is checked
// as the client parses it.
import t from 'tap'
import { existsSync } from 'node:fs'
import { PassThrough, Readable, Writable } from 'node:stream'
import WebSocket from 'ws'
import * as k8s from '@kubernetes/client-node'
// Not re-exported by the package index; Exec takes one to choose the socket.
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js'
import { pollUntil } from '../../lab/sys/poll.js'
import { startFakeApiServer, type FakeApiServerOptions } from '../fixtures/k8s/fake-apiserver.js'

type Test = { teardown(f: () => unknown): void }

async function setup(t: Test, opts: FakeApiServerOptions = {}) {
  const api = await startFakeApiServer(opts)
  t.teardown(() => api.close())
  const kc = new k8s.KubeConfig()
  kc.loadFromFile(api.kubeconfigFile)
  return {
    api,
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    ext: kc.makeApiClient(k8s.ApiextensionsV1Api),
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
  }
}

// The HTTP code and the Status body of a failed client call.
async function failure(p: Promise<unknown>): Promise<{ code: number; body: Record<string, any> }> {
  try {
    await p
  } catch (e) {
    const err = e as { code?: number; body?: unknown }
    const body = typeof err.body === 'string' ? JSON.parse(err.body) : (err.body ?? {})
    return { code: err.code ?? -1, body }
  }
  throw new Error('expected the call to fail')
}

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)
const strategic = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch)
const jsonPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch)

const PTPCONFIG_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'ptpconfigs.ptp.openshift.io' },
  spec: {
    group: 'ptp.openshift.io',
    names: { kind: 'PtpConfig', listKind: 'PtpConfigList', plural: 'ptpconfigs', singular: 'ptpconfig' },
    scope: 'Namespaced',
    versions: [{ name: 'v1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
}

const node = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels } })

t.test('CRUD, conflicts, generation and the status subresource', async (t) => {
  const { core, apps, api } = await setup(t)
  const cm = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cfg', labels: { app: 'x' } }, data: { a: '1' } } })
  t.match(cm.metadata, { name: 'cfg', namespace: 'default', generation: 1 })
  t.match(cm.metadata?.uid, /^[0-9a-f-]{36}$/)
  t.match(cm.metadata?.creationTimestamp?.toISOString(), /^\d{4}-\d\d-\d\dT/)
  const rv1 = Number(cm.metadata?.resourceVersion)

  const dup = await failure(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cfg' } } }))
  t.equal(dup.code, 409)
  t.match(dup.body, { kind: 'Status', status: 'Failure', reason: 'AlreadyExists', message: 'configmaps "cfg" already exists', details: { name: 'cfg', kind: 'configmaps' } })

  const updated = await core.replaceNamespacedConfigMap({ name: 'cfg', namespace: 'default', body: { ...cm, data: { a: '2' } } })
  t.equal(updated.data?.a, '2')
  t.ok(Number(updated.metadata?.resourceVersion) > rv1, 'resourceVersion increases')
  const stale = await failure(core.replaceNamespacedConfigMap({ name: 'cfg', namespace: 'default', body: { ...cm, data: { a: '3' } } }))
  t.equal(stale.code, 409)
  t.equal(stale.body.reason, 'Conflict')
  t.equal(stale.body.message, 'Operation cannot be fulfilled on configmaps "cfg": the object has been modified; please apply your changes to the latest version and try again')
  t.equal((await core.readNamespacedConfigMap({ name: 'cfg', namespace: 'default' })).data?.a, '2', 'the stale write changed nothing')

  // A write that changes nothing keeps the resourceVersion.
  const same = await core.replaceNamespacedConfigMap({ name: 'cfg', namespace: 'default', body: updated })
  t.equal(same.metadata?.resourceVersion, updated.metadata?.resourceVersion)

  const bad = await failure(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'Bad_Name' } } }))
  t.equal(bad.code, 422)
  t.match(bad.body.message, /^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": /)
  const yamlBody = await failure(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'y' } } }, k8s.setHeaderOptions('Content-Type', 'application/vnd.kubernetes.protobuf')))
  t.equal(yamlBody.code, 415, 'only JSON bodies')
  const noNs = await failure(core.createNamespacedConfigMap({ namespace: 'nowhere', body: { metadata: { name: 'x' } } }))
  t.equal(noNs.code, 404)
  t.equal(noNs.body.message, 'namespaces "nowhere" not found')

  // generation: spec changes bump it, label changes and status writes do not.
  const dep = await apps.createNamespacedDeployment({
    namespace: 'default',
    body: { metadata: { name: 'd' }, spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } }, status: { replicas: 9 } },
  })
  t.equal(dep.status?.replicas, undefined, 'status is dropped on create where the status subresource exists')
  const relabeled = await apps.patchNamespacedDeployment({ name: 'd', namespace: 'default', body: { metadata: { labels: { l: '1' } } } }, merge)
  t.equal(relabeled.metadata?.generation, 1)
  const scaled = await apps.patchNamespacedDeployment({ name: 'd', namespace: 'default', body: { spec: { replicas: 3 }, status: { replicas: 5 } } }, merge)
  t.equal(scaled.metadata?.generation, 2)
  t.equal(scaled.status?.replicas, undefined, 'a main-resource write ignores status')
  const st = await apps.patchNamespacedDeploymentStatus({ name: 'd', namespace: 'default', body: { status: { replicas: 3 }, spec: { replicas: 7 } } }, merge)
  t.equal(st.status?.replicas, 3)
  t.equal(st.spec?.replicas, 3, 'a status write changes only status')
  t.equal(st.metadata?.generation, 2)
  t.equal((await apps.readNamespacedDeploymentStatus({ name: 'd', namespace: 'default' })).status?.replicas, 3)
  const cur = await apps.readNamespacedDeployment({ name: 'd', namespace: 'default' })
  const put = await apps.replaceNamespacedDeploymentStatus({ name: 'd', namespace: 'default', body: { ...cur, metadata: { ...cur.metadata, labels: { put: 'x' } }, status: { replicas: 4 } } })
  t.equal(put.status?.replicas, 4, 'PUT .../status writes status')
  t.equal(put.metadata?.labels?.put, undefined, 'and nothing else')

  // Delete: configmaps answer a Status, pods the object; then 404.
  const del = await core.deleteNamespacedConfigMap({ name: 'cfg', namespace: 'default' })
  t.match(del, { status: 'Success', details: { name: 'cfg', kind: 'configmaps' } })
  const gone = await failure(core.readNamespacedConfigMap({ name: 'cfg', namespace: 'default' }))
  t.equal(gone.code, 404)
  t.equal(gone.body.message, 'configmaps "cfg" not found')
  t.equal((await failure(core.deleteNamespacedConfigMap({ name: 'cfg', namespace: 'default' }))).code, 404)
  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } } })
  const delPod = await core.deleteNamespacedPod({ name: 'p', namespace: 'default' })
  t.equal(delPod.metadata?.name, 'p')

  // Every request was recorded as sent.
  const post = api.requests.find((r) => r.method === 'POST' && r.path === '/api/v1/namespaces/default/configmaps')
  t.match(post, { contentType: 'application/json', body: { metadata: { name: 'cfg' } }, watch: false, status: 201 })
  api.clearRequests()
  t.equal(api.requests.length, 0)
})

t.test('list selectors', async (t) => {
  const { core } = await setup(t)
  const mk = (name: string, labels: Record<string, string>, nodeName?: string) =>
    core.createNamespacedPod({ namespace: 'default', body: { metadata: { name, labels }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'i' }] } } })
  await mk('a', { app: 'ptp', tier: 'x' }, 'n1')
  await mk('b', { app: 'ptp' }, 'n2')
  await mk('c', { app: 'other', tier: 'y' }, 'n1')
  await mk('d', {})
  const names = async (o: { labelSelector?: string; fieldSelector?: string }) =>
    (await core.listNamespacedPod({ namespace: 'default', ...o })).items.map((p) => p.metadata?.name)
  t.same(await names({ labelSelector: 'app=ptp' }), ['a', 'b'])
  t.same(await names({ labelSelector: 'app==ptp,tier' }), ['a'])
  t.same(await names({ labelSelector: 'app!=ptp' }), ['c', 'd'], '!= matches objects without the key')
  t.same(await names({ labelSelector: '!tier' }), ['b', 'd'])
  t.same(await names({ labelSelector: 'tier in (x,y)' }), ['a', 'c'])
  t.same(await names({ labelSelector: 'tier notin (x)' }), ['b', 'c', 'd'])
  t.same(await names({ fieldSelector: 'spec.nodeName=n1' }), ['a', 'c'])
  t.same(await names({ fieldSelector: 'metadata.name!=a,spec.nodeName=n1' }), ['c'])
  t.same(await names({ fieldSelector: 'metadata.namespace=default', labelSelector: 'app=other' }), ['c'])
  const all = await core.listPodForAllNamespaces({ limit: 1 })
  t.equal(all.items.length, 4, 'limit may be ignored, nothing breaks')
  t.equal(all.kind, 'PodList')
  t.equal((await failure(names({ labelSelector: 'a in (b' }))).code, 400)
  const badField = await failure(names({ fieldSelector: 'spec.foo=1' }))
  t.equal(badField.code, 400)
  t.equal(badField.body.message, 'field label not supported: spec.foo')
})

t.test('merge, strategic and JSON patches', async (t) => {
  const { core, apps, api } = await setup(t, { objects: [node('worker1', { 'node-role.kubernetes.io/worker': '' })] })
  const n1 = await core.patchNode({ name: 'worker1', body: { metadata: { labels: { 'ptp/clock-under-test': '' } } } }, merge)
  t.same(n1.metadata?.labels, { 'node-role.kubernetes.io/worker': '', 'ptp/clock-under-test': '' })
  const n2 = await core.patchNode({ name: 'worker1', body: { metadata: { labels: { 'ptp/clock-under-test': null, 'ptp/test-slave1': '' } } } }, strategic)
  t.same(n2.metadata?.labels, { 'node-role.kubernetes.io/worker': '', 'ptp/test-slave1': '' }, 'null deletes, maps merge')
  const n3 = await core.patchNode({ name: 'worker1', body: [{ op: 'add', path: '/metadata/labels/ptp~1grandmaster', value: '' }, { op: 'remove', path: '/metadata/labels/ptp~1test-slave1' }] }, jsonPatch)
  t.same(n3.metadata?.labels, { 'node-role.kubernetes.io/worker': '', 'ptp/grandmaster': '' })
  const testFailed = await failure(core.patchNode({ name: 'worker1', body: [{ op: 'test', path: '/metadata/name', value: 'other' }] }, jsonPatch))
  t.equal(testFailed.code, 422)
  t.match(api.requests.filter((r) => r.method === 'PATCH').map((r) => r.contentType), [
    'application/merge-patch+json',
    'application/strategic-merge-patch+json',
    'application/json-patch+json',
    'application/json-patch+json',
  ])
  // A stale resourceVersion in a patch is a conflict.
  const conflict = await failure(core.patchNode({ name: 'worker1', body: { metadata: { resourceVersion: '1', labels: { x: 'y' } } } }, merge))
  t.equal(conflict.code, 409)

  // Strategic merge: containers merge by name, env by name; merge patch replaces the list.
  await apps.createNamespacedDaemonSet({
    namespace: 'default',
    body: {
      metadata: { name: 'ds' },
      spec: {
        selector: { matchLabels: { app: 'd' } },
        template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }] }, { name: 'b', image: 'b:1' }] } },
      },
    },
  })
  const s = await apps.patchNamespacedDaemonSet(
    { name: 'ds', namespace: 'default', body: { spec: { template: { spec: { containers: [{ name: 'b', image: 'b:2' }, { name: 'a', env: [{ name: 'Y', value: '2' }] }] } } } } },
    strategic,
  )
  t.same(
    s.spec?.template.spec?.containers.map((c) => [c.name, c.image, (c.env ?? []).map((e) => e.name)]),
    [
      ['a', 'a:1', ['X', 'Y']],
      ['b', 'b:2', []],
    ],
  )
  const m = await apps.patchNamespacedDaemonSet({ name: 'ds', namespace: 'default', body: { spec: { template: { spec: { containers: [{ name: 'c', image: 'c:1' }] } } } } }, merge)
  t.same(m.spec?.template.spec?.containers.map((c) => c.name), ['c'])
  const del = await apps.patchNamespacedDaemonSet(
    { name: 'ds', namespace: 'default', body: { spec: { template: { spec: { containers: [{ name: 'c', $patch: 'delete' }, { name: 'd', image: 'd:1' }] } } } } },
    strategic,
  )
  t.same(del.spec?.template.spec?.containers.map((c) => c.name), ['d'])
})

t.test('custom objects: 404 before the CRD, served after, gone with it', async (t) => {
  const { custom, ext, objects, api, kc } = await setup(t)
  const cr = { apiVersion: 'ptp.openshift.io/v1', kind: 'PtpConfig', metadata: { name: 'grandmaster', namespace: 'default' }, spec: { profile: [{ name: 'gm' }] } }
  const before = await failure(custom.createNamespacedCustomObject({ group: 'ptp.openshift.io', version: 'v1', namespace: 'default', plural: 'ptpconfigs', body: cr }))
  t.equal(before.code, 404)
  t.match(before.body, { kind: 'Status', reason: 'NotFound', message: 'the server could not find the requested resource' })
  await t.rejects(objects.create(cr), /Failed to fetch resource metadata for ptp.openshift.io\/v1\/PtpConfig: HTTP-Code: 404/, 'discovery has no such group yet')

  const crd = await ext.createCustomResourceDefinition({ body: PTPCONFIG_CRD as k8s.V1CustomResourceDefinition })
  t.match(crd.status?.conditions?.find((c) => c.type === 'Established'), { status: 'True' })
  const badCrd = await failure(ext.createCustomResourceDefinition({ body: { ...PTPCONFIG_CRD, metadata: { name: 'wrong' } } as k8s.V1CustomResourceDefinition }))
  t.equal(badCrd.code, 422)

  const created = (await custom.createNamespacedCustomObject({ group: 'ptp.openshift.io', version: 'v1', namespace: 'default', plural: 'ptpconfigs', body: { ...cr, status: { matchList: [] } } })) as any
  t.equal(created.metadata.name, 'grandmaster')
  t.equal(created.status, undefined, 'status ignored on create (status subresource)')
  const got = (await custom.getNamespacedCustomObject({ group: 'ptp.openshift.io', version: 'v1', namespace: 'default', plural: 'ptpconfigs', name: 'grandmaster' })) as any
  t.same(got.spec, cr.spec)
  const list = (await custom.listClusterCustomObject({ group: 'ptp.openshift.io', version: 'v1', plural: 'ptpconfigs' })) as any
  t.same(list.items.map((i: any) => [i.kind, i.metadata.name]), [['PtpConfig', 'grandmaster']], 'custom list items carry their kind')
  const st = (await custom.patchNamespacedCustomObjectStatus(
    { group: 'ptp.openshift.io', version: 'v1', namespace: 'default', plural: 'ptpconfigs', name: 'grandmaster', body: { status: { matchList: [{ nodeName: 'n1', profile: 'gm' }] } } },
    merge,
  )) as any
  t.same(st.status.matchList, [{ nodeName: 'n1', profile: 'gm' }])
  const noSmp = await failure(
    custom.patchNamespacedCustomObject({ group: 'ptp.openshift.io', version: 'v1', namespace: 'default', plural: 'ptpconfigs', name: 'grandmaster', body: { spec: {} } }, strategic),
  )
  t.equal(noSmp.code, 415, 'custom resources have no strategic merge patch')
  const unconditional = await failure(
    custom.replaceNamespacedCustomObject({ group: 'ptp.openshift.io', version: 'v1', namespace: 'default', plural: 'ptpconfigs', name: 'grandmaster', body: { ...cr } }),
  )
  t.equal(unconditional.code, 422, 'custom resources need a resourceVersion to update')

  // The generic client: discovery maps apiVersion+kind to the path.
  const made = await objects.create({ ...cr, metadata: { name: 'slave' } } as k8s.KubernetesObject)
  t.equal(made.metadata?.namespace, 'default', 'the context namespace is the default')
  const patched = await objects.patch({ ...cr, metadata: { name: 'slave', namespace: 'default' }, spec: { profile: [{ name: 's' }] } }, undefined, undefined, undefined, undefined, k8s.PatchStrategy.MergePatch)
  t.same((patched as any).spec.profile, [{ name: 's' }])
  await objects.delete({ ...cr, metadata: { name: 'slave', namespace: 'default' } })
  t.equal((await failure(objects.read({ ...cr, metadata: { name: 'slave', namespace: 'default' } }))).code, 404)
  t.ok(api.requests.some((r) => r.path === '/apis/ptp.openshift.io/v1' && r.status === 200), 'discovery was asked')
  const groups = await kc.makeApiClient(k8s.ApisApi).getAPIVersions()
  t.same(groups.groups.find((g) => g.name === 'ptp.openshift.io')?.preferredVersion, { groupVersion: 'ptp.openshift.io/v1', version: 'v1' })
  const core = await kc.makeApiClient(k8s.CoreApi).getAPIVersions()
  t.same(core.versions, ['v1'])
  const resources = await kc.makeApiClient(k8s.CustomObjectsApi).getAPIResources({ group: 'ptp.openshift.io', version: 'v1' })
  t.same(resources.resources.map((r) => [r.name, r.kind, r.namespaced]), [['ptpconfigs', 'PtpConfig', true], ['ptpconfigs/status', 'PtpConfig', true]])

  await ext.deleteCustomResourceDefinition({ name: 'ptpconfigs.ptp.openshift.io' })
  const after = await failure(custom.getNamespacedCustomObject({ group: 'ptp.openshift.io', version: 'v1', namespace: 'default', plural: 'ptpconfigs', name: 'grandmaster' }))
  t.equal(after.body.message, 'the server could not find the requested resource')
  await ext.createCustomResourceDefinition({ body: PTPCONFIG_CRD as k8s.V1CustomResourceDefinition })
  const fresh = (await custom.listNamespacedCustomObject({ group: 'ptp.openshift.io', version: 'v1', namespace: 'default', plural: 'ptpconfigs' })) as any
  t.same(fresh.items, [], 'objects went with their CRD')
})

// Collects events of a client-node Watch until stopped.
function watchEvents(kc: k8s.KubeConfig, path: string, query: Record<string, string | number | boolean | undefined>) {
  const events: { type: string; name: string; rv: string; obj: any }[] = []
  let done: unknown = 'open'
  const ctl = new k8s.Watch(kc).watch(
    path,
    query,
    (type, obj) => events.push({ type, name: obj?.metadata?.name, rv: obj?.metadata?.resourceVersion, obj }),
    (err) => (done = err),
  )
  return { events, done: () => done, stop: async () => (await ctl).abort() }
}

t.test('watch: events after a resourceVersion, selectors, bookmarks', async (t) => {
  const { core, kc, api } = await setup(t, { bookmarkIntervalMs: 50 })
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a', labels: { w: 'y' } } } })
  const rv = (await core.listNamespacedConfigMap({ namespace: 'default' })).metadata?.resourceVersion as string
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'b', labels: { w: 'y' } } } })
  await core.patchNamespacedConfigMap({ name: 'a', namespace: 'default', body: { data: { k: 'v' } } }, merge)

  const all = watchEvents(kc, '/api/v1/namespaces/default/configmaps', { resourceVersion: rv })
  const sel = watchEvents(kc, '/api/v1/namespaces/default/configmaps', { labelSelector: 'w=y', allowWatchBookmarks: true })
  await pollUntil(() => all.events.length >= 2 && sel.events.length >= 2, 5000, 'replayed events')
  t.same(all.events.map((e) => [e.type, e.name]), [['ADDED', 'b'], ['MODIFIED', 'a']], 'only what happened after the resourceVersion')
  t.same(sel.events.filter((e) => e.type !== 'BOOKMARK').map((e) => [e.type, e.name]), [['ADDED', 'a'], ['ADDED', 'b']], 'no resourceVersion: the current objects')
  t.equal(all.events[0]?.obj.kind, 'ConfigMap', 'watch events carry kind')

  await core.patchNamespacedConfigMap({ name: 'b', namespace: 'default', body: { metadata: { labels: { w: null } } } }, merge)
  await core.deleteNamespacedConfigMap({ name: 'a', namespace: 'default' })
  await core.createNamespacedConfigMap({ namespace: 'kube-system', body: { metadata: { name: 'elsewhere', labels: { w: 'y' } } } })
  await pollUntil(() => all.events.length >= 4 && sel.events.filter((e) => e.type === 'DELETED').length >= 2, 5000, 'live events')
  t.same(all.events.slice(2).map((e) => [e.type, e.name]), [['MODIFIED', 'b'], ['DELETED', 'a']])
  t.same(sel.events.filter((e) => e.type === 'DELETED').map((e) => e.name), ['b', 'a'], 'leaving the selector is a DELETED')
  t.ok(Number(all.events[3]?.rv) > Number(all.events[2]?.rv), 'a DELETED event carries the deletion resourceVersion')
  await pollUntil(() => sel.events.some((e) => e.type === 'BOOKMARK'), 5000, 'a bookmark')
  t.notOk(all.events.some((e) => e.type === 'BOOKMARK'), 'no bookmarks unless asked')
  t.equal(api.openWatches, 2)
  t.equal(api.requests.filter((r) => r.watch).length, 2)

  // dropWatches ends the streams: the client's done callback runs.
  t.equal(api.dropWatches(), 2)
  await pollUntil(() => all.done() !== 'open' && sel.done() !== 'open', 5000, 'watch done')
  t.equal(all.done(), null)

  // compact: a watch from an old resourceVersion gets ERROR 410 and ends; a list too.
  api.compact()
  const old = watchEvents(kc, '/api/v1/namespaces/default/configmaps', { resourceVersion: rv })
  await pollUntil(() => old.done() !== 'open', 5000, 'expired watch to end')
  t.match(old.events, [{ type: 'ERROR', obj: { kind: 'Status', code: 410, reason: 'Expired' } }])
  t.match(old.events[0]?.obj.message, new RegExp(`^too old resource version: ${rv} \\(\\d+\\)$`))
  const listOld = await failure(core.listNamespacedConfigMap({ namespace: 'default', resourceVersion: rv }))
  t.equal(listOld.code, 410)
  const malformed = watchEvents(kc, '/api/v1/namespaces/default/configmaps', { resourceVersion: 'abc' })
  await pollUntil(() => malformed.done() !== 'open', 5000, 'the malformed watch to fail')
  t.match(malformed.done(), { statusCode: 400 }, 'a malformed resourceVersion is a 400, not a stream')
  await all.stop()
  await sel.stop()
  await old.stop()
})

t.test('informer: add/update/delete, recovers after dropWatches() and compact()', async (t) => {
  const { core, kc, api } = await setup(t)
  const path = '/api/v1/namespaces/default/configmaps'
  const inf = k8s.makeInformer(kc, path, () => core.listNamespacedConfigMap({ namespace: 'default' }))
  const seen: string[] = []
  let connects = 0
  const errs: unknown[] = []
  inf.on('add', (o) => seen.push(`add ${o.metadata?.name}`))
  inf.on('update', (o) => seen.push(`update ${o.metadata?.name} ${o.data?.v ?? ''}`))
  inf.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`))
  inf.on('connect', () => connects++)
  inf.on('error', (e) => errs.push(e))
  t.teardown(() => inf.stop())
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'pre' } } })
  await inf.start()
  await pollUntil(() => api.openWatches === 1, 5000, 'the informer watch')
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } })
  await core.patchNamespacedConfigMap({ name: 'a', namespace: 'default', body: { data: { v: '1' } } }, merge)
  await core.deleteNamespacedConfigMap({ name: 'pre', namespace: 'default' })
  await pollUntil(() => seen.length >= 4, 5000, () => `4 events, have ${JSON.stringify(seen)}`)
  t.same(seen, ['add pre', 'add a', 'update a 1', 'delete pre'])

  // Dropped watch: the informer reconnects from its resourceVersion and misses nothing.
  const dropped = api.dropWatches()
  t.equal(dropped, 1)
  await core.patchNamespacedConfigMap({ name: 'a', namespace: 'default', body: { data: { v: '2' } } }, merge)
  await pollUntil(() => seen.includes('update a 2'), 5000, 'the change made while disconnected')
  t.equal(connects, 2, 'reconnected once')
  const rewatch = api.requests.filter((r) => r.watch).at(-1)
  t.not(rewatch?.query.resourceVersion, '', 'the reconnect resumes from a resourceVersion')

  // Compaction: the reconnect from the old resourceVersion gets 410, the informer relists.
  api.clearRequests()
  api.compact()
  api.dropWatches()
  await pollUntil(() => connects === 4 && api.openWatches === 1, 5000, () => `the relist and a new watch (${connects} connects)`)
  const after = api.requests.map((r) => `${r.watch ? 'watch' : r.method} ${r.query.resourceVersion ?? '-'} ${r.status}`)
  t.match(after, [/^watch \d+ 200$/, 'GET - 200', /^watch \d+ 200$/], 'the reconnect with the old resourceVersion, a relist, a new watch')
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'b' } } })
  await core.patchNamespacedConfigMap({ name: 'b', namespace: 'default', body: { data: { v: '3' } } }, merge)
  await pollUntil(() => seen.includes('update b 3'), 5000, 'events after the relist')
  t.same(seen.slice(-2), ['add b', 'update b 3'], 'the relist re-added nothing that was already cached')
  t.same(errs, [])
  t.same(inf.list().map((o) => o.metadata?.name).sort(), ['a', 'b'], 'the cache matches the server')
})

// Runs a command through client-node's Exec; collects stdout, stderr and the Status.
async function run(kc: k8s.KubeConfig, pod: string, container: string, command: string[], stdin?: string) {
  let out = ''
  let err = ''
  const stdout = new Writable({ write: (c, _e, cb) => ((out += c), cb()) })
  const stderr = new Writable({ write: (c, _e, cb) => ((err += c), cb()) })
  const input = stdin === undefined ? null : Readable.from([stdin])
  const status = await new Promise<k8s.V1Status>((resolve, reject) => {
    new k8s.Exec(kc).exec('default', pod, container, command, stdout, stderr, input, false, resolve).catch(reject)
  })
  return { out, err, status }
}

t.test('exec: stdout, stderr, exit codes, stdin, unknown pod and container', async (t) => {
  const { core, kc, api } = await setup(t)
  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'daemon' }, spec: { containers: [{ name: 'linuxptp-daemon-container', image: 'i' }, { name: 'kube-rbac-proxy', image: 'p' }] } } })
  const calls: unknown[] = []
  api.onExec(async (ctx) => {
    calls.push(ctx)
    if (ctx.command[0] === 'cat') return { stdout: ctx.stdin?.toUpperCase() }
    if (ctx.command.join(' ') === 'sh -c exit 3') return { stderr: 'bad\n', exitCode: 3 }
    return { stdout: 'openshift_ptp_offset_ns 5\n', stderr: 'curl: progress\n' }
  })
  const ok = await run(kc, 'daemon', 'linuxptp-daemon-container', ['curl', '-s', '127.0.0.1:9091/metrics'])
  t.equal(ok.out, 'openshift_ptp_offset_ns 5\n')
  t.equal(ok.err, 'curl: progress\n')
  t.equal(ok.status.status, 'Success')
  t.match(calls[0], { namespace: 'default', pod: 'daemon', container: 'linuxptp-daemon-container', command: ['curl', '-s', '127.0.0.1:9091/metrics'], tty: false })
  t.notOk('stdin' in (calls[0] as object), 'no stdin unless asked')

  const failed = await run(kc, 'daemon', 'linuxptp-daemon-container', ['sh', '-c', 'exit 3'])
  t.equal(failed.err, 'bad\n')
  t.match(failed.status, { status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } })

  const piped = await run(kc, 'daemon', 'kube-rbac-proxy', ['cat'], 'hello\n')
  t.equal(piped.out, 'HELLO\n')
  const upgrade = api.requests.filter((r) => r.exec).at(-1)
  t.match(upgrade, { method: 'GET', path: '/api/v1/namespaces/default/pods/daemon/exec', query: { stdin: 'true', container: 'kube-rbac-proxy', command: 'cat' }, status: 101 })

  // Under v4 (what an older server would pick) the same frames and Status arrive.
  const v4 = new WebSocketHandler(kc, (uri: string, _offered: string[], opts: object) => new WebSocket(uri, ['v4.channel.k8s.io'], opts as WebSocket.ClientOptions) as never)
  let v4out = ''
  const v4status = await new Promise<k8s.V1Status>((resolve, reject) => {
    const out = new Writable({ write: (c, _e, cb) => ((v4out += c), cb()) })
    new k8s.Exec(kc, v4).exec('default', 'daemon', 'kube-rbac-proxy', ['sh', '-c', 'exit 3'], out, out, null, false, resolve).then((ws) => t.equal(ws.protocol, 'v4.channel.k8s.io'), reject)
  })
  t.equal(v4out, 'bad\n')
  t.match(v4status, { status: 'Failure', details: { causes: [{ reason: 'ExitCode', message: '3' }] } })

  await t.rejects(run(kc, 'nope', 'c', ['true']), /404/, 'unknown pod')
  await t.rejects(run(kc, 'daemon', 'nope', ['true']), /400/, 'unknown container')
  t.equal(api.requests.filter((r) => r.exec).at(-1)?.status, 400)
})

// Reads a pod log through client-node's Log; resolves when the server ends the stream.
function readLog(kc: k8s.KubeConfig, pod: string, container: string, o: k8s.LogOptions, namespace = 'default') {
  let text = ''
  let ended = false
  const sink = new PassThrough()
  sink.on('data', (c) => (text += c))
  sink.on('end', () => (ended = true))
  const ctl = new k8s.Log(kc).log(namespace, pod, container, sink, o)
  return { text: () => text, ended: () => ended, ctl }
}

t.test('logs: follow, appended lines, restart, previous, timestamps, tail, limit', async (t) => {
  const { core, kc, api } = await setup(t)
  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'l2' }, spec: { containers: [{ name: 'c', image: 'i' }] } } })
  api.appendLog('default', 'l2', 'c', 'starting\nJSON_REPORT {"a":1}\n')
  const f = readLog(kc, 'l2', 'c', { follow: true })
  await f.ctl
  await pollUntil(() => f.text() === 'starting\nJSON_REPORT {"a":1}\n', 5000, 'the existing lines')
  api.appendLog('default', 'l2', 'c', 'JSON_REPORT {"a":2}')
  await pollUntil(() => f.text().endsWith('JSON_REPORT {"a":2}\n'), 5000, 'the appended line')
  t.notOk(f.ended(), 'a follower stays open')

  api.restartContainer('default', 'l2', 'c')
  await pollUntil(() => f.ended(), 5000, 'the follow stream to end on restart')
  const pod = await core.readNamespacedPod({ name: 'l2', namespace: 'default' })
  t.equal(pod.status?.containerStatuses, undefined, 'no container status without the kubelet')
  api.appendLog('default', 'l2', 'c', 'second run\n')
  const prev = readLog(kc, 'l2', 'c', { previous: true })
  const cur = readLog(kc, 'l2', 'c', {})
  await pollUntil(() => prev.ended() && cur.ended(), 5000, 'plain reads end')
  t.equal(prev.text(), 'starting\nJSON_REPORT {"a":1}\nJSON_REPORT {"a":2}\n')
  t.equal(cur.text(), 'second run\n')

  api.appendLog('default', 'l2', 'c', 'three\nfour\n')
  const ts = readLog(kc, 'l2', 'c', { timestamps: true, tailLines: 2 })
  await pollUntil(() => ts.ended(), 5000, 'tail')
  const lines = ts.text().trimEnd().split('\n')
  t.equal(lines.length, 2)
  t.match(lines[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z three$/, 'RFC3339Nano prefix')
  const stamp = lines[1]?.split(' ')[0] as string
  const since = readLog(kc, 'l2', 'c', { sinceSeconds: 60 })
  const lim = readLog(kc, 'l2', 'c', { limitBytes: 5 })
  await pollUntil(() => since.ended() && lim.ended(), 5000, 'since and limit')
  t.equal(since.text(), 'second run\nthree\nfour\n')
  t.equal(lim.text(), 'secon')
  const future = readLog(kc, 'l2', 'c', { sinceTime: new Date(Date.parse(stamp) + 60_000).toISOString() })
  await pollUntil(() => future.ended(), 5000, 'sinceTime')
  t.equal(future.text(), '')

  await t.rejects(readLog(kc, 'l2', 'nope', {}).ctl, { code: 400 }, 'unknown container')
  await t.rejects(readLog(kc, 'nope', 'c', {}).ctl, { code: 404 }, 'unknown pod')
  const logReq = api.requests.filter((r) => r.log).at(-1)
  t.match(logReq, { path: '/api/v1/namespaces/default/pods/nope/log', query: { container: 'c' }, status: 404 })
  t.throws(() => api.appendLog('default', 'l2', 'nope', 'x'), { message: 'container nope is not valid for pod l2' })
})

t.test('namespace termination', async (t) => {
  const { core, kc, api } = await setup(t, { namespaceTerminationMs: 200 })
  await core.createNamespace({ body: { metadata: { name: 'l2discovery' } } })
  await core.createNamespacedConfigMap({ namespace: 'l2discovery', body: { metadata: { name: 'c' } } })
  const w = watchEvents(kc, '/api/v1/namespaces/l2discovery/configmaps', {})
  await pollUntil(() => w.events.length === 1, 5000, 'the configmap ADDED')
  await core.deleteNamespace({ name: 'l2discovery' })
  const ns = await core.readNamespace({ name: 'l2discovery' })
  t.equal(ns.status?.phase, 'Terminating')
  t.ok(ns.metadata?.deletionTimestamp, 'deletionTimestamp set')
  const inside = await failure(core.createNamespacedConfigMap({ namespace: 'l2discovery', body: { metadata: { name: 'd' } } }))
  t.equal(inside.code, 403)
  t.equal(inside.body.message, 'configmaps "d" is forbidden: unable to create new content in namespace l2discovery because it is being terminated')
  const again = await failure(core.createNamespace({ body: { metadata: { name: 'l2discovery' } } }))
  t.equal(again.code, 409)
  t.equal(again.body.message, 'object is being deleted: namespaces "l2discovery" already exists')
  await pollUntil(async () => (await failure(core.readNamespace({ name: 'l2discovery' })).catch(() => ({ code: 200 }))).code === 404, 5000, 'the namespace to go')
  t.same(w.events.map((e) => [e.type, e.name]), [['ADDED', 'c'], ['DELETED', 'c']], 'its content was deleted with events')
  t.same(api.list('', 'configmaps', 'l2discovery'), [])
  await core.createNamespace({ body: { metadata: { name: 'l2discovery' } } })
  t.equal((await core.readNamespace({ name: 'l2discovery' })).status?.phase, 'Active', 'a new one can be made')
  const system = await failure(core.deleteNamespace({ name: 'kube-system' }))
  t.equal(system.code, 403)
  t.equal(system.body.message, 'namespaces "kube-system" is forbidden: this namespace may not be deleted')
  await w.stop()
})

t.test('forbid(), a wrong token, an unreachable server', async (t) => {
  const { core, kc, api } = await setup(t, { user: 'system:serviceaccount:openshift-ptp:ptplab' })
  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } } })
  const undo = api.forbid({ verb: 'get', resource: 'pods', namespace: 'default' })
  const get = await failure(core.readNamespacedPod({ name: 'p', namespace: 'default' }))
  t.equal(get.code, 403)
  t.match(get.body, {
    reason: 'Forbidden',
    message: 'pods "p" is forbidden: User "system:serviceaccount:openshift-ptp:ptplab" cannot get resource "pods" in API group "" in the namespace "default"',
    details: { name: 'p', kind: 'pods' },
  })
  t.ok(await core.listNamespacedPod({ namespace: 'default' }), 'other verbs still pass')
  undo()
  t.equal((await core.readNamespacedPod({ name: 'p', namespace: 'default' })).metadata?.name, 'p', 'undone')

  api.forbid({ verb: ['list', 'watch'], group: 'apps', resource: 'daemonsets' })
  const list = await failure(kc.makeApiClient(k8s.AppsV1Api).listDaemonSetForAllNamespaces())
  t.equal(list.body.message, 'daemonsets.apps is forbidden: User "system:serviceaccount:openshift-ptp:ptplab" cannot list resource "daemonsets" in API group "apps" at the cluster scope')
  api.forbid({ verb: 'patch', resource: 'nodes' })
  const patch = await failure(core.patchNode({ name: 'n1', body: { metadata: { labels: { a: 'b' } } } }, merge))
  t.equal(patch.body.message, 'nodes "n1" is forbidden: User "system:serviceaccount:openshift-ptp:ptplab" cannot patch resource "nodes" in API group "" at the cluster scope')
  api.forbid({ verb: 'create', resource: 'pods', subresource: 'exec' })
  await t.rejects(run(kc, 'p', 'c', ['true']), /403/)

  const wrong = new k8s.KubeConfig()
  wrong.loadFromString(api.kubeconfigText({ token: 'not-the-token', context: 'other' }))
  t.equal(wrong.getCurrentContext(), 'other')
  const unauth = await failure(wrong.makeApiClient(k8s.CoreV1Api).listNamespace())
  t.equal(unauth.code, 401)
  t.equal(api.requests.at(-1)?.status, 401)
  const away = new k8s.KubeConfig()
  away.loadFromString(api.kubeconfigText({ unreachable: true }))
  await t.rejects(away.makeApiClient(k8s.CoreV1Api).listNamespace(), /ECONNREFUSED/)
})

t.test('DaemonSet controller and kubelet', async (t) => {
  const nodes = ['worker1', 'worker2', 'worker3'].map((n) => node(n, { 'node-role.kubernetes.io/worker': '' }))
  const { core, apps, kc, api } = await setup(t, { controllers: { daemonSets: true }, objects: [...nodes, node('master1', { 'node-role.kubernetes.io/master': '' }), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'openshift-ptp' } }] })
  api.onPodStarted((pod) => api.appendLog('openshift-ptp', pod.metadata.name as string, 'linuxptp-daemon-container', `started on ${(pod.spec as any).nodeName}\n`))
  const ds = await apps.createNamespacedDaemonSet({
    namespace: 'openshift-ptp',
    body: {
      metadata: { name: 'linuxptp-daemon', labels: { app: 'linuxptp-daemon' } },
      spec: {
        selector: { matchLabels: { app: 'linuxptp-daemon' } },
        template: {
          metadata: { labels: { app: 'linuxptp-daemon', role: 'ptp' } },
          spec: { nodeSelector: { 'node-role.kubernetes.io/worker': '' }, containers: [{ name: 'kube-rbac-proxy', image: 'p' }, { name: 'linuxptp-daemon-container', image: 'd' }] },
        },
      },
    },
  })
  const podsOn = async () =>
    (await core.listNamespacedPod({ namespace: 'openshift-ptp', labelSelector: 'app=linuxptp-daemon' })).items
      .filter((p) => !p.metadata?.deletionTimestamp)
      .map((p) => p.spec?.nodeName)
      .sort()
  const ready = async (n: number) => {
    const s = (await apps.readNamespacedDaemonSetStatus({ name: 'linuxptp-daemon', namespace: 'openshift-ptp' })).status
    return s?.desiredNumberScheduled === n && s.numberReady === n && (await podsOn()).length === n
  }
  await pollUntil(() => ready(3), 5000, 'three ready daemon pods')
  t.same(await podsOn(), ['worker1', 'worker2', 'worker3'], 'one pod per matching node')
  const pods = (await core.listNamespacedPod({ namespace: 'openshift-ptp' })).items
  const p0 = pods[0] as k8s.V1Pod
  t.match(p0.metadata?.name, /^linuxptp-daemon-[bcdfghjklmnpqrstvwxz2456789]{5}$/)
  t.match(p0.metadata?.ownerReferences, [{ kind: 'DaemonSet', name: 'linuxptp-daemon', uid: ds.metadata?.uid, controller: true }])
  t.equal(p0.status?.phase, 'Running')
  t.same(p0.status?.containerStatuses?.map((c) => [c.name, c.ready]), [['kube-rbac-proxy', true], ['linuxptp-daemon-container', true]])
  const status = (await apps.readNamespacedDaemonSet({ name: 'linuxptp-daemon', namespace: 'openshift-ptp' })).status
  t.match(status, { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 3, updatedNumberScheduled: 3, numberAvailable: 3, observedGeneration: 1 })

  // The start hook wrote the log a test can read, as upstream reads the l2discovery reports.
  const log = readLog(kc, p0.metadata?.name as string, 'linuxptp-daemon-container', {}, 'openshift-ptp')
  await pollUntil(() => log.ended(), 5000, 'the start log')
  t.equal(log.text(), `started on ${p0.spec?.nodeName}\n`)

  // Node labels move pods: a new worker gets one, an unlabelled one loses it.
  await core.patchNode({ name: 'master1', body: { metadata: { labels: { 'node-role.kubernetes.io/worker': '' } } } }, merge)
  await pollUntil(() => ready(4), 5000, 'a fourth pod')
  await core.patchNode({ name: 'worker2', body: { metadata: { labels: { 'node-role.kubernetes.io/worker': null } } } }, merge)
  await pollUntil(() => ready(3), 5000, 'back to three')
  t.same(await podsOn(), ['master1', 'worker1', 'worker3'])

  // A new nodeSelector replaces the set.
  await apps.patchNamespacedDaemonSet({ name: 'linuxptp-daemon', namespace: 'openshift-ptp', body: { spec: { template: { spec: { nodeSelector: { 'node-role.kubernetes.io/master': '' } } } } } }, strategic)
  await pollUntil(() => ready(1), 5000, 'one pod on the master')
  t.same(await podsOn(), ['master1'])
  const st2 = (await apps.readNamespacedDaemonSet({ name: 'linuxptp-daemon', namespace: 'openshift-ptp' })).status
  t.equal(st2?.observedGeneration, 2)

  // A new template (same nodes) replaces the pods with ones of the new generation.
  const before = (await core.listNamespacedPod({ namespace: 'openshift-ptp' })).items.map((p) => p.metadata?.name)
  await apps.patchNamespacedDaemonSet(
    { name: 'linuxptp-daemon', namespace: 'openshift-ptp', body: { spec: { template: { spec: { containers: [{ name: 'linuxptp-daemon-container', image: 'd:2' }] } } } } },
    strategic,
  )
  const current = async () =>
    (await core.listNamespacedPod({ namespace: 'openshift-ptp' })).items.filter((p) => p.metadata?.labels?.['pod-template-generation'] === '3' && p.status?.phase === 'Running')
  await pollUntil(async () => (await current()).length === 1 && (await ready(1)), 5000, 'the pod of the new template')
  const replaced = (await current())[0] as k8s.V1Pod
  t.notOk(before.includes(replaced.metadata?.name), 'a new pod, not the old one')
  t.equal(replaced.spec?.containers.find((c) => c.name === 'linuxptp-daemon-container')?.image, 'd:2')
  t.match((await apps.readNamespacedDaemonSet({ name: 'linuxptp-daemon', namespace: 'openshift-ptp' })).status, { observedGeneration: 3, updatedNumberScheduled: 1 })

  // Deleting the DaemonSet deletes its pods.
  await apps.deleteNamespacedDaemonSet({ name: 'linuxptp-daemon', namespace: 'openshift-ptp' })
  await pollUntil(async () => (await podsOn()).length === 0, 5000, 'the pods to go')
  t.same(api.controllerErrors, [])
})

t.test('DaemonSet controller without the kubelet: pods scheduled, none ready', async (t) => {
  const { core, apps } = await setup(t, { controllers: { daemonSets: true, kubelet: false }, objects: [node('w1', { ptp: 'yes' }), node('w2', { ptp: 'yes' }), node('w3')] })
  await apps.createNamespacedDaemonSet({
    namespace: 'default',
    body: { metadata: { name: 'l2discovery' }, spec: { selector: { matchLabels: { app: 'l2' } }, template: { metadata: { labels: { app: 'l2' } }, spec: { nodeSelector: { ptp: 'yes' }, containers: [{ name: 'c', image: 'i' }] } } } },
  })
  const status = async () => (await apps.readNamespacedDaemonSetStatus({ name: 'l2discovery', namespace: 'default' })).status
  await pollUntil(async () => (await status())?.currentNumberScheduled === 2, 5000, 'two scheduled pods')
  t.match(await status(), { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 0, numberUnavailable: 2, updatedNumberScheduled: 2 })
  t.equal((await status())?.numberAvailable, undefined, 'zero counts that the API omits are omitted')
  const pods = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=l2' })).items
  t.same(pods.map((p) => p.status?.phase), ['Pending', 'Pending'])
})

t.test('the kubelet: restarts count, the previous log stays readable', async (t) => {
  const { core, kc, api } = await setup(t, { controllers: { kubelet: true }, objects: [node('worker1')] })
  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'p' }, spec: { nodeName: 'worker1', containers: [{ name: 'c', image: 'i' }] } } })
  await pollUntil(async () => (await core.readNamespacedPod({ name: 'p', namespace: 'default' })).status?.phase === 'Running', 5000, 'the pod to run')
  const empty = readLog(kc, 'p', 'c', {})
  await pollUntil(() => empty.ended(), 5000, 'an empty log of a running container')
  t.equal(empty.text(), '')
  api.appendLog('default', 'p', 'c', 'run 1\n')
  api.restartContainer('default', 'p', 'c')
  const cs = (await core.readNamespacedPod({ name: 'p', namespace: 'default' })).status?.containerStatuses?.[0]
  t.equal(cs?.restartCount, 1)
  t.ok(cs?.lastState?.terminated, 'the old run is in lastState')
  t.ok(cs?.state?.running, 'a new run began')
  const prev = readLog(kc, 'p', 'c', { previous: true })
  await pollUntil(() => prev.ended(), 5000, 'the previous log')
  t.equal(prev.text(), 'run 1\n')
  // The kubelet leaves pods on unknown nodes alone.
  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'q' }, spec: { nodeName: 'ghost', containers: [{ name: 'c', image: 'i' }] } } })
  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'r' }, spec: { nodeName: 'worker1', containers: [{ name: 'c', image: 'i' }] } } })
  await pollUntil(async () => (await core.readNamespacedPod({ name: 'r', namespace: 'default' })).status?.phase === 'Running', 5000, 'pod r to run')
  t.equal((await core.readNamespacedPod({ name: 'q', namespace: 'default' })).status?.phase, 'Pending')
  const waiting = await failure(readLog(kc, 'q', 'c', {}).ctl)
  t.equal(waiting.code, 400, 'a container that never started has no log')
})

t.test('close() ends every stream and leaves nothing listening', async (t) => {
  const api = await startFakeApiServer()
  const kc = new k8s.KubeConfig()
  kc.loadFromFile(api.kubeconfigFile)
  const core = kc.makeApiClient(k8s.CoreV1Api)
  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } } })
  api.appendLog('default', 'p', 'c', 'x\n')
  api.onExec(() => new Promise(() => {})) // a command that never ends
  const w = watchEvents(kc, '/api/v1/pods', {})
  const log = readLog(kc, 'p', 'c', { follow: true })
  await log.ctl
  const ws = await new k8s.Exec(kc).exec('default', 'p', 'c', ['sleep', 'inf'], new PassThrough(), null, null, false)
  let wsClosed = false
  ws.onclose = () => (wsClosed = true)
  await pollUntil(() => w.events.length === 1 && log.text() === 'x\n', 5000, 'streams open')
  await api.close()
  await pollUntil(() => w.done() !== 'open' && log.ended() && wsClosed, 5000, 'every stream to end')
  t.notOk(existsSync(api.kubeconfigFile), 'the kubeconfig is removed')
  await t.rejects(core.listNamespace(), /ECONNREFUSED/, 'nothing listens any more')
  await w.stop()
})
