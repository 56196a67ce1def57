// The lab on this host as a Cluster: nodes are the backend's namespaces or
// containers, PtpConfigs and labels live in the lab's file-backed store (the
// operator logic reconciles them into profile files), daemons are reached
// over their unix sockets, ptp4l over its own management socket, and the
// topology says how everything is cabled.
import { existsSync } from 'node:fs'
import { open, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { daemonMetrics, daemonStatus, httpUnix, type DaemonStatus } from '../backends/daemon-client.js'
import type { LabBackend } from '../backends/types.js'
import { InputError } from '../errors.js'
import type { PtpConfig } from '../operator/ptpconfig.js'
import { labPaths } from '../paths.js'
import { pmcGet } from '../sys/pmc.js'
import { isAlive } from '../sys/proc.js'
import { sleep } from '../sys/poll.js'
import { mapLimit } from '../limit.js'
import { allPorts, clusterNodes, type Topology } from '../topology/index.js'
import { switchPorts } from '../switch/profile.js'
import { labL2Discover } from './lab-l2.js'
import { fileLogSource } from './log-file.js'
import { applyPtpConfigs, deletePtpConfigs, listPtpConfigs, nodeInfos, setNodeLabels } from '../store/store.js'
import { waitForProfiles } from './wait-profiles.js'
import { topologyWiring } from './wiring.js'
import type { Cluster, ClusterNode, Health, L2Options, LogMark, LogSource, NodeHandle, Ptp4lInstance, Wiring } from './types.js'

// The daemon's config files are "ptp4l.N.config" in the node's run dir.
const CONFIG_RE = /^ptp4l\.\d+\.config$/

export class LabNode implements NodeHandle {
  constructor(
    readonly lab: string,
    readonly name: string,
    private readonly backend: Pick<LabBackend, 'nodeExec' | 'setPortLink'>,
  ) {}

  exec(argv: string[], o: { timeoutMs?: number } = {}) {
    return this.backend.nodeExec(this.lab, this.name, argv, o)
  }

  metrics(): Promise<string> {
    return daemonMetrics(this.lab, this.name)
  }

  async ready(timeoutMs = 2000): Promise<{ ready: boolean; reason: string }> {
    const r = await httpUnix(labPaths(this.lab).readySock(this.name), '/ready', timeoutMs)
    return { ready: r.status === 200, reason: r.body.trim() }
  }

  status(): Promise<DaemonStatus> {
    return daemonStatus(this.lab, this.name)
  }

  async ptp4l(): Promise<Ptp4lInstance[]> {
    return (await this.status()).profiles.map((p) => {
      const pid = p.processes.find((x) => x.process === 'ptp4l' && x.running)?.pid
      return { config: p.config, profile: p.name, ifaces: p.ifaces, domain: p.domain, processId: pid ? String(pid) : undefined }
    })
  }

  // pmc reads the config the daemon wrote: its uds_address is the server
  // socket, its domainNumber the domain, as upstream's suite does in a pod.
  pmc(config: string, ids: string[]) {
    if (!CONFIG_RE.test(config)) throw new InputError(`not a daemon config name: ${JSON.stringify(config)}`)
    return pmcGet(join(labPaths(this.lab).nodeRun(this.name), config), labPaths(this.lab).tmp, ids)
  }

  async stopPtp4l(config: string): Promise<void> {
    const prof = (await this.status()).profiles.find((p) => p.config === config)
    const pid = prof?.processes.find((x) => x.process === 'ptp4l' && x.running)?.pid
    if (!pid) throw new Error(`${this.name}: no running ptp4l for ${config}`)
    process.kill(pid, 'SIGTERM')
  }

  setCarrier(port: string, up: boolean): Promise<void> {
    return this.backend.setPortLink(this.lab, this.name, port, up)
  }

  async logMark(): Promise<LogMark> {
    const f = labPaths(this.lab).nodeLog(this.name)
    return { at: existsSync(f) ? (await stat(f)).size : 0 }
  }

  async logSince(mark: LogMark): Promise<string> {
    const f = labPaths(this.lab).nodeLog(this.name)
    if (!existsSync(f)) return ''
    const from = Number(mark.at)
    const fh = await open(f, 'r')
    try {
      const size = (await fh.stat()).size
      if (size <= from) return size < from ? await readFile(f, 'utf8') : '' // rotated: all of the new file
      const buf = Buffer.alloc(size - from)
      await fh.read(buf, 0, buf.length, from)
      return buf.toString('utf8')
    } finally {
      await fh.close()
    }
  }
}

export class LabCluster implements Cluster {
  readonly description: string
  private readonly handles = new Map<string, LabNode>()

  constructor(
    readonly lab: string,
    readonly t: Topology,
    readonly backend: LabBackend,
  ) {
    this.description = `lab ${lab} (${backend.name})`
  }

  // Any node of the lab, its infrastructure (switch, external GMs) included.
  labNode(name: string): LabNode {
    return this.handle(name)
  }

  private handle(name: string): LabNode {
    let h = this.handles.get(name)
    if (!h) this.handles.set(name, (h = new LabNode(this.lab, name, this.backend)))
    return h
  }

  nodes(): Promise<ClusterNode[]> {
    return nodeInfos(this.lab, this.t)
  }

  node(name: string): LabNode {
    if (!clusterNodes(this.t).some((n) => n.name === name))
      throw new InputError(`no cluster node ${JSON.stringify(name)} in lab ${this.lab} (nodes: ${clusterNodes(this.t).map((n) => n.name).join(', ')})`)
    return this.handle(name)
  }

  // Every daemon answers, the switch's OVS runs, every topology port exists.
  async health(): Promise<Health> {
    const problems: string[] = []
    const warnings: string[] = []
    const names = [...this.t.nodes.map((n) => n.name), ...(this.t.switch ? [this.t.switch.name] : [])]
    // A few nodes at a time (64 at once on 2 cores time each other out); a
    // daemon that does not answer is asked once more before it is named.
    await mapLimit(names, 8, async (n) => {
        try {
          await this.handle(n).ready().catch(async () => {
            await sleep(500)
            return this.handle(n).ready(5000)
          })
        } catch (e) {
          problems.push(`${n}: the daemon does not answer (${(e as Error).message}); see ${labPaths(this.lab).nodeLog(n)}`)
          return
        }
        const want = n === this.t.switch?.name ? switchPorts(this.t).map((p) => p.port) : allPorts(this.t).filter((p) => p.node === n).map((p) => p.name)
        const r = await this.handle(n).exec(['ip', '-j', 'link', 'show'], { timeoutMs: 5000 })
        if (r.exitCode !== 0) return void problems.push(`${n}: cannot list its interfaces: ${r.stderr.trim()}`)
        const have = new Set((JSON.parse(r.stdout || '[]') as Array<{ ifname: string }>).map((l) => l.ifname))
        const missing = want.filter((p) => !have.has(p))
        if (missing.length) problems.push(`${n}: ports missing: ${missing.join(', ')}`)
      })
    if (this.t.switch) {
      const sw = this.t.switch.name
      const dir = labPaths(this.lab).switchDir
      for (const prog of ['ovsdb-server', 'ovs-vswitchd']) {
        const pidFile = join(dir, `${prog}.pid`)
        const pid = existsSync(pidFile) ? Number((await readFile(pidFile, 'utf8')).trim()) : NaN
        if (!(pid > 0 && (await isAlive(pid)))) problems.push(`${sw}: ${prog} is not running (see ${dir}/${prog}.log)`)
      }
      if (switchPorts(this.t).length && !problems.some((p) => p.startsWith(`${sw}: the daemon`))) {
        const down = await this.switchClockDown()
        if (down) problems.push(`${sw}: the boundary clock ptp4l is not running (${down}); see ${labPaths(this.lab).nodeLog(sw)}`)
      }
    }
    for (const [node, n] of Object.entries((await this.backend.restarts?.(this.lab)) ?? {}))
      if (n > 0) warnings.push(`${node}: the daemon was restarted ${n} time${n === 1 ? '' : 's'} by the lab's supervisor`)
    return { problems: problems.sort(), warnings: warnings.sort() }
  }

  // Why the switch's ptp4l is not running, or undefined when it is. The
  // daemon restarts a crashed ptp4l after 1 s: one look more before saying so.
  private async switchClockDown(): Promise<string | undefined> {
    const look = async () => {
      const st = await this.handle(this.t.switch!.name).status()
      const procs = st.profiles.flatMap((p) => p.processes.filter((x) => x.process === 'ptp4l'))
      if (!procs.length) return 'no profile runs'
      const dead = procs.filter((x) => !x.running)
      return dead.length ? `restarted ${Math.max(...dead.map((x) => x.restarts))} times` : undefined
    }
    const first = await look().catch((e: Error) => e.message)
    if (!first) return undefined
    await sleep(1500)
    return look().catch((e: Error) => e.message)
  }

  ptpConfigs(): Promise<PtpConfig[]> {
    return listPtpConfigs(this.lab)
  }

  applyPtpConfigs(configs: PtpConfig[]): Promise<void> {
    return applyPtpConfigs(this.lab, this.t, configs)
  }

  deletePtpConfigs(names: string[]): Promise<void> {
    return deletePtpConfigs(this.lab, this.t, names)
  }

  setNodeLabels(node: string, labels: Record<string, string | null>): Promise<void> {
    return setNodeLabels(this.lab, this.t, node, labels)
  }

  waitProfiles(node: string, names: string[], o: { since?: LogMark; timeoutMs: number; signal?: AbortSignal }) {
    const h = this.node(node)
    const since = o.since
    return waitForProfiles({
      names,
      running: async () => (await h.status()).profiles.map((p) => p.name),
      log: since && (() => h.logSince(since)),
      timeoutMs: o.timeoutMs,
      intervalMs: 100,
      signal: o.signal,
    })
  }

  l2Discover(o: L2Options) {
    return labL2Discover(this.lab, this.t, this.backend, o)
  }

  // Upstream's file names: linuxptp-daemon-<node>-<container>.log per daemon.
  async logSources(): Promise<LogSource[]> {
    const p = labPaths(this.lab)
    const sources = this.t.nodes.map((n) =>
      fileLogSource({
        name: `linuxptp-daemon-${n.name}-linuxptp-daemon-container`,
        path: p.nodeLog(n.name),
        prefix: `linuxptp-daemon-${n.name}`,
        container: 'linuxptp-daemon-container',
      }),
    )
    if (this.t.switch) sources.push(fileLogSource({ name: `switch-${this.t.switch.name}`, path: p.nodeLog(this.t.switch.name), prefix: this.t.switch.name, container: 'ptp4l' }))
    return sources
  }

  wiring(): Wiring {
    return topologyWiring(this.t, (n) => this.handle(n))
  }

  async close(): Promise<void> {}
}
