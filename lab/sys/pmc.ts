// pmc queries from the CLI side, over a ptp4l's unix socket: -u (UDS
// transport), -b 0 (this clock only), the ptp4l's own config file (-f: its
// uds_address is the server socket, its domainNumber the domain, as
// upstream's suite queries a daemon's ptp4l), a private client socket per
// call.
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { parsePmcOutput, type PmcResponse } from '../ptp/pmc-parse.js'
import { run } from './run.js'

let counter = 0

export async function pmcGet(configFile: string, tmpDir: string, ids: string[]): Promise<PmcResponse[]> {
  const client = join(tmpDir, `pmc-cli.${process.pid}.${counter++}.sock`)
  try {
    const r = await run('pmc', ['-u', '-b', '0', '-f', configFile, '-i', client, ...ids.map((i) => `GET ${i}`)], {
      allowFail: true,
      timeoutMs: 5000,
    })
    return parsePmcOutput(r.stdout)
  } finally {
    await rm(client, { force: true })
  }
}
