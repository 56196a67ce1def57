// The files the kind lab writes, rendered from data: the cluster config
// (from the project's kind-config.yaml), the kustomize overlay that deploys
// manifests/ with the lab's image prefix and clock mode, and the pieces of
// kind's local-registry recipe.
import { relative } from 'node:path'
import { parse, stringify } from 'yaml'
import { InputError } from '../../errors.js'
import { REGISTRY } from './names.js'
import { KIND_NODE_IMAGE } from './versions.js'

interface KindNode {
  role: string
  image?: string
  extraMounts?: Array<{ hostPath: string; containerPath: string }>
  [k: string]: unknown
}

const NETDEVSIM_MOUNT = '/sys/bus/netdevsim'

// kind-config.yaml with the lab's cluster name and workers; the netdevsim
// mount only where the host has netdevsim (kind refuses a missing host path).
export function renderKindConfig(base: string, o: { cluster: string; workers: number; netdevsim: boolean; file?: string }): string {
  let doc: { kind?: string; apiVersion?: string; name?: string; nodes?: KindNode[] }
  try {
    doc = parse(base) as typeof doc
  } catch (e) {
    throw new InputError(`not YAML: ${(e as Error).message}`, { file: o.file })
  }
  if (doc?.kind !== 'Cluster' || doc.apiVersion !== 'kind.x-k8s.io/v1alpha4') throw new InputError('not a kind Cluster config (kind.x-k8s.io/v1alpha4)', { file: o.file, field: 'kind' })
  const nodes = doc.nodes ?? []
  const cp = nodes.filter((n) => n.role === 'control-plane')
  const worker = nodes.find((n) => n.role === 'worker')
  if (cp.length !== 1 || !worker) throw new InputError('needs one control-plane node and a worker to copy', { file: o.file, field: 'nodes' })
  const fix = (n: KindNode): KindNode => ({
    ...n,
    image: n.image ?? KIND_NODE_IMAGE,
    extraMounts: (n.extraMounts ?? []).filter((m) => o.netdevsim || m.hostPath !== NETDEVSIM_MOUNT),
  })
  doc.name = o.cluster
  doc.nodes = [fix(cp[0]!), ...Array.from({ length: o.workers }, () => fix(structuredClone(worker)))]
  return stringify(doc)
}

// The overlay over manifests/: the image prefix (kustomize's images rule,
// also on the operator's LINUXPTP_DAEMON_IMAGE through the copied
// images-in-env.yaml) and, for veth links, daemons on one host clock
// (the operator's PTPLAB_SHARED_CLOCK).
export function renderOverlay(o: { overlayDir: string; manifestsDir: string; prefix: string; sharedClock: boolean }): string {
  const doc: Record<string, unknown> = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [relative(o.overlayDir, o.manifestsDir) || '.'],
    configurations: ['images-in-env.yaml'],
  }
  if (o.prefix !== 'localhost/ptplab') doc.images = [{ name: 'localhost/ptplab', newName: o.prefix }]
  if (o.sharedClock)
    doc.patches = [
      {
        target: { kind: 'Deployment', name: 'ptp-operator' },
        patch: stringify({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'ptp-operator', namespace: 'openshift-ptp' },
          spec: { template: { spec: { containers: [{ name: 'ptp-operator', env: [{ name: 'PTPLAB_SHARED_CLOCK', value: 'true' }] }] } } },
        }),
      },
    ]
  return stringify(doc)
}

// kind's local registry recipe: how containerd on a node reaches it.
export const registryHostDir = `/etc/containerd/certs.d/localhost:${REGISTRY.hostPort}`
export const registryHostsToml = `[host."http://${REGISTRY.name}:${REGISTRY.port}"]\n`

// ConfigMap local-registry-hosting in kube-public (KEP-1755), so tools find it.
export const registryConfigMap = () => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'local-registry-hosting', namespace: 'kube-public' },
  data: { 'localRegistryHosting.v1': stringify({ host: `localhost:${REGISTRY.hostPort}`, help: 'https://kind.sigs.k8s.io/docs/user/local-registry/' }) },
})
