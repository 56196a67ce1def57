// What a topology says about the cabling, as the suite's Wiring: the peer
// of every port, the switch's boundary clock, the external grandmasters.
// Used by the lab and by a kind cluster built from a topology file. Pure
// apart from the node handles it is given.
import { externalGmPort } from '../profiles/external-gm.js'
import { allPorts, grandmasterNodes, linkOf, type Topology } from '../topology/index.js'
import type { NodeHandle, Peer, Wiring } from './types.js'

export function topologyWiring(t: Topology, handleOf: (name: string) => NodeHandle): Wiring {
  return {
    peerOf: (node, port): Peer | undefined => {
      const l = linkOf(t, node, port)
      if (!l) return allPorts(t).some((p) => p.node === node && p.name === port) ? { kind: 'unplugged' } : undefined
      const peer = l.a.kind === 'port' && l.a.node === node && l.a.port === port ? l.b : l.a
      return peer.kind === 'port' ? { kind: 'port', node: peer.node, port: peer.port } : { kind: 'switch', name: t.switch!.name }
    },
    switchClock: t.switch ? handleOf(t.switch.name) : undefined,
    externalGms: grandmasterNodes(t).flatMap((gm) => {
      const port = externalGmPort(t, gm)
      return port ? [{ name: gm.name, node: handleOf(gm.name), port }] : []
    }),
  }
}
