// The pinned tools and add-ons of the kind lab, as data (upstream's lab:
// kind v0.27 with its Kubernetes 1.32 node image, helm 3.17, cert-manager
// v1.17), how to read each tool's version, and the check with a message
// that says what to install. Unpinned tools were one of upstream's pains.

export const KIND_NODE_IMAGE = 'kindest/node:v1.32.2@sha256:f226345927d7e348497136874b6d207e0b32cc52154ad8323129352923a3142f'

// cert-manager from its pinned release manifest (kubectl fetches it): the
// manifest is about 1 MB of generated CRDs, a poor thing to vendor, and the
// lab's VM has the network anyway.
export const CERT_MANAGER = {
  version: 'v1.17.2',
  manifest: 'https://github.com/cert-manager/cert-manager/releases/download/v1.17.2/cert-manager.yaml',
  deployments: ['cert-manager', 'cert-manager-cainjector', 'cert-manager-webhook'],
} as const

export const PROMETHEUS_CHART = {
  repo: 'prometheus-community',
  repoUrl: 'https://prometheus-community.github.io/helm-charts',
  chart: 'prometheus-community/kube-prometheus-stack',
  version: '69.8.0',
  release: 'prometheus',
  namespace: 'openshift-monitoring',
  // Upstream's lab exposes Prometheus on NodePort 30000. Grafana and
  // Alertmanager are not used by the suite; the ServiceMonitor of
  // manifests/monitoring is picked up whatever its labels.
  values: [
    'prometheus.service.type=NodePort',
    'prometheus.service.nodePort=30000',
    'grafana.enabled=false',
    'alertmanager.enabled=false',
    'prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues=false',
  ],
} as const

export type ToolName = 'kind' | 'kubectl' | 'helm'

export interface Tool {
  name: ToolName
  version: string // the pin: what run-on-vm.sh installs
  versionArgv: string[] // prints the version
  parse: (out: string) => string | undefined // "v1.2.3" from that output
  accepts: (found: string) => boolean
  // Release binary and its published checksum (linux, amd64 or arm64).
  download: (arch: 'amd64' | 'arm64') => { url: string; sha256Url: string; tarMember?: string }
}

const semver = (v: string) => /^v?(\d+)\.(\d+)\.(\d+)/.exec(v)?.slice(1).map(Number) as [number, number, number] | undefined
const sameMinor = (pin: string) => (found: string) => {
  const a = semver(pin)
  const b = semver(found)
  return !!a && !!b && a[0] === b[0] && a[1] === b[1]
}

const KIND_VERSION = 'v0.27.0'
const KUBECTL_VERSION = 'v1.32.2'
const HELM_VERSION = 'v3.17.1'

export const TOOLS: readonly Tool[] = [
  {
    name: 'kind',
    version: KIND_VERSION,
    versionArgv: ['kind', 'version'],
    parse: (out) => /\bkind (v\d+\.\d+\.\d+)/.exec(out)?.[1],
    accepts: sameMinor(KIND_VERSION), // the node image above is this release's
    download: (arch) => {
      const url = `https://github.com/kubernetes-sigs/kind/releases/download/${KIND_VERSION}/kind-linux-${arch}`
      return { url, sha256Url: `${url}.sha256sum` }
    },
  },
  {
    name: 'kubectl',
    version: KUBECTL_VERSION,
    versionArgv: ['kubectl', 'version', '--client', '-o', 'json'],
    parse: (out) => {
      try {
        return (JSON.parse(out) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion?.match(/^v\d+\.\d+\.\d+/)?.[0]
      } catch {
        return undefined
      }
    },
    // The version skew policy: one minor either side of the API server
    // (1.32); kustomize v4+ (kubectl 1.21+) is needed by manifests/ anyway.
    accepts: (found) => {
      const f = semver(found)
      return !!f && f[0] === 1 && Math.abs(f[1] - 32) <= 1
    },
    download: (arch) => {
      const url = `https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${arch}/kubectl`
      return { url, sha256Url: `${url}.sha256` }
    },
  },
  {
    name: 'helm',
    version: HELM_VERSION,
    versionArgv: ['helm', 'version', '--short'],
    parse: (out) => /(v\d+\.\d+\.\d+)/.exec(out)?.[1],
    accepts: sameMinor(HELM_VERSION),
    download: (arch) => {
      const url = `https://get.helm.sh/helm-${HELM_VERSION}-linux-${arch}.tar.gz`
      return { url, sha256Url: `${url}.sha256sum`, tarMember: `linux-${arch}/helm` }
    },
  },
]

export const tool = (name: ToolName): Tool => TOOLS.find((t) => t.name === name)!

// The check: undefined when the tool is fine, else a sentence naming the
// tool, what was found and what to do.
export function versionProblem(t: Tool, r: { exitCode: number; stdout: string } | undefined): string | undefined {
  const fix = `install ${t.name} ${t.version} (sudo ./run-on-vm.sh installs the pinned tools)`
  if (!r) return `${t.name} is not installed: ${fix}`
  if (r.exitCode !== 0) return `${t.versionArgv.join(' ')} failed (exit ${r.exitCode}): ${fix}`
  const found = t.parse(r.stdout)
  if (!found) return `cannot read ${t.name}'s version from ${JSON.stringify(r.stdout.trim().slice(0, 80))}: ${fix}`
  if (!t.accepts(found)) return `${t.name} ${found} is not the pinned ${t.version}: ${fix}`
  return undefined
}
