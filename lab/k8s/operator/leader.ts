// Leader election on a coordination.k8s.io/v1 Lease, as controller-runtime
// does it for upstream's operator (lease "ptp.openshift.io"): the holder
// renews every retry period; another candidate takes the lease once it has
// not been renewed for leaseDurationSeconds; a holder that cannot renew
// within the renew deadline has lost it. Stopping releases the lease so the
// next replica (a rolling update) takes over at once. The clock is a
// parameter so tests can move time instead of waiting.
import * as k8s from '@kubernetes/client-node'
import { httpCode } from './apply.js'

export const LEASE_NAME = 'ptp.openshift.io'

export interface LeaderOptions {
  kc: k8s.KubeConfig
  namespace: string
  identity: string // the pod's name
  name?: string // default LEASE_NAME
  leaseDurationS?: number // default 15 (controller-runtime's)
  renewDeadlineMs?: number // default 10000
  retryMs?: number // default 2000
  now?: () => Date
  log?: (msg: string) => void
}

export class LeaderElector {
  private readonly coord: k8s.CoordinationV1Api
  private readonly name: string
  private readonly now: () => Date
  private lastRenew?: number
  private timer?: NodeJS.Timeout
  private stopped = false
  leader = false

  constructor(private readonly o: LeaderOptions) {
    this.coord = o.kc.makeApiClient(k8s.CoordinationV1Api)
    this.name = o.name ?? LEASE_NAME
    this.now = o.now ?? (() => new Date())
  }

  private get duration(): number {
    return this.o.leaseDurationS ?? 15
  }

  // One attempt to acquire or renew; true when this candidate holds the lease.
  async tryOnce(): Promise<boolean> {
    const { namespace, identity } = this.o
    const now = this.now()
    let lease: k8s.V1Lease
    try {
      lease = await this.coord.readNamespacedLease({ name: this.name, namespace })
    } catch (e) {
      if (httpCode(e) !== 404) throw e
      const spec: k8s.V1LeaseSpec = { holderIdentity: identity, leaseDurationSeconds: this.duration, acquireTime: now, renewTime: now, leaseTransitions: 0 }
      try {
        await this.coord.createNamespacedLease({ namespace, body: { metadata: { name: this.name, namespace }, spec } })
        return true
      } catch (e2) {
        if (httpCode(e2) === 409) return false // another candidate was faster
        throw e2
      }
    }
    const s = lease.spec ?? {}
    const mine = s.holderIdentity === identity
    const renewed = s.renewTime ? new Date(s.renewTime).getTime() : 0
    const expired = !s.holderIdentity || now.getTime() - renewed > (s.leaseDurationSeconds ?? this.duration) * 1000
    if (!mine && !expired) return false
    const spec: k8s.V1LeaseSpec = {
      ...s,
      holderIdentity: identity,
      leaseDurationSeconds: this.duration,
      renewTime: now,
      ...(!mine && { acquireTime: now, leaseTransitions: (s.leaseTransitions ?? 0) + 1 }),
    }
    try {
      await this.coord.replaceNamespacedLease({ name: this.name, namespace, body: { ...lease, spec } })
      return true
    } catch (e) {
      if (httpCode(e) === 409) return false
      throw e
    }
  }

  // Campaigns until leader (onLeading), then renews; onLost when a renewal
  // has failed for longer than the renew deadline or the lease was taken.
  run(onLeading: () => void, onLost: () => void): void {
    const tick = async () => {
      let held = false
      try {
        held = await this.tryOnce()
      } catch (e) {
        this.o.log?.(`leader election: ${(e as Error).message}`)
      }
      if (this.stopped) return
      const t = this.now().getTime()
      if (held) {
        this.lastRenew = t
        if (!this.leader) {
          this.leader = true
          this.o.log?.(`leader election: ${this.o.identity} holds lease ${this.o.namespace}/${this.name}`)
          onLeading()
        }
      } else if (this.leader && (this.lastRenew === undefined || t - this.lastRenew > (this.o.renewDeadlineMs ?? 10_000) || !(await this.stillMine()))) {
        this.leader = false
        this.o.log?.(`leader election: ${this.o.identity} lost lease ${this.o.namespace}/${this.name}`)
        onLost()
        return
      }
      this.timer = setTimeout(() => void tick(), this.o.retryMs ?? 2000)
    }
    void tick()
  }

  private async stillMine(): Promise<boolean> {
    try {
      const l = await this.coord.readNamespacedLease({ name: this.name, namespace: this.o.namespace })
      return l.spec?.holderIdentity === this.o.identity
    } catch {
      return true // cannot tell: the renew deadline decides
    }
  }

  // Stops campaigning; a holder gives the lease up.
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    if (!this.leader) return
    this.leader = false
    try {
      const lease = await this.coord.readNamespacedLease({ name: this.name, namespace: this.o.namespace })
      if (lease.spec?.holderIdentity === this.o.identity)
        await this.coord.replaceNamespacedLease({ name: this.name, namespace: this.o.namespace, body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } } })
    } catch {
      /* it expires on its own */
    }
  }
}
