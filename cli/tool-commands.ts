// Offline tools: what profiles a node gets, and what metrics a log produces.
import { basename } from 'node:path'
import { INPUTS, readInputFile } from '../lab/input.js'
import { loadPtpConfigFiles } from '../lab/operator/ptpconfig.js'
import { resolveNodeProfiles } from '../lab/operator/resolve.js'
import { PtpExporter } from '../lab/ptp/exporter.js'
import { getOption, interfacesOf, parsePtp4lConf } from '../lab/ptp/ptp4l-conf.js'
import { EXIT } from './output.js'

// --label KEY or KEY=VALUE, repeatable.

export async function cmdProfiles(files: string[], o: { node: string; label: Record<string, string> }): Promise<number> {
  const configs = await loadPtpConfigFiles(files)
  const r = resolveNodeProfiles(configs, { name: o.node, labels: o.label })
  process.stdout.write(JSON.stringify(r.profiles, null, 2) + '\n')
  return EXIT.ok
}

export async function cmdReplayLog(logFile: string, o: { node: string; config: string }): Promise<number> {
  const conf = parsePtp4lConf(await readInputFile(o.config, INPUTS.ptp4lConfig))
  const ifaces = interfacesOf(conf)
  // The daemon tags lines with [ptp4l.N.config]; a hand-made config may
  // carry its own message_tag, else the file name stands in for it.
  const tag = getOption(conf, 'global', 'message_tag')?.replace(/^\[|\]$/g, '') ?? basename(o.config)
  const exporter = new PtpExporter({ node: o.node })
  exporter.registerConfig(tag, ifaces)
  // Lines without a tag (plain `ptp4l -m` output) belong to config "".
  if (tag !== '') exporter.registerConfig('', ifaces)
  for (const line of (await readInputFile(logFile, INPUTS.log)).split('\n')) exporter.handleLine(line)
  process.stdout.write(await exporter.metricsText())
  return EXIT.ok
}
