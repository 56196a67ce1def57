// "The node's daemon now runs exactly these profiles (and, given a log
// since a mark, has logged applying each)": the one wait both clusters use,
// with what differs between them passed in.
import { profileLogged } from '../ptp/profile-log.js'
import { poll } from '../sys/poll.js'

export interface ProfileWait {
  names: string[] // qualified profile names, any order
  running: () => Promise<string[]> // the profiles the daemon runs now
  log?: () => Promise<string> // what it logged since the mark
  also?: () => Promise<boolean> // a further condition (the operator's ConfigMap)
  timeoutMs: number
  intervalMs: number
  signal?: AbortSignal
}

const same = (a: string[], b: string[]) => [...a].sort().join(',') === [...b].sort().join(',')

export async function waitForProfiles(w: ProfileWait): Promise<{ ms?: number; running: string[] }> {
  let running: string[] = []
  const r = await poll(
    async () => {
      if (w.also && !(await w.also())) return undefined
      running = await w.running()
      if (!same(running, w.names)) return undefined
      if (!w.log) return true
      const log = await w.log()
      return w.names.every((n) => profileLogged(log, n)) || undefined
    },
    { timeoutMs: w.timeoutMs, intervalMs: w.intervalMs, signal: w.signal, ignoreErrors: true },
  )
  return { ms: r.value ? r.ms : undefined, running }
}

export const sameProfiles = same
