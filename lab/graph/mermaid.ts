// The lab graph as a Mermaid flowchart: subgraphs node > NIC > port, links
// labelled with their VLAN, time flow (master -> slave) as thick arrows
// with the follower's stepsRemoved, roles as classes.
import { allGraphPorts, linkText, nodeTitle, portLines, type LabGraph } from './model.js'
import { IDLE_PAINT, ROLE_PAINT, SYNC_COLOR } from './style.js'

// Mermaid label text: quotes and angle brackets as its entity codes; lines
// joined with <br/> after escaping.
const label = (...lines: string[]) => `"${lines.map((s) => s.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;')).join('<br/>')}"`

export function toMermaid(g: LabGraph): string {
  const out = ['flowchart LR', `  %% ${g.title.replace(/\n/g, ' ')}`]
  for (const n of g.nodes) {
    out.push(`  subgraph ${n.id}[${label(nodeTitle(n))}]`, '    direction TB')
    for (const c of n.nics) {
      out.push(`    subgraph ${c.id}[${label(`${c.name} ${c.detail}`)}]`)
      for (const p of c.ports) out.push(`      ${p.id}[${label(...(p.tag ? [`[${p.tag}]`] : []), ...portLines(p))}]`)
      out.push('    end')
    }
    out.push('  end')
  }
  g.links.forEach((l) => {
    const { edge, text } = linkText(g, l)
    if (edge) out.push(`  ${edge.masterPort} ==>|${label(text)}| ${edge.slavePort}`)
    else out.push(`  ${l.a} ---|${label(text)}| ${l.b}`)
  })
  const node = (clock: string) => g.nodes.find((n) => n.name === g.clocks.find((c) => c.id === clock)?.node)?.id
  for (const e of g.chain.filter((x) => !x.link)) {
    const [from, to] = [node(e.parent), node(e.follower)]
    if (from && to) out.push(`  ${from} -.->|${label(`time, steps ${e.stepsRemoved ?? '?'}`)}| ${to}`)
  }
  // Styles: one class per role present, then which ports carry it.
  const ports = allGraphPorts(g)
  const byClass = new Map<string, string[]>()
  for (const p of ports) {
    const k = p.live?.role ?? 'IDLE'
    byClass.set(k, [...(byClass.get(k) ?? []), p.id])
  }
  for (const [k, ids] of [...byClass].sort(([a], [b]) => a.localeCompare(b))) {
    const paint = k === 'IDLE' ? IDLE_PAINT : ROLE_PAINT[k as keyof typeof ROLE_PAINT]
    out.push(`  classDef role_${k} fill:${paint.fill},stroke:${paint.stroke},color:${paint.text}`, `  class ${ids.join(',')} role_${k}`)
  }
  const tagged = ports.filter((p) => p.tag).map((p) => p.id)
  if (tagged.length) out.push(`  classDef tagged stroke-width:3px`, `  class ${tagged.join(',')} tagged`)
  const synced = g.links.map((l, i) => (g.chain.some((e) => e.link === l.id) ? i : -1)).filter((i) => i >= 0)
  if (synced.length) out.push(`  linkStyle ${synced.join(',')} stroke:${SYNC_COLOR},stroke-width:3px`)
  return out.join('\n') + '\n'
}
