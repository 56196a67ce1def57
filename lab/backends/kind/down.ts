// Removing a kind lab, as a plan: the cluster (kind delete, or its node
// containers by kind's own label when kind is gone), every container
// labelled with the lab (the switch; the registry when this lab made it),
// the netdevsim devices the state file recorded. What exists is found by
// name and label first (discoverDown), so this works after a crash too.
import type { Action, Step } from '../../plan/types.js'
import { clusterName } from './names.js'
import { kindPaths, LABEL_LAB, type Provider } from './plan.js'

export const KIND_CLUSTER_LABEL = 'io.x-k8s.kind.cluster'

export interface DownTargets {
  lab: string
  provider: Provider
  kindInstalled: boolean
  clusterNodes: string[] // containers labelled with the cluster
  containers: string[] // containers labelled with the lab
  netdevsim: number[] // recorded IDs whose device exists
}

// The commands that find what a lab left (read only).
export const discoverArgv = (provider: Provider, lab: string) => ({
  clusterNodes: [provider, 'ps', '--all', '--filter', `label=${KIND_CLUSTER_LABEL}=${clusterName(lab)}`, '--format', '{{.Names}}'],
  containers: [provider, 'ps', '--all', '--filter', `label=${LABEL_LAB}=${lab}`, '--format', '{{.Names}}'],
})

export function kindDownPlan(d: DownTargets): Step[] {
  const C = clusterName(d.lab)
  const steps: Step[] = []
  if (d.clusterNodes.length) {
    const kindEnv = d.provider === 'podman' ? { env: { KIND_EXPERIMENTAL_PROVIDER: 'podman' } } : {}
    steps.push({
      name: `kind cluster ${C} (${d.clusterNodes.length} nodes)`,
      actions: d.kindInstalled
        ? [{ do: 'run', argv: ['kind', 'delete', 'cluster', '--name', C, '--kubeconfig', kindPaths(d.lab).kubeconfig], ...kindEnv }]
        : [{ do: 'run', argv: [d.provider, 'rm', '--force', '--volumes', ...d.clusterNodes] }],
    })
  }
  if (d.containers.length) steps.push({ name: `containers of lab ${d.lab}: ${d.containers.join(', ')}`, actions: [{ do: 'run', argv: [d.provider, 'rm', '--force', ...d.containers] }] })
  if (d.netdevsim.length)
    steps.push({
      name: `netdevsim devices ${d.netdevsim.join(', ')}`,
      actions: d.netdevsim.map((id): Action => ({ do: 'write', path: '/sys/bus/netdevsim/del_device', content: String(id) })),
    })
  return steps
}
