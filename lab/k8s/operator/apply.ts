// The effectful half of the reconcile: writes what reconcile() decided,
// each write on its own (one failing does not stop the others), all through
// @kubernetes/client-node. Conflicts and "already exists" are not errors:
// the informers deliver the newer object and the next reconcile retries.
import * as k8s from '@kubernetes/client-node'
import { CONFIGMAP_NAME, DAEMONSET_NAME } from '../daemonset.js'
import { GROUP, problemText, VERSION, type Desired, type Obj, type Problem } from './reconcile.js'

export interface Apis {
  core: k8s.CoreV1Api
  apps: k8s.AppsV1Api
  custom: k8s.CustomObjectsApi
}

export const apisOf = (kc: k8s.KubeConfig): Apis => ({
  core: kc.makeApiClient(k8s.CoreV1Api),
  apps: kc.makeApiClient(k8s.AppsV1Api),
  custom: kc.makeApiClient(k8s.CustomObjectsApi),
})

export const httpCode = (e: unknown): number | undefined => {
  const c = (e as { code?: unknown })?.code
  return typeof c === 'number' ? c : undefined
}
const tolerate = (codes: number[]) => (e: unknown) => {
  if (!codes.includes(httpCode(e) ?? 0)) throw e
}

export interface ApplyContext {
  apis: Apis
  namespace: string
  ptpConfig: (name: string) => Obj | undefined // from the informer cache
  daemonSet?: Obj // the one that exists
  component: string // Events' source
  now: () => Date
}

// ptp-configmap: created when missing, replaced only when its data differs.
// Returns whether it was written.
export async function applyConfigMap(c: ApplyContext, data: Record<string, string>): Promise<boolean> {
  const { core } = c.apis
  let cur: k8s.V1ConfigMap | undefined
  try {
    cur = await core.readNamespacedConfigMap({ name: CONFIGMAP_NAME, namespace: c.namespace })
  } catch (e) {
    tolerate([404])(e)
  }
  if (!cur) {
    await core.createNamespacedConfigMap({ namespace: c.namespace, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CONFIGMAP_NAME, namespace: c.namespace }, data } })
    return true
  }
  if (JSON.stringify(sorted(cur.data ?? {})) === JSON.stringify(sorted(data))) return false
  await core.replaceNamespacedConfigMap({ name: CONFIGMAP_NAME, namespace: c.namespace, body: { ...cur, data } })
  return true
}

const sorted = (d: Record<string, string>) => Object.fromEntries(Object.entries(d).sort(([a], [b]) => (a < b ? -1 : 1)))

export async function currentConfigMapData(c: ApplyContext): Promise<Record<string, string> | undefined> {
  try {
    return (await c.apis.core.readNamespacedConfigMap({ name: CONFIGMAP_NAME, namespace: c.namespace })).data ?? {}
  } catch (e) {
    tolerate([404])(e)
    return undefined
  }
}

// Every write of a Desired; the errors of those that failed.
export async function applyDesired(c: ApplyContext, d: Desired): Promise<Error[]> {
  const { custom, apps } = c.apis
  const ns = c.namespace
  const steps: Array<() => Promise<unknown>> = [() => applyConfigMap(c, d.configMapData)]
  for (const s of d.statuses) {
    steps.push(async () => {
      const obj = c.ptpConfig(s.name)
      if (!obj) return
      await custom
        .replaceNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace: ns, plural: 'ptpconfigs', name: s.name, body: { ...obj, status: s.status } })
        .catch(tolerate([404, 409]))
    })
  }
  if (d.createOperatorConfig) {
    const body = d.createOperatorConfig
    steps.push(() => custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'ptpoperatorconfigs', body }).catch(tolerate([409])))
  }
  for (const body of d.createNodePtpDevices)
    steps.push(() => custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'nodeptpdevices', body }).catch(tolerate([409])))
  for (const name of d.deleteNodePtpDevices)
    steps.push(() => custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'nodeptpdevices', name }).catch(tolerate([404])))
  if (d.daemonSet) {
    const body = d.daemonSet
    const cur = c.daemonSet
    steps.push(() =>
      cur
        ? apps
            .replaceNamespacedDaemonSet({ name: DAEMONSET_NAME, namespace: ns, body: { ...body, metadata: { ...body.metadata, resourceVersion: cur.metadata?.resourceVersion } } })
            .catch(tolerate([409]))
        : apps.createNamespacedDaemonSet({ namespace: ns, body }).catch(tolerate([409])),
    )
  }
  const errors: Error[] = []
  for (const step of steps) await step().catch((e: unknown) => errors.push(e instanceof Error ? e : new Error(String(e))))
  return errors
}

// A Warning Event on the object a problem is about (kubectl describe shows it).
export async function reportProblem(c: ApplyContext, p: Problem, uid?: string): Promise<void> {
  const now = c.now()
  await c.apis.core.createNamespacedEvent({
    namespace: c.namespace,
    body: {
      metadata: { generateName: `${p.name}.`, namespace: c.namespace },
      involvedObject: { apiVersion: `${GROUP}/${VERSION}`, kind: p.kind, name: p.name, namespace: c.namespace, ...(uid && { uid }) },
      reason: p.reason,
      message: problemText(p),
      type: 'Warning',
      source: { component: c.component },
      reportingComponent: c.component,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    },
  })
}
