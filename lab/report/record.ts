// What a run leaves for its report: per mode the suite result, which port
// played which part, the named tests' intervals, the sampled time series of
// every observed slave port and the events that shaped them, and where the
// logs and JUnit files are. The engine fills it as it runs; the report is
// made from it alone, so a recorded run can be re-rendered anywhere.
// Times are epoch milliseconds (Date.now()).
import type { OffsetWindow } from '../conformance/checks.js'
import type { EngineEvent } from '../conformance/engine.js'
import type { SuiteResult } from '../conformance/report.js'
import type { ClockStateName, LiveView, RoleName } from '../graph/model.js'
import type { Topology } from '../topology/index.js'

export interface PortSample {
  t: number
  offsetNs?: number // openshift_ptp_offset_ns{from="master"}: ptp4l's own estimate
  trueOffsetNs?: number // with independent clocks: the node's true time error against the GM
  clockState?: ClockStateName
  role?: RoleName
}

export interface PortSeries {
  node: string
  port: string
  part?: string // what it plays in the mode: "OC slave", "downstream slave", ...
  samples: PortSample[]
}

export type TestStatus = 'PASSED' | 'FAILED' | 'SKIPPED'

export interface TestInterval {
  name: string // the named test: sync, port down/up recovery, process restart, ...
  start: number
  end: number
  status: TestStatus
}

export const EVENT_KINDS = {
  'config-applied': 'PtpConfigs applied',
  'config-removed': 'PtpConfigs removed',
  'port-down': 'link down',
  'port-up': 'link up',
  sigterm: 'SIGTERM',
  'process-exit': 'process exited',
  'process-start': 'process started',
  'profile-applied': 'profile applied',
} as const satisfies Record<EngineEvent['kind'], string>
export type EventKind = keyof typeof EVENT_KINDS

export interface RunEvent {
  t: number
  kind: EventKind
  node?: string
  port?: string
  detail?: string
}

// A file the report links to: a path relative to the report directory, or
// absolute (the writer turns it into a relative link).
export interface FileLink {
  label: string
  path: string
}

export interface ModeRecord {
  result: SuiteResult
  parts: Array<{ node: string; port: string; part: string }> // GM, OC slave, BC master, ...
  live?: LiveView // roles and clocks when the mode was in sync: the mode's graph
  tests: TestInterval[]
  series: PortSeries[]
  events: RunEvent[]
  logs: FileLink[]
  junit?: FileLink
}

export interface RunRecord {
  version: 1
  lab: string
  command?: string // how it was run, for the reader
  topology: Topology
  window: OffsetWindow
  clock: 'shared' | 'independent'
  startedAt: string // ISO 8601
  durationMs: number
  modes: ModeRecord[]
}
