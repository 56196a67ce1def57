// The kind backend as the CLI uses it: its plan runs with the real executor
// (commands, files, and API calls through the Kubernetes client on the lab's
// own kubeconfig), and `test` on a kind lab goes through KubeCluster with
// the topology's wiring; the switch container is reached as the docker
// backend's nodes are (its daemon's sockets in the lab dir, docker exec).
import { KindBackend, type KindOptions } from '../lab/backends/kind/backend.js'
import { kindTopology } from '../lab/backends/kind/names.js'
import { kindPaths } from '../lab/backends/kind/plan.js'
import { LabNode } from '../lab/cluster/lab.js'
import type { Cluster } from '../lab/cluster/types.js'
import { topologyWiring } from '../lab/cluster/wiring.js'
import { InputError } from '../lab/errors.js'
import { realExecutor } from '../lab/plan/exec.js'
import type { Topology } from '../lab/topology/index.js'
import { agentImage } from './target.js'

export interface KindFlags {
  provider?: string
  registry?: boolean
  links?: string
  dryRun?: boolean
}

const LINKS = ['auto', 'veth', 'netdevsim', 'netdevsim-patched'] as const

export async function kindBackend(lab: string, f: KindFlags, print?: (l: string) => void): Promise<KindBackend> {
  const links = f.links ?? 'auto'
  if (!(LINKS as readonly string[]).includes(links)) throw new InputError(`unknown link kind ${JSON.stringify(links)} (${LINKS.join(', ')})`, { field: '--links' })
  const o: KindOptions = { provider: f.provider as KindOptions['provider'], registry: f.registry, links: links as KindOptions['links'] }
  if (f.dryRun) return new KindBackend(o, { dryRun: true, print })
  const { kubePlanExecutor } = await import('../lab/cluster/kubernetes/plan-api.js')
  return new KindBackend(o, { exec: realExecutor({ api: kubePlanExecutor({ kubeconfig: kindPaths(lab).kubeconfig }) }) })
}

export async function openKindCluster(lab: string, t: Topology, progress: (m: string) => void): Promise<Cluster> {
  const { KubeCluster } = await import('../lab/cluster/kubernetes/cluster.js')
  const backend = new KindBackend()
  const kt = kindTopology(t, lab)
  return KubeCluster.open({
    kubeconfig: kindPaths(lab).kubeconfig,
    agentImage: agentImage(),
    progress,
    wiring: (c) => topologyWiring(kt, (name) => (name === t.switch?.name ? new LabNode(lab, name, backend) : c.node(name))),
  })
}
