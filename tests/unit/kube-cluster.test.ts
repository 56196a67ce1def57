// The conformance suite on a Kubernetes cluster (lab/cluster/kubernetes/)
// against the in-process fake API server: every mode through client-node's
// REST, exec WebSocket and log API, the requests it makes, log collection
// surviving a container restart, and each error a cluster user meets, with
// nothing changed.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { KubeCluster, type KubeClusterOptions } from '../../lab/cluster/kubernetes/cluster.js'
import { kubeconfigFile } from '../../lab/cluster/kubernetes/client.js'
import { AGENT } from '../../lab/cluster/kubernetes/agent.js'
import { runSuite } from '../../lab/conformance/suite.js'
import { RunRecorder } from '../../lab/report/recorder.js'
import type { TestSettings } from '../../lab/conformance/settings.js'
import type { Mode } from '../../lab/conformance/modes.js'
import { InputError } from '../../lab/errors.js'
import { grandmasterConfig } from '../../lab/profiles/ptpconfigs.js'
import { KubeWorld } from '../fixtures/kube-world.js'
import { inputError } from '../fixtures/errors.js'

const settings = (modes: Mode[], over: Partial<TestSettings> = {}): TestSettings => ({
  modes,
  window: { min: -100, max: 100 },
  timeoutMs: 4000,
  keepConfig: false,
  externalGm: false,
  skipInterfaces: [],
  ...over,
})

const open = (w: KubeWorld, o: Partial<KubeClusterOptions> = {}) =>
  KubeCluster.open({ kubeconfig: w.api.kubeconfigFile, agentImage: 'localhost/ptplab:l2probe', l2SettleMs: 100, timeoutMs: 5000, pollMs: 50, ...o })

const writes = (w: KubeWorld) => w.api.requests.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) && !r.exec && !r.path.includes('/configmaps/'))

t.test('OC on a cluster: the suite passes through the API server, and cleans up', async (t) => {
  const w = await KubeWorld.start()
  t.teardown(() => w.close())
  const cluster = await open(w)
  t.match(cluster.description, /^cluster http:\/\/127\.0\.0\.1:\d+ \(context fake\)$/)
  t.same((await cluster.nodes()).map((n) => n.name), ['worker1', 'worker2', 'worker3'], 'the nodes daemons run on')
  const progress: string[] = []
  // The run report's recorder observes it, as `ptplab test --kubeconfig --report` does.
  const recorder = new RunRecorder({ cluster, lab: cluster.description, window: { min: -100, max: 100 }, clock: 'independent', intervalMs: 100 })
  const [r] = await runSuite({ cluster, settings: settings(['oc']), progress: (m) => progress.push(m), observer: recorder })
  t.equal(r!.error, undefined, String(r!.error))
  const rec = recorder.record().modes[0]!
  t.match(rec.series, [{ part: 'OC slave' }], 'the OC slave port sampled')
  t.ok(rec.series[0]!.samples.some((x) => x.role === 'SLAVE' && x.clockState === 'LOCKED' && x.offsetNs !== undefined), 'through metrics exec')
  t.same(rec.tests.map((x) => x.name), ['sync', 'port down/up recovery', 'process restart', 'profile priority'])
  t.ok(['port-down', 'port-up', 'sigterm'].every((k) => rec.events.some((e) => e.kind === k)), 'the engine events')
  t.ok(rec.live && Object.keys(rec.live.ports).length > 0, 'the roles when sync passed')
  t.same(recorder.record().topology.links, [], 'no cabling known: an uncabled graph of the nodes used')
  t.same(r!.checks.filter((c) => !c.pass), [])
  t.same([...new Set(r!.checks.map((c) => c.test))], ['sync', 'port down/up recovery', 'process restart', 'profile priority'])
  t.notOk(r!.checks.some((c) => /parent is|stepsRemoved/.test(c.name)), 'no cabling known: no parent checks')
  t.ok(r!.checks.some((c) => /grandmaster identity/.test(c.name)), 'the generated GM is checked')
  await cluster.close()

  const req = w.api.requests
  // PtpConfigs are ptp.openshift.io/v1 custom objects in openshift-ptp, created and deleted.
  const made = req.filter((x) => x.method === 'POST' && x.path === '/apis/ptp.openshift.io/v1/namespaces/openshift-ptp/ptpconfigs')
  t.same(made.map((x) => (x.body as { metadata: { name: string } }).metadata.name).slice(0, 2), ['test-grandmaster', 'test-slave1'])
  t.ok(req.some((x) => x.method === 'DELETE' && x.path === '/apis/ptp.openshift.io/v1/namespaces/openshift-ptp/ptpconfigs/temp'))
  t.same(w.api.list('ptp.openshift.io', 'ptpconfigs', 'openshift-ptp'), [], 'no PtpConfig left')
  // Node labels by merge patch.
  const patches = req.filter((x) => x.method === 'PATCH' && x.path.startsWith('/api/v1/nodes/'))
  t.ok(patches.length >= 2)
  t.ok(patches.every((x) => x.contentType === 'application/merge-patch+json'))
  t.ok(w.api.list('', 'nodes').every((n) => !Object.keys((n.metadata!.labels as Record<string, string>) ?? {}).some((k) => k.startsWith('ptp/'))), 'role labels removed')
  // Daemons reached by exec: metrics in the first container, the rest in linuxptp-daemon-container.
  const metrics = w.execs.filter((e) => e.command.join(' ') === 'curl -s 127.0.0.1:9091/metrics')
  t.ok(metrics.length > 0 && metrics.every((e) => e.container === 'kube-rbac-proxy'))
  t.ok(w.execs.some((e) => e.command[0] === 'pmc' && e.command.includes('-f') && e.container === 'linuxptp-daemon-container'))
  t.ok(w.execs.some((e) => e.command[0] === 'pkill' && e.container === 'linuxptp-daemon-container'))
  // Cables pulled from the agent pod; the agent's namespace is gone afterwards.
  t.ok(w.execs.some((e) => e.command.join(' ') === 'ip link set dev ens1f0 down'))
  t.ok(w.execs.some((e) => e.command.join(' ') === 'ip link set dev ens1f0 up'))
  t.equal(w.api.get('', 'namespaces', undefined, AGENT.namespace), undefined, `namespace ${AGENT.namespace} removed`)
  const ds = req.find((x) => x.method === 'POST' && x.path === `/apis/apps/v1/namespaces/${AGENT.namespace}/daemonsets`)!
  const spec = (ds.body as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec
  t.equal(spec.hostNetwork, true)
  t.match(spec.containers, [{ image: 'localhost/ptplab:l2probe', securityContext: { privileged: true } }])
})

t.test('every other mode on a cluster', async (t) => {
  const w = await KubeWorld.start()
  t.teardown(() => w.close())
  const cluster = await open(w)
  const rs = await runSuite({ cluster, settings: settings(['bc', 'dualnicbc', 'dualfollower']), progress: () => {} })
  await cluster.close()
  for (const r of rs) t.same(r.checks.filter((c) => !c.pass), [], `${r.suite}: ${r.description}`)
})

t.test('failures on a cluster are reported as on a lab', async (t) => {
  const w = await KubeWorld.start({ script: { restartIgnored: true } })
  t.teardown(() => w.close())
  const cluster = await open(w)
  const [r] = await runSuite({ cluster, settings: settings(['oc']), progress: () => {} })
  await cluster.close()
  t.same(r!.checks.filter((c) => !c.pass).map((c) => c.test), ['process restart', 'process restart'])
})

t.test('pod logs are collected in upstream layout, across a container restart', async (t) => {
  const w = await KubeWorld.start()
  t.teardown(() => w.close())
  const dir = mkdtempSync(join(tmpdir(), 'ptplab-kube-logs-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const cluster = await open(w)
  const pod = w.api.list('', 'pods', 'openshift-ptp').find((p) => (p.spec as { nodeName: string }).nodeName === 'worker1' && p.metadata!.name!.startsWith('linuxptp-daemon'))!
  const restart = setTimeout(() => w.api.restartContainer('openshift-ptp', pod.metadata!.name!, 'linuxptp-daemon-container'), 1500)
  t.teardown(() => clearTimeout(restart))
  await runSuite({ cluster, settings: settings(['oc'], { logs: { dir, markers: true } }), progress: () => {} })
  await cluster.close()
  const [run] = readdirSync(dir)
  t.match(run, /^run_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d_oc$/)
  const files = readdirSync(join(dir, run!)).sort()
  t.ok(files.includes('ptp-operator.log'))
  for (const n of ['worker1', 'worker2', 'worker3'])
    for (const c of ['kube-rbac-proxy', 'linuxptp-daemon-container']) t.ok(files.includes(`linuxptp-daemon-${n}-${c}.log`), `${n} ${c}`)
  const w1 = readFileSync(join(dir, run!, 'linuxptp-daemon-worker1-linuxptp-daemon-container.log'), 'utf8')
  t.match(w1, new RegExp(`\\[${pod.metadata!.name}\\] \\S+ I\\d{4} [\\d:.]+ 4242 daemon.go:923\\] Profile Name: test-slave1_test-slave1`), 'daemon lines, prefixed with the pod')
  t.ok((w1.match(/Starting stream from pod/g) ?? []).length >= 2, 'the stream was opened again after the restart')
  t.match(w1, /Stream ended for pod/)
  t.match(w1, /TEST START/)
})

t.test('errors a cluster user meets are clear and change nothing', async (t) => {
  const w = await KubeWorld.start()
  t.teardown(() => w.close())

  t.throws(() => kubeconfigFile({}, { HOME: '/nonexistent' }), { constructor: InputError, message: /no kubeconfig: pass --kubeconfig FILE, set KUBECONFIG, or create \/nonexistent\/\.kube\/config/ })
  t.equal(inputError(() => kubeconfigFile({}, { KUBECONFIG: '/no/such:/nor/this' })).field, 'KUBECONFIG')
  t.equal(inputError(() => kubeconfigFile({ kubeconfig: '/no/such' })).field, '--kubeconfig')
  await t.rejects(open(w, { context: 'nope' }), { constructor: InputError, message: /no context "nope" in .* \(contexts: fake\)/ })

  const tmp = mkdtempSync(join(tmpdir(), 'ptplab-kcfg-'))
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }))
  const cfg = (name: string, text: string) => {
    const p = join(tmp, name)
    writeFileSync(p, text)
    return p
  }
  await t.rejects(open(w, { kubeconfig: cfg('down', w.api.kubeconfigText({ unreachable: true })) }), { message: /the API server http:\/\/127\.0\.0\.1:\d+ does not answer \(ECONNREFUSED\)/ })
  await t.rejects(open(w, { kubeconfig: cfg('token', w.api.kubeconfigText({ token: 'wrong' })) }), { message: /refused the credentials \(401 Unauthorized\)/ })

  const undo = w.api.forbid({ verb: 'list', group: '', resource: 'pods', namespace: 'openshift-ptp' })
  await t.rejects(open(w), { message: /cannot list pods in namespace openshift-ptp: forbidden by RBAC: pods is forbidden: User "[^"]+" cannot list resource "pods" in API group "" in the namespace "openshift-ptp"/ })
  undo()

  const c = await open(w)
  await t.rejects(c.setNodeLabels('nope', { a: '' }), { constructor: InputError, message: /no node "nope" in the cluster/ })
  t.throws(() => c.node('control-plane'), { constructor: InputError, message: /node control-plane runs no linuxptp-daemon pod \(daemon nodes: worker1, worker2, worker3\)/ })
  t.throws(() => c.node('nope'), { constructor: InputError, message: /no node "nope" in the cluster/ })
  const undoPatch = w.api.forbid({ verb: 'patch', group: '', resource: 'nodes' })
  await t.rejects(c.setNodeLabels('worker1', { 'ptp/x': '' }), { message: /cannot patch the labels of node worker1: forbidden by RBAC: .*cannot patch resource "nodes" in API group "" at the cluster scope/ })
  undoPatch()
  // The webhook rules are checked before anything is sent.
  const bad = grandmasterConfig('ens1f0', { softwareTimestamps: true })
  bad.spec.profile[0]!.ptp4lOpts = '-2 --uds_address=/etc/shadow'
  w.api.clearRequests()
  await t.rejects(c.applyPtpConfigs([bad]), { constructor: InputError, message: /uds_address/ })
  t.same(writes(w), [], 'nothing was sent')
})

t.test('a cluster without the PTP operator is refused before anything changes', async (t) => {
  for (const [o, why] of [
    [{ withNamespace: false }, /namespace openshift-ptp does not exist on .*: is the PTP operator installed\?/],
    [{ withCrd: false }, /the PtpConfig CRD \(ptpconfigs\.ptp\.openshift\.io\/v1\) is not installed on .*: install the PTP operator first/],
    [{ withDaemons: false }, /no running linuxptp-daemon pod \(app=linuxptp-daemon\) in namespace openshift-ptp/],
  ] as const) {
    const w = await KubeWorld.start(o)
    await t.rejects(open(w), { message: why })
    t.same(writes(w), [], 'nothing written')
    await w.close()
  }
})

t.test('a replaced daemon pod is found again', async (t) => {
  const w = await KubeWorld.start()
  t.teardown(() => w.close())
  const c = await open(w)
  const h = c.node('worker2')
  t.equal(typeof (await h.metrics()), 'string')
  const old = w.api.list('', 'pods', 'openshift-ptp').find((p) => (p.spec as { nodeName: string }).nodeName === 'worker2' && p.metadata!.name!.startsWith('linuxptp'))!
  const { CoreV1Api, KubeConfig } = await import('@kubernetes/client-node')
  const kc = new KubeConfig()
  kc.loadFromFile(w.api.kubeconfigFile)
  await kc.makeApiClient(CoreV1Api).deleteNamespacedPod({ name: old.metadata!.name!, namespace: 'openshift-ptp' })
  await new Promise((r) => setTimeout(r, 300)) // the DaemonSet controller makes a new one
  t.equal(typeof (await h.metrics()), 'string', 'metrics from the new pod')
  const last = w.execs.at(-1)!
  t.not(last.pod, old.metadata!.name, 'asked the new pod')
})
