// How a node's PTP processes run on their own clock: the clock library
// preloaded with the node's state file, and CAP_SYS_TIME dropped (setpriv)
// so that a call the library missed fails with EPERM instead of steering
// the host clock.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { projectRoot } from '../paths.js'
import { run } from '../sys/run.js'

// PTPLAB_NATIVE_DIR: another build of the library (tests point it at a
// directory without one to see the refusal).
export const nativeDir = () => process.env.PTPLAB_NATIVE_DIR ?? join(projectRoot(), 'dist', 'native')
export const clockLibrary = () => join(nativeDir(), 'libvclock.so')
export const hostClockProbe = () => join(nativeDir(), 'vclock-hostclock')

export const CAP_DROP = ['--inh-caps', '-sys_time', '--bounding-set', '-sys_time'] as const
const CAP_SYS_TIME = 25n

export const clockEnv = (statePath: string): Record<string, string> => ({ LD_PRELOAD: clockLibrary(), VCLOCK_STATE: statePath })

// What independent clocks need, checked before anything of a lab is made.
export function missingForIndependent(): string | undefined {
  for (const f of [clockLibrary(), hostClockProbe()])
    if (!existsSync(f)) return `${f} is missing: the clock library is built by scripts/setup.sh (or scripts/build-native.sh) with a C compiler (Debian: apt-get install gcc)`
  return undefined
}

// The drop really takes: a child started through setpriv has no
// CAP_SYS_TIME in its bounding set.
export async function capabilityDropWorks(setpriv: string): Promise<boolean> {
  const r = await run(setpriv, [...CAP_DROP, '--', 'cat', '/proc/self/status'], { allowFail: true })
  const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(r.stdout)
  return r.exitCode === 0 && !!m && (BigInt(`0x${m[1]}`) & (1n << CAP_SYS_TIME)) === 0n
}

export class ClockUnavailable extends Error {}

export async function assertIndependentClocks(setpriv = 'setpriv'): Promise<void> {
  const missing = missingForIndependent()
  if (missing) throw new ClockUnavailable(`--clock independent is unavailable: ${missing}`)
  if (!(await capabilityDropWorks(setpriv))) throw new ClockUnavailable(`--clock independent is unavailable: ${setpriv} cannot drop CAP_SYS_TIME (${CAP_DROP.join(' ')})`)
}
