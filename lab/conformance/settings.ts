// Test settings from flags, environment and PTP_TEST_CONFIG_FILE, parsed
// and checked up front so bad input fails before any lab is picked or
// brought up.
import { InputError } from '../errors.js'
import type { OffsetWindow } from './checks.js'
import { parseMode, supportedMode, type Mode } from './modes.js'
import { loadTestEnv, type TestEnv } from './testconfig.js'

export interface TestSettings {
  modes: Mode[]
  window: OffsetWindow
  timeoutMs: number
  keepConfig: boolean
  externalGm: boolean
  skipInterfaces: string[]
  soak?: { durationMs: number; failureThreshold: number } // slave_clock_sync, when enabled
  logs?: { dir: string; markers: boolean } // COLLECT_POD_LOGS
  clock?: 'shared' | 'independent' // independent: true offsets and the servo section
  servoWindowMs?: number // PTPLAB_SERVO_WINDOW_S: the servo figures' window (default 8 s)
  debug?: boolean // PTPLAB_DEBUG: while waiting for sync, say which checks still fail
}

type Env = Record<string, string | undefined>

// --mode: comma separated, case-insensitive, upstream spellings accepted
// (OC, BC, DualNICBC, DualFollower, Discovery).
export function parseModes(s: string): Mode[] {
  const modes: Mode[] = []
  for (const raw of s.split(',').map((m) => m.trim().toLowerCase()).filter(Boolean)) {
    const m = parseMode(raw, '--mode')
    if (!modes.includes(m)) modes.push(m)
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

// The ptp4l-side view of a resolved test environment (pure).
export function settingsFrom(modeArg: string | undefined, te: TestEnv, env: Env): TestSettings {
  const timeoutS = intFromEnv(env, 'PTPLAB_SYNC_TIMEOUT_S', 60, 'number of seconds')
  if (timeoutS <= 0) throw new InputError(`PTPLAB_SYNC_TIMEOUT_S must be positive (got ${timeoutS})`, { field: 'PTPLAB_SYNC_TIMEOUT_S' })
  // The servo window: longer gives the found frequency more precision
  // (software timestamps over veth wander by about a microsecond).
  const servoS = intFromEnv(env, 'PTPLAB_SERVO_WINDOW_S', 8, 'number of seconds')
  if (servoS <= 0) throw new InputError(`PTPLAB_SERVO_WINDOW_S must be positive (got ${servoS})`, { field: 'PTPLAB_SERVO_WINDOW_S' })
  // --mode wins; otherwise PTP_TEST_MODE / DISCOVERY_MODE (default OC).
  const modes = modeArg !== undefined ? parseModes(modeArg) : [supportedMode(te.mode, te.modeFrom === 'DISCOVERY_MODE' ? 'DISCOVERY_MODE' : 'PTP_TEST_MODE')]
  const soak = te.config.soaktest
  const scs = soak.slaveClockSync?.spec
  const durationMin = scs?.duration ?? soak.duration ?? 0
  return {
    modes,
    window: { min: te.offsets.min, max: te.offsets.max },
    timeoutMs: timeoutS * 1000,
    keepConfig: te.keepPtpConfig,
    externalGm: te.externalGM,
    skipInterfaces: te.skipInterfaces,
    soak:
      !soak.disableAll && scs?.enable && durationMin > 0
        ? { durationMs: durationMin * 60_000, failureThreshold: scs.failureThreshold ?? soak.failureThreshold }
        : undefined,
    logs: te.collectPodLogs ? { dir: te.logArtifactsDir, markers: te.logTestMarkers } : undefined,
    ...(servoS !== 8 && { servoWindowMs: servoS * 1000 }),
    ...(env.PTPLAB_DEBUG && { debug: true }),
  }
}

export async function testSettings(modeArg: string | undefined, env: Env = process.env): Promise<TestSettings> {
  return settingsFrom(modeArg, await loadTestEnv(env), env)
}
