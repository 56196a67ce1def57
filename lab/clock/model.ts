// A node's clock model for independent clocks (issue 10): the oscillator's
// frequency error, its start offset and a bounded wander, deterministic
// from a seed. Values come from the topology (`clock:` lab-wide and per
// node); this file only resolves and derives (zod for types only: the
// daemon loads it).
import { createHash } from 'node:crypto'
import type { z } from 'zod'
import type { ClockSchema } from './schema.js'

export const CLOCK_MODES = ['shared', 'independent'] as const
export type ClockMode = (typeof CLOCK_MODES)[number]

export type ClockSpec = z.infer<typeof ClockSchema>

export interface ClockModel {
  ppm: number
  offsetNs: number
  wanderPpbPerS: number
  seed: number
}

// The wander is a sinusoid of this period whose steepest slope is
// wanderPpbPerS: bounded, and integrable in closed form by the library.
export const WANDER_PERIOD_S = 600

export function resolveClock(labDefault: ClockSpec | undefined, node: ClockSpec | undefined): ClockModel {
  const pick = <K extends keyof ClockSpec>(k: K, d: number) => node?.[k] ?? labDefault?.[k] ?? d
  return { ppm: pick('ppm', 0), offsetNs: pick('offsetNs', 0), wanderPpbPerS: pick('wanderPpbPerS', 0), seed: pick('seed', 0) }
}

// Amplitude (ppb) and phase (rad) of the wander: the phase from seed and
// node name, so two nodes with one seed still wander differently.
export function wanderOf(m: ClockModel, node: string): { amplitudePpb: number; periodS: number; phase: number } {
  const h = createHash('sha256').update(`${m.seed}:${node}`).digest()
  const phase = (h.readUInt32LE(0) / 2 ** 32) * 2 * Math.PI
  return { amplitudePpb: (m.wanderPpbPerS * WANDER_PERIOD_S) / (2 * Math.PI), periodS: WANDER_PERIOD_S, phase }
}

export const describeClock = (m: ClockModel) =>
  `${m.ppm >= 0 ? '+' : ''}${m.ppm} ppm, offset ${m.offsetNs} ns${m.wanderPpbPerS ? `, wander ${m.wanderPpbPerS} ppb/s (seed ${m.seed})` : ''}`
