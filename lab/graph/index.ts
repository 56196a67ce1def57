// The lab graph in one call per output format (table as data: a new
// format is one row).
import { toDot } from './dot.js'
import { graphHtml } from './html.js'
import { toMermaid } from './mermaid.js'
import type { LabGraph } from './model.js'
import { toSvg } from './svg.js'

export const GRAPH_FORMATS = {
  mermaid: { ext: ['.mmd', '.mermaid'], render: async (g: LabGraph) => toMermaid(g) },
  dot: { ext: ['.dot', '.gv'], render: async (g: LabGraph) => toDot(g) },
  svg: { ext: ['.svg'], render: async (g: LabGraph) => (await toSvg(g)) + '\n' },
  html: { ext: ['.html', '.htm'], render: async (g: LabGraph) => graphHtml(g, await toSvg(g, { title: false })) },
} as const

export type GraphFormat = keyof typeof GRAPH_FORMATS

export const renderGraph = (g: LabGraph, f: GraphFormat): Promise<string> => GRAPH_FORMATS[f].render(g)

// The format a file name asks for, if its extension says one.
export const formatForFile = (file: string): GraphFormat | undefined =>
  (Object.keys(GRAPH_FORMATS) as GraphFormat[]).find((f) => (GRAPH_FORMATS[f].ext as readonly string[]).some((e) => file.toLowerCase().endsWith(e)))

export { buildGraph, type LabGraph, type LiveView } from './model.js'
