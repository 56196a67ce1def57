// ptplab's agent on a Kubernetes cluster: a privileged hostNetwork
// DaemonSet in its own namespace, on the nodes under test. Its pods run the
// L2 probe agent, which prints upstream's report as "JSON_REPORT ..." log
// lines as upstream's l2discovery does (L2_DISCOVERY_IMAGE may name
// upstream's image instead), and they are where cables are pulled
// (`ip link set`), since they have the host's network. Deployed on first
// use and removed at the end, waiting out the Terminating namespace.
import type * as k8s from '@kubernetes/client-node'
import { parseL2Report, type L2Report } from '../../discovery/report.js'
import { poll } from '../../sys/poll.js'
import type { ExecResult } from '../types.js'
import { call, KubeError, type KubeApis } from './client.js'
import { podExec, tsNanos } from './node.js'

export const AGENT = {
  namespace: 'ptplab-agent',
  name: 'ptplab-agent',
  container: 'agent',
  selector: 'app=ptplab-agent',
  reportPrefix: 'JSON_REPORT ',
  defaultImage: (prefix: string) => `${prefix}:l2probe`,
} as const

export interface AgentOptions {
  image: string // L2_DISCOVERY_IMAGE, else IMG_PREFIX:l2probe
  nodes: string[]
  timeoutMs: number
  pollMs?: number // between API reads while waiting (default 1000)
  signal?: AbortSignal
  progress: (msg: string) => void
}

// The objects, pure: a namespace that admits privileged pods, and the
// DaemonSet pinned to the nodes under test.
export function agentObjects(o: Pick<AgentOptions, 'image' | 'nodes'>): { namespace: k8s.V1Namespace; daemonSet: k8s.V1DaemonSet } {
  const labels = { app: 'ptplab-agent', 'app.kubernetes.io/managed-by': 'ptplab' }
  return {
    namespace: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: AGENT.namespace,
        labels: {
          'app.kubernetes.io/managed-by': 'ptplab',
          'pod-security.kubernetes.io/enforce': 'privileged',
          'pod-security.kubernetes.io/audit': 'privileged',
          'pod-security.kubernetes.io/warn': 'privileged',
        },
      },
    },
    daemonSet: {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: AGENT.name, namespace: AGENT.namespace, labels },
      spec: {
        selector: { matchLabels: { app: 'ptplab-agent' } },
        template: {
          metadata: { labels },
          spec: {
            hostNetwork: true,
            dnsPolicy: 'ClusterFirstWithHostNet',
            tolerations: [{ operator: 'Exists' }],
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [...o.nodes].sort() }] }],
                },
              },
            },
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: AGENT.container,
                image: o.image,
                imagePullPolicy: 'IfNotPresent',
                securityContext: { privileged: true },
                env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
              },
            ],
          },
        },
      },
    },
  }
}

// The last report line of an agent's log (timestamped), if newer than `after`.
export function lastReport(log: string, after: bigint, what: string): L2Report | undefined {
  const lines = log.split('\n').filter((l) => l.includes(AGENT.reportPrefix))
  const last = lines.at(-1)
  if (!last) return undefined
  const ts = tsNanos(last.slice(0, last.indexOf(' ')))
  if (ts <= after) return undefined
  return parseL2Report(last.slice(last.indexOf(AGENT.reportPrefix) + AGENT.reportPrefix.length), what)
}

export class Agent {
  private pods?: Map<string, string> // node -> pod
  private readyAt = 0n

  constructor(
    private readonly api: KubeApis,
    private readonly o: AgentOptions,
  ) {}

  private get ns() {
    return AGENT.namespace
  }

  // Deploys (once) and waits for one running, ready pod per node.
  async ensure(): Promise<Map<string, string>> {
    if (this.pods) return this.pods
    const { namespace, daemonSet } = agentObjects(this.o)
    await this.waitNamespaceGone() // a previous run's namespace still terminating
    this.o.progress(`deploying ${AGENT.name} (${this.o.image}) in namespace ${this.ns} on ${this.o.nodes.length} nodes`)
    await call(`create namespace ${this.ns}`, this.api.server, () => this.api.core.createNamespace({ body: namespace }))
    await call(`create daemonset ${this.ns}/${AGENT.name}`, this.api.server, () => this.api.apps.createNamespacedDaemonSet({ namespace: this.ns, body: daemonSet }))
    let pods = new Map<string, string>()
    const r = await poll(
      async () => {
        const list = await call(`list pods in namespace ${this.ns}`, this.api.server, () => this.api.core.listNamespacedPod({ namespace: this.ns, labelSelector: AGENT.selector }))
        pods = new Map(list.items.filter((p) => podReady(p) && this.o.nodes.includes(p.spec?.nodeName ?? '')).map((p) => [p.spec!.nodeName!, p.metadata?.name ?? '']))
        return this.o.nodes.every((n) => pods.has(n)) || undefined
      },
      { timeoutMs: this.o.timeoutMs, intervalMs: this.o.pollMs ?? 1000, signal: this.o.signal },
    )
    if (!r.value) {
      const missing = this.o.nodes.filter((n) => !pods.has(n))
      throw new KubeError(`${AGENT.name} has no ready pod on ${missing.join(', ')} after ${this.o.timeoutMs / 1000} s (image ${this.o.image}: is it loaded on the nodes?)`)
    }
    this.readyAt = BigInt(Date.now()) * 1_000_000n
    this.pods = pods
    return pods
  }

  async exec(node: string, argv: string[]): Promise<ExecResult> {
    const pod = (await this.ensure()).get(node)
    if (!pod) throw new KubeError(`no ${AGENT.name} pod on node ${node}`)
    return podExec(this.api, { namespace: this.ns, name: pod, container: AGENT.container }, argv)
  }

  // A report per node, each printed after every agent was running for two
  // rounds, so every agent heard every other's probes.
  async reports(settleMs: number): Promise<Map<string, L2Report>> {
    const pods = await this.ensure()
    const after = this.readyAt + BigInt(settleMs) * 1_000_000n
    const out = new Map<string, L2Report>()
    const r = await poll(
      async () => {
        for (const [node, pod] of pods) {
          if (out.has(node)) continue
          const log = await call(`read the log of pod ${this.ns}/${pod}`, this.api.server, () =>
            this.api.core.readNamespacedPodLog({ name: pod, namespace: this.ns, container: AGENT.container, timestamps: true, tailLines: 20 }),
          )
          const rep = lastReport(log, after, `pod ${this.ns}/${pod} (node ${node})`)
          if (rep) out.set(node, rep)
        }
        return out.size === pods.size || undefined
      },
      { timeoutMs: this.o.timeoutMs, intervalMs: this.o.pollMs ?? 1000, signal: this.o.signal },
    )
    if (!r.value) throw new KubeError(`no L2 report from the agents on ${[...pods.keys()].filter((n) => !out.has(n)).join(', ')} within ${this.o.timeoutMs / 1000} s`)
    return out
  }

  // Deletes the namespace (and with it the DaemonSet) and waits until it is gone.
  async remove(): Promise<void> {
    this.pods = undefined
    await this.api.core.deleteNamespace({ name: this.ns }).catch((e: { code?: number }) => {
      if (e.code !== 404) throw e
    })
    await this.waitNamespaceGone()
  }

  private async waitNamespaceGone(): Promise<void> {
    const r = await poll(
      async () => {
        try {
          await this.api.core.readNamespace({ name: this.ns })
          return undefined
        } catch (e) {
          if ((e as { code?: number }).code === 404) return true
          throw e
        }
      },
      { timeoutMs: this.o.timeoutMs, intervalMs: (this.o.pollMs ?? 1000) / 2 },
    )
    if (!r.value) throw new KubeError(`namespace ${this.ns} is still terminating after ${this.o.timeoutMs / 1000} s`)
  }
}

const podReady = (p: k8s.V1Pod) => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.ready)
