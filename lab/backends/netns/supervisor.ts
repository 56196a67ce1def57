// The namespace lab's kubelet: one small process per lab that watches every
// daemon it started and starts a dead one again (same argv, same log), with
// kubelet's crash-loop back-off, counting restarts in supervisor.json next
// to the state file (status shows them). It runs in the host namespace,
// outside the lab's namespaces, so `down` stops it first (found by its pid
// file and, after a crash, by its command line) before anything else.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { labPaths, netnsName, projectRoot } from '../../paths.js'
import { readState, writeJsonAtomic } from '../../state/state.js'
import { sleep } from '../../sys/poll.js'
import { isAlive, procStartTime } from '../../sys/proc.js'
import { spawnDetached, spawnInNetns, type Spawned } from '../../sys/spawn.js'
import { daemonArgv } from '../assemble.js'
import { supervise, type SupervisorRecord } from '../supervise-loop.js'
export { backoffMs, nodeSupervisorFile, STABLE_MS, supervise, type SupervisorRecord } from '../supervise-loop.js'

export const supervisorEntry = () => join(projectRoot(), 'dist', 'cli', 'supervise.js')
export const supervisorFile = (lab: string) => join(labPaths(lab).dir, 'supervisor.json')

// The entry's work: the daemons recorded in the lab's state, watched until
// the lab is gone or SIGTERM.
export async function runSupervisor(lab: string, signal: AbortSignal): Promise<void> {
  const st = await readState(lab)
  if (!st) throw new Error(`no lab ${lab}`)
  const t = st.topology
  const p = labPaths(lab)
  const daemons: Record<string, Spawned> = {}
  for (const r of st.resources) if (r.kind === 'process' && r.name.startsWith('daemon:')) daemons[r.name.slice(7)] = { pid: r.pid, startTime: r.startTime }
  const rec: SupervisorRecord = { pid: process.pid, startTime: await procStartTime(process.pid), daemons, restarts: {} }
  await writeJsonAtomic(supervisorFile(lab), rec)
  await supervise(
    rec,
    {
      alive: (s) => isAlive(s.pid, s.startTime),
      start: (node) => {
        process.stdout.write(`${new Date().toISOString()} restarting the daemon of ${node}\n`)
        return spawnInNetns({ netns: netnsName(lab, node), cmd: process.execPath, args: daemonArgv(t, node, st.clock), logFile: p.nodeLog(node) })
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
  return spawnDetached({ cmd: process.execPath, args: [supervisorEntry(), '--lab', lab], logFile: join(labPaths(lab).logs, 'supervisor.log') })
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
  const found = new Set<number>()
  const r = readSupervisor(lab)
  if (r && (await isAlive(r.pid, r.startTime))) found.add(r.pid)
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0')
      if (argv[1] === supervisorEntry() && argv[2] === '--lab' && argv[3] === lab) found.add(Number(d))
    } catch {
      /* gone */
    }
  }
  return [...found]
}


