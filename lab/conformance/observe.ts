// One observation of a running lab: every daemon's metrics, plus pmc data
// sets of the ptp4l instances serving the ports we care about.
import { daemonMetrics, daemonStatus, type DaemonStatus } from '../backends/daemon-client.js'
import { labPaths } from '../paths.js'
import { clockOfPort } from '../ptp/pmc-parse.js'
import { parsePromText, type Sample } from '../ptp/prom-text.js'
import { pmcGet } from '../sys/pmc.js'
import type { ClockView, Observation } from './checks.js'
import type { PortRef } from './checks.js'

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
  const clocks: Record<string, ClockView> = {}
  for (const p of ports) {
    try {
      const prof = (await daemonStatus(lab, p.node)).profiles.find((x) => x.ifaces.includes(p.port))
      if (prof) clocks[key(p)] = await clockView(lab, prof)
    } catch {
      /* daemon busy: this round has no data for it */
    }
  }
  let switchClock: ClockView | undefined
  if (switchName) {
    try {
      const prof = (await daemonStatus(lab, switchName)).profiles[0]
      if (prof) switchClock = await clockView(lab, prof)
    } catch {
      /* as above */
    }
  }
  return { metrics, clocks, switchClock }
}

export const clockAt = (obs: Observation, p: PortRef) => obs.clocks[key(p)]
