// The lab as a graph, pure: nodes > NICs > ports, the switch and its ports,
// the links with their VLANs; optionally overlaid with a live view (each
// port's PTP role, clock state and offset; each clock's identities) from
// which the GM chain is derived: who follows whom, and how many steps from
// the grandmaster. Renderers (mermaid, dot, svg) only draw this model.
import type { ClockState, PortRole } from '../ptp/types.js'
import { switchPorts } from '../switch/profile.js'
import type { Topology } from '../topology/index.js'

export type RoleName = keyof typeof PortRole
export type ClockStateName = keyof typeof ClockState

// What a running lab shows, per port ("node:port") and per ptp4l.
export interface LivePort {
  role?: RoleName
  clockState?: ClockStateName
  offsetNs?: number
}

export interface LiveClock {
  node: string
  ports: string[] // the ports this ptp4l serves
  clockIdentity?: string // DEFAULT_DATA_SET
  parentIdentity?: string // PARENT_DATA_SET parentPortIdentity, clock part
  grandmasterIdentity?: string
  stepsRemoved?: number // CURRENT_DATA_SET
}

export interface LiveView {
  ports: Record<string, LivePort>
  clocks: LiveClock[]
}

export interface GraphOptions {
  live?: LiveView
  tags?: Record<string, string> // "node:port" -> what the port plays in a test mode (GM, OC slave, ...)
  title?: string
}

export interface GPort {
  id: string
  node: string
  name: string
  vlan?: number // switch ports and ports cabled to the switch
  unplugged: boolean
  tag?: string
  live?: LivePort
}

export interface GNic {
  id: string
  name: string
  detail: string // PCI address, or "OVS bridge"
  ports: GPort[]
}

export type NodeKind = 'node' | 'grandmaster' | 'switch'

export interface GNode {
  id: string
  name: string
  kind: NodeKind
  nics: GNic[]
}

export interface GClock {
  id: string
  node: string
  ports: string[] // port ids
  identity?: string
  parentIdentity?: string
  grandmasterIdentity?: string
  stepsRemoved?: number
  isGrandmaster: boolean // its own parent: the root of the chain
}

export interface GLink {
  id: string
  a: string // port id
  b: string // port id
  vlan?: number
  direct: boolean // node to node, no switch
}

// A follower clock and the clock it follows; `link` when the two meet on a
// cable (always, in PTP: a parent is on the follower's LAN), oriented so
// that time flows from `masterPort` to `slavePort`.
export interface GChainEdge {
  follower: string // clock id
  parent: string // clock id
  stepsRemoved?: number
  link?: string
  masterPort?: string
  slavePort?: string
}

export interface LabGraph {
  title: string
  lab: string
  nodes: GNode[]
  links: GLink[]
  clocks: GClock[]
  chain: GChainEdge[]
  live: boolean
}

// Ids are made of [a-z0-9_] only, so every output format takes them as
// they are; positions (not names) keep them unique and stable.
const nodeId = (i: number) => `n${i}`
export const portKey = (node: string, port: string) => `${node}:${port}`

export function buildGraph(t: Topology, o: GraphOptions = {}): LabGraph {
  const portIds = new Map<string, string>() // "node:port" -> id
  const port = (nid: string, node: string, name: string, vlan: number | undefined, unplugged: boolean, k: number): GPort => {
    const id = `${nid}_p${k}`
    const key = portKey(node, name)
    portIds.set(key, id)
    return {
      id,
      node,
      name,
      ...(vlan !== undefined && { vlan }),
      unplugged,
      ...(o.tags?.[key] && { tag: o.tags[key] }),
      ...(o.live?.ports[key] && { live: o.live.ports[key] }),
    }
  }
  const nodes: GNode[] = t.nodes.map((n, i) => {
    const nid = nodeId(i)
    let k = 0
    return {
      id: nid,
      name: n.name,
      kind: n.grandmaster ? 'grandmaster' : 'node',
      nics: n.nics.map((nic, j) => ({
        id: `${nid}_c${j}`,
        name: nic.name,
        detail: nic.pci,
        ports: nic.ports.map((p) => {
          const l = t.links.find((x) => [x.a, x.b].some((e) => e.kind === 'port' && e.node === n.name && e.port === p))
          return port(nid, n.name, p, l?.b.kind === 'switch' ? (l.vlan ?? 1) : undefined, !l, k++)
        }),
      })),
    }
  })
  if (t.switch) {
    const nid = 'sw'
    const ports = switchPorts(t).map((sp, k) => port(nid, t.switch!.name, sp.port, sp.vlan, false, k))
    nodes.push({ id: nid, name: t.switch.name, kind: 'switch', nics: [{ id: `${nid}_c0`, name: 'br0', detail: 'OVS bridge', ports }] })
  }
  const idOf = (node: string, p: string) => portIds.get(portKey(node, p))!
  const links: GLink[] = t.links.map((l) => {
    if (l.a.kind !== 'port') throw new Error(`link ${l.index}: first endpoint is not a node port`)
    const b = l.b.kind === 'switch' ? idOf(t.switch!.name, l.switchPort!) : idOf(l.b.node, l.b.port)
    return { id: `l${l.index}`, a: idOf(l.a.node, l.a.port), b, ...(l.vlan !== undefined && { vlan: l.vlan }), direct: l.b.kind !== 'switch' }
  })
  const clocks = (o.live?.clocks ?? []).map((c, i): GClock => {
    const id = `k${i}`
    return {
      id,
      node: c.node,
      ports: c.ports.map((p) => portIds.get(portKey(c.node, p))).filter((x): x is string => !!x),
      ...(c.clockIdentity && { identity: c.clockIdentity }),
      ...(c.parentIdentity && { parentIdentity: c.parentIdentity }),
      ...(c.grandmasterIdentity && { grandmasterIdentity: c.grandmasterIdentity }),
      ...(c.stepsRemoved !== undefined && { stepsRemoved: c.stepsRemoved }),
      isGrandmaster: !!c.clockIdentity && (c.parentIdentity === c.clockIdentity || c.grandmasterIdentity === c.clockIdentity),
    }
  })
  const g: LabGraph = {
    title: o.title ?? `lab ${t.name}`,
    lab: t.name,
    nodes,
    links,
    clocks,
    chain: [],
    live: !!o.live,
  }
  g.chain = gmChain(g)
  return g
}

export const allGraphPorts = (g: LabGraph): GPort[] => g.nodes.flatMap((n) => n.nics.flatMap((c) => c.ports))

// Each clock that follows another (by identity) and the cable they share.
export function gmChain(g: LabGraph): GChainEdge[] {
  const ports = new Map(allGraphPorts(g).map((p) => [p.id, p]))
  const out: GChainEdge[] = []
  for (const f of g.clocks) {
    if (f.isGrandmaster || !f.parentIdentity) continue
    const parent = g.clocks.find((c) => c.identity === f.parentIdentity && c.id !== f.id)
    if (!parent) continue
    const e: GChainEdge = { follower: f.id, parent: parent.id, ...(f.stepsRemoved !== undefined && { stepsRemoved: f.stepsRemoved }) }
    // The shared cable: one end on each clock; prefer the follower's SLAVE port.
    const shared = g.links
      .map((l) => (f.ports.includes(l.b) && parent.ports.includes(l.a) ? { l, s: l.b, m: l.a } : f.ports.includes(l.a) && parent.ports.includes(l.b) ? { l, s: l.a, m: l.b } : undefined))
      .filter((x) => !!x)
      .sort((x, y) => Number(ports.get(y.s)?.live?.role === 'SLAVE') - Number(ports.get(x.s)?.live?.role === 'SLAVE'))[0]
    if (shared) Object.assign(e, { link: shared.l.id, masterPort: shared.m, slavePort: shared.s })
    out.push(e)
  }
  return out
}

// The chain from a clock up to its grandmaster, as clock ids (cycles cut).
export function chainToGm(g: LabGraph, clock: string): string[] {
  const path = [clock]
  for (;;) {
    const up = g.chain.find((e) => e.follower === path.at(-1))
    if (!up || path.includes(up.parent)) return path
    path.push(up.parent)
  }
}

// Text shown for a port: its name, then what the live view says.
export function portLines(p: GPort): string[] {
  const lines = [p.name]
  if (p.live?.role) lines.push(p.live.role === 'SLAVE' && p.live.clockState ? `SLAVE ${p.live.clockState}` : p.live.role)
  if (p.live?.offsetNs !== undefined) lines.push(`${p.live.offsetNs} ns`)
  if (!p.live && p.unplugged) lines.push('unplugged')
  return lines
}

export function nodeTitle(n: GNode): string {
  if (n.kind === 'switch') return `${n.name} (switch: OVS, boundary clock)`
  if (n.kind === 'grandmaster') return `${n.name} (external grandmaster)`
  return n.name
}

export const linkLabel = (l: GLink): string => (l.direct ? 'direct' : `vlan ${l.vlan ?? 1}`)

// A link's label, and the chain step that rides it (time flows over it).
export function linkText(g: LabGraph, l: GLink): { edge?: GChainEdge; text: string } {
  const edge = g.chain.find((e) => e.link === l.id)
  const base = linkLabel(l)
  if (!edge) return { text: base }
  return { edge, text: edge.stepsRemoved !== undefined ? `${base}, steps ${edge.stepsRemoved}` : base }
}

// One line per clock for a legend: identity, steps, whom it follows.
export function clockLine(g: LabGraph, c: GClock): string {
  const byId = new Map(g.clocks.map((x) => [x.id, x]))
  const up = g.chain.find((e) => e.follower === c.id)
  const parent = up ? byId.get(up.parent) : undefined
  const what = c.isGrandmaster
    ? 'grandmaster'
    : parent
      ? `follows ${parent.node} (${parent.identity ?? '?'})`
      : c.parentIdentity
        ? `follows ${c.parentIdentity} (not in view)`
        : 'no parent'
  const steps = c.stepsRemoved !== undefined ? `, stepsRemoved ${c.stepsRemoved}` : ''
  return `${c.node} ${c.identity ?? '(identity unknown)'}: ${what}${steps}`
}
