// The kind backend as data: the plan of `up --backend kind` for the default
// topology (the exact ordered steps and commands), a failure in the middle
// (what is rolled back, what is left for down), a resumed run (what is
// skipped), the node-name table, netdevsim vs veth, the link specs with
// upstream's PCI addresses and clocks, the rendered kind config and
// kustomize overlay (rendered by kubectl kustomize where it is installed),
// the pinned versions, down, and topologies the backend refuses.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { detectLinkMode, kindPlanInput, providerOf } from '../../lab/backends/kind/backend.js'
import { renderKindConfig, renderOverlay } from '../../lab/backends/kind/config.js'
import { kindDownPlan } from '../../lab/backends/kind/down.js'
import { checkKindTopology, idBase, kindLinks, kindTopology, nodeNameTable } from '../../lab/backends/kind/names.js'
import { kindUpPlan, type KindPlanInput } from '../../lab/backends/kind/plan.js'
import { KIND_NODE_IMAGE, tool, TOOLS, versionProblem } from '../../lab/backends/kind/versions.js'
import { InputError } from '../../lab/errors.js'
import { defaultTopologyFile, projectRoot } from '../../lab/paths.js'
import { planActions } from '../../lab/plan/render.js'
import { runPlan } from '../../lab/plan/runner.js'
import { missingPrograms, run } from '../../lab/sys/run.js'
import { loadTopologyFile, parseTopology } from '../../lab/topology/index.js'
import { scripted } from '../fixtures/plan-exec.js'

process.env.PTPLAB_RUN_ROOT = '/run/ptplab-kindtest' // paths in the plan; nothing is written there
const root = projectRoot()
const R = '/run/ptplab-kindtest/kl'
const K = `--kubeconfig ${R}/kubeconfig`

async function plan(over: Partial<KindPlanInput> & { links?: KindPlanInput['links'] } = {}) {
  const t = await loadTopologyFile(defaultTopologyFile())
  t.name = 'kl'
  const input = await kindPlanInput(t, { provider: 'docker', links: over.links ?? 'veth', registry: over.registry })
  return { t, input, steps: kindUpPlan({ ...input, ...over }) }
}

t.test('the plan for the default topology: steps in upstream order', async (t) => {
  const { steps } = await plan()
  t.same(steps.map((s) => s.name), [
    'lab files: kind config, kustomize overlay',
    'kind cluster ptplab-kl',
    'kubeconfig of the cluster',
    'nodes Ready',
    'system pods Ready',
    'node labels (as OpenShift)',
    'OpenShift dressing: namespaces openshift-ptp and openshift-monitoring, PriorityClass openshift-user-critical',
    "cert-manager v1.17.2 (stands in for OpenShift's service CA)",
    'Prometheus: prometheus-community/kube-prometheus-stack 69.8.0 in openshift-monitoring',
    'images localhost/ptplab:lptpd localhost/ptplab:ptpop localhost/ptplab:openvswitch localhost/ptplab:l2probe',
    'images into the nodes (kind load)',
    'switch container ptplab-kl.switch1 (localhost/ptplab:openvswitch)',
    'link ptplab-kl-worker:ens1f0 - ptplab-kl.switch1:swp1 (veth)',
    'link ptplab-kl-worker:ens1f1 - ptplab-kl.switch1:swp2 (veth)',
    'link ptplab-kl-worker:ens2f0 - ptplab-kl.switch1:swp3 (veth)',
    'link ptplab-kl-worker:ens2f1 - ptplab-kl.switch1:swp4 (veth)',
    'link ptplab-kl-worker2:ens3f0 - ptplab-kl.switch1:swp5 (veth)',
    'link ptplab-kl-worker2:ens3f1 - ptplab-kl.switch1:swp6 (veth)',
    'link ptplab-kl-worker3:ens4f0 - ptplab-kl.switch1:swp7 (veth)',
    'link ptplab-kl-worker3:ens5f0 - ptplab-kl.switch1:swp8 (veth)',
    'link ptplab-kl-worker3:ens6f0 - ptplab-kl.switch1:swp9 (veth)',
    'switch OVS: bridge br0, 9 access ports, PTP not forwarded',
    'boundary clock profile of switch1',
    'deploy: kubectl apply -k (operator, daemon RBAC, webhook, certificates, monitoring)',
    'webhook and daemon certificates Ready',
    'CA bundle injected into ptpconfig-validating-webhook-configuration',
    'operator rollout',
    'PtpOperatorConfig default: daemons on the workers (shared clock: veth links)',
    'daemon rollout',
  ])
})

t.test('the plan for the default topology: the exact commands and API calls', async (t) => {
  const { steps } = await plan()
  const a = planActions(steps)
  const at = (prefix: string) => a.filter((l) => l.startsWith(prefix))
  t.same(at('$ kind '), [
    `$ kind create cluster --name ptplab-kl --config ${R}/kind-config.yaml ${K}`,
    `$ kind export kubeconfig --name ptplab-kl ${K}`,
    '$ kind load docker-image --name ptplab-kl localhost/ptplab:lptpd localhost/ptplab:ptpop localhost/ptplab:openvswitch localhost/ptplab:l2probe',
  ])
  t.same(at('wait '), [
    'wait 4 nodes Ready (up to 300 s)',
    'wait every pod Ready (all namespaces) (up to 300 s)',
    'wait rollout of Deployment cert-manager/cert-manager (up to 300 s)',
    'wait rollout of Deployment cert-manager/cert-manager-cainjector (up to 300 s)',
    'wait rollout of Deployment cert-manager/cert-manager-webhook (up to 300 s)',
    `wait $ docker exec ptplab-kl.switch1 test -S ${R}/switch/db.sock succeeds (up to 10 s)`,
    `wait $ docker exec ptplab-kl.switch1 test -S ${R}/switch/br0.mgmt succeeds (up to 10 s)`,
    'wait Certificate openshift-ptp/serving-cert Ready (up to 300 s)',
    'wait Certificate openshift-ptp/serving-cert-daemon Ready (up to 300 s)',
    'wait caBundle injected into ValidatingWebhookConfiguration ptpconfig-validating-webhook-configuration (up to 300 s)',
    'wait rollout of Deployment openshift-ptp/ptp-operator (up to 300 s)',
    'wait ptp.openshift.io/v1 PtpOperatorConfig openshift-ptp/default exists (up to 300 s)',
    'wait rollout of DaemonSet openshift-ptp/linuxptp-daemon (at least 3 pods) (up to 300 s)',
  ], 'every wait is a condition with a deadline: no sleeps')
  t.same(at('api '), [
    'api merge-patch v1 Node ptplab-kl-control-plane {"metadata":{"labels":{"node-role.kubernetes.io/control-plane":"true"}}}',
    'api merge-patch v1 Node ptplab-kl-worker {"metadata":{"labels":{"node-role.kubernetes.io/master":"","node-role.kubernetes.io/worker":""}}}',
    'api merge-patch v1 Node ptplab-kl-worker2 {"metadata":{"labels":{"node-role.kubernetes.io/master":"","node-role.kubernetes.io/worker":""}}}',
    'api merge-patch v1 Node ptplab-kl-worker3 {"metadata":{"labels":{"node-role.kubernetes.io/master":"","node-role.kubernetes.io/worker":""}}}',
    'api apply v1 Namespace openshift-monitoring {"metadata":{"labels":{"openshift.io/cluster-monitoring":"true"}}}',
    'api merge-patch ptp.openshift.io/v1 PtpOperatorConfig openshift-ptp/default {"spec":{"daemonNodeSelector":{"node-role.kubernetes.io/worker":""}}}',
  ])
  t.same(at('$ kubectl '), [
    `$ kubectl ${K} apply -f ${root}/manifests/namespace.yaml -f ${root}/manifests/priorityclass.yaml`,
    `$ kubectl ${K} apply -f https://github.com/cert-manager/cert-manager/releases/download/v1.17.2/cert-manager.yaml`,
    `$ kubectl ${K} apply -k ${R}/kustomize`,
  ])
  const helmCfg = `--repository-config ${R}/helm/repositories.yaml --repository-cache ${R}/helm/cache`
  t.same(at('$ helm '), [
    `$ helm repo add prometheus-community https://prometheus-community.github.io/helm-charts --force-update ${helmCfg}`,
    `$ helm upgrade --install prometheus prometheus-community/kube-prometheus-stack --version 69.8.0 --namespace openshift-monitoring ${K} ` +
      '--set prometheus.service.type=NodePort --set prometheus.service.nodePort=30000 --set grafana.enabled=false --set alertmanager.enabled=false ' +
      `--set prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues=false --wait --timeout 600s ${helmCfg}`,
  ])
  const sw = a.find((l) => l.startsWith('$ docker run'))!
  t.equal(
    sw,
    '$ docker run --detach --name ptplab-kl.switch1 --hostname switch1 --label ptplab.lab=kl --label ptplab.node=switch1 --network none ' +
      '--cap-add NET_ADMIN --cap-add NET_RAW --cap-add SYS_NICE --cap-add SYS_TIME --cap-add SYS_ADMIN --cap-add IPC_LOCK --device /dev/net/tun --pid host --init ' +
      `--volume ${root}:${root}:ro --volume ${R}:${R} --volume ${process.execPath}:/usr/local/bin/node:ro --env NODE_NAME=switch1 localhost/ptplab:openvswitch ` +
      `/usr/local/bin/node ${root}/dist/daemon/main.js --node-name switch1 --profile-path ${R}/fixed-profiles --run-dir ${R}/nodes/switch1 --update-interval 5 --watch ` +
      `--metrics-listen unix:${R}/nodes/switch1/metrics.sock --ready-listen unix:${R}/nodes/switch1/ready.sock --no-nic-discovery --shared-clock --log-file ${R}/logs/switch1.log`,
  )
  const links = at(`$ ${root}/scripts/configpair`)
  t.equal(links.length, 9, 'one configpair per topology link')
  const b = idBase('kl')
  t.equal(links[0], `$ ${root}/scripts/configpair --kind veth --ifname2 swp1 --mac1 02:d3:f3:01:01:00 --mac2 02:d3:f3:fe:01:00 ${b} ${b + 1} ens1f0 - - ptplab-kl-worker ptplab-kl.switch1`)
  const ovs = a.filter((l) => l.includes('ovs-vsctl') && l.includes('add-port'))
  t.equal(ovs.length, 1, 'the bridge and every switch port in one ovs-vsctl transaction')
  t.same([...ovs[0]!.matchAll(/-- add-port br0 (\S+ \S+)/g)].map((m) => m[1]), ['swp1 tag=1501', 'swp2 tag=1500', 'swp3 tag=1500', 'swp4 tag=1502', 'swp5 tag=1500', 'swp6 tag=1500', 'swp7 tag=1501', 'swp8 tag=1502', 'swp9 tag=1502'], "upstream's VLANs")
  t.ok(a.some((l) => l.endsWith("ovs-ofctl add-flow unix:" + R + "/switch/br0.mgmt $'priority=100,dl_type=0x88f7,actions=drop'")), 'PTP never forwarded')
  t.ok(a.every((l) => !/\|\| true|sleep /.test(l)), 'no "|| true", no sleeps')
})

t.test('registry mode: kind\'s local registry recipe instead of kind load', async (t) => {
  const { steps } = await plan({ registry: true })
  const a = planActions(steps)
  t.notOk(a.some((l) => l.startsWith('$ kind load')))
  t.ok(a.includes('$ docker run --detach --restart=always --publish 127.0.0.1:5001:5000 --network bridge --name kind-registry --label ptplab.lab=kl registry:2'))
  t.ok(a.includes('$ docker network connect kind kind-registry'))
  for (const n of ['ptplab-kl-control-plane', 'ptplab-kl-worker', 'ptplab-kl-worker2', 'ptplab-kl-worker3']) {
    t.ok(a.includes(`$ docker exec ${n} mkdir -p /etc/containerd/certs.d/localhost:5001`), `${n}: hosts dir`)
    t.ok(a.includes(`$ docker exec --interactive ${n} cp /dev/stdin /etc/containerd/certs.d/localhost:5001/hosts.toml < (35 bytes)`), `${n}: hosts.toml`)
  }
  t.ok(a.some((l) => l.startsWith('api apply v1 ConfigMap kube-public/local-registry-hosting {')))
  t.ok(a.some((l) => l.endsWith("images push --registry localhost:5001 --only $'lptpd,ptpop,openvswitch,l2probe' --prefix localhost/ptplab")))
  const reg = steps.find((s) => s.name.startsWith('local registry'))!
  t.same(reg.undo?.map((x) => x.do === 'run' && x.argv.join(' ')), ['docker rm --force kind-registry'])
})

t.test('a failure in the middle: links and the switch are rolled back, the cluster is left for down', async (t) => {
  const { steps } = await plan()
  // A fresh host: no link exists yet; the deploy fails.
  const s = scripted((l) =>
    l.includes('apply -k') ? { ok: false, detail: 'exit status 1: error: no matches for kind "ServiceMonitor"' } : l.includes('ip link show') ? { ok: false, detail: 'Device does not exist' } : undefined,
  )
  const r = await runPlan(steps, s.exec, { progress: () => {} })
  t.equal(r.failed?.step, 'deploy: kubectl apply -k (operator, daemon RBAC, webhook, certificates, monitoring)')
  t.match(r.failed?.error, /ServiceMonitor/)
  const undone = s.journal.slice(s.journal.findIndex((l) => l.includes('apply -k')) + 1)
  t.same(undone, [
    '$ docker exec ptplab-kl-worker3 ip link del dev ens6f0',
    '$ docker exec ptplab-kl-worker3 ip link del dev ens5f0',
    '$ docker exec ptplab-kl-worker3 ip link del dev ens4f0',
    '$ docker exec ptplab-kl-worker2 ip link del dev ens3f1',
    '$ docker exec ptplab-kl-worker2 ip link del dev ens3f0',
    '$ docker exec ptplab-kl-worker ip link del dev ens2f1',
    '$ docker exec ptplab-kl-worker ip link del dev ens2f0',
    '$ docker exec ptplab-kl-worker ip link del dev ens1f1',
    '$ docker exec ptplab-kl-worker ip link del dev ens1f0',
    '$ docker rm --force ptplab-kl.switch1',
  ], 'in reverse order; the cluster is not deleted')
  t.same(r.left, ['kind cluster ptplab-kl'])
  t.equal(r.steps.filter((x) => x.status === 'not run').length, 5, 'nothing after the failure ran')
})

t.test('a resumed run skips what is done', async (t) => {
  const { steps } = await plan()
  const s = scripted((l) => {
    if (l === '$ kind get clusters') return { stdout: 'other\nptplab-kl\n' }
    if (l.startsWith('$ helm status')) return { stdout: JSON.stringify({ info: { status: 'deployed' }, chart: { metadata: { version: '69.8.0' } } }) }
    if (l.startsWith('$ docker image inspect')) return { stdout: 'sha256:1\nsha256:2\nsha256:3\nsha256:4\n' }
    if (l.startsWith('$ docker inspect --format')) return { stdout: 'true\n' }
    if (l.includes('ip link show dev ens1f0') || l.includes('ip link show dev ens1f1')) return { ok: true } // the first two links were made
    if (l.includes('ip link show')) return { ok: false, detail: 'Device does not exist' }
    if (l.includes('br-exists br0')) return { ok: false, detail: 'exit status 2' }
    return undefined
  })
  const r = await runPlan(steps, s.exec, { progress: () => {} })
  t.ok(r.ok)
  t.same(r.steps.filter((x) => x.status === 'skipped').map((x) => x.name), [
    'kind cluster ptplab-kl',
    "cert-manager v1.17.2 (stands in for OpenShift's service CA)",
    'Prometheus: prometheus-community/kube-prometheus-stack 69.8.0 in openshift-monitoring',
    'images localhost/ptplab:lptpd localhost/ptplab:ptpop localhost/ptplab:openvswitch localhost/ptplab:l2probe',
    'switch container ptplab-kl.switch1 (localhost/ptplab:openvswitch)',
    'link ptplab-kl-worker:ens1f0 - ptplab-kl.switch1:swp1 (veth)',
    'link ptplab-kl-worker:ens1f1 - ptplab-kl.switch1:swp2 (veth)',
  ])
  t.notOk(s.journal.some((l) => l.startsWith('$ kind create') || l.startsWith('$ helm upgrade') || l.startsWith('$ docker run')), 'nothing made twice')
  t.equal(s.journal.filter((l) => l.includes('/scripts/configpair')).length, 7, 'the seven missing links')
})

t.test('node names: topology nodes are kind workers in order', async (t) => {
  const { t: topo } = await plan()
  t.same([...nodeNameTable(topo, 'ptplab-kl')], [['worker1', 'ptplab-kl-worker'], ['worker2', 'ptplab-kl-worker2'], ['worker3', 'ptplab-kl-worker3']])
  const kt = kindTopology(topo, 'kl')
  t.same(kt.nodes.map((n) => n.name), ['ptplab-kl-worker', 'ptplab-kl-worker2', 'ptplab-kl-worker3'])
  t.same(kt.links[0]!.a, { kind: 'port', node: 'ptplab-kl-worker', port: 'ens1f0' }, 'the wiring answers for Kubernetes node names')
})

t.test('netdevsim where the kernel has it, else veth', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kind-sysfs-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  t.equal(await detectLinkMode('auto', dir), 'veth', 'no netdevsim: veth')
  mkdirSync(join(dir, 'bus', 'netdevsim'), { recursive: true })
  for (const f of ['new_device', 'del_device']) writeFileSync(join(dir, 'bus', 'netdevsim', f), '')
  t.equal(await detectLinkMode('auto', dir), 'veth', 'netdevsim without link_device: veth')
  writeFileSync(join(dir, 'bus', 'netdevsim', 'link_device'), '')
  t.equal(await detectLinkMode('auto', dir), 'netdevsim', 'mainline netdevsim')
  mkdirSync(join(dir, 'module', 'netdevsim', 'parameters'), { recursive: true })
  writeFileSync(join(dir, 'module', 'netdevsim', 'parameters', 'pci_bus_nr'), '31\n')
  t.equal(await detectLinkMode('auto', dir), 'netdevsim-patched', "upstream's module: a PHC per NIC")
  t.equal(await detectLinkMode('veth', dir), 'veth', 'asked for')

  const { steps, input } = await plan({ links: 'netdevsim-patched' })
  t.notOk(input.kindConfig.includes('/sys/bus/netdevsim') === false, 'netdevsim mounted into the nodes')
  const a = planActions(steps)
  const b = idBase('kl')
  t.equal(a.find((l) => l.includes('/scripts/configpair')), `$ ${root}/scripts/configpair --kind netdevsim --ifname2 swp1 --mac1 02:d3:f3:01:01:00 --mac2 02:d3:f3:fe:01:00 ${b} ${b + 1} ens1f0 1 0 ptplab-kl-worker ptplab-kl.switch1 0000:1f:01.0 0000:1f:07.0`)
  t.equal(steps.find((s) => s.name.startsWith('PtpOperatorConfig'))!.name, 'PtpOperatorConfig default: daemons on the workers (a PHC per NIC)')
  const link = steps.find((s) => s.name.includes('ens6f0'))!
  t.same(link.undo, [{ do: 'write', path: '/sys/bus/netdevsim/del_device', content: String(b + 16) }, { do: 'write', path: '/sys/bus/netdevsim/del_device', content: String(b + 17) }])
  t.notOk(input.overlay.includes('PTPLAB_SHARED_CLOCK'), 'no shared clock with a PHC per NIC')
  const specs = kindLinks((await plan()).t, 'kl', 'netdevsim-patched')
  t.same(specs.map((l) => `${l.ifname1}:${l.clk1}:${l.pci1} ${l.ifname2}:${l.clk2}:${l.pci2}`), [
    'ens1f0:1:0000:1f:01.0 swp1:0:0000:1f:07.0', 'ens1f1:1:0000:1f:01.1 swp2:0:0000:1f:08.0', 'ens2f0:2:0000:1f:02.0 swp3:0:0000:1f:09.0',
    'ens2f1:2:0000:1f:02.1 swp4:0:0000:1f:0a.0', 'ens3f0:3:0000:1f:03.0 swp5:0:0000:1f:0b.0', 'ens3f1:3:0000:1f:03.1 swp6:0:0000:1f:0c.0',
    'ens4f0:4:0000:1f:04.0 swp7:0:0000:1f:0d.0', 'ens5f0:5:0000:1f:05.0 swp8:0:0000:1f:0e.0', 'ens6f0:6:0000:1f:06.0 swp9:0:0000:1f:0f.0',
  ], "upstream's table: node clock = NIC number, switch clock 0 on 07.0-0f.0")
  t.ok(b % 32 === 0 && b < 256)
})

t.test('kind-config.yaml: the top-level file and its rendering', async (t) => {
  const base = readFileSync(join(root, 'kind-config.yaml'), 'utf8')
  const top = parse(base) as { nodes: Array<{ role: string; image: string; extraMounts: Array<{ hostPath: string }> }>; containerdConfigPatches: string[] }
  t.same(top.nodes.map((n) => n.role), ['control-plane', 'worker', 'worker', 'worker'], '1 control plane + 3 workers')
  t.ok(top.nodes.every((n) => n.image === KIND_NODE_IMAGE), 'the pinned node image on every node')
  t.ok(top.nodes.every((n) => n.extraMounts.map((m) => m.hostPath).join(',') === '/sys/bus/netdevsim,/dev'))
  t.match(top.containerdConfigPatches[0], /config_path = "\/etc\/containerd\/certs\.d"/)
  const veth = parse(renderKindConfig(base, { cluster: 'ptplab-x', workers: 2, netdevsim: false })) as typeof top & { name: string }
  t.equal(veth.name, 'ptplab-x')
  t.same(veth.nodes.map((n) => n.role), ['control-plane', 'worker', 'worker'])
  t.ok(veth.nodes.every((n) => n.extraMounts.map((m) => m.hostPath).join(',') === '/dev'), 'no netdevsim mount on a host without it')
  t.throws(() => renderKindConfig('kind: Pod\n', { cluster: 'c', workers: 1, netdevsim: false, file: 'k.yaml' }), { name: 'InputError', message: /k\.yaml: kind: not a kind Cluster/ })
})

const noKubectl = (await missingPrograms(['kubectl'])).length ? 'kubectl is not installed' : false
t.test('the overlay renders: images from the registry, the shared clock for veth links', { skip: noKubectl }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kind-overlay-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'kustomization.yaml'), renderOverlay({ overlayDir: dir, manifestsDir: join(root, 'manifests'), prefix: 'localhost:5001/ptplab', sharedClock: true }))
  writeFileSync(join(dir, 'images-in-env.yaml'), readFileSync(join(root, 'manifests', 'images-in-env.yaml')))
  const r = await run('kubectl', ['kustomize', dir])
  const docs = r.stdout.split(/^---$/m).map((d) => parse(d) as { kind: string; spec?: { template?: { spec?: { containers?: Array<{ image: string; env?: Array<{ name: string; value?: string }> }> } } } })
  const op = docs.find((d) => d.kind === 'Deployment')!.spec!.template!.spec!.containers![0]!
  t.equal(op.image, 'localhost:5001/ptplab:ptpop')
  t.same(op.env!.find((e) => e.name === 'LINUXPTP_DAEMON_IMAGE')?.value, 'localhost:5001/ptplab:lptpd', 'the daemon image too')
  t.same(op.env!.find((e) => e.name === 'PTPLAB_SHARED_CLOCK')?.value, 'true')
  t.ok(op.env!.some((e) => e.name === 'OPERATOR_NAMESPACE'), 'the patch merges, keeping the other env')
})

t.test('pinned versions and the check', async (t) => {
  t.same(TOOLS.map((x) => `${x.name} ${x.version}`), ['kind v0.27.0', 'kubectl v1.32.2', 'helm v3.17.1'])
  const kind = tool('kind')
  t.equal(versionProblem(kind, { exitCode: 0, stdout: 'kind v0.27.0 go1.23.6 linux/amd64\n' }), undefined)
  t.equal(versionProblem(kind, { exitCode: 0, stdout: 'kind v0.26.0 go1.23.4 linux/amd64\n' }), 'kind v0.26.0 is not the pinned v0.27.0: install kind v0.27.0 (sudo ./run-on-vm.sh installs the pinned tools)')
  t.match(versionProblem(kind, undefined), /^kind is not installed: install kind v0\.27\.0/)
  const kubectl = tool('kubectl')
  t.equal(versionProblem(kubectl, { exitCode: 0, stdout: '{"clientVersion":{"gitVersion":"v1.33.1"}}' }), undefined, 'one minor of skew')
  t.match(versionProblem(kubectl, { exitCode: 0, stdout: '{"clientVersion":{"gitVersion":"v1.20.0"}}' }), /kubectl v1\.20\.0 is not the pinned v1\.32\.2/)
  t.match(versionProblem(kubectl, { exitCode: 0, stdout: 'garbage' }), /cannot read kubectl's version/)
  t.equal(versionProblem(tool('helm'), { exitCode: 0, stdout: 'v3.17.3+ge4da497\n' }), undefined)
  t.match(versionProblem(tool('helm'), { exitCode: 1, stdout: '' }), /helm version --short failed \(exit 1\)/)
  t.equal(tool('helm').download('arm64').url, 'https://get.helm.sh/helm-v3.17.1-linux-arm64.tar.gz')
})

t.test('down: the cluster, the lab\'s containers, the recorded netdevsim devices', async (t) => {
  const lines = planActions(kindDownPlan({ lab: 'kl', provider: 'docker', kindInstalled: true, clusterNodes: ['ptplab-kl-control-plane', 'ptplab-kl-worker'], containers: ['ptplab-kl.switch1', 'kind-registry'], netdevsim: [96, 97] }))
  t.same(lines, [
    `$ kind delete cluster --name ptplab-kl ${K}`,
    '$ docker rm --force ptplab-kl.switch1 kind-registry',
    'write /sys/bus/netdevsim/del_device (2 bytes)',
    'write /sys/bus/netdevsim/del_device (2 bytes)',
  ])
  t.same(planActions(kindDownPlan({ lab: 'kl', provider: 'podman', kindInstalled: false, clusterNodes: ['ptplab-kl-worker'], containers: [], netdevsim: [] })), ['$ podman rm --force --volumes ptplab-kl-worker'], 'kind gone: its nodes by label')
  t.same(kindDownPlan({ lab: 'kl', provider: 'docker', kindInstalled: true, clusterNodes: [], containers: [], netdevsim: [] }), [], 'nothing left: nothing to do')
})

t.test('what the kind backend refuses, naming the field', async (t) => {
  const yaml = (s: string) => parseTopology(s, 'k.yaml')
  t.throws(() => checkKindTopology(yaml('name: a\nnodes:\n  w1:\n    nics: [{ name: e1, ports: [e1f0, e1f1] }]\nswitch: { name: s }\nlinks:\n  - endpoints: [w1:e1f0, s]\n')), {
    name: 'InputError',
    message: /k\.yaml: nodes\.w1\.nics: port w1:e1f1 has no link/,
  })
  t.throws(() => checkKindTopology(yaml('name: a\nnodes:\n  w1:\n    nics: [{ name: e1, ports: [e1f0] }]\n  gm:\n    grandmaster: true\n    nics: [{ name: g1, ports: [g1f0] }]\nlinks:\n  - endpoints: [w1:e1f0, gm:g1f0]\n')), {
    message: /nodes\.gm\.grandmaster: the kind backend runs no external grandmaster/,
  })
  t.throws(() => providerOf({ provider: 'lxc' as never }), new InputError('unknown kind provider "lxc" (docker or podman)', { field: '--provider' }))
  t.equal(providerOf({}, { KIND_EXPERIMENTAL_PROVIDER: 'podman' }), 'podman')
})
