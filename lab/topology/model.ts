// The lab topology: nodes with NICs and ports, an optional OVS switch, and
// the links (virtual cables) between them. Produced by load.ts, which has
// already validated every invariant the helpers below rely on.
import { createHash } from 'node:crypto'
import { resolveClock, type ClockModel, type ClockSpec } from '../clock/model.js'

export interface Port {
  node: string
  nic: string
  name: string // interface name inside the node
  pciDevice: string // the NIC's PCI address, e.g. "0000:1f:01"
  pciFunction: number // position of the port in its NIC's port list
  index: number // 0-based index of the port within its node, in declaration order
}

export interface Nic {
  name: string
  pci: string // normalized "0000:1f:01"
  ports: string[]
}

export interface Node {
  name: string
  index: number // 0-based in declaration order
  labels: Record<string, string>
  grandmaster?: boolean // external grandmaster: runs only a GM ptp4l, is no cluster node
  nics: Nic[]
  clock?: ClockSpec // with independent clocks (lab/clock)
}

export type Endpoint = { kind: 'port'; node: string; port: string } | { kind: 'switch' }

export interface Link {
  index: number
  a: Endpoint // for switch links always the node port
  b: Endpoint // for switch links always the switch
  vlan?: number // access VLAN, only for switch links (default 1)
  switchPort?: string // switch-side interface `swp<index+1>`, only for switch links
}

export interface Topology {
  name: string
  file?: string
  nodes: Node[]
  switch?: { name: string; clock?: ClockSpec }
  links: Link[]
  clock?: ClockSpec // lab-wide default clock model
}

// The clock model of a node or the switch with independent clocks.
export function clockModelOf(t: Topology, node: string): ClockModel {
  const own = node === t.switch?.name ? t.switch.clock : t.nodes.find((n) => n.name === node)?.clock
  return resolveClock(t.clock, own)
}

// MAC layout limits: NN = node index + 1 must stay below the switch's 0xfe,
// PP = port/link index + 1 must fit one byte. load.ts enforces these.
export const SWITCH_MAC_ID = 0xfe
export const MAX_NODES = SWITCH_MAC_ID - 1
export const MAX_INDEX = 0xfe // largest port/link index (PP = 0xff)

export function allPorts(t: Topology): Port[] {
  const out: Port[] = []
  for (const n of t.nodes) {
    let index = 0
    for (const nic of n.nics) {
      nic.ports.forEach((name, fn) => {
        out.push({ node: n.name, nic: nic.name, name, pciDevice: nic.pci, pciFunction: fn, index: index++ })
      })
    }
  }
  return out
}

export function findPort(t: Topology, node: string, port: string): Port | undefined {
  return allPorts(t).find((p) => p.node === node && p.name === port)
}

const isPort = (e: Endpoint, node: string, port: string): boolean =>
  e.kind === 'port' && e.node === node && e.port === port

export function linkOf(t: Topology, node: string, port: string): Link | undefined {
  return t.links.find((l) => isPort(l.a, node, port) || isPort(l.b, node, port))
}

// The other end of the cable plugged into node:port; undefined if unplugged.
export function peerOf(t: Topology, node: string, port: string): Endpoint | undefined {
  const l = linkOf(t, node, port)
  if (!l) return undefined
  return isPort(l.a, node, port) ? l.b : l.a
}

// 02:HH:HH:NN:PP:00 — locally administered unicast; HHHH from the lab name so
// two labs on one host differ, NN/PP so MACs are unique within the lab.
// `node` is a node name, or 'switch' (or the switch's name) with a link index.
export function macFor(t: Topology, node: string, portIndexOrLink: number): string {
  const isSwitch = node === 'switch' || node === t.switch?.name
  const nn = isSwitch ? SWITCH_MAC_ID : t.nodes.find((n) => n.name === node)?.index
  if (nn === undefined) throw new RangeError(`macFor: unknown node ${JSON.stringify(node)}`)
  if (!Number.isInteger(portIndexOrLink) || portIndexOrLink < 0 || portIndexOrLink > MAX_INDEX) {
    throw new RangeError(`macFor: index ${portIndexOrLink} out of range 0..${MAX_INDEX}`)
  }
  const h = createHash('sha256').update(t.name).digest('hex')
  const hex = (n: number) => n.toString(16).padStart(2, '0')
  const nodeId = isSwitch ? nn : nn + 1
  return `02:${h.slice(0, 2)}:${h.slice(2, 4)}:${hex(nodeId)}:${hex(portIndexOrLink + 1)}:00`
}

// Nodes of the simulated cluster (what the operator and discovery see):
// every node except external grandmasters.
export const clusterNodes = (t: Topology): Node[] => t.nodes.filter((n) => !n.grandmaster)
export const grandmasterNodes = (t: Topology): Node[] => t.nodes.filter((n) => n.grandmaster)
