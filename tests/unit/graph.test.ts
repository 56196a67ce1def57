// lab/graph: the model from a topology (nodes > NICs > ports, switch, links,
// VLANs, unplugged ports) and from a live view (roles, GM chain, the cable
// each chain step rides), and every output format: mermaid, dot, SVG laid
// out by elkjs (parsed back as XML, geometry checked), HTML.
import t from 'tap'
import { graphHtml } from '../../lab/graph/html.js'
import { toDot } from '../../lab/graph/dot.js'
import { toMermaid } from '../../lab/graph/mermaid.js'
import { allGraphPorts, buildGraph, chainToGm, type LiveView } from '../../lab/graph/model.js'
import { toSvg } from '../../lab/graph/svg.js'
import { loadTopologyFile } from '../../lab/topology/index.js'
import { LIVE_OC, TAGS_OC } from '../fixtures/live-oc.js'
import { parseXml, type XmlElement } from '../fixtures/xml.js'

const def = await loadTopologyFile('topologies/default.yaml')
const chain = await loadTopologyFile('topologies/chain.yaml')
const mini = await loadTopologyFile('topologies/two-node.yaml')

const find = (el: XmlElement, pred: (e: XmlElement) => boolean): XmlElement[] => [
  ...(pred(el) ? [el] : []),
  ...el.children.flatMap((c) => find(c, pred)),
]
const byClass = (root: XmlElement, cls: string) => find(root, (e) => e.name === 'g' && e.attrs.class === cls)
const rectOf = (g: XmlElement) => {
  const r = g.children.find((c) => c.name === 'rect')!
  return { x: Number(r.attrs.x), y: Number(r.attrs.y), w: Number(r.attrs.width), h: Number(r.attrs.height) }
}
const inside = (a: ReturnType<typeof rectOf>, b: ReturnType<typeof rectOf>) =>
  a.x >= b.x && a.y >= b.y && a.x + a.w <= b.x + b.w && a.y + a.h <= b.y + b.h

t.test('model from the default topology: nodes, NICs, ports, switch, links', async (t) => {
  const g = buildGraph(def)
  t.same(g.nodes.map((n) => [n.name, n.kind, n.nics.map((c) => `${c.name}:${c.ports.map((p) => p.name).join(',')}`)]), [
    ['worker1', 'node', ['ens1:ens1f0,ens1f1', 'ens2:ens2f0,ens2f1']],
    ['worker2', 'node', ['ens3:ens3f0,ens3f1']],
    ['worker3', 'node', ['ens4:ens4f0', 'ens5:ens5f0', 'ens6:ens6f0']],
    ['switch1', 'switch', ['br0:swp1,swp2,swp3,swp4,swp5,swp6,swp7,swp8,swp9']],
  ])
  t.equal(g.nodes[0]!.nics[0]!.detail, '0000:1f:01')
  const ports = new Map(allGraphPorts(g).map((p) => [p.id, p]))
  t.equal(ports.size, 18, 'every port once: 9 node ports, 9 switch ports')
  t.same(
    g.links.map((l) => `${ports.get(l.a)!.node}:${ports.get(l.a)!.name}-${ports.get(l.b)!.name}@${l.vlan}`),
    ['worker1:ens1f0-swp1@1501', 'worker1:ens1f1-swp2@1500', 'worker1:ens2f0-swp3@1500', 'worker1:ens2f1-swp4@1502', 'worker2:ens3f0-swp5@1500',
      'worker2:ens3f1-swp6@1500', 'worker3:ens4f0-swp7@1501', 'worker3:ens5f0-swp8@1502', 'worker3:ens6f0-swp9@1502'],
  )
  // both ends of a switch link carry its VLAN
  for (const l of g.links) t.same([ports.get(l.a)!.vlan, ports.get(l.b)!.vlan], [l.vlan, l.vlan])
  t.same([g.live, g.clocks, g.chain], [false, [], []])
  for (const id of ports.keys()) t.match(id, /^[a-z0-9_]+$/, 'ids are safe in every format')

  const m = buildGraph(mini)
  t.same(allGraphPorts(m).filter((p) => p.unplugged).map((p) => `${p.node}:${p.name}`), ['node1:ens1f1', 'node2:ens2f1'])
  const c = buildGraph(chain)
  t.same([c.nodes.some((n) => n.kind === 'switch'), c.links.map((l) => [l.direct, l.vlan])], [false, [[true, undefined], [true, undefined]]])
})

t.test('model from an observation: roles, tags, the GM chain and the cables it rides', async (t) => {
  const g = buildGraph(def, { live: LIVE_OC, tags: TAGS_OC, title: 'OC' })
  const port = (key: string) => allGraphPorts(g).find((p) => `${p.node}:${p.name}` === key)!
  t.same(port('worker1:ens1f0').live, { role: 'SLAVE', clockState: 'LOCKED', offsetNs: -72 })
  t.equal(port('worker1:ens1f0').tag, 'OC slave')
  t.equal(port('worker3:ens4f0').tag, 'GM')
  t.equal(port('worker2:ens3f0').live, undefined, 'a port no ptp4l serves has no live data')
  const clock = (node: string) => g.clocks.find((c) => c.node === node)!
  t.same(g.clocks.map((c) => [c.node, c.isGrandmaster, c.stepsRemoved]), [['worker1', false, 2], ['worker3', true, 0], ['switch1', false, 1]])
  t.same(
    g.chain.map((e) => ({ ...e })),
    [
      { follower: clock('worker1').id, parent: clock('switch1').id, stepsRemoved: 2, link: 'l0', masterPort: port('switch1:swp1').id, slavePort: port('worker1:ens1f0').id },
      { follower: clock('switch1').id, parent: clock('worker3').id, stepsRemoved: 1, link: 'l6', masterPort: port('worker3:ens4f0').id, slavePort: port('switch1:swp7').id },
    ],
  )
  t.same(chainToGm(g, clock('worker1').id).map((id) => g.clocks.find((c) => c.id === id)!.node), ['worker1', 'switch1', 'worker3'])

  // A parent not in the view gives no edge (and no crash); a cycle is cut.
  const lone = buildGraph(def, { live: { ports: {}, clocks: [{ node: 'worker1', ports: ['ens1f0'], clockIdentity: 'aa', parentIdentity: 'bb', stepsRemoved: 3 }] } })
  t.same(lone.chain, [])
  const loop: LiveView = {
    ports: {},
    clocks: [
      { node: 'worker1', ports: ['ens1f0'], clockIdentity: 'aa', parentIdentity: 'bb' },
      { node: 'worker2', ports: ['ens3f0'], clockIdentity: 'bb', parentIdentity: 'aa' },
    ],
  }
  const lg = buildGraph(def, { live: loop })
  t.same(chainToGm(lg, lg.clocks[0]!.id), [lg.clocks[0]!.id, lg.clocks[1]!.id])
})

t.test('the textbook chain without a switch: GM -> BC -> slave over direct cables', async (t) => {
  const live: LiveView = {
    ports: {
      'edge1:ens1f0': { role: 'MASTER' },
      'mid:ens2f0': { role: 'SLAVE', clockState: 'LOCKED', offsetNs: 12 },
      'mid:ens2f1': { role: 'MASTER' },
      'edge2:ens3f0': { role: 'SLAVE', clockState: 'LOCKED', offsetNs: -40 },
    },
    clocks: [
      { node: 'edge1', ports: ['ens1f0'], clockIdentity: 'gm', parentIdentity: 'gm', stepsRemoved: 0 },
      { node: 'mid', ports: ['ens2f0', 'ens2f1'], clockIdentity: 'bc', parentIdentity: 'gm', stepsRemoved: 1 },
      { node: 'edge2', ports: ['ens3f0'], clockIdentity: 'oc', parentIdentity: 'bc', stepsRemoved: 2 },
    ],
  }
  const g = buildGraph(chain, { live })
  const name = (id?: string) => allGraphPorts(g).find((p) => p.id === id)?.name
  t.same(g.chain.map((e) => [name(e.masterPort), name(e.slavePort), e.stepsRemoved]), [['ens1f0', 'ens2f0', 1], ['ens2f1', 'ens3f0', 2]])
  const dot = toDot(g)
  t.match(dot, /n0_p0 -> n1_p0 \[label="direct, steps 1", color="#2563eb"/)
  t.match(dot, /n1_p1 -> n2_p0 \[label="direct, steps 2"/)
})

t.test('mermaid: subgraphs node > NIC > port, VLAN labels, time-flow arrows, role classes', async (t) => {
  const g = buildGraph(def, { live: LIVE_OC, tags: TAGS_OC, title: 'lab ptplab, OC mode' })
  const m = toMermaid(g)
  t.equal(m, toMermaid(buildGraph(def, { live: LIVE_OC, tags: TAGS_OC, title: 'lab ptplab, OC mode' })), 'deterministic')
  const lines = m.split('\n')
  t.equal(lines[0], 'flowchart LR')
  t.equal(lines.filter((l) => /^ {2}subgraph /.test(l)).length, 4, 'one subgraph per node and the switch')
  t.equal(lines.filter((l) => /^ {4}subgraph /.test(l)).length, 7, 'one per NIC (6) and the bridge')
  t.equal(lines.filter((l) => /^ {4}subgraph /.test(l)).length, lines.filter((l) => /^ {4}end$/.test(l)).length)
  t.ok(lines.includes('      n0_p0["[OC slave]<br/>ens1f0<br/>SLAVE LOCKED<br/>-72 ns"]'))
  t.ok(lines.includes('  sw_p0 ==>|"vlan 1501, steps 2"| n0_p0'), 'time flows from the switch to the OC slave')
  t.ok(lines.includes('  n2_p0 ==>|"vlan 1501, steps 1"| sw_p6'), 'and from the GM to the switch')
  t.equal(lines.filter((l) => / ---\|"vlan 15\d\d"\| sw_p\d$/.test(l)).length, 7, 'the other 7 cables are plain links')
  t.match(m, /classDef role_SLAVE fill:#dbeafe/)
  t.match(m, /class n0_p0,sw_p6 role_SLAVE/)
  t.match(m, /linkStyle 0,6 stroke:#2563eb/)
  t.notMatch(toMermaid(buildGraph(def, { title: 'a "quoted" <b>' })), /"a "quoted"/, 'quotes in labels are escaped')
})

t.test('dot: clusters, ports coloured by role, balanced braces', async (t) => {
  const d = toDot(buildGraph(def, { live: LIVE_OC, tags: TAGS_OC }))
  t.match(d, /^digraph "ptplab" \{/)
  t.equal((d.match(/subgraph cluster_n\d+ \{|subgraph cluster_sw \{/g) ?? []).length, 4)
  t.equal((d.match(/\{/g) ?? []).length, (d.match(/\}/g) ?? []).length)
  t.match(d, /n0_p0 \[label="\[OC slave\]\\nens1f0\\nSLAVE LOCKED\\n-72 ns", fillcolor="#dbeafe"/)
  t.equal((d.match(/dir=none/g) ?? []).length, 7)
  t.equal((d.match(/penwidth=2\.5/g) ?? []).length, 2)
})

t.test('svg: elkjs layout, a group per node and port, ports inside their node, deterministic', async (t) => {
  const g = buildGraph(def, { live: LIVE_OC, tags: TAGS_OC, title: 'lab ptplab, OC mode' })
  const svg = await toSvg(g)
  t.equal(await toSvg(buildGraph(def, { live: LIVE_OC, tags: TAGS_OC, title: 'lab ptplab, OC mode' })), svg, 'same input, same bytes')
  const root = parseXml(svg)
  t.equal(root.name, 'svg')
  const nodes = byClass(root, 'node')
  t.same(nodes.map((n) => n.attrs['data-node']), ['worker1', 'worker2', 'worker3', 'switch1'])
  const ports = byClass(root, 'port')
  t.equal(ports.length, 18)
  for (const n of nodes) {
    const box = rectOf(n)
    for (const p of byClass(n, 'port')) t.ok(inside(rectOf(p), box), `${p.attrs['data-port']} inside ${n.attrs['data-node']}`)
  }
  const boxes = nodes.map(rectOf)
  const overlap = (a: (typeof boxes)[0], b: (typeof boxes)[0]) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
  t.notOk(boxes.some((a, i) => boxes.some((b, j) => i < j && overlap(a, b))), 'no two nodes overlap')
  t.same(ports.filter((p) => p.attrs['data-role'] === 'SLAVE').map((p) => p.attrs['data-port']), ['worker1:ens1f0', 'switch1:swp7'])
  t.same(ports.filter((p) => p.attrs['data-tag']).map((p) => p.attrs['data-tag']), ['OC slave', 'GM'])
  const links = byClass(root, 'link')
  t.equal(links.length, 9)
  t.same(links.filter((l) => l.attrs['data-sync'] === 'true').map((l) => l.attrs['data-link']), ['l0', 'l6'])
  // l0 is laid out worker1 -> switch: the arrow sits at its start (time flows to worker1)
  t.match(links[0]!.children.find((c) => c.name === 'path')!.attrs['marker-start'], 'url(#arrow)')
  t.match(links[6]!.children.find((c) => c.name === 'path')!.attrs['marker-end'], 'url(#arrow)')
  t.same(byClass(root, 'chain-line').map((c) => c.attrs['data-clock']), ['worker1', 'worker3', 'switch1'])
  t.match(svg, /worker1 024cf5\.fffe\.010100: follows switch1 \(024cf5\.fffe\.fe0100\), stepsRemoved 2/)

  const html = graphHtml(g, await toSvg(g, { title: false }))
  t.match(html, /^<!DOCTYPE html>/)
  t.notMatch(html, /<script|<link |src=|@import/, 'self-contained: nothing to fetch')
  t.same([...new Set(html.match(/https?:\/\/[^"' ]*/g))], ['http://www.w3.org/2000/svg'], 'the only URL is the SVG namespace')
  t.equal(byClass(parseXml(html.slice(html.indexOf('<svg'), html.indexOf('</svg>') + 6)), 'node').length, 4)
})
