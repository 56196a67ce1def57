// "In sync" for a whole mode plan (docs/conformance.md), pure: every master
// port MASTER; every slave port SLAVE, LOCKED, offset in the window; each
// slave's grandmaster is the expected GM and, where the cluster knows the
// cabling, its parent is the clock upstream of it on its LAN, one step
// further from the GM (a cluster that does not know the cabling gets no
// parent and stepsRemoved checks; upstream's suite makes none either).
import type { Wiring } from '../cluster/types.js'
import { PortRole } from '../ptp/types.js'
import { checkGrandmaster, checkParent, checkRole, checkSlaveSync, roleOf, type CheckResult, type ClockView, type Observation, type OffsetWindow, type PortRef } from './checks.js'
import { clockAt } from './observe.js'
import { checkTrueOffset } from './servo.js'
import type { ClockSpec, ModePlan } from './plan.js'

export interface Upstream {
  name: string
  view: ClockView | undefined
}

// The clock a port's ptp4l hears on its LAN: the switch's boundary clock
// for a switch port (PTP never crosses the switch), else the peer port's
// clock; undefined when the cabling is unknown.
export function upstreamOf(w: Wiring | undefined, obs: Observation, p: PortRef): Upstream | undefined {
  const peer = w?.peerOf(p.node, p.port)
  if (!peer) return undefined
  if (peer.kind === 'unplugged') return { name: 'nothing (unplugged port)', view: undefined }
  if (peer.kind === 'switch') return { name: `switch boundary clock ${peer.name}`, view: obs.switchClock }
  return { name: `${peer.node}:${peer.port}`, view: clockAt(obs, { node: peer.node, port: peer.port }) }
}

function stepsCheck(label: string, slave: ClockView | undefined, up: Upstream): CheckResult {
  const want = up.view?.stepsRemoved === undefined ? undefined : up.view.stepsRemoved + 1
  return {
    name: `${label} stepsRemoved`,
    pass: want !== undefined && slave?.stepsRemoved === want,
    measured: slave?.stepsRemoved === undefined ? 'unknown' : String(slave.stepsRemoved),
    expected: want === undefined ? `one more than ${up.name} (unknown)` : `${want} (one more than ${up.name})`,
  }
}

// All checks for one synchronised port of a clock: sync, GM, parent, steps.
function slavePortChecks(wiring: Wiring | undefined, obs: Observation, label: string, p: PortRef, w: OffsetWindow, gm: Upstream | undefined): CheckResult[] {
  const up = upstreamOf(wiring, obs, p)
  const slave = clockAt(obs, p)
  return [
    ...checkSlaveSync(label, obs, p, w),
    ...checkTrueOffset(label, obs, p, w),
    ...(gm ? [checkGrandmaster(label, slave, gm.view)] : []),
    ...(up ? [checkParent(label, slave, up), stepsCheck(label, slave, up)] : []),
  ]
}

function clockChecks(wiring: Wiring | undefined, obs: Observation, c: ClockSpec, w: OffsetWindow, gm: Upstream | undefined): CheckResult[] {
  const kind = c.kind === 'dualfollower' ? 'DualFollower' : c.kind.toUpperCase()
  const label = `${kind} ${c.node}`
  const out: CheckResult[] = []
  if (c.kind === 'dualfollower') {
    const roles = c.slavePorts.map((port) => roleOf(obs, { node: c.node, port }))
    const active = c.slavePorts.find((_, i) => roles[i] === PortRole.SLAVE)
    const other = c.slavePorts.find((x) => x !== active)
    out.push({
      name: `${label} one port SLAVE, the other LISTENING`,
      pass: !!active && !!other && roleOf(obs, { node: c.node, port: other }) === PortRole.LISTENING,
      measured: c.slavePorts.map((x, i) => `${x}=${roles[i] ?? 'none'}`).join(' '),
      expected: `one of ${c.slavePorts.join(', ')} SLAVE (1), the other LISTENING (5)`,
    })
    const port = active ?? c.slavePorts[0]!
    out.push(...slavePortChecks(wiring, obs, `${label}:${port}`, { node: c.node, port }, w, gm))
    return out
  }
  const slave = c.slavePorts[0]!
  out.push(...slavePortChecks(wiring, obs, `${label}:${slave} (slave port)`, { node: c.node, port: slave }, w, gm))
  for (const m of c.masterPorts) out.push(checkRole(`${label}:${m} (master port)`, obs, { node: c.node, port: m }, 'MASTER'))
  return out
}

// gm: the clock every slave must follow; undefined when it cannot be known.
export function syncChecks(wiring: Wiring | undefined, plan: ModePlan, obs: Observation, w: OffsetWindow, gm: Upstream | undefined): CheckResult[] {
  const out: CheckResult[] = []
  if (plan.gm) out.push(checkRole(`grandmaster ${plan.gm.node}:${plan.gm.port}`, obs, plan.gm, 'MASTER'))
  for (const c of plan.clocks) out.push(...clockChecks(wiring, obs, c, w, gm))
  for (const d of plan.downstream) out.push(...slavePortChecks(wiring, obs, `downstream ${d.node}:${d.port}`, { node: d.node, port: d.port }, w, gm))
  return out.map((c) => ({ test: 'sync', ...c }))
}
