// The lab graph in Graphviz DOT: clusters node > NIC, ports as boxes
// coloured by role, links labelled with their VLAN, time flow (master ->
// slave) as bold arrows with the follower's stepsRemoved.
import { linkText, nodeTitle, portLines, type LabGraph } from './model.js'
import { IDLE_PAINT, LINK_COLOR, ROLE_PAINT, SYNC_COLOR, TAG_COLOR } from './style.js'

const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`

export function toDot(g: LabGraph): string {
  const out = [`digraph ${q(g.lab)} {`, `  label=${q(g.title)}; labelloc=t; rankdir=LR; compound=true;`, '  node [shape=box, style="rounded,filled", fontname="DejaVu Sans Mono", fontsize=10];', '  edge [fontname="DejaVu Sans Mono", fontsize=9];']
  for (const n of g.nodes) {
    out.push(`  subgraph cluster_${n.id} {`, `    label=${q(nodeTitle(n))}; style="rounded"; color="#334155";`)
    for (const c of n.nics) {
      out.push(`    subgraph cluster_${c.id} {`, `      label=${q(`${c.name} ${c.detail}`)}; style="rounded,dashed"; color="#94a3b8";`)
      for (const p of c.ports) {
        const paint = p.live?.role ? ROLE_PAINT[p.live.role] : IDLE_PAINT
        const text = [...(p.tag ? [`[${p.tag}]`] : []), ...portLines(p)].join('\n')
        const extra = p.tag ? `, penwidth=2, color="${TAG_COLOR}"` : `, color="${paint.stroke}"`
        out.push(`      ${p.id} [label=${q(text)}, fillcolor="${paint.fill}", fontcolor="${paint.text}"${extra}${p.unplugged ? ', style="rounded,filled,dashed"' : ''}];`)
      }
      out.push('    }')
    }
    out.push('  }')
  }
  for (const l of g.links) {
    const { edge, text } = linkText(g, l)
    if (edge) out.push(`  ${edge.masterPort} -> ${edge.slavePort} [label=${q(text)}, color="${SYNC_COLOR}", penwidth=2.5];`)
    else out.push(`  ${l.a} -> ${l.b} [label=${q(text)}, dir=none, color="${LINK_COLOR}"];`)
  }
  // A chain step with no shared cable in view: cluster to cluster.
  for (const e of g.chain.filter((x) => !x.link)) {
    const [p, f] = [e.parent, e.follower].map((id) => g.clocks.find((c) => c.id === id)!)
    if (p!.ports[0] && f!.ports[0])
      out.push(`  ${p!.ports[0]} -> ${f!.ports[0]} [label=${q(`time, steps ${e.stepsRemoved ?? '?'}`)}, style=dashed, color="${SYNC_COLOR}"];`)
  }
  out.push('}')
  return out.join('\n') + '\n'
}
