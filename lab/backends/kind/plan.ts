// The kind lab as a plan (pure): upstream's k8s-start and deploy order
// (cluster, nodes and pods Ready, labels, OpenShift dressing, cert-manager,
// Prometheus, images, switch and links, manifests, webhook CA bundle,
// rollouts) with every kind/kubectl/helm/docker command and API call as
// data, each step's done-check and undo.
import { join } from 'node:path'
import { daemonArgv } from '../assemble.js'
import type { Action, Step } from '../../plan/types.js'
import { labPaths } from '../../paths.js'
import { bridgeWithPortsArgs, ovsdbCreateArgv, ovsdbServerArgv, ovsDb, ovsDbSock, ovsEnv, ovsMgmtSock, switchFlows, vsctlArgv, vswitchdArgv } from '../../switch/ovs.js'
import { switchPorts } from '../../switch/profile.js'
import type { Topology } from '../../topology/index.js'
import { registryConfigMap, registryHostDir, registryHostsToml } from './config.js'
import { clusterName, controlPlaneNode, kindLinks, nodeNameTable, REGISTRY, switchContainer, type KindLink, type LinkMode } from './names.js'
import { CERT_MANAGER, PROMETHEUS_CHART } from './versions.js'

export const LABEL_LAB = 'ptplab.lab' // as the docker backend's containers
export const KUBE_NS = 'openshift-ptp'
export const WEBHOOK = 'ptpconfig-validating-webhook-configuration'
export const KIND_IMAGE_TAGS = ['lptpd', 'ptpop', 'openvswitch', 'l2probe'] as const
// The switch container needs these (as the docker backend's switch).
export const SWITCH_CAPS = ['NET_ADMIN', 'NET_RAW', 'SYS_NICE', 'SYS_TIME', 'SYS_ADMIN', 'IPC_LOCK']
const NODE_BIN = '/usr/local/bin/node'

export type Provider = 'docker' | 'podman'

export interface KindPlanInput {
  topology: Topology // lab name = topology name
  provider: Provider
  links: LinkMode
  registry: boolean // kind's local registry recipe; else kind load
  prefix: string // IMG_PREFIX of the images ptplab built
  root: string // the project
  nodeBinary: string // bind-mounted into the switch container
  kindConfig: string // rendered (config.ts)
  overlay: string // rendered kustomization.yaml
  imagesInEnv: string // manifests/images-in-env.yaml
  switchProfile: string // the switch's fixed profile (JSON)
  timeoutMs: number // each wait (upstream: 300 s)
}

// Where a kind lab keeps its files: in its run dir, like every lab.
export function kindPaths(lab: string) {
  const p = labPaths(lab)
  return {
    ...p,
    kindConfig: join(p.dir, 'kind-config.yaml'),
    kubeconfig: join(p.dir, 'kubeconfig'),
    overlay: join(p.dir, 'kustomize'),
    helm: join(p.dir, 'helm'),
    images: join(p.dir, 'images'),
  }
}

const run = (argv: string[], more: Partial<Extract<Action, { do: 'run' }>> = {}): Action => ({ do: 'run', argv, ...more })
const lines = (s: string) => s.split('\n').map((l) => l.trim())

export function kindUpPlan(i: KindPlanInput): Step[] {
  const t = i.topology
  const lab = t.name
  const C = clusterName(lab)
  const P = kindPaths(lab)
  const K = ['--kubeconfig', P.kubeconfig]
  const kindEnv = i.provider === 'podman' ? { env: { KIND_EXPERIMENTAL_PROVIDER: 'podman' } } : {}
  const ctr = i.provider // the container CLI: docker or podman
  const helm = (args: string[]) => run(['helm', ...args, '--repository-config', join(P.helm, 'repositories.yaml'), '--repository-cache', join(P.helm, 'cache')])
  const wait = (f: Extract<Action, { do: 'wait' }>['for'], timeoutMs = i.timeoutMs): Action => ({ do: 'wait', for: f, timeoutMs })
  const now = (f: Extract<Action, { do: 'wait' }>['for']): Action => ({ do: 'wait', for: f, timeoutMs: 0 }) // one look, for checks
  const names = nodeNameTable(t, C)
  const workers = [...names.values()]
  const refs = KIND_IMAGE_TAGS.map((tag) => `${i.prefix}:${tag}`)
  const sw = t.switch?.name
  const swc = sw ? switchContainer(lab, sw) : undefined
  const swDir = P.switchDir
  const sharedClock = i.links !== 'netdevsim-patched'
  const running = (name: string, what: string) => ({
    action: run([ctr, 'inspect', '--format', '{{.State.Running}}', name]),
    done: (r: { stdout: string }) => r.stdout.trim() === 'true',
    what,
  })

  const steps: Step[] = [
    {
      name: 'lab files: kind config, kustomize overlay',
      actions: [
        { do: 'write', path: P.kindConfig, content: i.kindConfig },
        { do: 'write', path: join(P.overlay, 'kustomization.yaml'), content: i.overlay },
        { do: 'write', path: join(P.overlay, 'images-in-env.yaml'), content: i.imagesInEnv },
      ],
    },
    {
      name: `kind cluster ${C}`,
      check: { action: run(['kind', 'get', 'clusters'], kindEnv), done: (r) => lines(r.stdout).includes(C), what: `kind get clusters lists ${C}` },
      actions: [run(['kind', 'create', 'cluster', '--name', C, '--config', P.kindConfig, ...K], { ...kindEnv, timeoutMs: 900_000 })],
      undo: [run(['kind', 'delete', 'cluster', '--name', C, ...K], kindEnv)],
      keep: `kind cluster ${C}`,
    },
    { name: 'kubeconfig of the cluster', actions: [run(['kind', 'export', 'kubeconfig', '--name', C, ...K], kindEnv)] },
    { name: 'nodes Ready', actions: [wait({ what: 'nodes-ready', count: workers.length + 1 })] },
    { name: 'system pods Ready', actions: [wait({ what: 'pods-ready' })] },
    {
      // prepare-kind: the operator's nodeSelector wants master on the workers.
      name: 'node labels (as OpenShift)',
      actions: [
        { do: 'patch', object: { apiVersion: 'v1', kind: 'Node', name: controlPlaneNode(C) }, patch: { metadata: { labels: { 'node-role.kubernetes.io/control-plane': 'true' } } } },
        ...t.nodes.map((n): Action => ({
          do: 'patch',
          object: { apiVersion: 'v1', kind: 'Node', name: names.get(n.name)! },
          patch: { metadata: { labels: { 'node-role.kubernetes.io/master': '', 'node-role.kubernetes.io/worker': '', ...n.labels } } },
        })),
      ],
    },
    {
      name: 'OpenShift dressing: namespaces openshift-ptp and openshift-monitoring, PriorityClass openshift-user-critical',
      actions: [
        run(['kubectl', ...K, 'apply', '-f', join(i.root, 'manifests', 'namespace.yaml'), '-f', join(i.root, 'manifests', 'priorityclass.yaml')]),
        {
          do: 'apply',
          object: { apiVersion: 'v1', kind: 'Namespace', name: PROMETHEUS_CHART.namespace, body: { metadata: { labels: { 'openshift.io/cluster-monitoring': 'true' } } } },
        },
      ],
    },
    {
      name: `cert-manager ${CERT_MANAGER.version} (stands in for OpenShift's service CA)`,
      check: { action: now({ what: 'rollout', kind: 'Deployment', namespace: 'cert-manager', name: 'cert-manager-webhook' }), done: (r) => r.ok, what: 'cert-manager-webhook is rolled out' },
      actions: [
        run(['kubectl', ...K, 'apply', '-f', CERT_MANAGER.manifest]),
        ...CERT_MANAGER.deployments.map((d) => wait({ what: 'rollout', kind: 'Deployment', namespace: 'cert-manager', name: d })),
      ],
    },
    {
      name: `Prometheus: ${PROMETHEUS_CHART.chart} ${PROMETHEUS_CHART.version} in ${PROMETHEUS_CHART.namespace}`,
      check: {
        action: helm(['status', PROMETHEUS_CHART.release, '--namespace', PROMETHEUS_CHART.namespace, ...K, '-o', 'json']),
        done: (r) => {
          try {
            const s = JSON.parse(r.stdout) as { info?: { status?: string }; chart?: { metadata?: { version?: string } } }
            return s.info?.status === 'deployed' && (s.chart?.metadata?.version ?? PROMETHEUS_CHART.version) === PROMETHEUS_CHART.version
          } catch {
            return false
          }
        },
        what: `helm release ${PROMETHEUS_CHART.release} is deployed at ${PROMETHEUS_CHART.version}`,
      },
      actions: [
        helm(['repo', 'add', PROMETHEUS_CHART.repo, PROMETHEUS_CHART.repoUrl, '--force-update']),
        helm([
          'upgrade', '--install', PROMETHEUS_CHART.release, PROMETHEUS_CHART.chart, '--version', PROMETHEUS_CHART.version,
          '--namespace', PROMETHEUS_CHART.namespace, ...K, ...PROMETHEUS_CHART.values.flatMap((v) => ['--set', v]), '--wait', '--timeout', `${Math.round(i.timeoutMs / 1000) * 2}s`,
        ]),
      ],
    },
    {
      name: `images ${refs.join(' ')}`,
      check: { action: run(['docker', 'image', 'inspect', '--format', '{{.Id}}', ...refs]), done: (r) => lines(r.stdout).filter(Boolean).length === refs.length, what: 'every image is in the Docker engine' },
      actions: [run([i.nodeBinary, join(i.root, 'bin', 'ptplab.js'), 'images', 'build', '--only', KIND_IMAGE_TAGS.join(','), '--prefix', i.prefix], { timeoutMs: 1_800_000 })],
    },
    ...(i.registry ? registrySteps(i, C, [controlPlaneNode(C), ...workers], refs) : loadSteps(i, C, refs, P.images, kindEnv)),
  ]

  if (sw && swc) {
    const image = `${i.prefix}:openvswitch`
    steps.push({
      name: `switch container ${swc} (${image})`,
      check: running(swc, `${swc} is running`),
      actions: [
        run([
          ctr, 'run', '--detach', '--name', swc, '--hostname', sw, '--label', `${LABEL_LAB}=${lab}`, '--label', `ptplab.node=${sw}`,
          '--network', 'none', ...SWITCH_CAPS.flatMap((c) => ['--cap-add', c]), '--device', '/dev/net/tun', '--pid', 'host', '--init',
          '--volume', `${i.root}:${i.root}:ro`, '--volume', `${P.dir}:${P.dir}`, '--volume', `${i.nodeBinary}:${NODE_BIN}:ro`, '--env', `NODE_NAME=${sw}`,
          image, NODE_BIN, ...daemonArgv(t, sw).slice(0), '--log-file', P.nodeLog(sw),
        ]),
      ],
      undo: [run([ctr, 'rm', '--force', swc])],
    })
  }
  for (const l of kindLinks(t, lab, i.links)) steps.push(linkStep(i, l))
  if (sw && swc) steps.push(ovsStep(i, swc, swDir, t), { name: `boundary clock profile of ${sw}`, actions: [{ do: 'write', path: join(P.fixedProfiles, sw), content: i.switchProfile }] })

  steps.push(
    { name: 'deploy: kubectl apply -k (operator, daemon RBAC, webhook, certificates, monitoring)', actions: [run(['kubectl', ...K, 'apply', '-k', P.overlay])] },
    {
      name: 'webhook and daemon certificates Ready',
      actions: ['serving-cert', 'serving-cert-daemon'].map((name) => wait({ what: 'certificate-ready', namespace: KUBE_NS, name })),
    },
    { name: `CA bundle injected into ${WEBHOOK}`, actions: [wait({ what: 'ca-bundle', name: WEBHOOK })] },
    { name: 'operator rollout', actions: [wait({ what: 'rollout', kind: 'Deployment', namespace: KUBE_NS, name: 'ptp-operator' })] },
    {
      name: `PtpOperatorConfig default: daemons on the workers${sharedClock ? ' (shared clock: veth links)' : ' (a PHC per NIC)'}`,
      actions: [
        wait({ what: 'exists', apiVersion: 'ptp.openshift.io/v1', kind: 'PtpOperatorConfig', namespace: KUBE_NS, name: 'default' }),
        {
          do: 'patch',
          object: { apiVersion: 'ptp.openshift.io/v1', kind: 'PtpOperatorConfig', namespace: KUBE_NS, name: 'default' },
          patch: { spec: { daemonNodeSelector: { 'node-role.kubernetes.io/worker': '' } } },
        },
      ],
    },
    { name: 'daemon rollout', actions: [wait({ what: 'rollout', kind: 'DaemonSet', namespace: KUBE_NS, name: 'linuxptp-daemon', minReady: workers.length })] },
  )
  return steps
}

function loadSteps(i: KindPlanInput, C: string, refs: string[], dir: string, kindEnv: object): Step[] {
  if (i.provider === 'docker')
    return [{ name: 'images into the nodes (kind load)', actions: [run(['kind', 'load', 'docker-image', '--name', C, ...refs], { timeoutMs: 1_200_000 })] }]
  // kind's podman provider loads archives; ptplab's images are in Docker.
  return [
    {
      name: 'images into the nodes (kind load image-archive)',
      actions: [
        run(['mkdir', '-p', dir]),
        run([i.nodeBinary, join(i.root, 'bin', 'ptplab.js'), 'images', 'save', '--out', dir, '--only', KIND_IMAGE_TAGS.join(','), '--prefix', i.prefix], { timeoutMs: 1_200_000 }),
        ...KIND_IMAGE_TAGS.map((tag) => run(['kind', 'load', 'image-archive', '--name', C, join(dir, `${tag}.tar`)], { ...kindEnv, timeoutMs: 1_200_000 })),
      ],
    },
  ]
}

// kind's local registry recipe: the registry container on 127.0.0.1:5001,
// on the kind network as kind-registry:5000, a hosts.toml on each node, the
// local-registry-hosting ConfigMap; then the images pushed into it.
function registrySteps(i: KindPlanInput, C: string, nodes: string[], refs: string[]): Step[] {
  const ctr = i.provider
  const R = REGISTRY.name
  return [
    {
      name: `local registry ${R} on 127.0.0.1:${REGISTRY.hostPort}`,
      check: { action: run([ctr, 'inspect', '--format', '{{.State.Running}}', R]), done: (r) => r.stdout.trim() === 'true', what: `${R} is running` },
      actions: [
        run([ctr, 'run', '--detach', '--restart=always', '--publish', `127.0.0.1:${REGISTRY.hostPort}:${REGISTRY.port}`, '--network', 'bridge', '--name', R, '--label', `${LABEL_LAB}=${i.topology.name}`, REGISTRY.image]),
      ],
      undo: [run([ctr, 'rm', '--force', R])],
    },
    {
      name: `${R} on the kind network`,
      check: { action: run([ctr, 'inspect', '--format', '{{json .NetworkSettings.Networks.kind}}', R]), done: (r) => !['', 'null'].includes(r.stdout.trim()), what: `${R} is on network kind` },
      actions: [run([ctr, 'network', 'connect', 'kind', R])],
    },
    {
      name: `containerd on every node pulls localhost:${REGISTRY.hostPort} from ${R}`,
      actions: nodes.flatMap((n) => [
        run([ctr, 'exec', n, 'mkdir', '-p', registryHostDir]),
        run([ctr, 'exec', '--interactive', n, 'cp', '/dev/stdin', `${registryHostDir}/hosts.toml`], { input: registryHostsToml }),
      ]),
    },
    {
      name: 'ConfigMap kube-public/local-registry-hosting',
      actions: [{ do: 'apply', object: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-public', name: 'local-registry-hosting', body: registryConfigMap() } }],
    },
    {
      name: `images pushed to localhost:${REGISTRY.hostPort} (${refs.length})`,
      actions: [run([i.nodeBinary, join(i.root, 'bin', 'ptplab.js'), 'images', 'push', '--registry', `localhost:${REGISTRY.hostPort}`, '--only', KIND_IMAGE_TAGS.join(','), '--prefix', i.prefix], { timeoutMs: 1_200_000 })],
    },
  ]
}

const dash = (v: number | string | undefined) => (v === undefined ? '-' : String(v))

// One configpair (the script, as upstream) between two containers; done when
// end 1 exists; undone by deleting the netdevsim devices or the veth.
function linkStep(i: KindPlanInput, l: KindLink): Step {
  const kind = i.links === 'veth' ? 'veth' : 'netdevsim'
  const argv = [
    join(i.root, 'scripts', 'configpair'), '--kind', kind, '--ifname2', l.ifname2, '--mac1', l.mac1, '--mac2', l.mac2,
    String(l.id1), String(l.id2), l.ifname1, dash(l.clk1), dash(l.clk2), l.container1, l.container2,
    ...(l.pci1 && l.pci2 ? [l.pci1, l.pci2] : []),
  ]
  // configpair finds a container's namespace through the Docker API; podman serves it too.
  const env = i.provider === 'podman' ? { env: { DOCKER_HOST: 'unix:///run/podman/podman.sock' } } : {}
  return {
    name: `link ${l.container1}:${l.ifname1} - ${l.container2}:${l.ifname2} (${kind})`,
    check: { action: run([i.provider, 'exec', l.container1, 'ip', 'link', 'show', 'dev', l.ifname1]), done: (r) => r.ok, what: `${l.ifname1} exists in ${l.container1}` },
    actions: [run(argv, env)],
    undo:
      kind === 'veth'
        ? [run([i.provider, 'exec', l.container1, 'ip', 'link', 'del', 'dev', l.ifname1])]
        : [l.id1, l.id2].map((id): Action => ({ do: 'write', path: '/sys/bus/netdevsim/del_device', content: String(id) })),
  }
}

// The switch's OVS (userspace datapath) inside its container, with its
// database and sockets in the lab dir, as the other backends' switch.
function ovsStep(i: KindPlanInput, swc: string, dir: string, t: Topology): Step {
  const env = Object.entries(ovsEnv(dir)).flatMap(([k, v]) => ['--env', `${k}=${v}`])
  const ex = (argv: string[], detach = false) => run([i.provider, 'exec', ...(detach ? ['--detach'] : []), ...env, swc, ...argv])
  const mgmt = `unix:${ovsMgmtSock(dir)}`
  return {
    name: `switch OVS: bridge br0, ${switchPorts(t).length} access ports, PTP not forwarded`,
    check: { action: ex(vsctlArgv(dir, ['br-exists', 'br0'])), done: (r) => r.ok, what: 'bridge br0 exists' },
    actions: [
      ex(['rm', '-f', ovsDb(dir)]),
      ex(ovsdbCreateArgv(dir)),
      ex(ovsdbServerArgv(dir), true),
      { do: 'wait', for: { what: 'command', argv: [i.provider, 'exec', swc, 'test', '-S', ovsDbSock(dir)] }, timeoutMs: 10_000 },
      ex(vsctlArgv(dir, ['--no-wait', 'init'])),
      ex(vswitchdArgv(dir), true),
      // The bridge and every access port in one transaction.
      ex(vsctlArgv(dir, bridgeWithPortsArgs(switchPorts(t)))),
      { do: 'wait', for: { what: 'command', argv: [i.provider, 'exec', swc, 'test', '-S', ovsMgmtSock(dir)] }, timeoutMs: 10_000 },
      ex(['ovs-ofctl', 'del-flows', mgmt]),
      ...switchFlows().map((f) => ex(['ovs-ofctl', 'add-flow', mgmt, f])),
    ],
  }
}
