// The host-clock guard, always on with independent clocks: the host's
// timex state and CLOCK_REALTIME - CLOCK_MONOTONIC_RAW before and after a
// run (native/vclock/hostclock.c reads them with raw syscalls). Anything
// that steered the host changes one of them; the run then fails loudly.
import { run } from '../sys/run.js'
import { hostClockProbe } from './launch.js'

export interface HostClock {
  freq: number // timex freq, ppm << 16
  tick: number
  status: number
  realMinusRawNs: bigint
  takenAtMs: number
}

export async function readHostClock(): Promise<HostClock> {
  const r = await run(hostClockProbe(), [])
  const line = r.stdout.trim()
  const j = JSON.parse(line.replace(/"realMinusRawNs":(-?\d+)/, '"realMinusRawNs":"$1"')) as Record<string, number | string>
  return { freq: Number(j.freq), tick: Number(j.tick), status: Number(j.status), realMinusRawNs: BigInt(j.realMinusRawNs!), takenAtMs: Date.now() }
}

// REALTIME and MONOTONIC_RAW drift apart by the clocksource's calibration
// error (well under 1 ppm) even when nobody touches the clock; a step or a
// servo's frequency is far above that.
export const DRIFT_ALLOWANCE_PPM = 1
export const BASE_TOLERANCE_NS = 100_000

export function hostClockChanges(before: HostClock, after: HostClock): string[] {
  const out: string[] = []
  if (before.freq !== after.freq) out.push(`frequency ${before.freq} -> ${after.freq} (ppm << 16)`)
  if (before.tick !== after.tick) out.push(`tick ${before.tick} -> ${after.tick}`)
  if (before.status !== after.status) out.push(`status 0x${before.status.toString(16)} -> 0x${after.status.toString(16)}`)
  const moved = after.realMinusRawNs - before.realMinusRawNs
  const allowed = BASE_TOLERANCE_NS + Math.abs(after.takenAtMs - before.takenAtMs) * 1e6 * DRIFT_ALLOWANCE_PPM * 1e-6
  if (Math.abs(Number(moved)) > allowed) out.push(`CLOCK_REALTIME moved ${moved} ns against CLOCK_MONOTONIC_RAW (allowed ${Math.round(allowed)} ns)`)
  return out
}

export class HostClockChanged extends Error {
  constructor(readonly changes: string[]) {
    super(`the host clock was changed during the run: ${changes.join('; ')}`)
    this.name = 'HostClockChanged'
  }
}
