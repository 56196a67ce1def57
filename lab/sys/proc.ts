// Process identity helpers: a pid alone can be reused, pid + start time cannot.
import { readFile } from 'node:fs/promises'
import { sleep } from './poll.js'

export async function procStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // comm (field 2) may contain spaces and parens: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return rest[19] // field 22 overall: starttime in clock ticks since boot
  } catch {
    return undefined
  }
}

export async function isAlive(pid: number, startTime?: string): Promise<boolean> {
  const st = await procStartTime(pid)
  if (st === undefined) return false
  if (startTime !== undefined && st !== startTime) return false
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
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
    for (const p of alive) if (await isAlive(p)) next.push(p)
    alive = next
  }
  for (const p of alive) send(p, 'SIGKILL')
}
