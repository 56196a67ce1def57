// Every test mode of the conformance suite, as data: its --mode name,
// upstream's PTP_TEST_MODE spelling (openshift/ptp-operator
// test/pkg/testconfig.go), and how its clock roles are found: by the role
// solver on L2 discovery (an auto-configured mode, with the problem it
// solves), or from the user's PtpConfigs (Discovery). Modes ptplab cannot
// run yet carry the reason instead.
import { InputError } from '../errors.js'
import type { ProblemBase } from '../discovery/problems.js'

interface ModeRow {
  upstream: string
  problem?: ProblemBase // auto-configured: the solver problem
  unsupported?: string // why ptplab refuses it
}

// In upstream's order.
export const MODE_TABLE = {
  oc: { upstream: 'OC', problem: 'oc' },
  bc: { upstream: 'BC', problem: 'bc' },
  dualnicbc: { upstream: 'DualNICBC', problem: 'dualnicbc' },
  dualnicbcha: { upstream: 'DualNICBCHA', unsupported: 'phc2sys high availability across two NICs is not simulated' },
  dualfollower: { upstream: 'DualFollower', problem: 'dualfollower' },
  tgm: { upstream: 'TGM', unsupported: 'a telecom grandmaster needs GNSS and ts2phc, which are not simulated' },
  tbc: { upstream: 'TBC', unsupported: 'telecom boundary clock (T-BC) profiles are not simulated' },
  discovery: { upstream: 'Discovery' },
} as const satisfies Record<string, ModeRow>

type Table = typeof MODE_TABLE
export type AnyMode = keyof Table
// The modes ptplab runs.
export type Mode = { [K in AnyMode]: Table[K] extends { unsupported: string } ? never : K }[AnyMode]
// The auto-configured ones, whose roles come from the solver.
export type SolverMode = { [K in AnyMode]: Table[K] extends { problem: ProblemBase } ? K : never }[AnyMode]

export const ALL_MODES = Object.keys(MODE_TABLE) as AnyMode[]
export const MODES = ALL_MODES.filter((m): m is Mode => !('unsupported' in MODE_TABLE[m]))

export const problemOf = (m: SolverMode): ProblemBase => MODE_TABLE[m].problem
export const isSolverMode = (m: Mode): m is SolverMode => 'problem' in MODE_TABLE[m]
export const upstreamName = (m: AnyMode): string => MODE_TABLE[m].upstream

// A mode by any spelling (--mode oc, PTP_TEST_MODE=DualNICBC), case
// insensitive; an unknown one is an input error naming `field`.
export function lookupMode(raw: string, field: string): AnyMode {
  const s = raw.trim().toLowerCase()
  const m = ALL_MODES.find((k) => k === s || MODE_TABLE[k].upstream.toLowerCase() === s)
  if (!m) throw new InputError(`unknown test mode ${JSON.stringify(raw)} (known: ${ALL_MODES.map(upstreamName).join(', ')})`, { field })
  return m
}

// A mode ptplab runs; an unsupported one is an input error with the reason.
export function supportedMode(m: AnyMode, field: string): Mode {
  const row: ModeRow = MODE_TABLE[m]
  if (row.unsupported)
    throw new InputError(`test mode ${row.upstream} is not supported by ptplab yet: ${row.unsupported} (supported: ${MODES.map(upstreamName).join(', ')})`, { field })
  return m as Mode
}

export const parseMode = (raw: string, field: string): Mode => supportedMode(lookupMode(raw, field), field)
