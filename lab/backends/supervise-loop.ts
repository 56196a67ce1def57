// The supervision loop shared by the lab's supervisors (lab/backends/netns/
// supervisor.ts for a namespace lab; a container node's main process), with
// its effects injected. Light on purpose: a container's supervisor entry
// imports only this.
import { join } from 'node:path'
import { labPaths } from '../paths.js'
import { writeJsonAtomic } from '../state/state.js'
import { sleep } from '../sys/poll.js'
import type { Spawned } from '../sys/spawn.js'

export interface SupervisorRecord {
  pid: number
  startTime?: string
  daemons: Record<string, Spawned>
  restarts: Record<string, number>
}

// Kubelet's CrashLoopBackOff, scaled down: 1 s, doubling per crash that
// follows a short run, at most 30 s; a daemon that ran a minute starts over.
export function backoffMs(consecutive: number): number {
  return Math.min(1000 * 2 ** Math.max(0, consecutive - 1), 30_000)
}
export const STABLE_MS = 60_000

export interface SuperviseOps {
  alive(s: Spawned): Promise<boolean>
  start(node: string): Promise<Spawned>
  save(r: SupervisorRecord): Promise<void>
  labGone(): boolean
  now(): number
  sleep(ms: number): Promise<void>
}

// The loop, with its effects injected (unit-tested with a fake clock).
export async function supervise(rec: SupervisorRecord, ops: SuperviseOps, o: { intervalMs: number; signal?: AbortSignal }): Promise<void> {
  const crashes = new Map<string, { n: number; startedAt: number; dueAt?: number }>()
  for (const n of Object.keys(rec.daemons)) crashes.set(n, { n: 0, startedAt: ops.now() })
  while (!o.signal?.aborted && !ops.labGone()) {
    let changed = false
    for (const [node, sp] of Object.entries(rec.daemons)) {
      if (o.signal?.aborted || ops.labGone()) return
      if (await ops.alive(sp)) continue
      const c = crashes.get(node)!
      if (c.dueAt === undefined) {
        c.n = ops.now() - c.startedAt >= STABLE_MS ? 1 : c.n + 1
        c.dueAt = ops.now() + backoffMs(c.n)
      }
      if (ops.now() < c.dueAt) continue
      rec.daemons[node] = await ops.start(node)
      rec.restarts[node] = (rec.restarts[node] ?? 0) + 1
      c.startedAt = ops.now()
      c.dueAt = undefined
      changed = true
    }
    if (changed) await ops.save(rec)
    await ops.sleep(o.intervalMs)
  }
}

// ---------------------------------------------------------------- in a container
// A container backend's node: the supervisor is the container's main
// process and runs the daemon as its child, restarting it in place, as a
// restart policy would, but without restarting the container (which would
// make a new network namespace and lose the lab's veths). Its count goes to
// <node run dir>/supervisor.json.
export const nodeSupervisorFile = (lab: string, node: string) => join(labPaths(lab).nodeRun(node), 'supervisor.json')

export async function runChildSupervisor(lab: string, node: string, argv: string[], signal: AbortSignal): Promise<void> {
  const { spawn } = await import('node:child_process')
  const exited = new Set<number>()
  let child: ReturnType<typeof spawn> | undefined
  const start = async (): Promise<Spawned> => {
    const c = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit' })
    child = c
    const pid = c.pid ?? -1
    c.on('exit', () => exited.add(pid))
    c.on('error', () => exited.add(pid))
    return { pid }
  }
  const rec: SupervisorRecord = { pid: process.pid, daemons: { [node]: await start() }, restarts: {} }
  const stop = () => child?.kill('SIGTERM')
  signal.addEventListener('abort', stop, { once: true })
  await supervise(
    rec,
    {
      alive: async (s) => !exited.has(s.pid),
      start: async () => {
        process.stderr.write(`${new Date().toISOString()} supervisor: restarting the daemon of ${node}\n`)
        return start()
      },
      save: (r) => writeJsonAtomic(nodeSupervisorFile(lab, node), r),
      labGone: () => false,
      now: () => Date.now(),
      sleep: (ms) => sleep(ms, signal),
    },
    { intervalMs: 500, signal },
  )
  if (child && !exited.has(child.pid ?? -1)) await new Promise((r) => child!.once('exit', r))
}
