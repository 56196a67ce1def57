// The daemon's flags (upstream's, plus the lab's), parsed for one node: by
// the single-node program (main.ts) from its command line, and by the
// daemon host (host.ts) from each node's argv in its spec.
import { Command, InvalidArgumentError } from 'commander'

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

export interface DaemonFlags {
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
}

export function daemonCommand(name = 'ptplab-daemon'): Command {
  return new Command(name)
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
    .option('--discipline-system-clock', "let phc2sys set CLOCK_REALTIME (off: a phc2sys that would is not started, since lab and kind nodes share their host's clock)", false)
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
}

// One node's flags from an argv of flags only, for the host: an error is
// thrown (with commander's message), never a process exit.
export function parseDaemonFlags(argv: string[]): DaemonFlags {
  const c = daemonCommand()
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} })
  c.parse(argv, { from: 'user' })
  return c.opts<DaemonFlags>()
}
