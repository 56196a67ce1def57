// The Kubernetes images, as data: one row per image, upstream's
// IMG_PREFIX:<tag> scheme (tags lptpd, ptpop, openvswitch, l2probe). Built
// locally FROM the lab's node image (no registry needed), by
// lab/images/kube-images.ts; saved, loaded and pushed by transfer.ts.

// Where the images go when no --prefix is given; kustomize's images: rule
// in manifests/kustomization.yaml points IMG_PREFIX here.
export const DEFAULT_PREFIX = 'localhost/ptplab'

// What a build context holds besides the Dockerfile: project paths (files
// or directories, relative to the project root), the host's node binary
// (as `node`), or the production node_modules (package-lock.json's non-dev
// packages).
export type ContextPart = { project: string; optional?: boolean } | 'node' | 'modules'

export interface DockerfileBuild {
  dockerfile: string // relative to the project root
  // What it is built FROM: the lab's node image (build arg BASE), or the
  // runtime image (build arg RUNTIME).
  from: 'node' | 'runtime'
  context: ContextPart[]
}

export interface KubeImage {
  tag: string
  role: string // what it is for
  contains: string // what is in it (docs, --help)
  // A Dockerfile build, or another tag of a lab image (same content).
  build: DockerfileBuild | { alias: 'switch' }
}

// The shared lower layers of lptpd and ptpop: the node image plus node and
// production node_modules (ptplab/runtime:<content hash>, internal).
export const RUNTIME: DockerfileBuild = {
  dockerfile: 'images/runtime/Dockerfile',
  from: 'node',
  context: ['node', { project: 'package.json' }, { project: 'package-lock.json' }, 'modules'],
}

export const KUBE_IMAGES: readonly KubeImage[] = [
  {
    tag: 'lptpd',
    role: 'linuxptp daemon (DaemonSet linuxptp-daemon)',
    contains: 'node, dist/lab + dist/daemon, production node_modules, linuxptp, iproute2, ethtool, curl, util-linux, procps',
    build: { dockerfile: 'images/lptpd/Dockerfile', from: 'runtime', context: [{ project: 'dist/lab' }, { project: 'dist/daemon' }] },
  },
  {
    tag: 'ptpop',
    role: 'operator (Deployment ptp-operator; entry dist/operator/main.js: controller and webhook)',
    contains: 'node, dist/lab + dist/operator, production node_modules (on lptpd\'s lower layers); runs as uid 65532',
    build: { dockerfile: 'images/ptpop/Dockerfile', from: 'runtime', context: [{ project: 'dist/lab' }, { project: 'dist/operator', optional: true }] },
  },
  {
    tag: 'openvswitch',
    role: 'the lab switch: Open vSwitch (userspace datapath) and ptp4l as a boundary clock',
    contains: 'the switch image (switch/Dockerfile): openvswitch-switch, linuxptp, iproute2, ethtool, python3',
    build: { alias: 'switch' },
  },
  {
    tag: 'l2probe',
    role: 'L2 discovery agent and port-flap helper (privileged hostNetwork pods)',
    contains: 'python3 + lab/discovery/l2probe.py (default: --report-loop), iproute2, ethtool (the node image plus the agent)',
    build: { dockerfile: 'images/l2probe/Dockerfile', from: 'node', context: [{ project: 'lab/discovery/l2probe.py' }] },
  },
]

export const KUBE_TAGS = KUBE_IMAGES.map((i) => i.tag)
export const imageRef = (prefix: string, tag: string) => `${prefix}:${tag}`
