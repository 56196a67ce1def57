// The L2 connectivity graph the solver works on, built from the per-node
// discovery reports exactly as upstream does (redhat-cne/l2discovery-lib,
// l2lib.go: getL2Disc/updateMaps/createL2InternalGraph/
// getInterfacesReceivingPTP; SameNic & co. in pkg/graphsolver/graphsolver.go):
//
// - Vertices: per node in node-name order, first the interfaces of the
//   "88b5" section in name order, then those of the optional "0000" section
//   (all local interfaces) not already taken. Names compare by code unit, as
//   Go's sort.Strings does. A MAC already owned by a vertex is not added
//   again (first one wins; listed in `duplicates`).
// - Edge v-w when v's "88b5" entry heard w's MAC (one direction suffices).
//   MACs that are not vertices (switch ports, skipped interfaces) are ignored.
// - LANs: the connected components, singletons included (yourbasic/graph
//   Components); each sorted, the list sorted by first vertex.
// - ptp: the interface has a "88f7" entry with at least one Remote MAC
//   (upstream skips entries whose Remote is empty).
// - skipInterfaces (SKIP_INTERFACES): BARE interface names, dropped on every
//   node, as upstream; "node:iface" is not understood and matches nothing.
// - ptpInterfacesOnly: upstream's conformance suite passes true, dropping
//   interfaces whose PCI description contains "Virtual" or that lack
//   HwRx/HwTx/HwRawClock. Default false here: the namespace lab's veths have
//   software timestamps only.
import { ETHERTYPE_LOCAL, ETHERTYPE_PROBE, ETHERTYPE_PTP, normalizeMac, type L2Iface, type L2Report } from './report.js'

export interface L2Vertex {
  index: number
  node: string
  iface: string
  mac: string // normalised MAC
  pciDevice: string // "" when unknown
  pciFunction: string
  ptp: boolean // received PTP frames
  up: boolean
}

export interface L2Graph {
  vertices: L2Vertex[]
  edges: Array<[number, number]> // a < b, sorted, no duplicates
  lans: number[][] // connected components
  lanOf: number[] // vertex index -> index in lans
  skipped: string[] // "node:iface" dropped by skipInterfaces
  filtered: string[] // "node:iface" dropped by ptpInterfacesOnly
  duplicates: string[] // "node:iface" dropped because its MAC was already a vertex
}

export interface BuildGraphOptions {
  skipInterfaces?: string[]
  ptpInterfacesOnly?: boolean
}

// Reports from parseL2Report are normalised already; hand-built ones may not be.
const mac = (s: string) => normalizeMac(s) ?? s.toUpperCase()

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

const notPtpCapable = (l: L2Iface) =>
  l.IfPci.Description.includes('Virtual') || !l.IfPTPCaps.HwRx || !l.IfPTPCaps.HwTx || !l.IfPTPCaps.HwRawClock

export function buildGraph(reports: Map<string, L2Report>, opts: BuildGraphOptions = {}): L2Graph {
  const skip = new Set((opts.skipInterfaces ?? []).map((s) => s.trim()))
  const vertices: L2Vertex[] = []
  const byMac = new Map<string, number>()
  const byNodeIface = new Map<string, number>()
  const skipped: string[] = []
  const filtered: string[] = []
  const duplicates: string[] = []
  const nodes = [...reports.keys()].sort(byCodeUnit)

  for (const node of nodes) {
    const rep = reports.get(node)!
    const ptpSection = rep[ETHERTYPE_PTP] ?? {}
    for (const et of [ETHERTYPE_PROBE, ETHERTYPE_LOCAL]) {
      const section = rep[et] ?? {}
      for (const key of Object.keys(section).sort(byCodeUnit)) {
        const l = section[key]!.Local
        const id = `${node}:${l.IfName}`
        if (byNodeIface.has(id)) continue // already a vertex (e.g. from "88b5", listed again in "0000")
        if (byMac.has(mac(l.IfMac.Data))) {
          if (!duplicates.includes(id)) duplicates.push(id)
          continue
        }
        if (opts.ptpInterfacesOnly && notPtpCapable(l)) {
          if (!filtered.includes(id)) filtered.push(id)
          continue
        }
        if (skip.has(l.IfName)) {
          if (!skipped.includes(id)) skipped.push(id)
          continue
        }
        const p = ptpSection[l.IfName]
        const v: L2Vertex = {
          index: vertices.length,
          node,
          iface: l.IfName,
          mac: mac(l.IfMac.Data),
          pciDevice: l.IfPci.Device,
          pciFunction: l.IfPci.Function,
          ptp: p !== undefined && Object.keys(p.Remote).length > 0,
          up: l.IfUp,
        }
        vertices.push(v)
        byMac.set(v.mac, v.index)
        byNodeIface.set(id, v.index)
      }
    }
  }

  const edgeSet = new Set<string>()
  const edges: Array<[number, number]> = []
  for (const node of nodes) {
    const section = reports.get(node)![ETHERTYPE_PROBE] ?? {}
    for (const [key, entry] of Object.entries(section)) {
      const v = byNodeIface.get(`${node}:${key}`)
      if (v === undefined) continue
      for (const remote of Object.keys(entry.Remote)) {
        const w = byMac.get(mac(remote))
        if (w === undefined || w === v) continue
        const e: [number, number] = v < w ? [v, w] : [w, v]
        const k = `${e[0]}-${e[1]}`
        if (!edgeSet.has(k)) {
          edgeSet.add(k)
          edges.push(e)
        }
      }
    }
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1])

  // Connected components by union-find.
  const parent = vertices.map((_, i) => i)
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!
      x = parent[x]!
    }
    return x
  }
  for (const [a, b] of edges) {
    const ra = find(a)
    const rb = find(b)
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb)
  }
  const groups = new Map<number, number[]>()
  for (let i = 0; i < vertices.length; i++) {
    const r = find(i)
    groups.set(r, [...(groups.get(r) ?? []), i])
  }
  const lans = [...groups.values()].sort((a, b) => a[0]! - b[0]!)
  const lanOf: number[] = new Array<number>(vertices.length).fill(-1)
  lans.forEach((lan, li) => lan.forEach((v) => (lanOf[v] = li)))

  return { vertices, edges, lans, lanOf, skipped, filtered, duplicates }
}

// ---------------------------------------------------------------- predicates
// Vertex indices as arguments, like upstream's solver wrappers.

const vx = (g: L2Graph, i: number): L2Vertex => {
  const v = g.vertices[i]
  if (!v) throw new RangeError(`no vertex ${i} (graph has ${g.vertices.length})`)
  return v
}

export const sameNode = (g: L2Graph, a: number, b: number): boolean => vx(g, a).node === vx(g, b).node

// Same node AND same non-empty PCI device: ports of one NIC. Two nodes with
// equal PCI device strings (netdevsim numbers them alike) are different NICs.
export function sameNic(g: L2Graph, a: number, b: number): boolean {
  const x = vx(g, a)
  const y = vx(g, b)
  return x.node === y.node && x.pciDevice !== '' && x.pciDevice === y.pciDevice
}

// Both in one connected component (says nothing about nodes: two ports of
// one node on one VLAN are on the same LAN).
export const sameLan = (g: L2Graph, a: number, b: number): boolean => {
  vx(g, a)
  vx(g, b)
  return g.lanOf[a] === g.lanOf[b]
}

export const isPtp = (g: L2Graph, a: number): boolean => vx(g, a).ptp

// LANs with at least two interfaces (singleton components are not LANs to a person).
export const realLans = (g: L2Graph): number[][] => g.lans.filter((l) => l.length > 1)

export const vertexName = (g: L2Graph, i: number): string => {
  const v = vx(g, i)
  return `${v.node}:${v.iface}`
}

// What a person wants to see of the LANs: each real LAN as sorted
// "node:iface" names, the interfaces in none (heard nobody, heard by
// nobody), and the interfaces that received PTP. The CLI's discover and the
// suite read the same graph.
export function lanSummary(g: L2Graph): { lans: string[][]; isolated: string[]; ptpReceivers: string[] } {
  const lans = realLans(g).map((lan) => lan.map((i) => vertexName(g, i)))
  const inLan = new Set(lans.flat())
  const all = g.vertices.map((v) => vertexName(g, v.index))
  return {
    lans,
    isolated: all.filter((n) => !inLan.has(n)),
    ptpReceivers: g.vertices.filter((v) => v.ptp).map((v) => vertexName(g, v.index)),
  }
}
