// discover: L2 discovery on a running lab (thin shell over the cluster's
// l2Discover). Writes upstream's per-node JSON reports and prints the LANs
// found and the ports that receive PTP.
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { openLabCluster } from '../lab/cluster/index.js'
import { buildGraph, lanSummary } from '../lab/discovery/graph.js'
import { pickLab } from '../lab/state/labs.js'
import { writeJsonAtomic } from '../lab/state/state.js'
import { EXIT, progress } from './output.js'

// SKIP_INTERFACES: comma separated interface names, as upstream's suite.
export const skipInterfacesFromEnv = (v = process.env.SKIP_INTERFACES): string[] =>
  (v ?? '').split(',').map((s) => s.trim()).filter(Boolean)

export async function cmdDiscover(o: { name?: string; out?: string }): Promise<number> {
  const cluster = await openLabCluster(await pickLab(o.name))
  const started = Date.now()
  const skipInterfaces = skipInterfacesFromEnv()
  const reports = await cluster.l2Discover({ skipInterfaces, progress })
  const dir = resolve(o.out ?? './l2discovery')
  await mkdir(dir, { recursive: true })
  for (const [node, rep] of reports) await writeJsonAtomic(join(dir, `${node}.json`), rep)
  progress(`L2 discovery done in ${((Date.now() - started) / 1000).toFixed(2)} s; reports in ${dir}/`)

  const s = lanSummary(buildGraph(reports, { skipInterfaces }))
  const lines: string[] = []
  s.lans.forEach((lan, i) => lines.push(`LAN ${i + 1}: ${lan.join(' ')}`))
  if (!lines.length) lines.push('no LAN found (no port heard another port)')
  if (s.isolated.length) lines.push(`not connected: ${s.isolated.join(' ')}`)
  lines.push(`PTP frames received on: ${s.ptpReceivers.length ? s.ptpReceivers.join(' ') : 'none'}`)
  process.stdout.write(lines.join('\n') + '\n')
  return EXIT.ok
}
