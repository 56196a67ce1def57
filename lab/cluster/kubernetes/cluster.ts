// A Kubernetes cluster with the PTP operator as the suite's Cluster, by
// upstream's contract (contract.ts): PtpConfigs are ptp.openshift.io/v1
// custom objects in openshift-ptp, node labels are patched, a profile is
// applied when ptp-configmap.data[node] holds it and the node's daemon runs
// and logs it, daemons are reached by pods/exec, logs through the log API.
// Works against upstream's operator and daemon as well as ptplab's.
import type * as k8s from '@kubernetes/client-node'
import type { L2Report } from '../../discovery/report.js'
import { InputError } from '../../errors.js'
import { ptpConfigFromObject, validatePtpConfig, type PtpConfig } from '../../operator/ptpconfig.js'
import type { Cluster, ClusterNode, Health, L2Options, LogMark, LogSource, Wiring } from '../types.js'
import { Agent, AGENT } from './agent.js'
import { call, KubeError, loadKube, mergePatch, type KubeApis, type KubeTarget } from './client.js'
import { configMapProfiles, CONTRACT } from './contract.js'
import { sameProfiles, waitForProfiles } from '../wait-profiles.js'
import { podLogSource } from './logs.js'
import { KubeNode, type DaemonPod } from './node.js'

export interface KubeClusterOptions extends KubeTarget {
  agentImage: string // the L2 discovery / port flap agent's image
  timeoutMs?: number // for deployments and waits (default 300 s, as upstream)
  wiring?: (c: KubeCluster) => Wiring // what a lab built from a topology knows of its cabling
  l2SettleMs?: number // how long after every agent runs their reports count (default 5000: two rounds)
  pollMs?: number // between reads of the API while waiting (default 1000)
  progress?: (msg: string) => void
}

const running = (p: k8s.V1Pod) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp

// The agent's settle time: two of its 2 s rounds after every agent runs.
const L2_SETTLE_MS = 5000

export class KubeCluster implements Cluster {
  readonly description: string
  private readonly handles = new Map<string, KubeNode>()
  private readonly pods = new Map<string, DaemonPod>()
  private agent?: Agent

  private constructor(
    readonly api: KubeApis,
    private readonly o: KubeClusterOptions,
    private readonly daemonNodes: string[],
    private readonly allNodes: Set<string>,
  ) {
    this.description = `cluster ${api.server} (context ${api.context})`
  }

  // Connects and checks that the PTP operator is there, before anything changes.
  static async open(o: KubeClusterOptions): Promise<KubeCluster> {
    const api = loadKube(o)
    const ns = CONTRACT.namespace
    const s = api.server
    try {
      await call(`read namespace ${ns}`, s, () => api.core.readNamespace({ name: ns }))
    } catch (e) {
      if (e instanceof KubeError && e.code === 404) throw new KubeError(`namespace ${ns} does not exist on ${s}: is the PTP operator installed? (ptplab's: kubectl apply -k manifests)`)
      throw e
    }
    try {
      await call(`list ptpconfigs.${CONTRACT.group} in namespace ${ns}`, s, () =>
        api.custom.listNamespacedCustomObject({ group: CONTRACT.group, version: CONTRACT.version, namespace: ns, plural: CONTRACT.ptpConfigs }),
      )
    } catch (e) {
      if (e instanceof KubeError && e.code === 404) throw new KubeError(`the PtpConfig CRD (${CONTRACT.ptpConfigs}.${CONTRACT.group}/${CONTRACT.version}) is not installed on ${s}: install the PTP operator first`)
      throw e
    }
    const pods = await call(`list pods in namespace ${ns}`, s, () => api.core.listNamespacedPod({ namespace: ns, labelSelector: CONTRACT.daemonSelector }))
    const daemonNodes = [...new Set(pods.items.filter(running).map((p) => p.spec?.nodeName).filter((n): n is string => !!n))].sort()
    if (!daemonNodes.length) throw new KubeError(`no running linuxptp-daemon pod (${CONTRACT.daemonSelector}) in namespace ${ns} on ${s}: is PtpOperatorConfig's daemonNodeSelector matching any node?`)
    const nodes = await call('list nodes', s, () => api.core.listNode({}))
    return new KubeCluster(api, o, daemonNodes, new Set(nodes.items.map((n) => n.metadata?.name ?? '')))
  }

  private get ns() {
    return CONTRACT.namespace
  }

  private progress(msg: string) {
    this.o.progress?.(msg)
  }

  // The node's daemon pod (cached until it is gone).
  private async daemonPod(node: string, fresh = false): Promise<DaemonPod> {
    const cached = this.pods.get(node)
    if (cached && !fresh) return cached
    const list = await call(`list linuxptp-daemon pods on node ${node}`, this.api.server, () =>
      this.api.core.listNamespacedPod({ namespace: this.ns, labelSelector: CONTRACT.daemonSelector, fieldSelector: `spec.nodeName=${node}` }),
    )
    const pod = list.items.find(running)
    if (!pod?.metadata?.name) throw new KubeError(`no running linuxptp-daemon pod on node ${node}`)
    const d = { name: pod.metadata.name, containers: (pod.spec?.containers ?? []).map((c) => c.name) }
    this.pods.set(node, d)
    return d
  }

  async nodes(): Promise<ClusterNode[]> {
    return Promise.all(
      this.daemonNodes.map(async (name) => {
        const n = await call(`read node ${name}`, this.api.server, () => this.api.core.readNode({ name }))
        return { name, labels: { ...(n.metadata?.labels ?? {}) } }
      }),
    )
  }

  node(name: string): KubeNode {
    if (!this.daemonNodes.includes(name)) {
      if (this.allNodes.has(name)) throw new InputError(`node ${name} runs no linuxptp-daemon pod (daemon nodes: ${this.daemonNodes.join(', ')})`)
      throw new InputError(`no node ${JSON.stringify(name)} in the cluster (daemon nodes: ${this.daemonNodes.join(', ')})`)
    }
    let h = this.handles.get(name)
    if (!h) {
      h = new KubeNode(
        name,
        this.api,
        (fresh) => this.daemonPod(name, fresh),
        (argv) => this.agentFor().exec(name, argv),
      )
      this.handles.set(name, h)
    }
    return h
  }

  private agentFor(): Agent {
    this.agent ??= new Agent(this.api, { image: this.o.agentImage, nodes: this.daemonNodes, timeoutMs: this.o.timeoutMs ?? 300_000, pollMs: this.o.pollMs, progress: (m) => this.progress(m) })
    return this.agent
  }

  async health(): Promise<Health> {
    const problems: string[] = []
    await Promise.all(
      this.daemonNodes.map(async (n) => {
        try {
          await this.daemonPod(n, true)
          const r = await this.node(n).ready()
          if (!r.ready && /no answer/.test(r.reason)) problems.push(`${n}: the daemon does not answer: ${r.reason}`)
        } catch (e) {
          problems.push(`${n}: ${(e as Error).message}`)
        }
      }),
    )
    return { problems: problems.sort(), warnings: [] }
  }

  async ptpConfigs(): Promise<PtpConfig[]> {
    const list = (await call(`list ptpconfigs in namespace ${this.ns}`, this.api.server, () =>
      this.api.custom.listNamespacedCustomObject({ group: CONTRACT.group, version: CONTRACT.version, namespace: this.ns, plural: CONTRACT.ptpConfigs }),
    )) as { items?: unknown[] }
    return (list.items ?? []).map((o, i) => ptpConfigFromObject(o, `ptpconfig ${(o as { metadata?: { name?: string } }).metadata?.name ?? `#${i}`}`))
  }

  // Created, or replaced when it exists (kubectl apply's outcome, without
  // its annotation).
  async applyPtpConfigs(configs: PtpConfig[]): Promise<void> {
    for (const c of configs) validatePtpConfig(c)
    for (const c of configs) {
      const id = { group: CONTRACT.group, version: CONTRACT.version, namespace: c.metadata.namespace, plural: CONTRACT.ptpConfigs }
      const what = `create ptpconfig ${c.metadata.namespace}/${c.metadata.name}`
      try {
        await call(what, this.api.server, () => this.api.custom.createNamespacedCustomObject({ ...id, body: c }))
      } catch (e) {
        if (!(e instanceof KubeError && e.code === 409)) throw e
        const cur = (await call(`read ptpconfig ${c.metadata.name}`, this.api.server, () => this.api.custom.getNamespacedCustomObject({ ...id, name: c.metadata.name }))) as {
          metadata?: { resourceVersion?: string }
        }
        const body = { ...c, metadata: { ...c.metadata, resourceVersion: cur.metadata?.resourceVersion } }
        await call(`replace ptpconfig ${c.metadata.name}`, this.api.server, () => this.api.custom.replaceNamespacedCustomObject({ ...id, name: c.metadata.name, body }))
      }
    }
  }

  async deletePtpConfigs(names: string[]): Promise<void> {
    for (const name of names) {
      try {
        await call(`delete ptpconfig ${this.ns}/${name}`, this.api.server, () =>
          this.api.custom.deleteNamespacedCustomObject({ group: CONTRACT.group, version: CONTRACT.version, namespace: this.ns, plural: CONTRACT.ptpConfigs, name }),
        )
      } catch (e) {
        if (!(e instanceof KubeError && e.code === 404)) throw e
      }
    }
  }

  async setNodeLabels(node: string, labels: Record<string, string | null>): Promise<void> {
    if (!this.allNodes.has(node)) throw new InputError(`no node ${JSON.stringify(node)} in the cluster`)
    await call(`patch the labels of node ${node}`, this.api.server, () =>
      this.api.core.patchNode({ name: node, body: { metadata: { labels } } }, mergePatch()),
    )
  }

  // Applied: the operator's ConfigMap entry holds them, the daemon runs
  // them and logged applying them.
  waitProfiles(node: string, names: string[], o: { since?: LogMark; timeoutMs: number; signal?: AbortSignal }) {
    const h = this.node(node)
    const since = o.since
    return waitForProfiles({
      names,
      also: async () => sameProfiles(configMapProfiles((await this.api.core.readNamespacedConfigMap({ name: CONTRACT.configMap, namespace: this.ns })).data?.[node]), names),
      running: async () => (await h.ptp4l()).map((p) => p.profile),
      log: since && (() => h.logSince(since)),
      timeoutMs: o.timeoutMs,
      intervalMs: this.o.pollMs ?? 1000,
      signal: o.signal,
    })
  }

  async l2Discover(o: L2Options): Promise<Map<string, L2Report>> {
    const agent = this.agentFor()
    await agent.ensure()
    const settle = this.o.l2SettleMs ?? L2_SETTLE_MS
    o.progress(`L2 discovery: waiting for a report from every ${AGENT.name} pod (${settle / 1000} s after all run)`)
    return agent.reports(settle)
  }

  // Every container of every daemon pod, and the operator, in upstream's
  // file names (ptp-operator.log, linuxptp-daemon-<node>-<container>.log).
  async logSources(): Promise<LogSource[]> {
    const out: LogSource[] = []
    for (const node of this.daemonNodes) {
      const pod = await this.daemonPod(node)
      for (const container of pod.containers)
        out.push(
          podLogSource(this.api, {
            name: `linuxptp-daemon-${node}-${container}`,
            prefix: pod.name,
            container,
            locate: async () => ({ namespace: this.ns, name: (await this.daemonPod(node, true)).name, container }),
          }),
        )
    }
    const op = await this.api.core.listNamespacedPod({ namespace: this.ns, labelSelector: CONTRACT.operatorSelector }).catch(() => undefined)
    const opPod = op?.items.find(running)
    if (opPod?.metadata?.name) {
      const container = opPod.spec?.containers[0]?.name ?? 'ptp-operator'
      out.push(
        podLogSource(this.api, {
          name: 'ptp-operator',
          prefix: opPod.metadata.name,
          locate: async () => {
            const l = await this.api.core.listNamespacedPod({ namespace: this.ns, labelSelector: CONTRACT.operatorSelector })
            const p = l.items.find(running)
            return p?.metadata?.name ? { namespace: this.ns, name: p.metadata.name, container } : undefined
          },
        }),
      )
    }
    return out
  }

  wiring(): Wiring | undefined {
    return this.o.wiring?.(this)
  }

  async close(): Promise<void> {
    if (this.agent) {
      this.progress(`removing ${AGENT.name} (namespace ${AGENT.namespace})`)
      await this.agent.remove()
    }
  }
}
