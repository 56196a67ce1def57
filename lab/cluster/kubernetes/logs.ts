// Pod logs as log sources: each container of each PTP pod streamed through
// the log API (follow), from the moment it is followed. A stream that ends
// (the container restarted, the pod was replaced) is opened again on the
// pod the source names now, and the follower reports a restart; lines the
// kubelet timestamps at or before the last one seen are not copied twice.
import { PassThrough } from 'node:stream'
import type { KubeApis } from './client.js'
import { tsNanos } from './node.js'
import type { LogChunk, LogFollower, LogSource } from '../types.js'

export interface PodRef {
  namespace: string
  name: string
  container: string
}

// Where a source's container is now (a pod may be replaced); undefined: gone.
export type PodLocator = () => Promise<PodRef | undefined>

export function podLogSource(api: KubeApis, s: { name: string; prefix: string; container?: string; locate: PodLocator }): LogSource {
  return { name: s.name, prefix: s.prefix, container: s.container, follow: () => new PodFollower(api, s.locate) }
}

class PodFollower implements LogFollower {
  private buf = ''
  private partial = ''
  private lastTs = 0n
  private stream?: { abort: AbortController; pod: string; ended: boolean }
  private started = false
  private restarted = false
  private closed = false

  constructor(
    private readonly api: KubeApis,
    private readonly locate: PodLocator,
  ) {}

  // The newest line's timestamp: where "from now on" starts.
  private async baseline(p: PodRef): Promise<void> {
    const last = (await this.api.core.readNamespacedPodLog({ name: p.name, namespace: p.namespace, container: p.container, tailLines: 1, timestamps: true })).trim()
    if (last) this.lastTs = tsNanos(last.slice(0, last.indexOf(' ')))
  }

  private async open(p: PodRef): Promise<void> {
    const out = new PassThrough()
    const st = { abort: new AbortController(), pod: p.name, ended: false }
    out.on('data', (d: Buffer) => this.take(d.toString()))
    out.on('end', () => (st.ended = true))
    out.on('error', () => (st.ended = true))
    const since = this.lastTs > 0n ? new Date(Number(this.lastTs / 1_000_000n)).toISOString().replace(/\.\d+/, '') : undefined
    st.abort = await this.api.log.log(p.namespace, p.name, p.container, out, { follow: true, timestamps: true, ...(since && { sinceTime: since }) })
    this.stream = st
  }

  // Whole lines only; drop what was copied already (a reopened stream
  // starts at the second of the last line).
  private take(text: string): void {
    const lines = (this.partial + text).split('\n')
    this.partial = lines.pop() ?? ''
    for (const l of lines) {
      const i = l.indexOf(' ')
      const ts = tsNanos(i < 0 ? l : l.slice(0, i))
      if (ts !== 0n && ts <= this.lastTs) continue
      if (ts !== 0n) this.lastTs = ts
      this.buf += (i < 0 ? '' : l.slice(i + 1)) + '\n'
    }
  }

  async drain(): Promise<LogChunk> {
    if (this.closed) return { text: '', restarted: false, present: false }
    const first = !this.started
    this.started = true
    if (!this.stream || this.stream.ended) {
      // What the ended stream carried comes before the restart.
      const old = this.flush()
      const p = await this.locate().catch(() => undefined)
      if (!p) return { text: old, restarted: false, present: false }
      if (first) await this.baseline(p).catch(() => {})
      else if (this.stream) this.restarted = true
      await this.open(p).catch(() => (this.stream = undefined))
      if (first) return { text: '', restarted: false, present: true }
      if (old) return { text: old, restarted: false, present: true }
    }
    const restarted = this.restarted
    this.restarted = false
    return { text: this.flush(), restarted, present: true }
  }

  private flush(): string {
    const t = this.buf
    this.buf = ''
    return t
  }

  async close(): Promise<void> {
    this.closed = true
    this.stream?.abort.abort()
  }
}
