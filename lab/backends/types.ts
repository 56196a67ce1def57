// What a lab backend does. The namespace backend is the embedded default;
// container backends plug in behind the same interface.
import type { Topology } from '../topology/index.js'

export type Progress = (msg: string) => void

export interface UpOptions {
  topology: Topology
  topologyFile?: string
  progress: Progress
  signal?: AbortSignal // aborting makes `up` roll back and throw
}

export interface DownReport {
  lab: string
  processes: number
  namespaces: string[]
  removedDir: boolean
}

export interface LabBackend {
  readonly name: string
  up(o: UpOptions): Promise<void>
  down(lab: string, progress: Progress): Promise<DownReport>
  // Cable pulled / plugged back: carrier of one node port.
  setPortLink(lab: string, node: string, port: string, up: boolean): Promise<void>
}
