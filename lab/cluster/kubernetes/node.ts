// One node of a Kubernetes cluster as the suite's NodeHandle: everything
// goes through its linuxptp-daemon pod (pods/exec without a TTY, the log
// API), as upstream's suite does; cables are pulled from ptplab's agent pod
// on the node (agent.ts), which has the host's network.
import { captureOutput } from '../../sys/capture.js'
import type * as k8s from '@kubernetes/client-node'
import { InputError } from '../../errors.js'
import { ifName } from '../../names.js'
import type { ExecResult, LogMark, NodeHandle, Ptp4lInstance } from '../types.js'
import { call, KubeError, type KubeApis } from './client.js'
import { CONTRACT, isDaemonConfig, LIST_CONFIGS, parseConfigListing, parsePmc, parseReady, pmcCommand, stopCommand } from './contract.js'

// Runs argv in a container; the exit code comes from the kubelet's Status
// on the exec stream's error channel (details.causes ExitCode).
export async function podExec(api: KubeApis, pod: { namespace: string; name: string; container: string }, argv: string[], timeoutMs = 30_000): Promise<ExecResult> {
  const { out, err, text } = captureOutput()
  const what = `exec ${argv[0]} in pod ${pod.namespace}/${pod.name} container ${pod.container}`
  let status: k8s.V1Status | undefined
  const ws = await call(what, api.server, () => api.exec.exec(pod.namespace, pod.name, pod.container, argv, out, err, null, false, (s) => (status = s)))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.close()
      reject(new KubeError(`${what}: no answer within ${timeoutMs} ms`))
    }, timeoutMs)
    ws.on('close', () => {
      clearTimeout(timer)
      resolve()
    })
    ws.on('error', (e: Error) => {
      clearTimeout(timer)
      reject(new KubeError(`${what}: ${e.message}`))
    })
  })
  return { ...text(), exitCode: exitCodeOf(status) }
}

export function exitCodeOf(s: k8s.V1Status | undefined): number {
  if (!s || s.status === 'Success') return 0
  const cause = s.details?.causes?.find((c) => c.reason === 'ExitCode')
  return cause?.message && /^\d+$/.test(cause.message) ? Number(cause.message) : 1
}

// A log line with the kubelet's timestamp prefix, split.
const stamped = (line: string) => {
  const i = line.indexOf(' ')
  return i < 0 ? { ts: line, text: '' } : { ts: line.slice(0, i), text: line.slice(i + 1) }
}

// RFC3339 with nanoseconds compares as text only at equal length: compare as numbers.
export function tsNanos(ts: string): bigint {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(ts)
  if (!m) return 0n
  const secs = BigInt(Math.floor(Date.parse(`${m[1]}${m[3]}`) / 1000))
  return secs * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'))
}

export interface DaemonPod {
  name: string
  containers: string[]
}

export class KubeNode implements NodeHandle {
  constructor(
    readonly name: string,
    private readonly api: KubeApis,
    private readonly daemonPod: (fresh?: boolean) => Promise<DaemonPod>, // the node's daemon pod (fresh: look it up again)
    private readonly agentExec: (argv: string[]) => Promise<ExecResult>, // in ptplab's agent pod on this node
  ) {}

  // In the daemon container (or the pod's first one); a pod that is gone
  // (replaced by its DaemonSet) is looked up again once.
  private async inPod(argv: string[], first = false, timeoutMs?: number): Promise<ExecResult> {
    const run = async (fresh: boolean) => {
      const pod = await this.daemonPod(fresh)
      const container = first ? pod.containers[0]! : CONTRACT.daemonContainer
      return podExec(this.api, { namespace: CONTRACT.namespace, name: pod.name, container }, argv, timeoutMs)
    }
    try {
      return await run(false)
    } catch (e) {
      if (e instanceof KubeError && e.code === 404) return run(true)
      throw e
    }
  }

  exec(argv: string[], o: { timeoutMs?: number } = {}): Promise<ExecResult> {
    return this.inPod(argv, false, o.timeoutMs)
  }

  async metrics(): Promise<string> {
    const r = await this.inPod([...CONTRACT.metrics], true)
    if (r.exitCode !== 0) throw new KubeError(`${this.name}: no metrics on 127.0.0.1:9091 (curl exit ${r.exitCode}) ${r.stderr.trim()}`)
    return r.stdout
  }

  async ready(): Promise<{ ready: boolean; reason: string }> {
    return parseReady(await this.inPod([...CONTRACT.ready], true))
  }

  async ptp4l(): Promise<Ptp4lInstance[]> {
    const r = await this.inPod(LIST_CONFIGS)
    if (r.exitCode !== 0) throw new KubeError(`${this.name}: cannot list ${CONTRACT.runDir}/ptp4l.*.config: ${r.stderr.trim()}`)
    return parseConfigListing(r.stdout)
  }

  async pmc(config: string, ids: string[]) {
    if (!isDaemonConfig(config)) throw new InputError(`not a daemon config name: ${JSON.stringify(config)}`)
    return parsePmc((await this.inPod(pmcCommand(config, ids))).stdout)
  }

  async stopPtp4l(config: string): Promise<void> {
    if (!isDaemonConfig(config)) throw new InputError(`not a daemon config name: ${JSON.stringify(config)}`)
    const r = await this.inPod(stopCommand(config))
    if (r.exitCode !== 0) throw new KubeError(`${this.name}: no ptp4l for ${config} to stop (pkill exit ${r.exitCode})`)
  }

  async setCarrier(port: string, up: boolean): Promise<void> {
    const bad = ifName(port)
    if (bad) throw new InputError(`invalid interface name ${JSON.stringify(port)}: ${bad}`)
    const r = await this.agentExec(['ip', 'link', 'set', 'dev', port, up ? 'up' : 'down'])
    if (r.exitCode !== 0) throw new KubeError(`${this.name}: cannot set ${port} ${up ? 'up' : 'down'}: ${r.stderr.trim()}`)
  }

  private async readLog(o: { sinceTime?: string; tailLines?: number }): Promise<string> {
    const pod = await this.daemonPod()
    return call(`read the log of pod ${CONTRACT.namespace}/${pod.name}`, this.api.server, () =>
      this.api.core.readNamespacedPodLog({ name: pod.name, namespace: CONTRACT.namespace, container: CONTRACT.daemonContainer, timestamps: true, ...o }),
    )
  }

  // The kubelet's timestamp of the last line: no clock skew between the
  // suite's host and the node matters.
  async logMark(): Promise<LogMark> {
    const last = (await this.readLog({ tailLines: 1 })).trim().split('\n').at(-1) ?? ''
    return { at: last ? stamped(last).ts : new Date(0).toISOString() }
  }

  async logSince(mark: LogMark): Promise<string> {
    const since = String(mark.at)
    const from = tsNanos(since)
    // sinceTime has second resolution: read from the second, keep what is newer.
    const text = await this.readLog({ sinceTime: since.replace(/\.\d+/, '') })
    return text
      .split('\n')
      .map(stamped)
      .filter((l) => l.ts && tsNanos(l.ts) > from)
      .map((l) => l.text)
      .join('\n')
  }
}
