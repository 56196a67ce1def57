// Which backend runs a lab: chosen at `up`, recorded in the state file, so
// every later command (test, status, down) uses the same one.
import { readState } from '../state/state.js'
import { NetnsBackend } from './netns/backend.js'
import type { BackendKind, DownReport, LabBackend, Progress } from './types.js'

export async function backendByKind(kind: BackendKind): Promise<LabBackend> {
  if (kind === 'docker') {
    // Loaded on demand: the namespace lab needs neither dockerode nor an engine.
    const { DockerBackend } = await import('./docker/backend.js')
    return new DockerBackend()
  }
  if (kind === 'kind') {
    // Down, exec and carrier only: `up` needs the executor the CLI gives
    // (cli/kind.ts), as its API calls go through the Kubernetes client.
    const { KindBackend } = await import('./kind/backend.js')
    return new KindBackend()
  }
  return new NetnsBackend()
}

export async function backendOf(lab: string): Promise<LabBackend> {
  const st = await readState(lab).catch(() => undefined)
  return backendByKind(st?.backend ?? 'netns')
}

// `down` that also works without a state file: the namespace sweep by name
// prefix always, and the container sweep by label when an engine answers
// (the kind sweep: the cluster ptplab-<lab> by kind's node label).
export async function downLab(lab: string, progress: Progress): Promise<DownReport> {
  const st = await readState(lab).catch(() => undefined)
  if (st) return (await backendByKind(st.backend)).down(lab, progress)
  const r = await new NetnsBackend().down(lab, progress)
  const { dockerAvailable } = await import('../images/images.js')
  if (await dockerAvailable().catch(() => 'unavailable')) return r
  const d = await (await backendByKind('docker')).down(lab, progress)
  const k = await (await backendByKind('kind')).down(lab, progress)
  return { ...r, containers: (d.containers ?? 0) + (k.containers ?? 0), namespaces: [...r.namespaces, ...d.namespaces], removedDir: r.removedDir || d.removedDir || k.removedDir }
}
