// Host based L2 discovery on a running lab (REFERENCE section 7): the probe
// agent (l2probe.py, Python standard library only) runs in every cluster
// node's namespace at the same time, broadcasts 0x88b5 probe frames from each
// port and records which source MACs each port hears, and which ports hear
// PTP (0x88f7). The frames really cross the veth links and the OVS switch, so
// VLAN separation shows in the result. Nothing here is derived from the
// topology's links: the topology only supplies which namespaces to probe,
// which interfaces are ports, and each port's PCI Device/Function (what
// upstream's agent reads from ethtool/lspci, which a veth does not have).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { LabBackend } from '../backends/types.js'
import { projectRoot } from '../paths.js'
import { loadRunningLab } from '../state/labs.js'
import { allPorts, clusterNodes, type Port, type Topology } from '../topology/index.js'
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

// ---------------------------------------------------------------- running the agents
export const agentPath = () => join(projectRoot(), 'lab', 'discovery', 'l2probe.py')

// Nodes that get an agent: the cluster nodes. The switch is not in
// topology.nodes. External grandmasters are not cluster nodes (upstream runs
// the agent as a DaemonSet on cluster nodes only).
export function probedNodes(t: Topology): string[] {
  return clusterNodes(t).map((n) => n.name)
}

export async function discoverLab(
  lab: string,
  backend: LabBackend,
  o: { skipInterfaces?: string[]; durationMs?: number; progress?: (m: string) => void } = {},
): Promise<Map<string, L2Report>> {
  const progress = o.progress ?? (() => {})
  const t = await loadRunningLab(lab)
  const agent = agentPath()
  if (!existsSync(agent)) throw new Error(`probe agent missing: ${agent}`)
  const durationMs = o.durationMs ?? 1500
  const skip = (o.skipInterfaces ?? []).filter(Boolean)
  const nodes = probedNodes(t)
  const ports = allPorts(t)

  progress(`L2 discovery on lab ${lab}: probing ${nodes.length} nodes for ${(durationMs / 1000).toFixed(1)} s` +
    (skip.length ? ` (skipping ${skip.join(', ')})` : ''))
  // All agents start together: each listens for the whole window and sends
  // its probes early in it, so agents a few hundred ms apart still hear each
  // other (see SEND_AT in l2probe.py).
  const outputs = await Promise.all(
    nodes.map(async (node) => {
      const args = ['python3', agent, '--node', node, '--duration', String(durationMs / 1000)]
      if (skip.length) args.push('--skip', skip.join(','))
      const r = await backend.nodeExec(lab, node, args, { timeoutMs: durationMs + 15_000 })
      if (r.exitCode !== 0)
        throw new Error(`L2 probe agent failed on node ${node} (exit ${r.exitCode}): ${r.stderr.trim() || '(no message)'}`)
      return [node, parseAgentOutput(r.stdout, `node ${node}`)] as const
    }),
  )

  const reports = new Map<string, L2Report>()
  for (const [node, out] of outputs) {
    const missing = ports.filter((p) => p.node === node && !skip.includes(p.name) && !(p.name in out)).map((p) => p.name)
    if (missing.length) progress(`warning: node ${node}: topology ports not found in its namespace: ${missing.join(', ')}`)
    const rep = buildReport(node, out, ports, { skipInterfaces: skip })
    const ifs = Object.values(rep[ETH_PROBE])
    progress(`node ${node}: ${ifs.length} ports, ${ifs.filter((i) => Object.keys(i.Remote).length).length} hear probes, ` +
      `${Object.keys(rep[ETH_PTP]).length} receive PTP`)
    reports.set(node, rep)
  }
  return reports
}

// ---------------------------------------------------------------- LANs
type Vertex = { node: string; iface: string }
const byNodeThenName = (a: Vertex, b: Vertex) =>
  a.node < b.node ? -1 : a.node > b.node ? 1 : a.iface < b.iface ? -1 : a.iface > b.iface ? 1 : 0
const key = (v: Vertex) => `${v.node}:${v.iface}`

// The LANs seen: connected components of "X received Y's probe" (a MAC in
// X's 88b5 Remote that is Y's IfMac), each a sorted list of "node:iface",
// the list sorted too. Interfaces that heard nobody and were heard by nobody
// form no LAN (upstream's graph would list them as one-vertex components;
// no solver constraint can use those). MACs owned by no reported interface
// are ignored. The full graph and solver live elsewhere; this is for display.
export function lansFromReports(reports: Map<string, L2Report>): string[][] {
  const vertices: Array<Vertex & { heard: string[] }> = []
  const owner = new Map<string, number>()
  for (const [node, rep] of reports) {
    for (const [iface, nb] of Object.entries(rep[ETH_PROBE] ?? {})) {
      owner.set(nb.Local.IfMac.Data.toUpperCase(), vertices.length)
      vertices.push({ node, iface, heard: Object.keys(nb.Remote) })
    }
  }
  const parent = vertices.map((_, i) => i)
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)))
  const linked = new Set<number>()
  vertices.forEach((v, i) => {
    for (const mac of v.heard) {
      const j = owner.get(mac.toUpperCase())
      if (j === undefined || j === i) continue
      parent[find(i)] = find(j)
      linked.add(i).add(j)
    }
  })
  const groups = new Map<number, Vertex[]>()
  for (const v of linked) {
    const r = find(v)
    groups.set(r, [...(groups.get(r) ?? []), vertices[v]!])
  }
  return [...groups.values()]
    .map((g) => g.sort(byNodeThenName))
    .sort((a, b) => byNodeThenName(a[0]!, b[0]!))
    .map((g) => g.map(key))
}

// Interfaces that received PTP frames, as sorted "node:iface".
export function ptpReceivers(reports: Map<string, L2Report>): string[] {
  const out: Vertex[] = []
  for (const [node, rep] of reports) for (const iface of Object.keys(rep[ETH_PTP] ?? {})) out.push({ node, iface })
  return out.sort(byNodeThenName).map(key)
}

// Reported interfaces in no LAN (heard nobody, heard by nobody), sorted.
export function isolatedInterfaces(reports: Map<string, L2Report>): string[] {
  const inLan = new Set(lansFromReports(reports).flat())
  const out: Vertex[] = []
  for (const [node, rep] of reports)
    for (const iface of Object.keys(rep[ETH_PROBE] ?? {})) if (!inLan.has(`${node}:${iface}`)) out.push({ node, iface })
  return out.sort(byNodeThenName).map(key)
}
