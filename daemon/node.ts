// One node's daemon, started from its flags: the log output, the Daemon
// (profiles -> ptp4l/phc2sys, metrics), the metrics and readiness
// endpoints and, in the background, NIC discovery and the NodePtpDevice
// report. The single-node program (main.ts) runs one inside the node; the
// daemon host (host.ts) runs many from outside their namespaces, which is
// what `enter` and `nics` are for.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { Server } from 'node:http'
import { readStateFile } from '../lab/clock/state.js'
import { ptpDevices, type NicFacts } from '../lab/ptp/ethtool.js'
import { Daemon, type DaemonOptions } from './daemon.js'
import { listen, parseListen } from './listen.js'
import type { DaemonFlags } from './options.js'
import { DaemonOutput, RotatingFile, type Sink } from './output.js'

// A refusal to start (bad flags, no independent clock): exit code 2.
export class StartError extends Error {}

export interface NodeEnv {
  // Put before every child's argv: the host enters the node's network
  // namespace (ip netns exec <ns>); a daemon inside the node needs nothing.
  enter: string[]
  // stdout: ptp4l/phc2sys lines, stderr: the daemon's own (both to the file too).
  sinks: { stdout?: Sink; stderr?: Sink }
  nics: () => Promise<NicFacts[]>
  env: NodeJS.ProcessEnv // NODE_NAME, NAME_SPACE, KUBERNETES_SERVICE_HOST
}

export interface NodeDaemon {
  readonly node: string
  log(msg: string): void
  shutdown(): Promise<void>
}

// setpriv gives each child PDEATHSIG: if the daemon is killed outright, its
// ptp4l/phc2sys die with it instead of running on as orphans.
const setpriv = () => ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p))

// The independent-clock check runs commands: once per process, not per node.
let clockCheck: Promise<void> | undefined

export async function startNode(o: DaemonFlags, e: NodeEnv): Promise<NodeDaemon> {
  const node = o.nodeName ?? e.env.NODE_NAME
  if (!node) throw new StartError('no node name: pass --node-name or set NODE_NAME')
  const addr = (v: string) => {
    try {
      return parseListen(v)
    } catch (err) {
      throw new StartError((err as Error).message)
    }
  }
  const metricsAddr = addr(o.metricsListen)
  const readyAddr = addr(o.readyListen)

  // A container's stdout goes to the engine; --log-file keeps a copy where
  // the lab's log collection reads it, as kubelet keeps pod logs. A write
  // that fails (disk full) costs that line only, never the daemon.
  const stamp = (msg: string) => `${new Date().toISOString()} daemon[${node}] ${msg}`
  const output = new DaemonOutput({ ...e.sinks, ...(o.logFile && { file: new RotatingFile(o.logFile, o.logMaxBytes) }) }, stamp)
  const log = (msg: string) => output.log(stamp(msg))
  const retry = setInterval(() => output.retry(), 5000).unref()

  // Independent clocks: refused before any ptp4l starts unless the library,
  // the state file and a working CAP_SYS_TIME drop are all there (a ptp4l
  // without them would steer the host clock).
  const wrapper = setpriv()
  let clock: DaemonOptions['clock']
  let capDrop: readonly string[] = []
  if (o.clockState) {
    // Loaded only in this mode (it runs commands through execa).
    const { assertIndependentClocks, CAP_DROP, clockEnv } = await import('../lab/clock/launch.js')
    capDrop = CAP_DROP
    if (o.sharedClock) throw new StartError('--clock-state and --shared-clock exclude each other')
    try {
      if (!wrapper) throw new Error('setpriv is missing (util-linux): CAP_SYS_TIME cannot be dropped')
      await (clockCheck ??= assertIndependentClocks(wrapper))
      await readStateFile(o.clockState)
      const map = o.clockMap ? (JSON.parse(await readFile(o.clockMap, 'utf8')) as Record<string, string>) : {}
      clock = { state: o.clockState, map, childEnv: clockEnv(o.clockState) }
    } catch (err) {
      throw new StartError(`refusing independent clock mode: ${(err as Error).message}`)
    }
  }

  const daemon = new Daemon({
    node,
    profilePath: o.profilePath,
    runDir: o.runDir,
    updateIntervalMs: o.updateInterval * 1000,
    watch: o.watch,
    sharedClock: o.sharedClock,
    disciplineSystemClock: o.disciplineSystemClock,
    clock,
    restartDelayMs: o.restartDelay * 1000,
    pmcIntervalMs: o.pmcInterval * 1000,
    wrapper: [...e.enter, ...(wrapper ? [wrapper, '--pdeathsig', 'TERM', ...(clock ? capDrop : []), '--'] : [])],
    log,
    out: (line) => output.out(line),
    outputTroubles: () => output.troubles(),
  })

  log(`resync period set to: ${o.updateInterval} [s]`)
  log(`linuxptp profile path set to: ${o.profilePath}`)
  // Reported as upstream does, but not waited for: readiness must not wait
  // for an ethtool run per port. In a pod (kubelet sets
  // KUBERNETES_SERVICE_HOST) or with --kubeconfig the NICs then go into the
  // node's NodePtpDevice status, in the background.
  const reporting = new AbortController()
  const inCluster = !!e.env.KUBERNETES_SERVICE_HOST
  if (o.nicDiscovery)
    void e.nics().then(async (facts) => {
      const devices = ptpDevices(facts)
      log(`PTP capable NICs: [${devices.map((d) => d.name).join(' ')}]`)
      if (!o.reportDevices || !(o.kubeconfig || inCluster) || reporting.signal.aborted) return
      // Loaded only here: the client takes about 0.5 s of CPU to load, which
      // every lab daemon (no cluster) would pay at start.
      const [k8s, { reportDevicesUntilDone }] = await Promise.all([import('@kubernetes/client-node'), import('./nodeptpdevice.js')])
      const kc = new k8s.KubeConfig()
      try {
        if (o.kubeconfig) kc.loadFromFile(o.kubeconfig)
        else kc.loadFromCluster()
        const namespace = o.namespace ?? e.env.NAME_SPACE ?? 'openshift-ptp'
        void reportDevicesUntilDone({ kc, namespace, node, devices, retryMs: 10_000, signal: reporting.signal, log })
      } catch (err) {
        log(`warning: no NodePtpDevice report: cannot load kubeconfig: ${(err as Error).message}`)
      }
    })

  const servers: Server[] = []
  servers.push(
    await listen(metricsAddr, async (req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end('not found\n')
        return
      }
      const text = await daemon.exporter.metricsText()
      res.writeHead(200, { 'content-type': daemon.exporter.registry.contentType }).end(text)
    }),
  )
  servers.push(
    await listen(readyAddr, (req, res) => {
      if (req.url === '/ready') {
        const r = daemon.readiness()
        res.writeHead(r.ready ? 200 : 503, { 'content-type': 'text/plain' }).end(r.reason + '\n')
      } else if (req.url === '/status') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(daemon.status()) + '\n')
      } else res.writeHead(404).end('not found\n')
    }),
  )
  await daemon.start()

  return {
    node,
    log,
    shutdown: async () => {
      reporting.abort()
      await daemon.shutdown()
      for (const s of servers) s.close()
      clearInterval(retry)
    },
  }
}
