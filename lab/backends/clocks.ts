// Independent clocks at `up`: one clock state file per node (and the
// switch) in its run dir, and the map from every ptp4l clock identity a
// node can have (from each of its ports' MACs) to that file, so a daemon
// finds its grandmaster's clock for ground truth.
import { clockModelOf, macFor, type Topology } from '../topology/index.js'
import { allPorts } from '../topology/index.js'
import { hostNowNs, initialState, writeStateFile } from '../clock/state.js'
import { stateFileOf } from '../clock/truth.js'
import { labPaths } from '../paths.js'
import { writeJsonAtomic } from '../state/state.js'

// ptp4l's clock identity from a port's MAC (EUI-48 to EUI-64, linuxptp util.c).
export const identityOfMac = (mac: string) => {
  const b = mac.toLowerCase().split(':')
  return `${b.slice(0, 3).join('')}.fffe.${b.slice(3).join('')}`
}

export function clockIdentities(t: Topology): Record<string, string> {
  const p = labPaths(t.name)
  const map: Record<string, string> = {}
  for (const pt of allPorts(t)) map[identityOfMac(macFor(t, pt.node, pt.index))] = pt.node
  if (t.switch) for (const l of t.links) if (l.b.kind === 'switch') map[identityOfMac(macFor(t, 'switch', l.index))] = t.switch.name
  return Object.fromEntries(Object.entries(map).map(([id, node]) => [id, stateFileOf(p.nodeRun(node))]))
}

export async function writeClockStates(t: Topology): Promise<void> {
  const p = labPaths(t.name)
  const h = hostNowNs()
  const names = [...t.nodes.map((n) => n.name), ...(t.switch ? [t.switch.name] : [])]
  for (const n of names) await writeStateFile(stateFileOf(p.nodeRun(n)), initialState(clockModelOf(t, n), n, h))
  await writeJsonAtomic(p.clockMap, clockIdentities(t))
}
