// Process identity helpers: a pid alone can be reused, pid + start time cannot.
import { readFile } from 'node:fs/promises'
import { readdirSync, readFileSync } from 'node:fs'
import { sleep } from './poll.js'

// The fields of /proc/<pid>/stat this module needs. comm (field 2) may
// contain spaces and parens: split after the last ')'.
export function parseStat(stat: string): { state: string; flags: number; startTime: string } | undefined {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  if (rest.length < 20) return undefined
  return { state: rest[0]!, flags: Number(rest[6]), startTime: rest[19]! } // fields 3, 9, 22
}

const readStat = (pid: number) =>
  readFile(`/proc/${pid}/stat`, 'utf8').then(parseStat, () => undefined)

export async function procStartTime(pid: number): Promise<string | undefined> {
  return (await readStat(pid))?.startTime // clock ticks since boot
}

// PF_EXITING: the kernel has begun tearing the process down (a SIGKILLed
// ovs-vswitchd with 128 ports takes seconds to close its sockets); it
// serves nothing any more, so it counts as dead, like a zombie.
const PF_EXITING = 0x4

export async function isAlive(pid: number, startTime?: string): Promise<boolean> {
  const st = await readStat(pid)
  if (!st || (startTime !== undefined && st.startTime !== startTime)) return false
  return st.state !== 'Z' && st.state !== 'X' && (st.flags & PF_EXITING) === 0
}

// Gone for good: reaped, or a zombie. A process still exiting is not gone
// yet (it may hold files and sockets a moment longer), so `down` waits.
async function exited(pid: number): Promise<boolean> {
  const st = await readStat(pid)
  return !st || st.state === 'Z' || st.state === 'X'
}

// SIGTERM, wait up to graceMs, then SIGKILL whatever is left.
export async function terminate(pids: number[], graceMs = 3000): Promise<void> {
  const send = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig)
    } catch {
      /* already gone */
    }
  }
  for (const p of pids) send(p, 'SIGTERM')
  const deadline = Date.now() + graceMs
  let alive = pids
  while (alive.length && Date.now() < deadline) {
    await sleep(50)
    const next: number[] = []
    for (const p of alive) if (!(await exited(p))) next.push(p)
    alive = next
  }
  for (const p of alive) send(p, 'SIGKILL')
}

// Processes whose command line, after the program, begins with `args`
// (e.g. a lab's own node programs: [entry, '--lab', lab]). Found this way
// they survive a lost pid record.
export function pidsByArgs(args: readonly string[]): number[] {
  const found: number[] = []
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0')
      if (args.every((a, i) => argv[i + 1] === a)) found.push(Number(d))
    } catch {
      /* gone */
    }
  }
  return found
}
