// writeRunReport: the effectful shell. Builds the model, lays out each
// mode's graph, writes index.html, samples.csv and samples.json into DIR
// (each atomically: a reader never sees half a file) and returns the paths.
import { mkdir } from 'node:fs/promises'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { toSvg } from '../graph/svg.js'
import { writeTextAtomic } from '../state/state.js'
import { reportHtml, SAMPLE_FILES } from './html.js'
import { buildReport } from './model.js'
import type { FileLink, RunRecord } from './record.js'
import { samplesCsv, samplesJson } from './samples.js'

// A link from the report dir: relative, so the directory can be moved or
// archived (CI artifacts) together with the logs next to it.
export const hrefFrom = (dir: string) => (l: FileLink) =>
  (isAbsolute(l.path) ? relative(dir, l.path) : l.path).split('\\').join('/').split('/').map(encodeURIComponent).join('/')

export async function writeRunReport(dir: string, record: RunRecord): Promise<{ index: string; csv: string; json: string }> {
  const out = resolve(dir)
  const model = buildReport(record)
  const svgs: string[] = []
  for (const m of model.modes) svgs.push(await toSvg(m.graph, { title: false }))
  await mkdir(out, { recursive: true })
  const files = { index: join(out, 'index.html'), csv: join(out, SAMPLE_FILES.csv), json: join(out, SAMPLE_FILES.json) }
  await writeTextAtomic(files.csv, samplesCsv(record))
  await writeTextAtomic(files.json, samplesJson(record))
  await writeTextAtomic(files.index, reportHtml(model, svgs, hrefFrom(out)))
  return files
}
