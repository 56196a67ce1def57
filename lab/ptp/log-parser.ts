// Parser for the ptp4l / phc2sys stdout lines the metrics are built from
// (docs/upstream.md#linuxptp). One line in, one PtpEvent (or null) out.
import type { PtpEvent, PtpProcessName } from './types.js'

// "ptp4l[365195.391]: " - the program and its monotonic timestamp.
const PREFIX = /^(ptp4l|phc2sys|ts2phc)\[[^\]]*\]:\s*/
// "[ptp4l.0.config]" or "[ptp4l.0.config:5]" (newer daemons append a level).
const TAG = /^\[([^\]:\s]+)(?::[^\]]*)?\]\s*/

const NUM = '([+-]?\\d+)'
// [<clock> ]master|phc|sys offset N sX freq F[ [path ]delay D]
const OFFSET = new RegExp(
  `^(?:(\\S+)\\s+)?(master|phc|sys)\\s+offset\\s+${NUM}\\s+(s[0-3])\\s+freq\\s+${NUM}(?:\\s+(?:path\\s+)?delay\\s+${NUM})?$`,
)
// [CLOCK_REALTIME ]rms R max M freq F +/- S[ delay D +/- S]
const RMS = new RegExp(
  `^(?:(\\S+)\\s+)?rms\\s+${NUM}\\s+max\\s+${NUM}\\s+freq\\s+${NUM}\\s+\\+/-\\s+${NUM}(?:\\s+delay\\s+${NUM}\\s+\\+/-\\s+${NUM})?$`,
)
// port 1: A to B on EVENT   /   port 1 (ens1f0): A to B on EVENT
// A fault names its type after the event: "on FAULT_DETECTED (FT_UNSPECIFIED)".
const PORT = /^port\s+(\d+)(?:\s+\([^)]*\))?:\s+([A-Z_]+)\s+to\s+([A-Z_]+)\s+on\s+([A-Z0-9_]+)(?:\s+\([A-Z0-9_]+\))?$/
const BEST_REMOTE = /^selected best master clock\s+([0-9a-fA-F]{6}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{6})\b/
const BEST_LOCAL = /^selected local clock\s+([0-9a-fA-F]{6}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{6})\s+as best master\b/

interface Split {
  process?: PtpProcessName
  config?: string
  body: string
}

function split(line: string): Split {
  let rest = line.trim()
  let process: PtpProcessName | undefined
  const p = PREFIX.exec(rest)
  if (p) {
    process = p[1] as PtpProcessName
    rest = rest.slice(p[0].length)
  }
  let config: string | undefined
  const t = TAG.exec(rest)
  if (t) {
    config = t[1]
    rest = rest.slice(t[0].length)
  }
  return { process, config, body: rest.trim() }
}

// The message tag without brackets (and without a ":level" suffix), e.g.
// "ptp4l.0.config", or undefined when the line carries none.
export function messageTag(line: string): string | undefined {
  return split(line).config
}

// The prefix names the process; a bare line (no "ptp4l[...]: ") is accepted
// only when the caller says which program wrote it.
export function parseLogLine(line: string, defaultProcess?: PtpProcessName): PtpEvent | null {
  const { process: fromPrefix, config, body } = split(line)
  const process = fromPrefix ?? defaultProcess
  if (!process) return null
  const base = config === undefined ? { process } : { process, config }

  let m = OFFSET.exec(body)
  if (m) {
    const [, clock, word, offset, servo, freq, delay] = m
    const source = word as 'master' | 'phc' | 'sys'
    // phc2sys always names the clock it steers; "master offset" may not.
    if (source !== 'master' && clock === undefined) return null
    return {
      kind: 'offset',
      ...base,
      source,
      ...(clock !== undefined ? { clock } : {}),
      offset: Number(offset),
      servo: servo as 's0' | 's1' | 's2' | 's3',
      freq: Number(freq),
      ...(delay !== undefined ? { delay: Number(delay) } : {}),
    }
  }

  m = RMS.exec(body)
  if (m) {
    const [, clock, rms, max, freq, , delay] = m
    // The rms event carries no clock name, so of phc2sys's summaries only
    // the CLOCK_REALTIME one (the one upstream exports) is kept; ptp4l's
    // own summary has no clock in front.
    if (clock !== undefined && clock !== 'CLOCK_REALTIME') return null
    return {
      kind: 'rms',
      ...base,
      rms: Number(rms),
      max: Number(max),
      freq: Number(freq),
      ...(delay !== undefined ? { delay: Number(delay) } : {}),
    }
  }

  m = PORT.exec(body)
  if (m) {
    const [, port, from, to, event] = m
    return { kind: 'port-state', ...base, port: Number(port), from: from ?? '', to: to ?? '', event: event ?? '' }
  }

  m = BEST_REMOTE.exec(body)
  if (m) return { kind: 'best-master', ...base, clockId: (m[1] ?? '').toLowerCase(), local: false }
  m = BEST_LOCAL.exec(body)
  if (m) return { kind: 'best-master', ...base, clockId: (m[1] ?? '').toLowerCase(), local: true }

  return null
}
