// The lab graph as SVG, laid out by elkjs (layered, compound nodes: node >
// NIC > port, every edge routed across the hierarchy). We only measure text
// (a monospace font, so widths are exact enough) and draw what ELK placed.
// Same graph, same bytes: ELK is deterministic and numbers are rounded.
import { createRequire } from 'node:module'
import type { ELK, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js'
import { escapeXml as esc } from '../text.js'
import { allGraphPorts, clockLine, linkText, nodeTitle, portLines, type GClock, type GNode, type GPort, type LabGraph } from './model.js'
import { FONT, IDLE_PAINT, LINK_COLOR, ROLE_PAINT, SANS, SYNC_COLOR, TAG_COLOR } from './style.js'

const CHAR_W = 7.23 // DejaVu Sans Mono advance at 12 px (0.602 em)
const SMALL_W = 6.03 // the same at 10 px
const LINE_H = 15
const PAD = 10
const NIC_HEAD = 20
const LEGEND_H = 18

const r1 = (v: number) => Math.round(v * 10) / 10

export function clockHeader(c: GClock): string {
  const what = c.isGrandmaster ? 'grandmaster' : c.stepsRemoved !== undefined ? `stepsRemoved ${c.stepsRemoved}` : 'no parent yet'
  return `clock ${c.identity ?? '?'} · ${what}`
}

const headerLines = (g: LabGraph, n: GNode) => [nodeTitle(n), ...g.clocks.filter((c) => c.node === n.name).map(clockHeader)]
const portText = (p: GPort) => [...(p.tag ? [p.tag] : []), ...portLines(p)]

function elkGraph(g: LabGraph, o: { title?: boolean }): ElkNode {
  const ports = allGraphPorts(g)
  const pw = Math.ceil(Math.max(...ports.map((p) => Math.max(...portText(p).map((l) => l.length)))) * CHAR_W + 2 * PAD)
  const children = g.nodes.map((n): ElkNode => {
    const head = headerLines(g, n)
    const top = 12 + head.length * 17
    const minW = Math.ceil(Math.max(head[0]!.length * CHAR_W * 1.05, ...head.slice(1).map((l) => l.length * SMALL_W)) + 2 * PAD)
    return {
      id: n.id,
      layoutOptions: {
        'elk.padding': `[top=${top},left=${PAD},bottom=${PAD},right=${PAD}]`,
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        'elk.nodeSize.minimum': `(${minW}, 40)`,
        'elk.spacing.nodeNode': '12',
      },
      children: n.nics.map((c) => ({
        id: c.id,
        layoutOptions: {
          'elk.padding': `[top=${NIC_HEAD + 4},left=8,bottom=8,right=8]`,
          'elk.nodeSize.constraints': 'MINIMUM_SIZE',
          'elk.nodeSize.minimum': `(${Math.ceil(`${c.name} ${c.detail}`.length * SMALL_W + 16)}, 30)`,
          'elk.spacing.nodeNode': '8',
        },
        children: c.ports.map((p) => ({ id: p.id, width: pw, height: portText(p).length * LINE_H + PAD })),
      })),
    }
  })
  const edges: ElkExtendedEdge[] = g.links.map((l) => {
    // Laid out node -> switch (or as cabled) whichever way time flows, so a
    // slave never turns its link into a back edge; the arrow shows the flow.
    const { text } = linkText(g, l)
    return { id: l.id, sources: [l.a], targets: [l.b], labels: [{ text, width: text.length * SMALL_W + 6, height: 13 }] }
  })
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '70',
      'elk.spacing.nodeNode': '28',
      'elk.spacing.edgeLabel': '2',
      'elk.edgeLabels.inline': 'true',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      'elk.padding': `[top=${o.title === false ? 16 : 44},left=20,bottom=20,right=20]`,
      'elk.json.edgeCoords': 'ROOT',
      'elk.json.shapeCoords': 'ROOT',
    },
    children,
    edges,
  }
}

type Placed = ElkNode & { x: number; y: number; width: number; height: number }

function text(x: number, y: number, s: string, attrs: string): string {
  return `<text x="${r1(x)}" y="${r1(y)}" ${attrs}>${esc(s)}</text>`
}

function drawPort(p: GPort, b: Placed): string {
  const paint = p.live?.role ? ROLE_PAINT[p.live.role] : IDLE_PAINT
  const lines = portText(p)
  const stroke = p.tag ? TAG_COLOR : paint.stroke
  const out = [
    `<g class="port" data-port="${esc(`${p.node}:${p.name}`)}" data-role="${p.live?.role ?? ''}"${p.tag ? ` data-tag="${esc(p.tag)}"` : ''}>`,
    `<rect x="${r1(b.x)}" y="${r1(b.y)}" width="${r1(b.width)}" height="${r1(b.height)}" rx="5" fill="${paint.fill}" stroke="${stroke}" stroke-width="${p.tag ? 2.5 : 1.2}"${p.unplugged ? ' stroke-dasharray="4 3"' : ''}/>`,
  ]
  lines.forEach((l, i) => {
    const tag = !!p.tag && i === 0
    const weight = i <= (p.tag ? 1 : 0) ? ' font-weight="bold"' : '' // the tag and the port name
    out.push(text(b.x + PAD, b.y + PAD / 2 + 12 + i * LINE_H, l, `fill="${tag ? TAG_COLOR : paint.text}"${weight}`))
  })
  out.push('</g>')
  return out.join('')
}

function legend(g: LabGraph, y: number): { svg: string; height: number; width: number } {
  const items: Array<[string, string, string]> = g.live
    ? (Object.entries(ROLE_PAINT) as Array<[string, { fill: string; stroke: string }]>)
        .filter(([r]) => allGraphPorts(g).some((p) => p.live?.role === r))
        .map(([r, p]) => [r, p.fill, p.stroke])
    : []
  const out: string[] = []
  let x = 20
  for (const [name, fill, stroke] of items) {
    out.push(`<rect x="${x}" y="${y}" width="14" height="12" rx="3" fill="${fill}" stroke="${stroke}"/>`, text(x + 19, y + 10, name, 'class="legend"'))
    x += 19 + name.length * SMALL_W + 16
  }
  if (g.chain.length) {
    out.push(`<line x1="${x}" y1="${y + 6}" x2="${x + 26}" y2="${y + 6}" stroke="${SYNC_COLOR}" stroke-width="2.5" marker-end="url(#arrow)"/>`)
    out.push(text(x + 32, y + 10, 'time flows master -> slave', 'class="legend"'))
    x += 32 + 26 * SMALL_W + 16
  }
  if (allGraphPorts(g).some((p) => p.tag)) {
    out.push(`<rect x="${x}" y="${y}" width="14" height="12" rx="3" fill="#fff" stroke="${TAG_COLOR}" stroke-width="2.5"/>`, text(x + 19, y + 10, 'role in the test', 'class="legend"'))
    x += 19 + 16 * SMALL_W + 16
  }
  const row = x > 20 ? LEGEND_H : 0 // the key row, when it has an entry
  const lines = g.clocks.map((c) => clockLine(g, c))
  lines.forEach((s, i) => out.push(`<g class="chain-line" data-clock="${esc(g.clocks[i]!.node)}">${text(20, y + row + 12 + i * LEGEND_H, s, 'class="legend"')}</g>`))
  const height = row + lines.length * LEGEND_H + (lines.length ? 8 : 0)
  const width = Math.max(x, ...lines.map((s) => 20 + s.length * SMALL_W + 20))
  return { svg: out.join(''), height, width }
}

// elkjs is CommonJS (module.exports = the constructor); its bundled build
// runs the layout in-process, no worker thread. Loaded on first use: it is
// large, and every other ptplab command would pay for it at start-up.
let elk: ELK | undefined
const layoutEngine = (): ELK => (elk ??= new (createRequire(import.meta.url)('elkjs/lib/elk.bundled.js') as new () => ELK)())

// `title: false` when the page around it has its own heading.
export async function toSvg(g: LabGraph, o: { title?: boolean } = {}): Promise<string> {
  const laid = await layoutEngine().layout(elkGraph(g, o))
  const boxes = new Map<string, Placed>()
  const visit = (n: ElkNode) => {
    boxes.set(n.id, n as Placed)
    for (const c of n.children ?? []) visit(c)
  }
  visit(laid)
  const body: string[] = []
  for (const n of g.nodes) {
    const b = boxes.get(n.id)!
    const head = headerLines(g, n)
    const fill = n.kind === 'switch' ? '#f1f5f9' : n.kind === 'grandmaster' ? '#faf5ff' : '#f8fafc'
    body.push(`<g class="node" data-node="${esc(n.name)}" data-kind="${n.kind}">`)
    body.push(`<rect x="${r1(b.x)}" y="${r1(b.y)}" width="${r1(b.width)}" height="${r1(b.height)}" rx="8" fill="${fill}" stroke="#334155" stroke-width="1.5"/>`)
    body.push(text(b.x + PAD, b.y + 20, head[0]!, 'class="title"'))
    head.slice(1).forEach((l, i) => body.push(text(b.x + PAD, b.y + 20 + 17 * (i + 1), l, 'class="clock"')))
    for (const c of n.nics) {
      const cb = boxes.get(c.id)!
      body.push(`<g class="nic" data-nic="${esc(`${n.name}:${c.name}`)}">`)
      body.push(`<rect x="${r1(cb.x)}" y="${r1(cb.y)}" width="${r1(cb.width)}" height="${r1(cb.height)}" rx="6" fill="#ffffff" stroke="#cbd5e1" stroke-dasharray="5 3"/>`)
      body.push(text(cb.x + 8, cb.y + 15, `${c.name} ${c.detail}`, 'class="nic-label"'))
      for (const p of c.ports) body.push(drawPort(p, boxes.get(p.id)!))
      body.push('</g>')
    }
    body.push('</g>')
  }
  const edges: string[] = []
  for (const e of laid.edges ?? []) {
    const l = g.links.find((x) => x.id === e.id)!
    const { edge } = linkText(g, l)
    const pts = (e.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint])
    const d = pts.map((p, i) => `${i ? 'L' : 'M'}${r1(p.x)} ${r1(p.y)}`).join(' ')
    const marker = edge?.slavePort === l.a ? 'marker-start' : 'marker-end'
    const style = edge ? `stroke="${SYNC_COLOR}" stroke-width="2.5" ${marker}="url(#arrow)"` : `stroke="${LINK_COLOR}" stroke-width="1.5"`
    edges.push(`<g class="link" data-link="${l.id}" data-sync="${!!edge}">`, `<path d="${d}" fill="none" ${style}/>`)
    for (const lb of e.labels ?? []) {
      edges.push(`<rect x="${r1(lb.x!)}" y="${r1(lb.y!)}" width="${r1(lb.width!)}" height="${r1(lb.height!)}" fill="#ffffff" opacity="0.85"/>`)
      edges.push(text(lb.x! + 3, lb.y! + 10, lb.text!, `class="edge-label"${edge ? ` fill="${SYNC_COLOR}"` : ''}`))
    }
    edges.push('</g>')
  }
  const W = laid.width ?? 0
  const H = laid.height ?? 0
  const lg = legend(g, H)
  const width = Math.ceil(Math.max(W, lg.width))
  const height = Math.ceil(H + lg.height + 12)
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="lab-graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${esc(FONT)}" font-size="12">`,
    `<title>${esc(g.title)}</title>`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">' +
      `<path d="M0 0 L10 5 L0 10 z" fill="${SYNC_COLOR}"/></marker>` +
      `<style>.title{font-family:${esc(SANS)};font-size:14px;font-weight:bold;fill:#0f172a}.clock{font-size:10px;fill:#475569}` +
      '.nic-label{font-size:10px;fill:#64748b}.edge-label{font-size:10px;fill:#475569}.legend{font-size:10px;fill:#334155}</style></defs>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    o.title === false ? '' : text(20, 28, g.title, `font-family="${esc(SANS)}" font-size="16" font-weight="bold" fill="#0f172a"`),
    ...body,
    ...edges,
    lg.svg,
    '</svg>',
  ].join('\n')
}
