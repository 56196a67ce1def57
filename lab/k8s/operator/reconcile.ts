// The operator's reconcile as a pure function: what the informers' caches
// hold in, the objects the cluster should have out (the effectful apply is
// apply.ts). The per-node profiles come from the lab's own operator logic
// (lab/operator/resolve.ts), so the lab and the controller agree by
// construction. Upstream: openshift/ptp-operator controllers/.
import { createHash } from 'node:crypto'
import type { V1DaemonSet } from '@kubernetes/client-node'
import { InputError } from '../../errors.js'
import { checkPtpConfigObject, type PtpConfig } from '../../operator/ptpconfig.js'
import { resolveNodeProfiles, type NodeInfo } from '../../operator/resolve.js'
import { renderDaemonSet, type DaemonSetOptions } from '../daemonset.js'

export const GROUP = 'ptp.openshift.io'
export const VERSION = 'v1'
export const API_VERSION = `${GROUP}/${VERSION}`
export const OPERATOR_CONFIG_NAME = 'default'
// The rendered DaemonSet's digest: the API server adds defaults to what it
// stores, so "changed" is judged on what was rendered, not on the stored spec.
export const RENDERED_HASH = 'ptp.openshift.io/rendered-hash'
export const CONDITION_TYPE = 'Valid'

// A Kubernetes object as the informers hold it (custom objects are plain JSON).
export interface Obj {
  apiVersion?: string
  kind?: string
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string> }
  spec?: any // eslint-disable-line @typescript-eslint/no-explicit-any
  status?: any // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Condition {
  type: string
  status: 'True' | 'False'
  reason: string
  message: string
  lastTransitionTime: string
  observedGeneration?: number
}

export interface PtpConfigStatus {
  matchList: Array<{ nodeName: string; profile: string }>
  conditions: Condition[]
}

export interface View {
  namespace: string
  daemon: Omit<DaemonSetOptions, 'nodeSelector' | 'namespace'>
  ptpConfigs: Obj[]
  nodes: Obj[]
  operatorConfig?: Obj // PtpOperatorConfig "default", when it exists
  nodePtpDevices: string[] // names of the NodePtpDevices that exist
  daemonSetHash?: string // RENDERED_HASH of the DaemonSet that exists
  configMapData?: Record<string, string> // ptp-configmap's data now
  now: string // ISO time for condition transitions
}

// Something wrong with one object, reported on it (condition and Event);
// `field` is the field path inside it.
export interface Problem {
  kind: 'PtpConfig' | 'PtpOperatorConfig'
  name: string
  reason: string
  field?: string
  message: string
}

export interface Desired {
  configMapData: Record<string, string>
  statuses: Array<{ name: string; status: PtpConfigStatus }> // only the ones that differ from what is stored
  problems: Problem[]
  createOperatorConfig?: Obj
  createNodePtpDevices: Obj[]
  deleteNodePtpDevices: string[]
  daemonSet?: V1DaemonSet // to write: rendered and different from what exists
}

const nodeInfo = (n: Obj): NodeInfo => ({ name: n.metadata?.name ?? '', labels: { ...(n.metadata?.labels ?? {}) } })
const nameOf = (o: Obj) => o.metadata?.name ?? ''
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

export function defaultOperatorConfig(namespace: string): Obj {
  // Upstream's default selects every node ({}); the user narrows it.
  return { apiVersion: API_VERSION, kind: 'PtpOperatorConfig', metadata: { name: OPERATOR_CONFIG_NAME, namespace }, spec: { daemonNodeSelector: {} } }
}

export function nodePtpDevice(name: string, namespace: string): Obj {
  return { apiVersion: API_VERSION, kind: 'NodePtpDevice', metadata: { name, namespace }, spec: {} }
}

const digest = (o: unknown) => createHash('sha256').update(JSON.stringify(o)).digest('hex').slice(0, 16)

function condition(prev: Condition | undefined, next: Omit<Condition, 'lastTransitionTime'>, now: string): Condition {
  const lastTransitionTime = prev && prev.status === next.status && prev.lastTransitionTime ? prev.lastTransitionTime : now
  return { ...next, lastTransitionTime }
}

const problemText = (p: Problem) => (p.field ? `${p.field}: ${p.message}` : p.message)

export function reconcile(v: View): Desired {
  const problems: Problem[] = []
  const configFor = new Map<string, string>() // the name errors carry -> CR name
  const good: PtpConfig[] = []
  for (const raw of [...v.ptpConfigs].sort((a, b) => byString(nameOf(a), nameOf(b)))) {
    const what = `PtpConfig ${v.namespace}/${nameOf(raw)}`
    try {
      good.push(checkPtpConfigObject(raw, what))
      configFor.set(what, nameOf(raw))
    } catch (e) {
      if (!(e instanceof InputError)) throw e
      problems.push({ kind: 'PtpConfig', name: nameOf(raw), reason: 'InvalidSpec', field: e.field, message: e.detail })
    }
  }

  // Each node on its own: a recommended profile defined nowhere fails that
  // node only, which keeps the profiles it had.
  const configMapData: Record<string, string> = {}
  const matchLists = new Map<string, PtpConfigStatus['matchList']>(good.map((c) => [c.metadata.name, []]))
  for (const node of v.nodes.map(nodeInfo).sort((a, b) => byString(a.name, b.name))) {
    try {
      const r = resolveNodeProfiles(good, node)
      configMapData[node.name] = JSON.stringify(r.profiles)
      for (const m of r.matches) matchLists.get(m.config)?.push({ nodeName: node.name, profile: m.profile })
    } catch (e) {
      if (!(e instanceof InputError)) throw e
      const kept = v.configMapData?.[node.name]
      if (kept !== undefined) configMapData[node.name] = kept
      const name = (e.file && configFor.get(e.file)) ?? ''
      if (!problems.some((p) => p.name === name && p.message === e.detail))
        problems.push({ kind: 'PtpConfig', name, reason: 'ProfileNotFound', field: e.field, message: e.detail })
    }
  }

  const statuses: Desired['statuses'] = []
  for (const raw of v.ptpConfigs) {
    const name = nameOf(raw)
    const mine = problems.filter((p) => p.kind === 'PtpConfig' && p.name === name)
    const prev = ((raw.status?.conditions ?? []) as Condition[]).find((c) => c.type === CONDITION_TYPE)
    const cond = condition(
      prev,
      mine.length
        ? { type: CONDITION_TYPE, status: 'False', reason: mine[0]!.reason, message: mine.map(problemText).join('; ') }
        : { type: CONDITION_TYPE, status: 'True', reason: 'Reconciled', message: 'profiles resolved for every node' },
      v.now,
    )
    if (raw.metadata?.generation !== undefined) cond.observedGeneration = raw.metadata.generation
    const status: PtpConfigStatus = { matchList: matchLists.get(name) ?? [], conditions: [cond] }
    const stored = { matchList: raw.status?.matchList ?? [], conditions: raw.status?.conditions ?? [] }
    if (JSON.stringify(stored) !== JSON.stringify(status)) statuses.push({ name, status })
  }

  // PtpOperatorConfig "default": created when missing; its selector places the daemons.
  const createOperatorConfig = v.operatorConfig ? undefined : defaultOperatorConfig(v.namespace)
  const selector = ((v.operatorConfig ?? createOperatorConfig)!.spec?.daemonNodeSelector ?? {}) as Record<string, string>
  let daemonSet: V1DaemonSet | undefined
  try {
    const ds = renderDaemonSet({ ...v.daemon, namespace: v.namespace, nodeSelector: selector })
    const hash = digest(ds)
    ds.metadata!.annotations = { ...ds.metadata!.annotations, [RENDERED_HASH]: hash }
    if (hash !== v.daemonSetHash) daemonSet = ds
  } catch (e) {
    if (!(e instanceof InputError)) throw e
    const field = e.field?.startsWith('nodeSelector') ? `spec.daemonNodeSelector${e.field.slice('nodeSelector'.length)}` : e.field
    problems.push({ kind: 'PtpOperatorConfig', name: OPERATOR_CONFIG_NAME, reason: 'InvalidSpec', field, message: e.detail })
  }

  const nodes = new Set(v.nodes.map(nameOf))
  const devices = new Set(v.nodePtpDevices)
  return {
    configMapData,
    statuses,
    problems,
    ...(createOperatorConfig && { createOperatorConfig }),
    createNodePtpDevices: [...nodes].filter((n) => !devices.has(n)).sort(byString).map((n) => nodePtpDevice(n, v.namespace)),
    deleteNodePtpDevices: [...devices].filter((n) => !nodes.has(n)).sort(byString),
    ...(daemonSet && { daemonSet }),
  }
}

export { problemText }
