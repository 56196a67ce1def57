// The namespace lab's kubelet: one small process per lab that watches the
// daemon host (every node's daemon) and starts it again when it dies, with
// kubelet's crash-loop back-off, counting restarts in supervisor.json next
// to the state file (status shows them). It runs in the host namespace,
// outside the lab's namespaces, so `down` stops it first (found by its pid
// file and, after a crash, by its command line) before anything else.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { labPaths, projectRoot } from '../../paths.js'
import { readState, writeJsonAtomic } from '../../state/state.js'
import { sleep } from '../../sys/poll.js'
import { isAlive, pidsByArgs, procStartTime } from '../../sys/proc.js'
import { spawnDetached, type Spawned } from '../../sys/spawn.js'
import { labNodeNames } from '../assemble.js'
import { DAEMON_HOST, startDaemonHost } from './daemon-host.js'
import { supervise, type SupervisorRecord } from '../supervise-loop.js'
export { backoffMs, nodeSupervisorFile, STABLE_MS, supervise, type SupervisorRecord } from '../supervise-loop.js'

export const supervisorEntry = () => join(projectRoot(), 'dist', 'cli', 'supervise.js')
export const supervisorFile = (lab: string) => join(labPaths(lab).dir, 'supervisor.json')

// The entry's work: the daemons recorded in the lab's state, watched until
// the lab is gone or SIGTERM.
export async function runSupervisor(lab: string, signal: AbortSignal): Promise<void> {
  const st = await readState(lab)
  if (!st) throw new Error(`no lab ${lab}`)
  const p = labPaths(lab)
  const daemons: Record<string, Spawned> = {}
  for (const r of st.resources) if (r.kind === 'process' && r.name === DAEMON_HOST) daemons[DAEMON_HOST] = { pid: r.pid, startTime: r.startTime }
  const rec: SupervisorRecord = { pid: process.pid, startTime: await procStartTime(process.pid), daemons, restarts: {} }
  await writeJsonAtomic(supervisorFile(lab), rec)
  await supervise(
    rec,
    {
      alive: (s) => isAlive(s.pid, s.startTime),
      start: () => {
        process.stdout.write(`${new Date().toISOString()} restarting the daemon host (the daemons of ${labNodeNames(st.topology).length} nodes)\n`)
        return startDaemonHost(lab)
      },
      save: (r) => writeJsonAtomic(supervisorFile(lab), r),
      labGone: () => !existsSync(p.state),
      now: () => Date.now(),
      sleep: (ms) => sleep(ms, signal),
    },
    { intervalMs: 500, signal },
  )
}

export function startSupervisor(lab: string): Promise<Spawned> {
  return spawnDetached({ cmd: process.execPath, args: [supervisorEntry(), '--lab', lab], logFile: labPaths(lab).supervisorLog })
}

export function readSupervisor(lab: string): SupervisorRecord | undefined {
  try {
    return JSON.parse(readFileSync(supervisorFile(lab), 'utf8')) as SupervisorRecord
  } catch {
    return undefined
  }
}

// Every supervisor process of this lab: by its record, and by command line
// (`node <supervise.js> --lab <lab>`), which survives a lost record.
export async function findSupervisors(lab: string): Promise<number[]> {
  const found = new Set(pidsByArgs([supervisorEntry(), '--lab', lab]))
  const r = readSupervisor(lab)
  if (r && (await isAlive(r.pid, r.startTime))) found.add(r.pid)
  return [...found]
}


