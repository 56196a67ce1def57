// The ptplab-operator entry (dist/operator/main.js) as a process: --help,
// a bad invocation (both answer before the client loads), and a run against
// the fake API server that renders the daemon and stops on SIGTERM. Three spawns; the logic is tested
// in-process in operator-controller.test.ts.
import t from 'tap'
import { execFile, spawn } from 'node:child_process'
import { join } from 'node:path'
import { projectRoot } from '../../lab/paths.js'
import { poll } from '../../lab/sys/poll.js'
import { startFakeApiServer } from '../fixtures/k8s/fake-apiserver.js'
import { ptpCrds } from '../fixtures/ptp-crds.js'

const main = join(projectRoot(), 'dist', 'operator', 'main.js')
const env = { PATH: process.env.PATH ?? '', HOME: '/nonexistent' }
const run = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [main, ...args], { env }, (e, stdout, stderr) => resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout, stderr })),
  )

t.test('no daemon image is a usage error, with the flags shown', async (t) => {
  const help = await run(['--help'])
  t.equal(help.code, 0)
  for (const f of ['--kubeconfig', '--namespace', '--webhook-port', '--cert-dir', '--daemon-image', '--resync']) t.match(help.stdout, f)
  const bad = await run(['--kubeconfig', '/nonexistent', '--webhook-port', '0'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /no daemon image: pass --daemon-image or set LINUXPTP_DAEMON_IMAGE/)
})

t.test('runs against an API server, renders the daemon, stops on SIGTERM', async (t) => {
  const api = await startFakeApiServer({ objects: [...ptpCrds(), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'openshift-ptp' } }, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'worker1' } }] })
  t.teardown(() => api.close())
  const child = spawn(process.execPath, [main, '--kubeconfig', api.kubeconfigFile, '--webhook-port', '0'], { env: { ...env, POD_NAME: 'ptp-operator-abc', OPERATOR_NAMESPACE: 'openshift-ptp', LINUXPTP_DAEMON_IMAGE: 'localhost/ptplab:lptpd' } })
  let out = ''
  child.stdout.on('data', (c) => (out += c))
  child.stderr.on('data', (c) => (out += c))
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  t.teardown(() => child.kill('SIGKILL'))
  // 30 s: the operator loads the Kubernetes client and takes its lease first (5 s here
  // with the machine busy; over 10 s in the full test run beside the integration files).
  const r = await poll(() => api.get('apps', 'daemonsets', 'openshift-ptp', 'linuxptp-daemon') && api.get('', 'configmaps', 'openshift-ptp', 'ptp-configmap'), { timeoutMs: 30_000 })
  t.ok(r.value, `DaemonSet and ConfigMap made (output: ${out})`)
  t.match((api.get('apps', 'daemonsets', 'openshift-ptp', 'linuxptp-daemon') as any).spec.template.spec.containers[0].image, 'localhost/ptplab:lptpd')
  t.match(out, /watching namespace openshift-ptp/)
  child.kill('SIGTERM')
  t.equal(await exited, 0, 'clean exit on SIGTERM')
  t.notMatch(out, /informer .*restarting/, 'stopping is not an informer error')
  t.equal(api.openWatches, 0, 'its watches are closed')
  t.match(api.get('coordination.k8s.io', 'leases', 'openshift-ptp', 'ptp.openshift.io'), { spec: { holderIdentity: '', leaseTransitions: 0 } }, 'it held the lease, and gave it up')
})
