// The per-node clock state file the clock library (native/vclock/vclock.h)
// mmaps: the same fixed layout, written here at `up` and read for ground
// truth. Node time is a pure function of the state and host CLOCK_REALTIME.
import { open, writeFile } from 'node:fs/promises'
import type { ClockModel } from './model.js'
import { wanderOf } from './model.js'

export const VC_MAGIC = 0x4b4c4356
export const VC_VERSION = 1
export const VC_SIZE = 256
const STA_UNSYNC = 0x40
export const STATE_FILE = 'clock.state'

export interface ClockMap {
  baseOsc: bigint
  baseNode: bigint
  baseHost: bigint
  ratePpb: number
}

export interface ClockState {
  seq: number
  h0: bigint
  ppm: number
  wanderPpb: number
  wanderPeriodS: number
  wanderPhase: number
  cur: ClockMap
  prev: ClockMap
  freq: bigint // timex scaled ppm
  tick: bigint
  status: bigint
  maxerror: bigint
  esterror: bigint
  tai: bigint
  constant: bigint
  steps: bigint
  lastStepNs: bigint
  adjustments: bigint
  denied: bigint
}

const MAP_AT = { cur: 56, prev: 88 }
const I64 = ['freq', 'tick', 'status', 'maxerror', 'esterror', 'tai', 'constant', 'steps', 'lastStepNs', 'adjustments', 'denied'] as const

export function initialState(m: ClockModel, node: string, hostNs: bigint): ClockState {
  const w = wanderOf(m, node)
  const map: ClockMap = { baseOsc: 0n, baseNode: hostNs + BigInt(m.offsetNs), baseHost: hostNs, ratePpb: 0 }
  return {
    seq: 0, h0: hostNs, ppm: m.ppm, wanderPpb: w.amplitudePpb, wanderPeriodS: w.periodS, wanderPhase: w.phase,
    cur: map, prev: { baseOsc: 0n, baseNode: 0n, baseHost: 0n, ratePpb: 0 },
    freq: 0n, tick: 10000n, status: BigInt(STA_UNSYNC), maxerror: 16000000n, esterror: 16000000n, tai: 0n, constant: 2n,
    steps: 0n, lastStepNs: 0n, adjustments: 0n, denied: 0n,
  }
}

export function encodeState(s: ClockState): Buffer {
  const b = Buffer.alloc(VC_SIZE)
  b.writeUInt32LE(VC_MAGIC, 0)
  b.writeUInt32LE(VC_VERSION, 4)
  b.writeUInt32LE(s.seq, 8)
  b.writeBigInt64LE(s.h0, 16)
  b.writeDoubleLE(s.ppm, 24)
  b.writeDoubleLE(s.wanderPpb, 32)
  b.writeDoubleLE(s.wanderPeriodS, 40)
  b.writeDoubleLE(s.wanderPhase, 48)
  for (const k of ['cur', 'prev'] as const) {
    const at = MAP_AT[k]
    b.writeBigInt64LE(s[k].baseOsc, at)
    b.writeBigInt64LE(s[k].baseNode, at + 8)
    b.writeBigInt64LE(s[k].baseHost, at + 16)
    b.writeDoubleLE(s[k].ratePpb, at + 24)
  }
  I64.forEach((k, i) => b.writeBigInt64LE(s[k], 120 + 8 * i))
  return b
}

export function decodeState(b: Buffer, file = 'clock state'): ClockState {
  if (b.length < VC_SIZE || b.readUInt32LE(0) !== VC_MAGIC || b.readUInt32LE(4) !== VC_VERSION) throw new Error(`${file}: not a vclock state file`)
  const map = (at: number): ClockMap => ({
    baseOsc: b.readBigInt64LE(at), baseNode: b.readBigInt64LE(at + 8), baseHost: b.readBigInt64LE(at + 16), ratePpb: b.readDoubleLE(at + 24),
  })
  const s = {
    seq: b.readUInt32LE(8), h0: b.readBigInt64LE(16), ppm: b.readDoubleLE(24), wanderPpb: b.readDoubleLE(32),
    wanderPeriodS: b.readDoubleLE(40), wanderPhase: b.readDoubleLE(48), cur: map(MAP_AT.cur), prev: map(MAP_AT.prev),
  } as ClockState
  I64.forEach((k, i) => (s[k] = b.readBigInt64LE(120 + 8 * i)))
  return s
}

// --- the library's arithmetic, mirrored (vclock.c vc_osc / vc_node_map) ---

export function oscAt(s: ClockState, h: bigint): bigint {
  const dt = h - s.h0
  let extra = s.ppm * 1e-6 * Number(dt)
  if (s.wanderPpb !== 0 && s.wanderPeriodS > 0) {
    const w = (2 * Math.PI) / s.wanderPeriodS
    extra += (s.wanderPpb / w) * (Math.cos(s.wanderPhase) - Math.cos(w * (Number(dt) / 1e9) + s.wanderPhase))
  }
  return dt + BigInt(Math.round(extra))
}

export function nodeAt(s: ClockState, h: bigint, m: ClockMap = s.cur): bigint {
  const d = oscAt(s, h) - m.baseOsc
  return m.baseNode + d + BigInt(Math.round(Number(d) * m.ratePpb * 1e-9))
}

// The frequency the servo applies, in ppb (freq plus tick: 100 ppm a unit).
export const servoPpb = (s: ClockState) => Number(s.freq) / 65.536 + Number(s.tick - 10000n) * 100_000

// The node clock's frequency error now against true time, ppb: the
// oscillator's error (with wander) corrected by the servo.
export function rateErrorPpb(s: ClockState, h: bigint): number {
  const d = 1_000_000_000n
  return Number(nodeAt(s, h + d) - nodeAt(s, h) - d)
}

// --- files ----------------------------------------------------------------

export async function writeStateFile(path: string, s: ClockState): Promise<void> {
  await writeFile(path, encodeState(s), { mode: 0o644 })
}

// A consistent snapshot without the library's lock: two reads that agree on
// an even sequence number and on every byte (a writer may be mid-update).
export async function readStateFile(path: string): Promise<ClockState> {
  const fh = await open(path, 'r')
  try {
    for (let i = 0; i < 100; i++) {
      const a = Buffer.alloc(VC_SIZE)
      const b = Buffer.alloc(VC_SIZE)
      await fh.read(a, 0, VC_SIZE, 0)
      await fh.read(b, 0, VC_SIZE, 0)
      if (a.equals(b) && (a.readUInt32LE(8) & 1) === 0) return decodeState(a, path)
    }
    throw new Error(`${path}: the clock state keeps changing under the reader`)
  } finally {
    await fh.close()
  }
}

// Host CLOCK_REALTIME in ns, to the microsecond (what ground truth needs:
// an error e in the host time moves a true offset by only e times the
// rate difference of the two clocks).
export const hostNowNs = () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n
