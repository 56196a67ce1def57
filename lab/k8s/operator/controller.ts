// The operator's controller: informers (list+watch) on PtpConfig, Node,
// PtpOperatorConfig, NodePtpDevice and the daemon's DaemonSet in one
// namespace; any change queues one reconcile (runs never overlap, a burst
// of events coalesces into one), and a resync period reconciles anyway
// (what no informer watches, e.g. an edited ptp-configmap, is put back).
// Nothing is reconciled before every informer has made its first list, so
// a half-filled cache never deletes or recreates objects.
import type * as k8s from '@kubernetes/client-node'
import { DAEMONSET_NAME } from '../daemonset.js'
import { applyDesired, apisOf, currentConfigMapData, reportProblem, type ApplyContext, type Apis } from './apply.js'
import { Cache } from './informers.js'
import { GROUP, OPERATOR_CONFIG_NAME, RENDERED_HASH, VERSION, problemText, reconcile, type Desired, type View } from './reconcile.js'

export interface ControllerOptions {
  kc: k8s.KubeConfig
  namespace: string
  daemon: View['daemon'] // image and flags of the daemon pods
  resyncMs?: number // default 120000 (upstream requeues every 2 minutes)
  backoffMs?: number // informer restart and failed-reconcile retry (default 500)
  log?: (msg: string) => void
  now?: () => Date
}

const COMPONENT = 'ptp-operator'

export class Controller {
  readonly apis: Apis
  readonly caches: Record<'ptpConfigs' | 'nodes' | 'operatorConfigs' | 'nodePtpDevices' | 'daemonSets', Cache>
  reconciles = 0 // completed reconciles
  last?: Desired
  lastErrors: Error[] = []
  private running?: Promise<void>
  private pending = false
  private timers: NodeJS.Timeout[] = []
  private retry?: NodeJS.Timeout
  private reported = new Set<string>() // problems already sent as Events
  private stopped = false
  private readonly log: (msg: string) => void
  private readonly now: () => Date

  constructor(private readonly o: ControllerOptions) {
    this.apis = apisOf(o.kc)
    this.log = o.log ?? (() => {})
    this.now = o.now ?? (() => new Date())
    const ns = o.namespace
    const { core, apps, custom } = this.apis
    const opts = { backoffMs: o.backoffMs, onChange: () => this.schedule(), onError: (what: string, e: unknown) => this.log(`informer ${what}: ${(e as Error)?.message ?? e}; restarting`) }
    const customList = (plural: string) => async () =>
      (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural })) as { items: unknown[] }
    const customPath = (plural: string) => `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${plural}`
    this.caches = {
      ptpConfigs: new Cache(o.kc, 'ptpconfigs', customPath('ptpconfigs'), customList('ptpconfigs'), opts),
      nodes: new Cache(o.kc, 'nodes', '/api/v1/nodes', () => core.listNode(), opts),
      operatorConfigs: new Cache(o.kc, 'ptpoperatorconfigs', customPath('ptpoperatorconfigs'), customList('ptpoperatorconfigs'), opts),
      nodePtpDevices: new Cache(o.kc, 'nodeptpdevices', customPath('nodeptpdevices'), customList('nodeptpdevices'), opts),
      daemonSets: new Cache(
        o.kc,
        'daemonsets',
        `/apis/apps/v1/namespaces/${ns}/daemonsets`,
        () => apps.listNamespacedDaemonSet({ namespace: ns, fieldSelector: `metadata.name=${DAEMONSET_NAME}` }),
        opts,
        `metadata.name=${DAEMONSET_NAME}`,
      ),
    }
  }

  async start(): Promise<void> {
    this.stopped = false
    await Promise.all(Object.values(this.caches).map((c) => c.start()))
    this.timers.push(setInterval(() => this.schedule(), this.o.resyncMs ?? 120_000))
  }

  async stop(): Promise<void> {
    this.stopped = true
    for (const t of this.timers) clearInterval(t)
    if (this.retry) clearTimeout(this.retry)
    await Promise.all(Object.values(this.caches).map((c) => c.stop()))
    await this.running
  }

  // No reconcile running or queued.
  get idle(): boolean {
    return !this.running && !this.pending
  }

  get synced(): boolean {
    return Object.values(this.caches).every((c) => c.synced)
  }

  // Queues a reconcile; one runs at a time, and changes that arrive during
  // a run cause exactly one more.
  schedule(): void {
    if (this.stopped || !this.synced) return
    this.pending = true
    if (!this.running) this.running = this.loop().finally(() => (this.running = undefined))
  }

  private async loop(): Promise<void> {
    while (this.pending && !this.stopped) {
      this.pending = false
      await new Promise((r) => setImmediate(r)) // let a burst of events land first
      try {
        await this.reconcileOnce()
      } catch (e) {
        this.lastErrors = [e as Error]
      }
      if (this.lastErrors.length) {
        for (const e of this.lastErrors) this.log(`reconcile: ${e.message}`)
        if (!this.retry && !this.stopped)
          this.retry = setTimeout(() => ((this.retry = undefined), this.schedule()), this.o.backoffMs ?? 500)
      }
    }
  }

  private context(): ApplyContext {
    return {
      apis: this.apis,
      namespace: this.o.namespace,
      ptpConfig: (name) => this.caches.ptpConfigs.get(name, this.o.namespace),
      daemonSet: this.caches.daemonSets.get(DAEMONSET_NAME, this.o.namespace),
      component: COMPONENT,
      now: this.now,
    }
  }

  async reconcileOnce(): Promise<Desired> {
    const c = this.context()
    const ds = c.daemonSet
    const view: View = {
      namespace: this.o.namespace,
      daemon: this.o.daemon,
      ptpConfigs: this.caches.ptpConfigs.list(),
      nodes: this.caches.nodes.list(),
      operatorConfig: this.caches.operatorConfigs.get(OPERATOR_CONFIG_NAME, this.o.namespace),
      nodePtpDevices: this.caches.nodePtpDevices.list().map((d) => d.metadata?.name ?? ''),
      daemonSetHash: ds?.metadata?.annotations?.[RENDERED_HASH],
      configMapData: await currentConfigMapData(c),
      now: this.now().toISOString(),
    }
    const d = reconcile(view)
    const errors = await applyDesired(c, d)
    // One Event per distinct problem, again only after it went away.
    const keys = new Set<string>()
    for (const p of d.problems) {
      const key = `${p.kind}/${p.name}/${problemText(p)}`
      keys.add(key)
      if (this.reported.has(key) || !p.name) continue
      this.log(`${p.kind} ${p.name}: ${problemText(p)}`)
      const uid = (p.kind === 'PtpConfig' ? c.ptpConfig(p.name) : view.operatorConfig)?.metadata?.uid
      try {
        await reportProblem(c, p, uid)
        this.reported.add(key)
      } catch (e) {
        errors.push(e as Error)
      }
    }
    for (const k of [...this.reported]) if (!keys.has(k)) this.reported.delete(k)
    this.last = d
    this.lastErrors = errors
    this.reconciles++
    return d
  }
}
