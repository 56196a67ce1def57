// One palette for every picture (graph formats, report plots): a port's
// colour says its PTP role, a clock state strip says LOCKED or not.
import type { ClockStateName, RoleName } from './model.js'

export interface Paint {
  fill: string
  stroke: string
  text: string
}

export const ROLE_PAINT: Record<RoleName, Paint> = {
  SLAVE: { fill: '#dbeafe', stroke: '#2563eb', text: '#1e3a8a' },
  MASTER: { fill: '#dcfce7', stroke: '#16a34a', text: '#14532d' },
  LISTENING: { fill: '#fef3c7', stroke: '#d97706', text: '#78350f' },
  FAULTY: { fill: '#fee2e2', stroke: '#dc2626', text: '#7f1d1d' },
  PASSIVE: { fill: '#f1f5f9', stroke: '#64748b', text: '#334155' },
  UNKNOWN: { fill: '#f1f5f9', stroke: '#94a3b8', text: '#334155' },
}

// A port without a live role (topology only, or no ptp4l on it).
export const IDLE_PAINT: Paint = { fill: '#ffffff', stroke: '#94a3b8', text: '#0f172a' }

export const STATE_COLOR: Record<ClockStateName, string> = {
  LOCKED: '#16a34a',
  FREERUN: '#94a3b8',
  HOLDOVER: '#d97706',
}

export const TAG_COLOR = '#7c3aed' // a port's part in a test mode (GM, OC slave, ...)
export const SYNC_COLOR = '#2563eb' // a cable time flows over: master -> slave
export const LINK_COLOR = '#94a3b8'
export const FONT = "'DejaVu Sans Mono', Menlo, Consolas, monospace"
export const SANS = "'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif"
