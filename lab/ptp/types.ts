// Types shared by the lab library, the CLI and the daemon (daemon/ imports
// only types and pure parsers from lab/ptp).

// One PTP profile as the operator hands it to the daemon (docs/upstream.md#daemon).
export interface PtpProfile {
  name: string
  interface?: string
  ptp4lOpts?: string
  ptp4lConf?: string
  phc2sysOpts?: string
  phc2sysConf?: string
  ts2phcOpts?: string
  ts2phcConf?: string
  ptpSchedulingPolicy?: string // SCHED_OTHER | SCHED_FIFO
  ptpSchedulingPriority?: number
  ptpClockThreshold?: {
    holdOverTimeout?: number
    maxOffsetThreshold?: number
    minOffsetThreshold?: number
  }
  ptpSettings?: Record<string, string>
  plugins?: Record<string, unknown>
}

export type PtpProcessName = 'ptp4l' | 'phc2sys' | 'ts2phc'

// Metric enums, values exactly as upstream exports them.
export const ClockState = { FREERUN: 0, LOCKED: 1, HOLDOVER: 2 } as const
export const PortRole = { PASSIVE: 0, SLAVE: 1, MASTER: 2, FAULTY: 3, UNKNOWN: 4, LISTENING: 5 } as const
export type PortRoleName = keyof typeof PortRole

// What one log line of ptp4l/phc2sys means. `config` is the message tag
// without brackets (e.g. "ptp4l.0.config"), or undefined for untagged lines.
export type PtpEvent =
  | {
      kind: 'offset'
      process: PtpProcessName
      config?: string
      source: 'master' | 'phc' | 'sys' // "master offset" -> master; phc2sys "CLOCK_REALTIME phc offset" -> phc
      clock?: string // phc2sys: the clock named in the line, e.g. CLOCK_REALTIME
      offset: number
      servo: 's0' | 's1' | 's2' | 's3'
      freq: number
      delay?: number
    }
  | {
      kind: 'rms'
      process: PtpProcessName
      config?: string
      rms: number
      max: number
      freq: number
      delay?: number
    }
  | {
      kind: 'port-state'
      process: PtpProcessName
      config?: string
      port: number // 1-based port number as ptp4l prints it
      from: string
      to: string
      event: string // e.g. MASTER_CLOCK_SELECTED, FAULT_DETECTED
    }
  | {
      kind: 'best-master'
      process: PtpProcessName
      config?: string
      clockId: string // "001122.fffe.334455"
      local: boolean // "selected local clock X as best master" vs "selected best master clock X"
    }

// The name of an enum value (ClockState, PortRole), e.g. 1 -> "SLAVE".
export const enumName = (e: Record<string, number>, v: number): string | undefined =>
  Object.entries(e).find(([, n]) => n === v)?.[0]
