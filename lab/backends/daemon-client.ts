// Talking to lab daemons: HTTP over their unix sockets, never over IP.
import { request } from 'node:http'
import { labPaths } from '../paths.js'
import { pollUntil } from '../sys/poll.js'

export function httpUnix(socketPath: string, path: string, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', timeout: timeoutMs }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('timeout', () => req.destroy(new Error(`timeout talking to ${socketPath}`)))
    req.on('error', reject)
    req.end()
  })
}

export interface DaemonStatus {
  node: string
  readiness: { ready: boolean; reason: string }
  lastError: string | null
  profiles: Array<{
    name: string
    config: string
    configPath: string
    uds: string
    domain: number
    ifaces: string[]
    processes: Array<{ process: string; pid: number | null; running: boolean; restarts: number }>
  }>
}

export async function daemonStatus(lab: string, node: string): Promise<DaemonStatus> {
  const r = await httpUnix(labPaths(lab).readySock(node), '/status')
  return JSON.parse(r.body) as DaemonStatus
}

export async function daemonMetrics(lab: string, node: string): Promise<string> {
  return (await httpUnix(labPaths(lab).metricsSock(node), '/metrics')).body
}

// Waits until every daemon answers on its ready socket (any status: an
// empty profile is a valid answer; we need the process alive and listening).
// failed: why they never will (their process exited): stops the wait at once.
export async function waitDaemonsReady(lab: string, nodes: string[], timeoutMs: number, signal?: AbortSignal, failed?: () => Promise<string | undefined>): Promise<void> {
  const pending = new Set(nodes)
  const answered = async () => {
    const why = await failed?.()
    if (why) throw new Error(why)
    for (const n of [...pending]) {
      try {
        await httpUnix(labPaths(lab).readySock(n), '/ready', 500)
        pending.delete(n)
      } catch {
        /* not listening yet */
      }
    }
    return pending.size === 0
  }
  await pollUntil(answered, timeoutMs, () => `the daemons of ${[...pending].join(', ')} (see ${labPaths(lab).logs})`, { intervalMs: 50, signal })
}
