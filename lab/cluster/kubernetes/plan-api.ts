// The API calls and waits of a plan (lab/plan/types.ts) on a Kubernetes
// cluster, through @kubernetes/client-node's generic object API: apply
// (create, or replace when it exists), JSON merge patch, get, and polling a
// condition. Whether a condition holds is a pure function of the objects
// read, so each is unit-tested on objects as the API server returns them.
import * as k8s from '@kubernetes/client-node'
import type { ActionResult, Condition, Executor, ObjectRef } from '../../plan/types.js'
import { poll } from '../../sys/poll.js'
import { call, KubeError, loadKube, type KubeTarget } from './client.js'

type Obj = k8s.KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> }

const conditionTrue = (o: { status?: { conditions?: Array<{ type?: string; status?: string }> } }, type: string) =>
  (o.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True')

// Each returns undefined when the condition holds, else what is missing.
export function nodesReadyGap(nodes: k8s.V1Node[], count: number): string | undefined {
  const ready = nodes.filter((n) => conditionTrue(n, 'Ready')).length
  return ready >= count ? undefined : `${ready}/${count} nodes Ready (${nodes.filter((n) => !conditionTrue(n, 'Ready')).map((n) => n.metadata?.name).join(', ') || 'none registered yet'} not)`
}

// Completed pods (jobs) count as done; every other pod must be Ready.
export function podsReadyGap(pods: k8s.V1Pod[]): string | undefined {
  const waiting = pods.filter((p) => p.status?.phase !== 'Succeeded' && !conditionTrue(p, 'Ready'))
  if (!pods.length) return 'no pods yet'
  return waiting.length ? `not Ready: ${waiting.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).slice(0, 8).join(', ')}` : undefined
}

// kubectl rollout status's rule: the controller saw the latest spec, every
// replica is updated and available.
export function rolloutGap(o: Obj | undefined, kind: 'Deployment' | 'DaemonSet', minReady = 1): string | undefined {
  if (!o) return 'not created yet'
  const st = (o.status ?? {}) as Record<string, number | undefined>
  const gen = o.metadata?.generation ?? 0
  if ((st.observedGeneration ?? 0) < gen) return 'the controller has not seen the latest spec'
  if (kind === 'Deployment') {
    const want = Number((o.spec as { replicas?: number } | undefined)?.replicas ?? 1)
    const upd = st.updatedReplicas ?? 0
    const avail = st.availableReplicas ?? 0
    if (upd < want || avail < want || (st.replicas ?? 0) > upd) return `${avail}/${want} available, ${upd} updated`
    return undefined
  }
  const want = st.desiredNumberScheduled ?? 0
  const upd = st.updatedNumberScheduled ?? 0
  const avail = st.numberAvailable ?? 0
  if (want < minReady) return `${want} pods scheduled (want at least ${minReady}: does the nodeSelector match?)`
  if (upd < want || avail < want) return `${avail}/${want} available, ${upd} updated`
  return undefined
}

export const certificateGap = (o: Obj | undefined) => (!o ? 'not created yet' : conditionTrue(o as never, 'Ready') ? undefined : 'not Ready')

export function caBundleGap(o: (Obj & { webhooks?: Array<{ name?: string; clientConfig?: { caBundle?: string } }> }) | undefined): string | undefined {
  if (!o) return 'not created yet'
  const hooks = o.webhooks ?? []
  if (!hooks.length) return 'it has no webhooks'
  const missing = hooks.filter((h) => !h.clientConfig?.caBundle).map((h) => h.name)
  return missing.length ? `no caBundle yet for ${missing.join(', ')}` : undefined
}

const header = (r: ObjectRef) => ({ apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) } })
const ok = (stdout = ''): ActionResult => ({ ok: true, stdout, detail: '' })
const fail = (detail: string): ActionResult => ({ ok: false, stdout: '', detail })

export interface KubePlanOptions extends KubeTarget {
  intervalMs?: number // between polls (default 2000)
}

// The executor for a cluster. The kubeconfig is read at the first call: the
// plan's earlier steps create the cluster and write it.
export function kubePlanExecutor(o: KubePlanOptions): Executor {
  let api: { objects: k8s.KubernetesObjectApi; server: string } | undefined
  const connect = () => {
    if (!api) {
      const k = loadKube(o)
      api = { objects: k8s.KubernetesObjectApi.makeApiClient(k.kc), server: k.server }
    }
    return api
  }
  const read = async (r: ObjectRef): Promise<Obj | undefined> => {
    const { objects, server } = connect()
    try {
      return (await call(`read ${r.kind} ${r.name}`, server, () => objects.read(header(r)))) as Obj
    } catch (e) {
      if (e instanceof KubeError && e.code === 404) return undefined
      throw e
    }
  }
  const list = async <T>(apiVersion: string, kind: string, namespace?: string): Promise<T[]> => {
    const { objects, server } = connect()
    return (await call(`list ${kind}`, server, () => objects.list(apiVersion, kind, namespace))).items as T[]
  }
  const gap = async (c: Condition): Promise<string | undefined> => {
    switch (c.what) {
      case 'nodes-ready':
        return nodesReadyGap(await list<k8s.V1Node>('v1', 'Node'), c.count)
      case 'pods-ready':
        return podsReadyGap(await list<k8s.V1Pod>('v1', 'Pod', c.namespace))
      case 'rollout':
        return rolloutGap(await read({ apiVersion: 'apps/v1', kind: c.kind, namespace: c.namespace, name: c.name }), c.kind, c.minReady)
      case 'certificate-ready':
        return certificateGap(await read({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', namespace: c.namespace, name: c.name }))
      case 'ca-bundle':
        return caBundleGap(await read({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', name: c.name }))
      case 'exists':
        return (await read(c)) ? undefined : 'not created yet'
      case 'command':
        throw new Error('a command wait is not an API wait')
    }
  }
  return async (a, signal) => {
    try {
      switch (a.do) {
        case 'get':
          return (await read(a.object)) ? ok() : fail('not found')
        case 'apply': {
          const { objects, server } = connect()
          const body = { ...a.object.body, ...header(a.object), metadata: { ...((a.object.body.metadata as object) ?? {}), ...header(a.object).metadata } }
          const cur = await read(a.object)
          if (!cur) await call(`create ${a.object.kind} ${a.object.name}`, server, () => objects.create(body))
          else {
            const next = { ...body, metadata: { ...body.metadata, resourceVersion: cur.metadata?.resourceVersion } }
            await call(`replace ${a.object.kind} ${a.object.name}`, server, () => objects.replace(next))
          }
          return ok()
        }
        case 'patch': {
          const { objects, server } = connect()
          await call(`patch ${a.object.kind} ${a.object.name}`, server, () =>
            objects.patch({ ...header(a.object), ...a.patch, metadata: { ...((a.patch.metadata as object) ?? {}), ...header(a.object).metadata } }, undefined, undefined, 'ptplab', undefined, k8s.PatchStrategy.MergePatch),
          )
          return ok()
        }
        case 'wait': {
          let last = ''
          const r = await poll(
            async () => {
              try {
                const g = await gap(a.for)
                last = g ?? ''
                return g === undefined
              } catch (e) {
                last = (e as Error).message
                return false
              }
            },
            { timeoutMs: a.timeoutMs, intervalMs: o.intervalMs ?? 2000, signal },
          )
          return r.value ? ok() : fail(`not true within ${Math.round(a.timeoutMs / 1000)} s: ${last}`)
        }
        default:
          return fail(`not an API action: ${a.do}`)
      }
    } catch (e) {
      return fail((e as Error).message)
    }
  }
}
