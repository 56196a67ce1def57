// Independent clocks (docs/clocks.md): how well each slave clock's servo did,
// from the daemons' metrics alone. ptp4l's own offset estimate and the
// lab's ground truth (ptplab_true_offset_ns) sampled over a settle window
// after sync; the frequency the servo found against the injected error.
// Checks are decided on the window (rms), never on one sample: software
// timestamps over veth have single outliers of 50-110 us.
import { findSample } from '../ptp/prom-text.js'
import { ifaceAlias } from '../ptp/iface-alias.js'
import { ClockState } from '../ptp/types.js'
import { LAB_SERVO } from '../ptp/lab-servo.js'
import { clockStateOf, offsetOf, type CheckResult, type Observation, type OffsetWindow, type PortRef } from './checks.js'

export interface ServoFigures {
  node: string
  port: string
  part: string // "OC slave", "BC slave port", "downstream slave", ...
  timeToLockMs?: number // config applied -> first LOCKED of this port
  samples: number
  ptp4lRmsNs?: number
  ptp4lMaxNs?: number
  trueRmsNs?: number
  trueMaxNs?: number
  injectedPpm?: number // this clock's oscillator error
  gmRatePpb?: number // its grandmaster clock's rate error (oscillator + servo)
  servoPpb?: number // what its servo applied on average over the window
  // The servo should apply -(injected - gm rate): found - wanted, ppb,
  // and that as a share of the error it had to correct.
  freqErrorPpb?: number
  freqErrorPct?: number
}

// ptplab_* metrics of the clock serving a port (labelled by NIC, like
// openshift_ptp_offset_ns); without a port, the node's first clock.
const m = (obs: Observation, node: string, name: string, port?: string) =>
  findSample(obs.metrics[node] ?? [], name, port ? { iface: ifaceAlias(port) } : {})?.value

export const trueOffsetOf = (obs: Observation, p: PortRef) => m(obs, p.node, 'ptplab_true_offset_ns', p.port)
// A node runs on its own clock when its daemon exports the clock metrics.
export const hasOwnClock = (obs: Observation, node: string) => m(obs, node, 'ptplab_clock_injected_ppm') !== undefined
// A clock's rate error against true time, ppb (the product term is below 0.01 ppb here).
export const rateOf = (obs: Observation, node: string, port?: string) => {
  const inj = m(obs, node, 'ptplab_clock_injected_ppm', port)
  return inj === undefined ? undefined : inj * 1000 + (m(obs, node, 'ptplab_clock_servo_ppb', port) ?? 0)
}

// Least-squares slope of y over x.
export function slope(pts: Array<[number, number]>): number | undefined {
  if (pts.length < 3) return undefined
  const n = pts.length
  const mx = pts.reduce((a, [x]) => a + x, 0) / n
  const my = pts.reduce((a, [, y]) => a + y, 0) / n
  const sxx = pts.reduce((a, [x]) => a + (x - mx) ** 2, 0)
  return sxx === 0 ? undefined : pts.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / sxx
}

export function checkTrueOffset(label: string, obs: Observation, p: PortRef, w: OffsetWindow): CheckResult[] {
  if (!hasOwnClock(obs, p.node)) return []
  const v = trueOffsetOf(obs, p)
  return [{ name: `${label} true offset from the grandmaster`, pass: v !== undefined && v >= w.min && v <= w.max, measured: v === undefined ? 'no metric' : `${Math.round(v)} ns`, expected: `[${w.min}, ${w.max}] ns` }]
}

// First LOCKED per port, from observations taken while waiting for sync.
export class LockWatch {
  private readonly firstLocked = new Map<string, number>()
  constructor(private readonly since: number) {}
  see(obs: Observation, ports: PortRef[], at: number): void {
    for (const p of ports) {
      const k = `${p.node}:${p.port}`
      if (!this.firstLocked.has(k) && clockStateOf(obs, p) === ClockState.LOCKED) this.firstLocked.set(k, at - this.since)
    }
  }
  of(p: PortRef): number | undefined {
    return this.firstLocked.get(`${p.node}:${p.port}`)
  }
}

const rms = (xs: number[]) => (xs.length ? Math.sqrt(xs.reduce((a, x) => a + x * x, 0) / xs.length) : undefined)
const maxAbs = (xs: number[]) => (xs.length ? Math.max(...xs.map(Math.abs)) : undefined)

// Figures of one slave port over a window of observations. The frequency
// the servo found is measured, not sampled: the slope of the true offset
// over the window is the rate the servo left uncorrected (its applied
// frequency moves with every sample by kp * offset).
export function servoFigures(slave: PortRef & { part: string }, gm: PortRef | undefined, window: Observation[], timeToLockMs?: number): ServoFigures {
  const own = window.map((o) => offsetOf(o, slave)).filter((v): v is number => v !== undefined)
  const truth = window.map((o) => trueOffsetOf(o, slave)).filter((v): v is number => v !== undefined)
  // one point per computation of the daemon (it refreshes every 250 ms)
  const pts = new Map<number, number>()
  for (const o of window) {
    const at = m(o, slave.node, 'ptplab_true_offset_host_ms', slave.port)
    const v = trueOffsetOf(o, slave)
    if (at !== undefined && v !== undefined) pts.set(at, v)
  }
  const last = window[window.length - 1]
  const injectedPpm = last && m(last, slave.node, 'ptplab_clock_injected_ppm', slave.port)
  const gmRatePpb = last && gm ? rateOf(last, gm.node, gm.port) : undefined
  const s = slope([...pts].map(([x, y]) => [x * 1e6, y])) // ns per ns
  const f: ServoFigures = { node: slave.node, port: slave.port, part: slave.part, timeToLockMs, samples: window.length, ptp4lRmsNs: rms(own), ptp4lMaxNs: maxAbs(own), trueRmsNs: rms(truth), trueMaxNs: maxAbs(truth), injectedPpm, gmRatePpb }
  if (injectedPpm !== undefined && gmRatePpb !== undefined && s !== undefined) {
    const wanted = -(injectedPpm * 1000 - gmRatePpb)
    f.freqErrorPpb = s * 1e9
    f.servoPpb = wanted + f.freqErrorPpb
    f.freqErrorPct = wanted !== 0 ? (100 * Math.abs(f.freqErrorPpb)) / Math.abs(wanted) : undefined
  }
  return f
}

// The window checks: true offset rms inside the offset window.
export function servoChecks(f: ServoFigures[], w: OffsetWindow): CheckResult[] {
  const bound = Math.min(Math.abs(w.min), Math.abs(w.max))
  return f.map((x) => ({
    name: `${x.part} ${x.node}:${x.port} true offset within the window (rms over ${x.samples} samples)`,
    pass: x.trueRmsNs !== undefined && x.trueRmsNs <= bound,
    measured: x.trueRmsNs === undefined ? 'no metric' : `rms ${Math.round(x.trueRmsNs)} ns, max ${Math.round(x.trueMaxNs ?? 0)} ns`,
    expected: `rms <= ${bound} ns`,
  }))
}

const ns = (v?: number) => (v === undefined ? '-' : `${Math.round(v)}`)
export function servoTable(f: ServoFigures[]): string {
  const rows = f.map((x) =>
    `  ${`${x.part} ${x.node}:${x.port}`.padEnd(34)} lock ${x.timeToLockMs === undefined ? '-' : `${(x.timeToLockMs / 1000).toFixed(1)} s`}`.padEnd(48) +
    ` ptp4l rms/max ${ns(x.ptp4lRmsNs)}/${ns(x.ptp4lMaxNs)} ns  true rms/max ${ns(x.trueRmsNs)}/${ns(x.trueMaxNs)} ns  injected ${x.injectedPpm ?? '-'} ppm, servo ${ns(x.servoPpb)} ppb, freq error ${ns(x.freqErrorPpb)} ppb${x.freqErrorPct !== undefined ? ` (${x.freqErrorPct.toFixed(2)} %)` : ''}`,
  )
  const settings = LAB_SERVO.map(([k, v]) => `${k} ${v}`).join(', ')
  return [`  servo (independent clocks; lab servo settings: ${settings})`, ...rows].join('\n')
}
