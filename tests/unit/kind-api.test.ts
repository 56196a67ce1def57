// The plan's API calls and waits on a cluster (lab/cluster/kubernetes/
// plan-api.ts): each wait condition on objects as the API server returns
// them, and the executor against the in-process fake API server: apply
// (create, then replace), merge patch, get, waits that hold and one that
// times out with what is missing.
import t from 'tap'
import { caBundleGap, certificateGap, kubePlanExecutor, nodesReadyGap, podsReadyGap, rolloutGap } from '../../lab/cluster/kubernetes/plan-api.js'
import { startFakeApiServer } from '../fixtures/k8s/fake-apiserver.js'

const ready = (status: 'True' | 'False') => ({ status: { conditions: [{ type: 'Ready', status }] } })

t.test('conditions', async (t) => {
  t.equal(nodesReadyGap([{ metadata: { name: 'a' }, ...ready('True') }, { metadata: { name: 'b' }, ...ready('True') }], 2), undefined)
  t.equal(nodesReadyGap([{ metadata: { name: 'a' }, ...ready('True') }, { metadata: { name: 'b' }, ...ready('False') }], 2), '1/2 nodes Ready (b not)')
  t.equal(nodesReadyGap([], 4), '0/4 nodes Ready (none registered yet not)')
  t.equal(podsReadyGap([{ metadata: { name: 'p', namespace: 'kube-system' }, ...ready('True') }, { metadata: { name: 'job' }, status: { phase: 'Succeeded' } }]), undefined, 'completed pods are done')
  t.equal(podsReadyGap([{ metadata: { name: 'coredns', namespace: 'kube-system' }, ...ready('False') }]), 'not Ready: kube-system/coredns')
  t.equal(podsReadyGap([]), 'no pods yet')
  const dep = (gen: number, st: Record<string, number>) => ({ metadata: { generation: gen }, spec: { replicas: 1 }, status: st })
  t.equal(rolloutGap(dep(2, { observedGeneration: 1, updatedReplicas: 1, availableReplicas: 1, replicas: 1 }), 'Deployment'), 'the controller has not seen the latest spec')
  t.equal(rolloutGap(dep(1, { observedGeneration: 1, updatedReplicas: 1, availableReplicas: 0, replicas: 1 }), 'Deployment'), '0/1 available, 1 updated')
  t.equal(rolloutGap(dep(1, { observedGeneration: 1, updatedReplicas: 1, availableReplicas: 1, replicas: 2 }), 'Deployment'), '1/1 available, 1 updated', 'an old replica still around')
  t.equal(rolloutGap(dep(1, { observedGeneration: 1, updatedReplicas: 1, availableReplicas: 1, replicas: 1 }), 'Deployment'), undefined)
  const ds = (st: Record<string, number>) => ({ metadata: { generation: 1 }, status: { observedGeneration: 1, ...st } })
  t.equal(rolloutGap(ds({ desiredNumberScheduled: 0 }), 'DaemonSet', 3), '0 pods scheduled (want at least 3: does the nodeSelector match?)')
  t.equal(rolloutGap(ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 }), 'DaemonSet', 3), '2/3 available, 3 updated')
  t.equal(rolloutGap(ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }), 'DaemonSet', 3), undefined)
  t.equal(rolloutGap(undefined, 'DaemonSet'), 'not created yet')
  t.equal(certificateGap({ ...ready('False') } as never), 'not Ready')
  t.equal(certificateGap({ ...ready('True') } as never), undefined)
  t.equal(caBundleGap({ webhooks: [{ name: 'a', clientConfig: {} }] } as never), 'no caBundle yet for a')
  t.equal(caBundleGap({ webhooks: [{ name: 'a', clientConfig: { caBundle: 'LS0t' } }] } as never), undefined)
  t.equal(caBundleGap({ webhooks: [] } as never), 'it has no webhooks')
})

t.test('the executor on the fake API server', async (t) => {
  const node = (name: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, ...ready('True') })
  const api = await startFakeApiServer({ objects: [node('cp'), node('w1')] })
  t.teardown(() => api.close())
  const exec = kubePlanExecutor({ kubeconfig: api.kubeconfigFile, intervalMs: 20 })

  const ns = { apiVersion: 'v1', kind: 'Namespace', name: 'openshift-monitoring' }
  t.same(await exec({ do: 'apply', object: { ...ns, body: { metadata: { labels: { a: '1' } } } } }), { ok: true, stdout: '', detail: '' })
  t.ok((await exec({ do: 'apply', object: { ...ns, body: { metadata: { labels: { a: '2' } } } } })).ok, 'applied again: replaced')
  t.same((api.get('', 'namespaces', undefined, 'openshift-monitoring') as { metadata: { labels: Record<string, string> } }).metadata.labels.a, '2')

  t.ok((await exec({ do: 'patch', object: { apiVersion: 'v1', kind: 'Node', name: 'w1' }, patch: { metadata: { labels: { 'node-role.kubernetes.io/worker': '' } } } })).ok)
  const labels = (api.get('', 'nodes', undefined, 'w1') as { metadata: { labels: Record<string, string> } }).metadata.labels
  t.same(labels, { 'kubernetes.io/hostname': 'w1', 'node-role.kubernetes.io/worker': '' }, 'merged, not replaced')
  t.ok(api.requests.some((r) => r.method === 'PATCH' && r.path === '/api/v1/nodes/w1' && r.contentType === 'application/merge-patch+json'))

  t.same(await exec({ do: 'get', object: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'nope' } }), { ok: false, stdout: '', detail: 'not found' })
  t.ok((await exec({ do: 'wait', for: { what: 'nodes-ready', count: 2 }, timeoutMs: 2000 })).ok)
  const late = await exec({ do: 'wait', for: { what: 'nodes-ready', count: 3 }, timeoutMs: 100 })
  t.same(late, { ok: false, stdout: '', detail: 'not true within 0 s: 2/3 nodes Ready (none registered yet not)' }, 'a timeout says what is missing')

  api.create({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'hook' },
    webhooks: [{ name: 'v.ptp.openshift.io', clientConfig: { service: { name: 's', namespace: 'openshift-ptp' } }, admissionReviewVersions: ['v1'], sideEffects: 'None' }],
  })
  const waiting = exec({ do: 'wait', for: { what: 'ca-bundle', name: 'hook' }, timeoutMs: 3000 })
  // cert-manager's cainjector fills it in a little later.
  setTimeout(() => {
    const cur = api.get('admissionregistration.k8s.io', 'validatingwebhookconfigurations', undefined, 'hook') as unknown as { webhooks: Array<{ clientConfig: Record<string, unknown> }> }
    cur.webhooks[0]!.clientConfig.caBundle = Buffer.from('CA').toString('base64')
    api.create({ ...(cur as object), metadata: { name: 'hook2' } } as never)
  }, 100)
  const r = await waiting
  t.notOk(r.ok, 'a different object got the bundle: still waiting')
  t.ok((await exec({ do: 'wait', for: { what: 'ca-bundle', name: 'hook2' }, timeoutMs: 2000 })).ok)

  const unreachable = kubePlanExecutor({ kubeconfig: '/nonexistent/kubeconfig' })
  t.match((await unreachable({ do: 'get', object: { apiVersion: 'v1', kind: 'Node', name: 'x' } })).detail, /kubeconfig \/nonexistent\/kubeconfig does not exist/)
})
