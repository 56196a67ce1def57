// graph: the lab as a picture (thin shell over lab/graph). From a topology
// file, or from a running lab with each port's role, clock state and offset
// and the GM chain read from its daemons.
import { resolve } from 'node:path'
import { formatForFile, GRAPH_FORMATS, renderGraph, type GraphFormat } from '../lab/graph/index.js'
import { readLiveView } from '../lab/graph/live.js'
import { openLabCluster } from '../lab/cluster/index.js'
import { buildGraph } from '../lab/graph/model.js'
import { InputError } from '../lab/errors.js'
import { quote } from '../lab/text.js'
import { loadRunningLab, pickLab } from '../lab/state/labs.js'
import { writeTextAtomic } from '../lab/state/state.js'
import { loadTopologyFile } from '../lab/topology/index.js'
import { EXIT, progress } from './output.js'


function pickFormat(format: string | undefined, out: string | undefined): GraphFormat {
  if (format === undefined) return (out && formatForFile(out)) || 'mermaid'
  if (!(format in GRAPH_FORMATS)) throw new InputError(`unknown format ${quote(format)} (known: ${Object.keys(GRAPH_FORMATS).join(', ')})`, { field: '--format' })
  return format as GraphFormat
}

export async function cmdGraph(o: { topology?: string; name?: string; format?: string; out?: string }): Promise<number> {
  if (o.topology !== undefined && o.name !== undefined) throw new InputError('give --topology FILE or --name LAB, not both', { field: '--topology' })
  const format = pickFormat(o.format, o.out)
  let g
  if (o.topology !== undefined) {
    g = buildGraph(await loadTopologyFile(o.topology), { title: `topology ${o.topology}` })
  } else {
    const lab = await pickLab(o.name)
    const t = await loadRunningLab(lab)
    progress(`reading roles and clocks of lab ${lab} from its daemons`)
    const cluster = await openLabCluster(lab)
    g = buildGraph(t, { live: await readLiveView(t, (n) => cluster.labNode(n), progress), title: `lab ${lab}, ${new Date().toISOString().slice(0, 19)}Z` })
  }
  const text = await renderGraph(g, format)
  if (o.out) {
    await writeTextAtomic(resolve(o.out), text)
    progress(`${format} graph of ${g.lab} written to ${o.out}`)
  } else process.stdout.write(text)
  return EXIT.ok
}
