// Sampling the observed slave ports while a mode runs, for the report's
// plots: every `intervalMs` one round reads the metrics of the ports'
// daemons (in parallel, read-only) and appends each port's role, clock
// state and offset. A daemon that does not answer in a round gives samples
// without data (its ptp4l may be restarting); the sampler goes on.
// Cost, measured on the project's machine (docs/reports.md): 4 daemons at
// about 3.5 rounds/s took 19-31 mcores in the daemons and about 16 in the
// sampling process; the default 2 rounds/s is enough for metrics that
// change at most once per ptp4l summary.
import { daemonMetrics } from '../backends/daemon-client.js'
import { liveView, type NodeReading } from '../graph/live.js'
import { parsePromText } from '../ptp/prom-text.js'
import type { Topology } from '../topology/index.js'
import type { PortSeries } from './record.js'

export interface SamplerOptions {
  lab: string
  t: Topology
  ports: Array<{ node: string; port: string; part?: string }>
  intervalMs?: number // default 500
  read?: (lab: string, node: string) => Promise<string> // Prometheus text; default: the daemon's /metrics
  now?: () => number
}

export class PortSampler {
  private readonly series: PortSeries[]
  private timer?: NodeJS.Timeout
  private round?: Promise<void>
  private stopped = false

  constructor(private readonly o: SamplerOptions) {
    this.series = o.ports.map((p) => ({ node: p.node, port: p.port, ...(p.part && { part: p.part }), samples: [] }))
  }

  start(): this {
    const tick = () => {
      this.round = this.sample().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.o.intervalMs ?? 500)
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
    const read = this.o.read ?? daemonMetrics
    const nodes = [...new Set(this.o.ports.map((p) => p.node))]
    const readings = await Promise.all(
      nodes.map(async (node): Promise<NodeReading> => ({ node, samples: parsePromText(await read(this.o.lab, node).catch(() => '')), clocks: [] })),
    )
    const view = liveView(this.o.t, readings)
    for (const s of this.series) {
      const p = view.ports[`${s.node}:${s.port}`]
      s.samples.push({ t, ...(p?.role && { role: p.role }), ...(p?.clockState && { clockState: p.clockState }), ...(p?.offsetNs !== undefined && { offsetNs: p.offsetNs }) })
    }
  }
}
