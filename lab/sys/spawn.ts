// Long-running lab processes: started inside a namespace, detached from the
// CLI (they outlive it), output appended to a log file.
import { spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import { procStartTime } from './proc.js'

export interface Spawned {
  pid: number
  startTime?: string
}

export async function spawnInNetns(opts: {
  netns: string
  cmd: string
  args: string[]
  logFile: string
  env?: Record<string, string>
}): Promise<Spawned> {
  mkdirSync(dirname(opts.logFile), { recursive: true })
  const fd = openSync(opts.logFile, 'a')
  try {
    // `ip netns exec` execs the command in place: the pid we get is its pid.
    const child = spawn('ip', ['netns', 'exec', opts.netns, opts.cmd, ...opts.args], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...opts.env },
    })
    const pid = child.pid
    if (pid === undefined) {
      throw new Error(`cannot start ${opts.cmd} in ${opts.netns}`)
    }
    const failed = new Promise<never>((_, rej) =>
      child.once('error', (e) => rej(new Error(`cannot start ${opts.cmd}: ${e.message}`))),
    )
    child.unref()
    // Give a failed exec a moment to surface as an 'error' event.
    await Promise.race([new Promise((r) => setTimeout(r, 20)), failed])
    return { pid, startTime: await procStartTime(pid) }
  } finally {
    closeSync(fd)
  }
}
