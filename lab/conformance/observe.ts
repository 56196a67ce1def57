// One observation of a cluster: every daemon's metrics, plus the pmc data
// sets of the ptp4l instances serving the ports the checks care about, all
// through the cluster's node handles.
import type { NodeHandle, Ptp4lInstance, Wiring } from '../cluster/types.js'
import { clockOfPort } from '../ptp/pmc-parse.js'
import { parsePromText, type Sample } from '../ptp/prom-text.js'
import type { ClockView, Observation, PortRef } from './checks.js'

const DATA_SETS = ['DEFAULT_DATA_SET', 'PARENT_DATA_SET', 'CURRENT_DATA_SET']

export async function clockView(node: NodeHandle, config: string): Promise<ClockView> {
  const rs = await node.pmc(config, DATA_SETS)
  const get = (id: string) => rs.find((r) => r.id === id)?.fields
  const parentPort = get('PARENT_DATA_SET')?.parentPortIdentity
  const steps = get('CURRENT_DATA_SET')?.stepsRemoved
  return {
    clockIdentity: get('DEFAULT_DATA_SET')?.clockIdentity,
    grandmasterIdentity: get('PARENT_DATA_SET')?.grandmasterIdentity,
    parentClock: parentPort ? clockOfPort(parentPort) : undefined,
    stepsRemoved: steps === undefined ? undefined : Number(steps),
  }
}

const key = (p: PortRef) => `${p.node}:${p.port}`

// Handles: the nodes whose metrics to read (by name), including lab
// infrastructure such as external grandmasters; ports: whose clocks to read.
export async function observe(handles: Map<string, NodeHandle>, ports: PortRef[], wiring?: Wiring): Promise<Observation> {
  const metrics: Record<string, Sample[]> = {}
  await Promise.all(
    [...handles].map(async ([n, h]) => {
      try {
        metrics[n] = parsePromText(await h.metrics())
      } catch {
        metrics[n] = []
      }
    }),
  )
  // One instance list per node and one pmc query per ptp4l: ports of one
  // clock (a BC's slave and master ports) share the same data sets.
  const instances = new Map<string, Promise<Ptp4lInstance[]>>()
  const ptp4lOf = (h: NodeHandle) => {
    if (!instances.has(h.name)) instances.set(h.name, h.ptp4l())
    return instances.get(h.name)!
  }
  const views = new Map<string, Promise<ClockView>>()
  const view = (h: NodeHandle, config: string) => {
    const k = `${h.name}/${config}`
    if (!views.has(k)) views.set(k, clockView(h, config))
    return views.get(k)!
  }
  const clocks: Record<string, ClockView> = {}
  await Promise.all(
    ports.map(async (p) => {
      const h = handles.get(p.node)
      if (!h) return
      try {
        const inst = (await ptp4lOf(h)).find((x) => x.ifaces.includes(p.port))
        if (inst) clocks[key(p)] = await view(h, inst.config)
      } catch {
        /* daemon busy: this round has no data for it */
      }
    }),
  )
  let switchClock: ClockView | undefined
  const sw = wiring?.switchClock
  if (sw) {
    try {
      const inst = (await ptp4lOf(sw))[0]
      if (inst) switchClock = await view(sw, inst.config)
    } catch {
      /* as above */
    }
  }
  return { metrics, clocks, switchClock }
}

export const clockAt = (obs: Observation, p: PortRef) => obs.clocks[key(p)]
