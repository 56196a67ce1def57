// One observation of a running lab: every daemon's metrics, plus pmc data
// sets of the ptp4l instances serving the ports we care about.
import { daemonMetrics, daemonStatus, type DaemonStatus } from '../backends/daemon-client.js'
import { labPaths } from '../paths.js'
import { clockOfPort } from '../ptp/pmc-parse.js'
import { parsePromText, type Sample } from '../ptp/prom-text.js'
import { pmcGet } from '../sys/pmc.js'
import type { ClockView, Observation, PortRef } from './checks.js'

export async function clockView(lab: string, prof: DaemonStatus['profiles'][number]): Promise<ClockView> {
  const rs = await pmcGet(prof.uds, prof.domain, labPaths(lab).tmp, ['DEFAULT_DATA_SET', 'PARENT_DATA_SET', 'CURRENT_DATA_SET'])
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

export async function observe(lab: string, nodes: string[], ports: PortRef[], switchName?: string): Promise<Observation> {
  const metrics: Record<string, Sample[]> = {}
  await Promise.all(
    nodes.map(async (n) => {
      try {
        metrics[n] = parsePromText(await daemonMetrics(lab, n))
      } catch {
        metrics[n] = []
      }
    }),
  )
  // One status per node and one pmc query per ptp4l: ports of one clock
  // (a BC's slave and master ports) share the same data sets.
  const statuses = new Map<string, Promise<DaemonStatus>>()
  const status = (node: string) => {
    if (!statuses.has(node)) statuses.set(node, daemonStatus(lab, node))
    return statuses.get(node)!
  }
  const views = new Map<string, Promise<ClockView>>()
  const view = (prof: DaemonStatus['profiles'][number]) => {
    if (!views.has(prof.uds)) views.set(prof.uds, clockView(lab, prof))
    return views.get(prof.uds)!
  }
  const clocks: Record<string, ClockView> = {}
  for (const p of ports) {
    try {
      const prof = (await status(p.node)).profiles.find((x) => x.ifaces.includes(p.port))
      if (prof) clocks[key(p)] = await view(prof)
    } catch {
      /* daemon busy: this round has no data for it */
    }
  }
  let switchClock: ClockView | undefined
  if (switchName) {
    try {
      const prof = (await status(switchName)).profiles[0]
      if (prof) switchClock = await view(prof)
    } catch {
      /* as above */
    }
  }
  return { metrics, clocks, switchClock }
}

export const clockAt = (obs: Observation, p: PortRef) => obs.clocks[key(p)]
