// pmc queries from the CLI side, over a ptp4l's unix socket: -u (UDS
// transport), -b 0 (this clock only), a private client socket per call.
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { parsePmcOutput, type PmcResponse } from '../ptp/pmc-parse.js'
import { run } from './run.js'

let counter = 0

export async function pmcGet(uds: string, domain: number, tmpDir: string, ids: string[]): Promise<PmcResponse[]> {
  const client = join(tmpDir, `pmc-cli.${process.pid}.${counter++}.sock`)
  try {
    const r = await run('pmc', ['-u', '-b', '0', '-d', String(domain), '-s', uds, '-i', client, ...ids.map((i) => `GET ${i}`)], {
      allowFail: true,
      timeoutMs: 5000,
    })
    return parsePmcOutput(r.stdout)
  } finally {
    await rm(client, { force: true })
  }
}
