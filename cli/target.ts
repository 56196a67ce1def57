// Which cluster a command works on: a lab on this host (--name, default the
// only one that is up), or a Kubernetes cluster (--kubeconfig [FILE],
// --context NAME; FILE defaults to $KUBECONFIG, then ~/.kube/config).
import { openLabCluster } from '../lab/cluster/index.js'
import type { Cluster } from '../lab/cluster/types.js'
import { loadRunningLab, pickLab } from '../lab/state/labs.js'
import { readState } from '../lab/state/state.js'

export interface TargetFlags {
  name?: string
  kubeconfig?: string | true
  context?: string
}


export const wantsKube = (o: TargetFlags) => o.kubeconfig !== undefined || o.context !== undefined

// The image of ptplab's agent on a cluster (L2 discovery, port flaps):
// L2_DISCOVERY_IMAGE as upstream's suite reads it, else ptplab's own.
export const agentImage = (env = process.env) => env.L2_DISCOVERY_IMAGE || `${env.IMG_PREFIX || 'localhost/ptplab'}:l2probe`

export async function openTarget(o: TargetFlags, progress: (msg: string) => void): Promise<Cluster> {
  if (!wantsKube(o)) {
    const lab = await pickLab(o.name)
    // A kind lab is tested through its Kubernetes cluster.
    if ((await readState(lab).catch(() => undefined))?.backend === 'kind') {
      const { openKindCluster } = await import('./kind.js')
      return openKindCluster(lab, await loadRunningLab(lab), progress)
    }
    return openLabCluster(lab)
  }
  const { KubeCluster } = await import('../lab/cluster/kubernetes/cluster.js')
  return KubeCluster.open({ kubeconfig: typeof o.kubeconfig === 'string' ? o.kubeconfig : undefined, context: o.context, agentImage: agentImage(), progress })
}
