// discover: host based L2 discovery on a running lab (thin shell over
// lab/discovery). Writes upstream's per-node JSON reports and prints the
// LANs found and the ports that receive PTP.
import { backendOf } from '../lab/backends/index.js'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { discoverLab, isolatedInterfaces, lansFromReports, ptpReceivers } from '../lab/discovery/discover.js'
import { pickLab } from '../lab/state/labs.js'
import { writeJsonAtomic } from '../lab/state/state.js'
import { EXIT, progress } from './output.js'

// SKIP_INTERFACES: comma separated interface names, as upstream's suite.
export const skipInterfacesFromEnv = (v = process.env.SKIP_INTERFACES): string[] =>
  (v ?? '').split(',').map((s) => s.trim()).filter(Boolean)

export async function cmdDiscover(o: { name?: string; out?: string }): Promise<number> {
  const lab = await pickLab(o.name)
  const started = Date.now()
  const reports = await discoverLab(lab, await backendOf(lab), { skipInterfaces: skipInterfacesFromEnv(), progress })
  const dir = resolve(o.out ?? './l2discovery')
  await mkdir(dir, { recursive: true })
  for (const [node, rep] of reports) await writeJsonAtomic(join(dir, `${node}.json`), rep)
  progress(`L2 discovery done in ${((Date.now() - started) / 1000).toFixed(2)} s; reports in ${dir}/`)

  const lines: string[] = []
  lansFromReports(reports).forEach((lan, i) => lines.push(`LAN ${i + 1}: ${lan.join(' ')}`))
  if (!lines.length) lines.push('no LAN found (no port heard another port)')
  const alone = isolatedInterfaces(reports)
  if (alone.length) lines.push(`not connected: ${alone.join(' ')}`)
  const ptp = ptpReceivers(reports)
  lines.push(`PTP frames received on: ${ptp.length ? ptp.join(' ') : 'none'}`)
  process.stdout.write(lines.join('\n') + '\n')
  return EXIT.ok
}
