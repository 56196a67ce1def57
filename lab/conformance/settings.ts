// Test settings from flags and environment, parsed and checked up front so
// bad input fails before any lab is picked or brought up.
import { InputError } from '../errors.js'

export const MODES = ['oc'] as const
export type Mode = (typeof MODES)[number]

export interface OffsetWindow {
  min: number
  max: number
}

export interface TestSettings {
  modes: Mode[]
  window: OffsetWindow
  timeoutMs: number
  keepConfig: boolean
}

type Env = Record<string, string | undefined>

export function parseModes(s: string): Mode[] {
  const modes: Mode[] = []
  for (const raw of s.split(',').map((m) => m.trim().toLowerCase()).filter(Boolean)) {
    if (!(MODES as readonly string[]).includes(raw))
      throw new InputError(`unknown mode ${JSON.stringify(raw)} (known: ${MODES.join(', ')})`, { field: '--mode' })
    if (!modes.includes(raw as Mode)) modes.push(raw as Mode)
  }
  if (!modes.length) throw new InputError('no mode given', { field: '--mode' })
  return modes
}

function intFromEnv(env: Env, k: string, d: number, what: string): number {
  const v = env[k]
  if (v === undefined || v === '') return d
  if (!/^\s*[-+]?\d+\s*$/.test(v)) throw new InputError(`${k}=${JSON.stringify(v)} is not an integer ${what}`, { field: k })
  return Number(v)
}

// Offset window: MIN/MAX_OFFSET_IN_NS, lab default +/-10000 ns (upstream CI's).
export function offsetWindow(env: Env = process.env): OffsetWindow {
  const w = {
    min: intFromEnv(env, 'MIN_OFFSET_IN_NS', -10000, 'number of nanoseconds'),
    max: intFromEnv(env, 'MAX_OFFSET_IN_NS', 10000, 'number of nanoseconds'),
  }
  if (w.min > w.max)
    throw new InputError(`MIN_OFFSET_IN_NS (${w.min}) is greater than MAX_OFFSET_IN_NS (${w.max})`, { field: 'MIN_OFFSET_IN_NS' })
  return w
}

export function testSettings(modeArg: string, env: Env = process.env): TestSettings {
  const timeoutS = intFromEnv(env, 'PTPLAB_SYNC_TIMEOUT_S', 60, 'number of seconds')
  if (timeoutS <= 0) throw new InputError(`PTPLAB_SYNC_TIMEOUT_S must be positive (got ${timeoutS})`, { field: 'PTPLAB_SYNC_TIMEOUT_S' })
  return {
    modes: parseModes(modeArg),
    window: offsetWindow(env),
    timeoutMs: timeoutS * 1000,
    keepConfig: env.KEEP_PTPCONFIG === 'true',
  }
}
