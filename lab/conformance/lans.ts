// LANs from the topology model: ports on one switch VLAN form a LAN, a
// direct link is a LAN of two. (Issue 3 replaces this with real L2 discovery.)
import type { Topology } from '../topology/index.js'

export interface PortRef {
  node: string
  port: string
}

export interface Lan {
  id: string // "vlan1500" or "link3"
  ports: PortRef[] // node ports only, in topology order
  viaSwitch: boolean
}

export function topologyLans(t: Topology): Lan[] {
  const byVlan = new Map<number, PortRef[]>()
  const lans: Lan[] = []
  for (const l of t.links) {
    if (l.a.kind !== 'port') continue
    if (l.b.kind === 'switch') {
      const v = l.vlan ?? 1
      byVlan.set(v, [...(byVlan.get(v) ?? []), { node: l.a.node, port: l.a.port }])
    } else {
      lans.push({ id: `link${l.index}`, viaSwitch: false, ports: [{ node: l.a.node, port: l.a.port }, { node: l.b.node, port: l.b.port }] })
    }
  }
  for (const [v, ports] of [...byVlan.entries()].sort((a, b) => a[0] - b[0]))
    lans.push({ id: `vlan${v}`, viaSwitch: true, ports })
  return lans
}

export interface OcRoles {
  slave: PortRef
  gm: PortRef
  lan: Lan
}

// OC: Lan(slave, gm) with the two ports on different nodes. Deterministic:
// the first port in topology order that has a partner on another node.
export function chooseOcPorts(t: Topology): OcRoles | undefined {
  const lans = topologyLans(t)
  for (const n of t.nodes)
    for (const nic of n.nics)
      for (const port of nic.ports) {
        const lan = lans.find((l) => l.ports.some((p) => p.node === n.name && p.port === port))
        const gm = lan?.ports.find((p) => p.node !== n.name)
        if (lan && gm) return { slave: { node: n.name, port }, gm, lan }
      }
  return undefined
}
