// What a lab backend does. The namespace backend is the embedded default;
// container backends plug in behind the same interface.
import type { RunResult } from '../sys/run.js'
import type { Topology } from '../topology/index.js'
import type { ClockMode } from '../clock/model.js'

import type { BackendKind } from '../state/state.js'
export { BACKENDS, type BackendKind } from '../state/state.js'

export type Progress = (msg: string) => void

export interface UpOptions {
  topology: Topology
  topologyFile?: string
  progress: Progress
  signal?: AbortSignal // aborting makes `up` roll back and throw
  clock?: ClockMode // default shared: all nodes on the host clock
}

export interface DownReport {
  lab: string
  processes: number
  containers?: number
  namespaces: string[]
  removedDir: boolean
}

export interface LabBackend {
  readonly name: BackendKind
  up(o: UpOptions): Promise<void>
  down(lab: string, progress: Progress): Promise<DownReport>
  // Cable pulled / plugged back: carrier of one node port.
  setPortLink(lab: string, node: string, port: string, up: boolean): Promise<void>
  // Runs a program inside a node: its network namespace, /sys and files.
  // The project and the lab dir are at the same paths there as on the host.
  nodeExec(lab: string, node: string, argv: string[], o?: { timeoutMs?: number }): Promise<RunResult>
  // The Python 3 to run inside a node (the L2 probe agent); "python3" if absent.
  python?(): Promise<string>
  // How often the lab restarted each node's daemon (its supervisor).
  restarts?(lab: string): Promise<Record<string, number>>
}

// `up` of a lab that already exists: a usage error, nothing was changed.
export class LabExistsError extends Error {}
