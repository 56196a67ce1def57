// List+watch caches on @kubernetes/client-node's informers (ListWatch).
// client-node reconnects a watch that ends (the server's timeout, a dropped
// connection) from the last resourceVersion and relists after 410 Gone; a
// failed list or a refused watch only reports an error and stops, so here
// every error restarts the informer after a backoff (doubling up to
// maxBackoffMs, back to the start once a list succeeds).
import * as k8s from '@kubernetes/client-node'
import type { Obj } from './reconcile.js'

export interface CacheOptions {
  backoffMs?: number // first retry delay after an error (default 500)
  maxBackoffMs?: number // default 30000
  onChange: () => void // any add/update/delete, and every completed list
  onError: (what: string, e: unknown) => void
}

export class Cache {
  private informer: k8s.Informer<k8s.KubernetesObject> & k8s.ObjectCache<k8s.KubernetesObject>
  private delay: number
  private retry?: NodeJS.Timeout
  private stopped = false
  synced = false // the first list has arrived
  lists = 0 // how many lists were made (the first, and after each 410 Gone)

  constructor(
    kc: k8s.KubeConfig,
    readonly what: string,
    path: string,
    list: () => Promise<{ items: unknown[]; metadata?: { resourceVersion?: string } }>,
    private readonly o: CacheOptions,
    fieldSelector?: string,
  ) {
    this.delay = o.backoffMs ?? 500
    const listFn = async () => {
      const r = (await list()) as k8s.KubernetesListObject<k8s.KubernetesObject>
      this.lists++
      this.synced = true
      this.delay = o.backoffMs ?? 500
      setImmediate(o.onChange) // after client-node stored the items
      return r
    }
    this.informer = new k8s.ListWatch(path, new k8s.Watch(kc), listFn, false, undefined, fieldSelector)
    for (const verb of [k8s.ADD, k8s.UPDATE, k8s.DELETE] as const) this.informer.on(verb, () => o.onChange())
    this.informer.on(k8s.ERROR, (e) => {
      if (this.stopped) return // stop() aborts the watch: not an error
      o.onError(what, e)
      this.restart()
    })
  }

  private restart(): void {
    if (this.stopped || this.retry) return
    const d = this.delay
    this.delay = Math.min(this.delay * 2, this.o.maxBackoffMs ?? 30000)
    this.retry = setTimeout(() => {
      this.retry = undefined
      if (!this.stopped) this.informer.start().catch((e: unknown) => (this.o.onError(this.what, e), this.restart()))
    }, d)
  }

  async start(): Promise<void> {
    this.stopped = false
    await this.informer.start()
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.retry) clearTimeout(this.retry)
    this.retry = undefined
    await this.informer.stop()
  }

  list(): Obj[] {
    return this.informer.list() as Obj[]
  }

  get(name: string, namespace?: string): Obj | undefined {
    return this.informer.get(name, namespace) as Obj | undefined
  }
}
