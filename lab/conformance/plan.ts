// What one test mode does, as data: which ports play which role, the node
// labels and PtpConfigs that make them do it. Pure: built from a solver
// assignment (auto-configured modes) or from user PtpConfigs (Discovery).
import type { PtpConfig } from '../operator/ptpconfig.js'
import type { PortRef } from './checks.js'
import {
  bcConfig,
  downstreamSlaveConfig,
  dualFollowerConfig,
  grandmasterConfig,
  LABEL_CUT,
  LABEL_GM,
  LABEL_SLAVE1,
  LABEL_SLAVE2,
  ocSlaveConfig,
  type GenOptions,
} from '../profiles/ptpconfigs.js'
import type { Mode } from './modes.js'

export type ClockKind = 'oc' | 'bc' | 'dualfollower'

// A clock under test: one ptp4l on `node` with these ports.
export interface ClockSpec {
  config: string // PtpConfig (CR) name
  profile?: string // its profile of this clock (default: the CR's first)
  kind: ClockKind
  node: string
  slavePorts: string[] // masterOnly 0: face the grandmaster's LAN
  masterPorts: string[] // masterOnly 1
}

// A downstream ordinary clock synchronised by a BC under test.
export interface DownstreamSpec {
  config: string
  node: string
  port: string
}

export interface ModePlan {
  mode: Mode
  problem: string // solver problem, or 'discovery'
  description: string
  gm?: PortRef // the generated grandmaster; undefined: an external one
  clocks: ClockSpec[]
  downstream: DownstreamSpec[]
  labels: Array<{ node: string; key: string }>
  configs: PtpConfig[] // what the suite applies (empty in Discovery mode)
}

export interface PlanRoles {
  mode: Mode
  problem: string
  gm?: PortRef
  clocks: Array<Omit<ClockSpec, 'config'> & { config: 'test-slave1' | 'test-bc-master1' | 'test-bc-master2' }>
  downstream: Array<Omit<DownstreamSpec, 'config'> & { config: 'test-slave1' | 'test-slave2' }>
}

const port = (p: PortRef) => `${p.node}:${p.port}`

export function describePlan(r: Pick<ModePlan, 'gm' | 'clocks' | 'downstream'>): string {
  const parts = r.clocks.map((c) => {
    const ports = [...c.slavePorts.map((p) => `${p}(S)`), ...c.masterPorts.map((p) => `${p}(M)`)]
    return `${c.kind.toUpperCase()} ${c.node}:${ports.join(',')}`
  })
  parts.push(r.gm ? `GM ${port(r.gm)}` : 'external GM')
  for (const d of r.downstream) parts.push(`downstream ${d.node}:${d.port}`)
  return parts.join('; ')
}

// Labels and PtpConfigs for an assignment, as upstream's suite makes them.
export function buildPlan(r: PlanRoles, gen: GenOptions): ModePlan {
  const labels: ModePlan['labels'] = []
  const configs: PtpConfig[] = []
  if (r.gm) {
    labels.push({ node: r.gm.node, key: LABEL_GM })
    configs.push(grandmasterConfig(r.gm.port, gen))
  }
  for (const c of r.clocks) {
    labels.push({ node: c.node, key: LABEL_CUT })
    if (c.kind === 'oc') configs.push(ocSlaveConfig(c.slavePorts[0]!, gen))
    else if (c.kind === 'dualfollower') configs.push(dualFollowerConfig([c.slavePorts[0]!, c.slavePorts[1]!], gen))
    else configs.push(bcConfig(c.config as 'test-bc-master1' | 'test-bc-master2', c.slavePorts[0]!, c.masterPorts, gen))
  }
  for (const d of r.downstream) {
    const label = d.config === 'test-slave1' ? LABEL_SLAVE1 : LABEL_SLAVE2
    labels.push({ node: d.node, key: label })
    configs.push(downstreamSlaveConfig(d.config, label, d.port, gen))
  }
  return { ...r, description: describePlan(r), labels: dedupe(labels), configs }
}

function dedupe(labels: ModePlan['labels']): ModePlan['labels'] {
  const seen = new Set<string>()
  return labels.filter((l) => !seen.has(`${l.node}\0${l.key}`) && !!seen.add(`${l.node}\0${l.key}`))
}

// Every port whose ptp4l the checks read data sets from.
export function planPorts(p: Pick<ModePlan, 'gm' | 'clocks' | 'downstream'>): PortRef[] {
  const out: PortRef[] = []
  if (p.gm) out.push(p.gm)
  for (const c of p.clocks) for (const x of [...c.slavePorts, ...c.masterPorts]) out.push({ node: c.node, port: x })
  for (const d of p.downstream) out.push({ node: d.node, port: d.port })
  return out
}
