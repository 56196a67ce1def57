// Opening the cluster a command works on, like kind's cluster provider
// lookup: a lab on this host by name (its backend comes from its state
// file), or a Kubernetes cluster through a kubeconfig. The Kubernetes client
// is loaded only when asked for, so the lab path never needs it.
import { backendOf } from '../backends/index.js'
import { loadRunningLab } from '../state/labs.js'
import { LabCluster } from './lab.js'

export type { Cluster, NodeHandle } from './types.js'

export async function openLabCluster(lab: string): Promise<LabCluster> {
  const t = await loadRunningLab(lab)
  return new LabCluster(lab, t, await backendOf(lab))
}
