// Leader election on the Lease ptp.openshift.io against the fake API
// server, with a clock the test moves: one holder at a time, a takeover
// only after the lease expired, a release on stop, a holder that finds the
// lease taken reports the loss; all within the operator's RBAC.
import t from 'tap'
import * as k8s from '@kubernetes/client-node'
import { LeaderElector } from '../../lab/k8s/operator/leader.js'
import { poll } from '../../lab/sys/poll.js'
import { startFakeApiServer } from '../fixtures/k8s/fake-apiserver.js'
import { deniedRequests } from '../fixtures/rbac-fit.js'

const NS = 'openshift-ptp'

t.test('one holder; takeover after expiry; release on stop; loss noticed', async (t) => {
  const api = await startFakeApiServer({ objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }] })
  t.teardown(() => api.close())
  const kc = new k8s.KubeConfig()
  kc.loadFromFile(api.kubeconfigFile)
  let clock = Date.parse('2026-12-02T06:00:00Z')
  const now = () => new Date(clock)
  const candidate = (identity: string) => new LeaderElector({ kc, namespace: NS, identity, now, retryMs: 10, renewDeadlineMs: 10_000 })
  const lease = () => api.get('coordination.k8s.io', 'leases', NS, 'ptp.openshift.io')?.spec as { holderIdentity?: string; leaseTransitions?: number } | undefined

  const a = candidate('op-a')
  const b = candidate('op-b')
  t.equal(await a.tryOnce(), true, 'a creates the lease')
  t.equal(await b.tryOnce(), false, 'b waits while it is fresh')
  clock += 14_000
  t.equal(await b.tryOnce(), false, 'still within 15 s')
  t.equal(await a.tryOnce(), true, 'a renews')
  clock += 16_000
  t.equal(await b.tryOnce(), true, 'b takes the expired lease')
  t.match(lease(), { holderIdentity: 'op-b', leaseTransitions: 1 })

  // run(): b leads, a campaigns; b stops and releases: a leads at once.
  const events: string[] = []
  b.run(() => events.push('b leads'), () => events.push('b lost'))
  a.run(() => events.push('a leads'), () => events.push('a lost'))
  await poll(() => events.includes('b leads'), { timeoutMs: 3000 })
  t.notOk(events.includes('a leads'), 'a does not lead while b renews')
  await b.stop()
  await poll(() => events.includes('a leads'), { timeoutMs: 3000 })
  t.same(events, ['b leads', 'a leads'])
  t.match(lease(), { holderIdentity: 'op-a', leaseTransitions: 2 })

  // Someone else takes it (a was partitioned away past expiry): a notices.
  const c = candidate('op-c')
  clock += 60_000
  t.equal(await c.tryOnce(), true)
  await poll(() => events.includes('a lost'), { timeoutMs: 3000 })
  t.same(events, ['b leads', 'a leads', 'a lost'])
  await a.stop()
  t.equal(lease()?.holderIdentity, 'op-c', 'a lost holder releases nothing')
  t.same(deniedRequests(api.requests, 'ptp-operator', NS), [], 'within the operator RBAC (leases create; get, update by name)')
})
