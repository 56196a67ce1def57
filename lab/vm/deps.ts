// What the run's steps share: the AWS gateway, the command runner, the
// journal, progress output and the timings (small in tests).
import type { Gateway } from './aws.js'
import type { Exec, ExecOptions, ExecResult, Workdir } from './effects.js'
import type { Journal } from './journal.js'

export interface Timing {
  pollMs: number // between DescribeInstances / SSM polls
  sshPollMs: number // between SSH probes
  keyTimeoutMs: number // the SSM command that installs the key
  fetchReserveMs: number // kept from the run's budget for fetching artifacts
  cleanupTimeoutMs: number // terminate and verify
  settleMs: number // after an interrupted RunInstances: how long to look for what it made
}

export const TIMING: Timing = {
  pollMs: 5000,
  sshPollMs: 3000,
  keyTimeoutMs: 180_000,
  fetchReserveMs: 5 * 60_000,
  cleanupTimeoutMs: 3 * 60_000,
  settleMs: 30_000,
}

export interface Deps {
  aws: Gateway
  exec: Exec
  workdir: () => Promise<Workdir>
  journal: Journal
  progress: (msg: string) => void
  timing: Timing
}

// A command, journaled: the dry run prints it, tests read it.
export function command(d: Deps, argv: string[], o: ExecOptions): Promise<ExecResult> {
  d.journal.push({ kind: 'cmd', argv })
  return d.exec(argv, o)
}
