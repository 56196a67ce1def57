// Sampling the observed slave ports while a mode runs, for the report's
// plots: every `intervalMs` one round reads the metrics of the ports'
// daemons through the cluster's node handles (in parallel, read-only) and
// appends each port's role, clock state and offset. A daemon that does not
// answer in a round gives samples without data (its ptp4l may be
// restarting); the sampler goes on. Rounds do not overlap: the next starts
// `intervalMs` after the previous ended.
// Cost, measured on the project's machine (docs/reports.md): at the default
// 2 rounds/s about 5 mcores in the sampling process and 4 in the daemons;
// a run of oc is not measurably slower. Metrics change at most once per
// ptp4l summary, so faster rounds add little to the plots. On a Kubernetes
// cluster a read is an exec into the daemon pod (heavier, same rate).
import type { NodeHandle } from '../cluster/types.js'
import { portLive } from '../graph/live.js'
import { parsePromText } from '../ptp/prom-text.js'
import { trueOffsetOf } from '../conformance/servo.js'
import type { PortSeries } from './record.js'

export const SAMPLE_INTERVAL_MS = 500

export interface SamplerOptions {
  node: (name: string) => Pick<NodeHandle, 'metrics'> // the cluster's node handle
  ports: Array<{ node: string; port: string; part?: string }>
  intervalMs?: number // default SAMPLE_INTERVAL_MS
  now?: () => number
}

export class PortSampler {
  private readonly series: PortSeries[]
  private timer?: NodeJS.Timeout
  private round?: Promise<void>
  private stopped = false
  rounds = 0

  constructor(private readonly o: SamplerOptions) {
    this.series = o.ports.map((p) => ({ node: p.node, port: p.port, ...(p.part && { part: p.part }), samples: [] }))
  }

  start(): this {
    const tick = () => {
      this.round = this.sample().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.o.intervalMs ?? SAMPLE_INTERVAL_MS)
      })
    }
    tick()
    return this
  }

  // Stops after the round in flight; the series so far.
  async stop(): Promise<PortSeries[]> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.round
    return this.series
  }

  private async sample(): Promise<void> {
    const t = (this.o.now ?? Date.now)()
    const nodes = [...new Set(this.o.ports.map((p) => p.node))]
    const texts = await Promise.all(nodes.map(async (n) => [n, await this.o.node(n).metrics().catch(() => '')] as const))
    const metrics = Object.fromEntries(texts.map(([n, text]) => [n, parsePromText(text)]))
    for (const s of this.series) {
      const p = portLive({ metrics, clocks: {} }, s)
      // independent clocks: the daemon's ground truth beside ptp4l's estimate
      const truth = trueOffsetOf({ metrics, clocks: {} }, s)
      s.samples.push({ t, ...(p?.role && { role: p.role }), ...(p?.clockState && { clockState: p.clockState }), ...(p?.offsetNs !== undefined && { offsetNs: p.offsetNs }), ...(truth !== undefined && { trueOffsetNs: truth }) })
    }
    this.rounds++
  }
}
