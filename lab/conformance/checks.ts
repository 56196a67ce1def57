// Pure evaluation of the "in sync" checks (docs/conformance.md) from one
// observation of a cluster: metrics samples per node plus pmc data sets.
import { ifaceAlias } from '../ptp/iface-alias.js'
import { findSample, type Sample } from '../ptp/prom-text.js'
import { ClockState, enumName, PortRole } from '../ptp/types.js'

// One port of one node.
export interface PortRef {
  node: string
  port: string
}

export interface CheckResult {
  test?: string // the named test this check belongs to (sync, port recovery, ...)
  name: string
  pass: boolean
  measured: string
  expected: string
  durationMs?: number // of the named test it belongs to
}

export interface ClockView {
  clockIdentity?: string // DEFAULT_DATA_SET
  grandmasterIdentity?: string // PARENT_DATA_SET
  parentClock?: string // PARENT_DATA_SET parentPortIdentity without port number
  stepsRemoved?: number // CURRENT_DATA_SET
}

export interface Observation {
  metrics: Record<string, Sample[]> // node -> samples
  clocks: Record<string, ClockView> // "node:port" of the ptp4l serving that port -> its data sets
  switchClock?: ClockView
}

export interface OffsetWindow {
  min: number
  max: number
}

const roleName = (v: number | undefined) => (v === undefined ? 'no metric' : `${enumName(PortRole, v) ?? 'UNKNOWN'} (${v})`)
const stateName = (v: number | undefined) => (v === undefined ? 'no metric' : `${enumName(ClockState, v) ?? '?'} (${v})`)

export function roleOf(obs: Observation, p: PortRef): number | undefined {
  return findSample(obs.metrics[p.node] ?? [], 'openshift_ptp_interface_role', { process: 'ptp4l', iface: p.port })?.value
}

export function clockStateOf(obs: Observation, p: PortRef): number | undefined {
  return findSample(obs.metrics[p.node] ?? [], 'openshift_ptp_clock_state', { process: 'ptp4l', iface: ifaceAlias(p.port) })?.value
}

export function offsetOf(obs: Observation, p: PortRef): number | undefined {
  return findSample(obs.metrics[p.node] ?? [], 'openshift_ptp_offset_ns', {
    from: 'master',
    process: 'ptp4l',
    iface: ifaceAlias(p.port),
  })?.value
}

export function checkRole(label: string, obs: Observation, p: PortRef, want: keyof typeof PortRole): CheckResult {
  const v = roleOf(obs, p)
  return { name: `${label} role`, pass: v === PortRole[want], measured: roleName(v), expected: `${want} (${PortRole[want]})` }
}

// A slave clock is in sync: SLAVE, LOCKED, offset inside the window.
export function checkSlaveSync(label: string, obs: Observation, p: PortRef, w: OffsetWindow): CheckResult[] {
  const st = clockStateOf(obs, p)
  const off = offsetOf(obs, p)
  return [
    checkRole(label, obs, p, 'SLAVE'),
    { name: `${label} clock state`, pass: st === ClockState.LOCKED, measured: stateName(st), expected: 'LOCKED (1)' },
    {
      name: `${label} offset from master`,
      pass: off !== undefined && off >= w.min && off <= w.max,
      measured: off === undefined ? 'no metric' : `${off} ns`,
      expected: `[${w.min}, ${w.max}] ns`,
    },
  ]
}

// The slave's grandmaster is the expected GM clock.
export function checkGrandmaster(label: string, slave: ClockView | undefined, gm: ClockView | undefined): CheckResult {
  const gmId = gm?.clockIdentity
  return {
    name: `${label} grandmaster identity`,
    pass: !!gmId && slave?.grandmasterIdentity === gmId,
    measured: slave?.grandmasterIdentity ?? 'unknown',
    expected: gmId ?? 'grandmaster clock identity (unknown)',
  }
}

// Its parent is the expected upstream clock (the switch boundary clock, or
// the GM itself).
export function checkParent(label: string, slave: ClockView | undefined, parent: { name: string; view: ClockView | undefined }): CheckResult {
  const parentId = parent.view?.clockIdentity
  return {
    name: `${label} parent is ${parent.name}`,
    pass: !!parentId && slave?.parentClock === parentId,
    measured: slave?.parentClock ?? 'unknown',
    expected: parentId ?? `${parent.name} clock identity (unknown)`,
  }
}
