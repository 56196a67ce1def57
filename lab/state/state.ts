// The lab state file: every resource is recorded before or as it is made, so
// `down` can undo a crashed or half-finished `up`.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
// Which backend made a lab: chosen at `up`, recorded here, used by every
// later command.
export const BACKENDS = ['netns', 'docker', 'kind'] as const
export type BackendKind = (typeof BACKENDS)[number]
import type { Topology } from '../topology/index.js'
import { labPaths } from '../paths.js'
import type { ClockMode } from '../clock/model.js'

export type Resource =
  | { kind: 'netns'; name: string }
  | { kind: 'process'; name: string; pid: number; startTime?: string; netns?: string }
  | { kind: 'dir'; path: string }
  | { kind: 'container'; name: string }
  | { kind: 'cluster'; name: string; provider: 'docker' | 'podman' } // a kind cluster
  | { kind: 'netdevsim'; id: number } // recorded before it is made

export interface LabState {
  version: 1
  lab: string
  backend: BackendKind
  phase: 'creating' | 'up' | 'deleting'
  topologyFile?: string
  topology: Topology
  clock?: ClockMode // absent: shared
  createdAt: string
  resources: Resource[]
}

export async function readState(lab: string): Promise<LabState | undefined> {
  try {
    return JSON.parse(await readFile(labPaths(lab).state, 'utf8')) as LabState
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new Error(`cannot read lab state ${labPaths(lab).state}: ${(e as Error).message}`)
  }
}

// Write-then-rename so a crash never leaves a torn state file.
// A failed write (ENOSPC) leaves no temporary file behind.
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.tmp-${process.pid}`
  try {
    await writeFile(tmp, text, { mode: 0o600 })
    await rename(tmp, path)
  } catch (e) {
    await rm(tmp, { force: true })
    throw e
  }
}

export const writeJsonAtomic = (path: string, value: unknown) => writeTextAtomic(path, JSON.stringify(value, null, 2) + '\n')

// Appends resources one at a time, persisting after each.
// Saves are serialized: steps that run concurrently (daemons started side
// by side) record through one recorder, and each save is of the whole state.
export class StateRecorder {
  private saving: Promise<void> = Promise.resolve()
  constructor(readonly state: LabState) {}

  save(): Promise<void> {
    const next = this.saving.catch(() => {}).then(() => writeJsonAtomic(labPaths(this.state.lab).state, this.state))
    this.saving = next
    return next
  }

  async add(...rs: Resource[]): Promise<void> {
    this.state.resources.push(...rs)
    await this.save()
  }

  async setPhase(p: LabState['phase']): Promise<void> {
    this.state.phase = p
    await this.save()
  }
}
