#!/usr/bin/env node
// Entry of the linuxptp daemon program (one per node). Flags mirror
// upstream's daemon; see `--help`.
import { Command, InvalidArgumentError } from 'commander'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { readStateFile } from '../lab/clock/state.js'
import { Daemon, type DaemonOptions } from './daemon.js'
import { listen, parseListen } from './listen.js'
import { discoverNics } from './nics.js'
import { DaemonOutput, RotatingFile, stdioSink } from './output.js'

const seconds = (v: string) => {
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds')
  return n
}

// 10485760, 10Mi, 512Ki, 1Gi (kubelet's containerLogMaxSize style; K/M/G
// are the same powers of 1024); 0 turns rotation off.
const UNITS: Record<string, number> = { '': 1, K: 1024, Ki: 1024, M: 1024 ** 2, Mi: 1024 ** 2, G: 1024 ** 3, Gi: 1024 ** 3 }
const bytes = (v: string) => {
  const m = /^(\d+)(Ki?|Mi?|Gi?)?$/.exec(v.trim())
  const n = m ? Number(m[1]) * UNITS[m[2] ?? '']! : NaN
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a size in bytes, e.g. 10485760, 10Mi or 512Ki (0: never rotate)')
  return n
}

const program = new Command('ptplab-daemon')
  .description(
    'linuxptp daemon: reads <profile-path>/<node-name> (JSON array of PTP profiles), runs ptp4l/phc2sys ' +
      'for them, restarts them when they die, and exports openshift_ptp_* Prometheus metrics.',
  )
  .option('--node-name <name>', 'node whose profile file to read (default: $NODE_NAME)')
  .option('--profile-path <dir>', 'directory holding one profile file per node', '/etc/linuxptp')
  .option('--update-interval <s>', 'how often to re-read the profile file, seconds', seconds, 30)
  .option('--watch', 'also re-read the profile file as soon as its directory reports a change (inotify)', false)
  .option('--run-dir <dir>', 'where ptp4l.N.config files and sockets go', '/var/run')
  .option('--metrics-listen <addr>', 'metrics endpoint: host:port, :port or unix:/path', ':9091')
  .option('--ready-listen <addr>', 'readiness endpoint (/ready, /status): host:port or unix:/path', ':8081')
  .option('--shared-clock', 'all nodes share one host clock: never discipline it (free_running, no phc2sys)', false)
  .option('--discipline-system-clock', 'let phc2sys set CLOCK_REALTIME (off: a phc2sys that would is not started, since lab and kind nodes share their host\'s clock)', false)
  .option('--clock-state <file>', 'independent clocks: run ptp4l/pmc on this node clock (the clock library preloaded, CAP_SYS_TIME dropped)')
  .option('--clock-map <file>', 'independent clocks: JSON map clock identity -> clock state file, for the true offset metric')
  .option('--restart-delay <s>', 'delay before restarting a crashed process, seconds', seconds, 1)
  .option('--pmc-interval <s>', 'how often to poll ptp4l for its parent data set, seconds', seconds, 5)
  .option('--log-file <path>', 'also append all output (own messages and ptp4l/phc2sys lines) to this file')
  .option('--log-max-bytes <size>', 'rotate --log-file at this size: it becomes <path>.1 (one rotated file kept)', bytes, 10 * 1024 ** 2)
  .option('--kubeconfig <file>', 'report NICs into the NodePtpDevice through this kubeconfig (in a pod: the service account)')
  .option('--namespace <ns>', 'namespace of the NodePtpDevice (default: $NAME_SPACE, else openshift-ptp)')
  .option('--no-report-devices', 'do not write the NodePtpDevice status, even in a pod')
  .option('--no-nic-discovery', 'no NIC discovery at all (infrastructure such as the lab switch: nothing reads it, and it has a port per link)')
  .showHelpAfterError('(add --help for usage)')

program.parse()
const o = program.opts<{
  nodeName?: string
  profilePath: string
  updateInterval: number
  watch: boolean
  runDir: string
  metricsListen: string
  readyListen: string
  sharedClock: boolean
  disciplineSystemClock: boolean
  clockState?: string
  clockMap?: string
  restartDelay: number
  pmcInterval: number
  logFile?: string
  logMaxBytes: number
  kubeconfig?: string
  namespace?: string
  reportDevices: boolean
  nicDiscovery: boolean
}>()

const node: string =
  o.nodeName ?? process.env.NODE_NAME ?? program.error('error: no node name: pass --node-name or set NODE_NAME', { exitCode: 2 })
const parseAddr = (v: string) => {
  try {
    return parseListen(v)
  } catch (e) {
    return program.error(`error: ${(e as Error).message}`, { exitCode: 2 })
  }
}
const metricsAddr = parseAddr(o.metricsListen)
const readyAddr = parseAddr(o.readyListen)

// A container's stdout goes to the engine; --log-file keeps a copy where the
// lab's log collection reads it, as kubelet keeps pod logs. A write that
// fails (disk full) costs that line only, never the daemon.
const stamp = (msg: string) => `${new Date().toISOString()} daemon[${node}] ${msg}`
const output = new DaemonOutput(
  { stdout: stdioSink(1), stderr: stdioSink(2), ...(o.logFile && { file: new RotatingFile(o.logFile, o.logMaxBytes) }) },
  stamp,
)
const log = (msg: string) => output.log(stamp(msg))
setInterval(() => output.retry(), 5000).unref()

// setpriv gives each child PDEATHSIG: if this daemon is killed outright, its
// ptp4l/phc2sys die with it instead of running on as orphans.
const wrapper = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p))

// Independent clocks: refused before any ptp4l starts unless the library,
// the state file and a working CAP_SYS_TIME drop are all there (a ptp4l
// without them would steer the host clock).
let clock: DaemonOptions['clock']
let capDrop: readonly string[] = []
if (o.clockState) {
  // Loaded only in this mode (it runs commands through execa).
  const { assertIndependentClocks, CAP_DROP, clockEnv } = await import('../lab/clock/launch.js')
  capDrop = CAP_DROP
  if (o.sharedClock) program.error('error: --clock-state and --shared-clock exclude each other', { exitCode: 2 })
  try {
    if (!wrapper) throw new Error('setpriv is missing (util-linux): CAP_SYS_TIME cannot be dropped')
    await assertIndependentClocks(wrapper)
    await readStateFile(o.clockState)
    const map = o.clockMap ? (JSON.parse(await readFile(o.clockMap, 'utf8')) as Record<string, string>) : {}
    clock = { state: o.clockState, map, childEnv: clockEnv(o.clockState) }
  } catch (e) {
    program.error(`error: refusing independent clock mode: ${(e as Error).message}`, { exitCode: 2 })
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
  wrapper: wrapper ? [wrapper, '--pdeathsig', 'TERM', ...(clock ? capDrop : []), '--'] : [],
  log,
  out: (line) => output.out(line),
  outputTroubles: () => output.troubles(),
})

log(`resync period set to: ${o.updateInterval} [s]`)
log(`linuxptp profile path set to: ${o.profilePath}`)
// Reported as upstream does, but not waited for: the lab switch has a port
// per link, and readiness must not wait for an ethtool run on each. In a pod
// (kubelet sets KUBERNETES_SERVICE_HOST) or with --kubeconfig the NICs then
// go into the node's NodePtpDevice status, in the background.
const reporting = new AbortController()
const inCluster = !!process.env.KUBERNETES_SERVICE_HOST
if (o.nicDiscovery) void discoverNics().then(async (devices) => {
  log(`PTP capable NICs: [${devices.map((d) => d.name).join(' ')}]`)
  if (!o.reportDevices || !(o.kubeconfig || inCluster)) return
  // Loaded only here: the client takes about 0.5 s of CPU to load, which
  // every lab daemon (no cluster) would pay at start.
  const [k8s, { reportDevicesUntilDone }] = await Promise.all([import('@kubernetes/client-node'), import('./nodeptpdevice.js')])
  const kc = new k8s.KubeConfig()
  try {
    if (o.kubeconfig) kc.loadFromFile(o.kubeconfig)
    else kc.loadFromCluster()
    const namespace = o.namespace ?? process.env.NAME_SPACE ?? 'openshift-ptp'
    void reportDevicesUntilDone({ kc, namespace, node, devices, retryMs: 10_000, signal: reporting.signal, log })
  } catch (e) {
    log(`warning: no NodePtpDevice report: cannot load kubeconfig: ${(e as Error).message}`)
  }
})

const metrics = await listen(metricsAddr, async (req, res) => {
  if (req.url !== '/metrics') {
    res.writeHead(404).end('not found\n')
    return
  }
  const text = await daemon.exporter.metricsText()
  res.writeHead(200, { 'content-type': daemon.exporter.registry.contentType }).end(text)
})
const ready = await listen(readyAddr, (req, res) => {
  if (req.url === '/ready') {
    const r = daemon.readiness()
    res.writeHead(r.ready ? 200 : 503, { 'content-type': 'text/plain' }).end(r.reason + '\n')
  } else if (req.url === '/status') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(daemon.status()) + '\n')
  } else res.writeHead(404).end('not found\n')
})

let shuttingDown = false
const shutdown = async (sig: string) => {
  if (shuttingDown) return
  shuttingDown = true
  log(`received ${sig}, stopping children`)
  reporting.abort()
  await daemon.shutdown()
  metrics.close()
  ready.close()
  process.exit(0)
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))

await daemon.start()
