#!/usr/bin/env node
// Entry of ptplab-operator: the controller (lab/k8s/operator/controller.ts)
// and the PtpConfig validating webhook (lab/k8s/operator/webhook.ts) in one
// process, as upstream's ptp-operator runs them. See `--help`.
import { Command, InvalidArgumentError } from 'commander'

const port = (v: string) => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port 0-65535')
  return n
}
const seconds = (v: string) => {
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds')
  return n
}

const program = new Command('ptplab-operator')
  .description(
    'PTP operator: keeps ConfigMap ptp-configmap (per-node profiles from the PtpConfigs), PtpConfig status.matchList, ' +
      'PtpOperatorConfig "default", one NodePtpDevice per node and the linuxptp-daemon DaemonSet; serves the PtpConfig ' +
      'validating webhook over TLS.',
  )
  .option('--kubeconfig <file>', 'kubeconfig to use (default: in-cluster service account, else $KUBECONFIG or ~/.kube/config)')
  .option('--namespace <ns>', 'namespace of the PTP objects (default: $OPERATOR_NAMESPACE, else openshift-ptp)')
  .option('--webhook-port <port>', 'HTTPS port of the validating webhook; 0 turns it off', port, 9443)
  .option('--cert-dir <dir>', 'directory with tls.crt and tls.key for the webhook', '/tmp/k8s-webhook-server/serving-certs')
  .option('--daemon-image <image>', 'image of the daemon pods (default: $LINUXPTP_DAEMON_IMAGE)')
  .option('--daemon-shared-clock', 'daemons run with --shared-clock (all nodes share one host clock; never on real nodes)', false)
  .option('--resync <s>', 'reconcile at least this often, seconds', seconds, 120)
  .option('--no-leader-elect', 'reconcile without holding the lease ptp.openshift.io (one replica only)')
  .showHelpAfterError('(add --help for usage)')

program.parse()
const o = program.opts<{ kubeconfig?: string; namespace?: string; webhookPort: number; certDir: string; daemonImage?: string; daemonSharedClock: boolean; resync: number; leaderElect: boolean }>()

const log = (msg: string) => process.stdout.write(`${new Date().toISOString()} ptp-operator ${msg}\n`)
const fail = (msg: string): never => program.error(`error: ${msg}`, { exitCode: 2 })

const image = o.daemonImage ?? process.env.LINUXPTP_DAEMON_IMAGE ?? fail('no daemon image: pass --daemon-image or set LINUXPTP_DAEMON_IMAGE')

// The client and the controller load after the flags are checked: --help
// and usage errors answer at once.
const { PTP_NAMESPACE } = await import('../lab/operator/ptpconfig.js')
const namespace = o.namespace ?? process.env.OPERATOR_NAMESPACE ?? PTP_NAMESPACE
const k8s = await import('@kubernetes/client-node')
const { Controller } = await import('../lab/k8s/operator/controller.js')
const { serveWebhook } = await import('../lab/k8s/operator/webhook.js')
const { LeaderElector } = await import('../lab/k8s/operator/leader.js')
const { hostname } = await import('node:os')
const { randomUUID } = await import('node:crypto')
const kc = new k8s.KubeConfig()
try {
  if (o.kubeconfig) kc.loadFromFile(o.kubeconfig)
  else kc.loadFromDefault()
} catch (e) {
  fail(`cannot load kubeconfig: ${(e as Error).message}`)
}
if (!kc.getCurrentCluster()) fail('no cluster: pass --kubeconfig, or run in a pod with a service account')

const webhook =
  o.webhookPort === 0
    ? undefined
    : await serveWebhook({ certDir: o.certDir, port: o.webhookPort }).catch((e: Error) => fail(`webhook: ${e.message}`))
if (webhook) log(`webhook serving on :${o.webhookPort} from ${o.certDir}`)

const controller = new Controller({ kc, namespace, daemon: { image, sharedClock: o.daemonSharedClock }, resyncMs: o.resync * 1000, log })
const start = async () => {
  await controller.start()
  log(`watching namespace ${namespace} (cluster ${kc.getCurrentCluster()!.server})`)
}
// Every replica serves the webhook; only the lease holder reconciles. A
// holder that loses the lease exits (as controller-runtime does): the pod
// restarts and campaigns again with empty caches.
const elector = o.leaderElect ? new LeaderElector({ kc, namespace, identity: process.env.POD_NAME ?? `${hostname()}_${randomUUID()}`, log }) : undefined
if (elector)
  elector.run(
    () => void start().catch((e: Error) => (log(`cannot start: ${e.message}`), process.exit(1))),
    () => process.exit(1),
  )
else await start()

const shutdown = async (sig: string) => {
  log(`received ${sig}, stopping`)
  webhook?.stopReload()
  webhook?.close()
  await controller.stop()
  await elector?.stop()
  process.exit(0)
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))
