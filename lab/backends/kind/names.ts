// How a topology maps onto a kind cluster: the cluster is ptplab-<lab>, the
// topology's nodes are its workers in declaration order (kind names them
// <cluster>-worker, <cluster>-worker2, ...), the switch is a container of
// its own, and every link is one configpair between those containers with
// netdevsim IDs from a block that belongs to the lab.
import { createHash } from 'node:crypto'
import { InputError } from '../../errors.js'
import { hostObjectName } from '../../paths.js'
import { allPorts, clusterNodes, macFor, type Topology } from '../../topology/index.js'

export const clusterName = (lab: string) => `ptplab-${lab}`
export const controlPlaneNode = (cluster: string) => `${cluster}-control-plane`
// kind's own naming of the i-th worker (1-based).
export const kindWorkerName = (cluster: string, i: number) => (i === 1 ? `${cluster}-worker` : `${cluster}-worker${i}`)
// The switch container: named and labelled like the docker backend's.
export const switchContainer = (lab: string, sw: string) => hostObjectName(lab, sw)
export const REGISTRY = { name: 'kind-registry', hostPort: 5001, port: 5000, image: 'registry:2' } as const

// lab node name -> kind node name (also the Kubernetes node name).
export function nodeNameTable(t: Topology, cluster: string): Map<string, string> {
  return new Map(clusterNodes(t).map((n, i) => [n.name, kindWorkerName(cluster, i + 1)]))
}

// What the kind backend can build; anything else is refused before a thing
// is made, naming the topology field.
export function checkKindTopology(t: Topology): void {
  const where = { file: t.file }
  t.nodes.forEach((n) => {
    if (n.grandmaster) throw new InputError('the kind backend runs no external grandmaster yet (use --backend netns or docker)', { ...where, field: `nodes.${n.name}.grandmaster` })
  })
  const linked = new Set(t.links.flatMap((l) => [l.a, l.b]).flatMap((e) => (e.kind === 'port' ? [`${e.node}:${e.port}`] : [])))
  for (const p of allPorts(t))
    if (!linked.has(`${p.node}:${p.name}`))
      throw new InputError(`port ${p.node}:${p.name} has no link: the kind backend cables every port (use --backend netns or docker for unplugged ports)`, {
        ...where,
        field: `nodes.${p.node}.nics`,
      })
  if (t.links.length > ID_BLOCK / 2) throw new InputError(`${t.links.length} links: the kind backend takes at most ${ID_BLOCK / 2}`, { ...where, field: 'links' })
}

// netdevsim device IDs are global on the host: each lab takes a block of
// 32 (configpair's IDs are 0..255, a byte of its default MACs), chosen by
// a hash of its name, and records the IDs it uses in its state file.
export const ID_BLOCK = 32
export function idBase(lab: string): number {
  const h = createHash('sha256').update(lab).digest()
  return (h[0]! % (256 / ID_BLOCK)) * ID_BLOCK
}

export type LinkMode = 'netdevsim-patched' | 'netdevsim' | 'veth'

// One configpair: end 1 a node port, end 2 the switch port or the peer port.
export interface KindLink {
  index: number
  id1: number
  id2: number
  container1: string
  ifname1: string
  container2: string
  ifname2: string
  mac1: string
  mac2: string
  clk1?: number // patched netdevsim: one clock per NIC, the switch's clock 0
  clk2?: number
  pci1?: string
  pci2?: string
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0')

export function kindLinks(t: Topology, lab: string, mode: LinkMode): KindLink[] {
  const names = nodeNameTable(t, clusterName(lab))
  const ports = allPorts(t)
  // Clock per NIC: its 1-based position among all NICs (ens1 -> 1, as upstream).
  const nicClock = new Map(t.nodes.flatMap((n) => n.nics.map((c) => `${n.name}/${c.name}`)).map((k, i) => [k, i + 1]))
  const base = idBase(lab)
  const end = (node: string, port: string) => {
    const p = ports.find((x) => x.node === node && x.name === port)!
    return { container: names.get(node)!, ifname: port, mac: macFor(t, node, p.index), clk: nicClock.get(`${node}/${p.nic}`)!, pci: `${p.pciDevice}.${p.pciFunction}` }
  }
  return t.links.map((l, i) => {
    if (l.a.kind !== 'port') throw new Error(`link ${l.index}: first endpoint must be a node port`)
    const a = end(l.a.node, l.a.port)
    const b =
      l.b.kind === 'switch'
        ? { container: switchContainer(lab, t.switch!.name), ifname: l.switchPort!, mac: macFor(t, 'switch', l.index), clk: 0, pci: `${a.pci.slice(0, 8)}${hex2(7 + i)}.0` }
        : end(l.b.node, l.b.port)
    const patched = mode === 'netdevsim-patched'
    return {
      index: l.index,
      id1: base + 2 * i,
      id2: base + 2 * i + 1,
      container1: a.container,
      ifname1: a.ifname,
      container2: b.container,
      ifname2: b.ifname,
      mac1: a.mac,
      mac2: b.mac,
      ...(patched ? { clk1: a.clk, clk2: b.clk, pci1: a.pci, pci2: b.pci } : {}),
    }
  })
}

// The topology as the cluster sees it: node names are kind's, so the
// suite's wiring (lab/cluster/wiring.ts) answers for Kubernetes node names.
export function kindTopology(t: Topology, lab: string): Topology {
  const names = nodeNameTable(t, clusterName(lab))
  const rn = (n: string) => names.get(n) ?? n
  return {
    ...t,
    nodes: t.nodes.map((n) => ({ ...n, name: rn(n.name) })),
    links: t.links.map((l) => ({ ...l, a: l.a.kind === 'port' ? { ...l.a, node: rn(l.a.node) } : l.a, b: l.b.kind === 'port' ? { ...l.b, node: rn(l.b.node) } : l.b })),
  }
}
