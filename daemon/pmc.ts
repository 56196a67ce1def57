// pmc over ptp4l's own unix socket (never the network: -u, boundary hops 0).
import { execFile } from 'node:child_process'
import { rmSync } from 'node:fs'

let seq = 0

export function pmc(uds: string, domain: number, clientDir: string, commands: string[], timeoutMs = 3000, env?: Record<string, string>): Promise<string> {
  const client = `${clientDir}/pmc.${process.pid}.${seq++}.sock`
  const args = ['-u', '-b', '0', '-d', String(domain), '-s', uds, '-i', client, ...commands]
  return new Promise((resolve, reject) => {
    execFile('pmc', args, { timeout: timeoutMs, env: env && { ...process.env, ...env } }, (err, stdout) => {
      rmSync(client, { force: true })
      if (err) reject(err)
      else resolve(stdout)
    })
  })
}
