// L2 discovery (upstream's l2discovery, redhat-best-practices-for-k8s/
// l2discovery): the probe agent (l2probe.py, Python standard library only)
// runs in every cluster node at once, broadcasts 0x88b5 probe frames from
// each port and records which source MACs each port hears, and which ports
// hear PTP (0x88f7). This file is the pure part: the agent's output checked
// and turned into upstream's per-node report. Running the agents is the
// cluster's job (lab/cluster/lab-l2.ts on a lab). Nothing here is derived
// from the topology's links: the topology only supplies which interfaces are
// ports and each port's PCI Device/Function (what upstream's agent reads
// from sysfs, which a veth does not have).
import { join } from 'node:path'
import { projectRoot } from '../paths.js'
import { clusterNodes, type Port, type Topology } from '../topology/index.js'
import { ETHERTYPE_PROBE as ETH_PROBE, ETHERTYPE_PTP as ETH_PTP, type L2Iface, type L2Report } from './report.js'

// The report types (upstream's JSON shape, one report per node:
// ethertype -> local interface -> { Local, Remote: { <MAC>: true } }) live in
// report.ts. What this file produces:
// - "88b5": every reported port, Remote = MACs whose probes it received (may
//   be {}: unlike upstream's agent, which only adds a port once it hears a
//   frame, a silent port is listed, with its IfUp);
// - "88f7": only ports that received PTP frames, Remote = the PTP senders.
export type { L2Iface, L2Neighbors, L2Report } from './report.js'

// ---------------------------------------------------------------- agent output
// What l2probe.py prints: interface name -> what it saw.
export interface AgentIface {
  mac: string
  ifindex: number
  up: boolean
  operstate?: string
  carrier?: number | null
  probes: string[]
  ptp: boolean
  ptpFrom: string[]
  sent?: number
  sendError?: string | null // errno name when sending probes failed (e.g. ENETDOWN)
  recvError?: string | null // errno name when receiving failed (e.g. ENETDOWN: admin down)
}
export type AgentOutput = Record<string, AgentIface>

const MAC_RE = /^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/

// Parses and checks the agent's stdout; `what` names it in errors.
export function parseAgentOutput(text: string, what: string): AgentOutput {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (e) {
    throw new Error(`${what}: agent output is not JSON (${(e as Error).message}): ${text.slice(0, 200)}`)
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what}: agent output is not a JSON object`)
  const out: AgentOutput = {}
  for (const [name, raw] of Object.entries(v as Record<string, unknown>)) {
    const r = raw as Partial<AgentIface>
    const macs = (x: unknown) => Array.isArray(x) && x.every((m) => typeof m === 'string' && MAC_RE.test(m))
    if (
      !r || typeof r !== 'object' || typeof r.mac !== 'string' || !MAC_RE.test(r.mac) ||
      !Number.isInteger(r.ifindex) || typeof r.up !== 'boolean' || typeof r.ptp !== 'boolean' ||
      !macs(r.probes) || !macs(r.ptpFrom)
    ) {
      throw new Error(`${what}: agent output for interface ${JSON.stringify(name)} is malformed: ${JSON.stringify(raw)}`)
    }
    out[name] = r as AgentIface
  }
  return out
}

// ---------------------------------------------------------------- report building
const remote = (macs: string[]): Record<string, boolean> => Object.fromEntries([...macs].sort().map((m) => [m, true]))

// One node's report from its agent output. `ports` are the topology's ports
// (all nodes; only this node's are used): they decide which interfaces are
// reported and give IfPci. Interfaces in `skipInterfaces` are dropped (by
// name on every node, as upstream's SKIP_INTERFACES). With `allInterfaces`,
// interfaces outside the model are reported too, with IfPci.Device "".
export function buildReport(
  node: string,
  agent: AgentOutput,
  ports: Port[],
  o: { skipInterfaces?: string[]; allInterfaces?: boolean } = {},
): L2Report {
  const mine = new Map(ports.filter((p) => p.node === node).map((p) => [p.name, p]))
  const skip = new Set(o.skipInterfaces ?? [])
  const report: L2Report = { [ETH_PROBE]: {}, [ETH_PTP]: {} }
  for (const name of Object.keys(agent).sort()) {
    const a = agent[name]!
    const port = mine.get(name)
    if (skip.has(name) || (!port && !o.allInterfaces)) continue
    const local = (): L2Iface => ({
      IfName: name,
      IfMac: { Data: a.mac.toUpperCase() },
      IfIndex: a.ifindex,
      IfPci: { Device: port?.pciDevice ?? '', Function: port ? String(port.pciFunction) : '', Description: '', Subsystem: '' },
      // veth has software timestamps only and no PHC: what `ethtool -T` says.
      IfPTPCaps: { HwRx: false, HwTx: false, HwRawClock: false, PhcIndex: -1 },
      IfUp: a.up,
    })
    report[ETH_PROBE][name] = { Local: local(), Remote: remote(a.probes) }
    if (a.ptp) report[ETH_PTP][name] = { Local: local(), Remote: remote(a.ptpFrom) }
  }
  return report
}

// ---------------------------------------------------------------- the agent
export const agentPath = () => join(projectRoot(), 'lab', 'discovery', 'l2probe.py')

// Nodes that get an agent: the cluster nodes. The switch is not in
// topology.nodes. External grandmasters are not cluster nodes (upstream runs
// the agent as a DaemonSet on cluster nodes only).
export function probedNodes(t: Topology): string[] {
  return clusterNodes(t).map((n) => n.name)
}
