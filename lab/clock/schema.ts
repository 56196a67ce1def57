// The topology's `clock:` fields, checked by the topology loader. Apart from
// lab/clock/model.ts so that the daemon, which loads the model, never loads zod.
import { z } from 'zod'

// Bounded like a real oscillator: the kernel's frequency range is +-500 ppm,
// and an offset beyond a day is no lab start error.
export const ClockSchema = z.strictObject({
  ppm: z.number().min(-400, 'ppm must be in -400..400').max(400, 'ppm must be in -400..400').optional(),
  offsetNs: z.number().int('offsetNs must be an integer').min(-86_400e9).max(86_400e9).optional(),
  wanderPpbPerS: z.number().min(0, 'wanderPpbPerS must be 0..100').max(100, 'wanderPpbPerS must be 0..100').optional(),
  seed: z.number().int('seed must be an integer').min(0).optional(),
})
