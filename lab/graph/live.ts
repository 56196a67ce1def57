// The live view of a running lab for the graph: what every daemon exports
// (role, clock state, offset per port) and what each ptp4l says about its
// clock (pmc data sets). liveView is pure; readLiveView asks the daemons
// through a cluster's node handles.
import type { NodeHandle } from '../cluster/types.js'
import { clockStateOf, offsetOf, roleOf, type ClockView, type Observation, type PortRef } from '../conformance/checks.js'
import { clockView } from '../conformance/observe.js'
import { parsePromText, type Sample } from '../ptp/prom-text.js'
import { ClockState, enumName, PortRole } from '../ptp/types.js'
import { switchPorts } from '../switch/profile.js'
import type { Topology } from '../topology/index.js'
import type { ClockStateName, LiveView, RoleName } from './model.js'

// One daemon's answers: its metrics and, per running ptp4l, the ports it
// serves and its data sets.
export interface NodeReading {
  node: string
  samples: Sample[]
  clocks: Array<{ ifaces: string[]; view: ClockView }>
}

const portsOf = (t: Topology, node: string): string[] =>
  node === t.switch?.name ? switchPorts(t).map((p) => p.port) : (t.nodes.find((n) => n.name === node)?.nics.flatMap((c) => c.ports) ?? [])

// One port as its daemon exports it; undefined without a role metric.
// Clock state and offset are per clock, exported under the NIC alias: they
// belong to the port only while it is the clock's SLAVE.
export function portLive(obs: Observation, p: PortRef): LiveView['ports'][string] | undefined {
  const role = roleOf(obs, p)
  if (role === undefined) return undefined
  const slave = role === PortRole.SLAVE
  const st = slave ? clockStateOf(obs, p) : undefined
  const off = slave ? offsetOf(obs, p) : undefined
  return {
    role: (enumName(PortRole, role) ?? 'UNKNOWN') as RoleName,
    ...(st !== undefined && enumName(ClockState, st) && { clockState: enumName(ClockState, st) as ClockStateName }),
    ...(off !== undefined && { offsetNs: off }),
  }
}

export function liveView(t: Topology, readings: NodeReading[]): LiveView {
  const view: LiveView = { ports: {}, clocks: [] }
  for (const r of readings) {
    const obs = { metrics: { [r.node]: r.samples }, clocks: {} }
    for (const port of portsOf(t, r.node)) {
      const p = portLive(obs, { node: r.node, port })
      if (p) view.ports[`${r.node}:${port}`] = p
    }
    for (const c of r.clocks)
      view.clocks.push({
        node: r.node,
        ports: c.ifaces,
        ...(c.view.clockIdentity && { clockIdentity: c.view.clockIdentity }),
        ...(c.view.parentClock && { parentIdentity: c.view.parentClock }),
        ...(c.view.grandmasterIdentity && { grandmasterIdentity: c.view.grandmasterIdentity }),
        ...(c.view.stepsRemoved !== undefined && { stepsRemoved: c.view.stepsRemoved }),
      })
  }
  return view
}

// Every daemon of the topology's nodes and switch, in parallel, through
// `handle` (undefined: a node it cannot reach); one that does not answer is
// left out of the view (and named through `warn`), the rest is still drawn.
export async function readLiveView(t: Topology, handle: (node: string) => NodeHandle | undefined, warn: (msg: string) => void): Promise<LiveView> {
  const names = [...t.nodes.map((n) => n.name), ...(t.switch ? [t.switch.name] : [])]
  const readings = await Promise.all(
    names.map(async (node): Promise<NodeReading | undefined> => {
      const h = handle(node)
      if (!h) return undefined
      try {
        const [instances, metrics] = await Promise.all([h.ptp4l(), h.metrics()])
        const clocks = await Promise.all(
          instances.map(async (i) => ({ ifaces: i.ifaces, view: await clockView(h, i.config).catch((): ClockView => ({})) })),
        )
        return { node, samples: parsePromText(metrics), clocks }
      } catch (e) {
        warn(`${node}: daemon did not answer (${(e as Error).message}); drawn without live data`)
        return undefined
      }
    }),
  )
  return liveView(t, readings.filter((r) => !!r))
}
