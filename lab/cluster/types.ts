// The seam between the conformance suite and whatever runs the clocks, in
// the style of kind's cluster facade and node handle: the suite sees a
// Cluster (PtpConfigs, node labels, nodes, profile application, L2
// discovery, logs, what is known of the cabling) and, per node, a NodeHandle
// through which all in-node work goes. Two implementations: the lab on this
// host (lab.ts: namespaces or containers, the file-backed store, unix
// sockets) and a Kubernetes cluster (kubernetes/: the API server, pods/exec,
// the log API). Nothing here names a host path, a pid or a backend.
import type { L2Report } from '../discovery/report.js'
import type { PtpConfig } from '../operator/ptpconfig.js'
import type { PmcResponse } from '../ptp/pmc-parse.js'

export interface ClusterNode {
  name: string
  labels: Record<string, string>
}

// One running ptp4l of a node, as its config file describes it.
export interface Ptp4lInstance {
  config: string // "ptp4l.N.config": also the process's message tag and metric label
  profile: string // the "#profile:" name the daemon wrote
  ifaces: string[] // port order: port N is ifaces[N-1]
  domain: number
  processId?: string // opaque identity of the running process (tells a restart)
}

export interface ExecResult {
  stdout: string
  stderr: string
  exitCode: number
}

// What a source logged since the previous drain: the text, whether the
// source started over in between (a new log file, a restarted container),
// and whether it exists at all right now.
export interface LogChunk {
  text: string
  restarted: boolean
  present: boolean
}

export interface LogFollower {
  drain(): Promise<LogChunk>
  close(): Promise<void>
}

// A log to collect (upstream's per-pod/container files).
export interface LogSource {
  name: string // output file base name
  prefix: string // "[<prefix>]" of every copied line (the pod)
  container?: string // stream start/end markers name it
  follow(): LogFollower // from now on (or from the start once it appears)
}

export interface NodeHandle {
  readonly name: string
  // A program inside the node (its network namespace, files, tools).
  exec(argv: string[], o?: { timeoutMs?: number }): Promise<ExecResult>
  // The daemon's Prometheus text (openshift_ptp_*).
  metrics(): Promise<string>
  // The daemon's readiness: 200 or 503 with the reason.
  ready(): Promise<{ ready: boolean; reason: string }>
  // The ptp4l instances running now.
  ptp4l(): Promise<Ptp4lInstance[]>
  // pmc GET of data sets from the ptp4l of `config`.
  pmc(config: string, ids: string[]): Promise<PmcResponse[]>
  // SIGTERM to the ptp4l of `config` (the daemon restarts it).
  stopPtp4l(config: string): Promise<void>
  // Cable pulled (false) or plugged back (true).
  setCarrier(port: string, up: boolean): Promise<void>
  // Where the daemon's log is now (for "logged since").
  logMark(): Promise<LogMark>
  // What the daemon logged since a mark.
  logSince(mark: LogMark): Promise<string>
}

export type LogMark = { readonly at: string | number }

// What the cluster knows of the cabling and the clocks outside it. The lab
// knows everything from its topology; an arbitrary cluster knows nothing.
export type Peer = { kind: 'switch'; name: string } | { kind: 'port'; node: string; port: string } | { kind: 'unplugged' }

export interface Wiring {
  peerOf(node: string, port: string): Peer | undefined
  switchClock?: NodeHandle // the boundary clock every switch port belongs to
  externalGms: Array<{ name: string; node: NodeHandle; port: string }>
}

export interface L2Options {
  skipInterfaces: string[]
  progress: (msg: string) => void
  signal?: AbortSignal
}

// Liveness of everything the suite relies on; each problem names the node
// and the component ("worker2: the daemon does not answer: ...").
export interface Health {
  problems: string[]
  warnings: string[]
}

export interface Cluster {
  readonly description: string // "lab ptplab (netns)", "cluster kind-netdevsim (context ...)"
  nodes(): Promise<ClusterNode[]> // the nodes PTP daemons run on
  node(name: string): NodeHandle // throws an InputError for a node it does not have
  health(): Promise<Health>
  ptpConfigs(): Promise<PtpConfig[]>
  applyPtpConfigs(configs: PtpConfig[]): Promise<void>
  deletePtpConfigs(names: string[]): Promise<void>
  setNodeLabels(node: string, labels: Record<string, string | null>): Promise<void> // null removes
  // Waits until the node's daemon runs exactly these profiles (qualified
  // names) and, when `since` is given, has logged applying them since then.
  waitProfiles(node: string, names: string[], o: { since?: LogMark; timeoutMs: number; signal?: AbortSignal }): Promise<{ ms?: number; running: string[] }>
  l2Discover(o: L2Options): Promise<Map<string, L2Report>>
  logSources(): Promise<LogSource[]>
  wiring(): Wiring | undefined
  close(): Promise<void>
}
