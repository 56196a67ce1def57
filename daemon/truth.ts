// Ground truth on a node with independent clocks: its clock's true offset
// from its grandmaster's clock (both state files at one host instant, see
// lab/clock), exported next to ptp4l's own estimate as ptplab_* metrics
// (never openshift_ptp_*, which are upstream's).
import { Gauge, type Registry } from 'prom-client'
import { hostNowNs, nodeAt, readStateFile, servoPpb, type ClockState } from '../lab/clock/state.js'

export class TrueOffsetMetrics {
  private readonly offset: Gauge<string>
  private readonly servo: Gauge<string>
  private readonly injected: Gauge<string>
  private readonly steps: Gauge<string>
  private last?: { config: string; gm: string; trueOffsetNs: number; servoPpb: number; injectedPpm: number; steps: number }

  constructor(
    registry: Registry,
    private readonly node: string,
    private readonly own: string,
    private readonly map: Record<string, string>,
  ) {
    const registers = [registry]
    this.offset = new Gauge({ name: 'ptplab_true_offset_ns', help: "True offset of this node's clock from its grandmaster's, ns (lab ground truth)", labelNames: ['process', 'config', 'node', 'grandmaster'], registers })
    this.servo = new Gauge({ name: 'ptplab_clock_servo_ppb', help: 'Frequency the servo applies to this clock (freq + tick), ppb', labelNames: ['node'], registers })
    this.injected = new Gauge({ name: 'ptplab_clock_injected_ppm', help: "This clock's injected oscillator error, ppm", labelNames: ['node'], registers })
    this.steps = new Gauge({ name: 'ptplab_clock_steps', help: 'Steps of this clock (settime / ADJ_SETOFFSET)', labelNames: ['node'], registers })
  }

  async update(process: string, config: string, gmIdentity: string): Promise<void> {
    const gmFile = this.map[gmIdentity.toLowerCase()]
    let own: ClockState
    try {
      own = await readStateFile(this.own)
    } catch {
      return
    }
    const node = { node: this.node }
    this.servo.set(node, servoPpb(own))
    this.injected.set(node, own.ppm)
    this.steps.set(node, Number(own.steps))
    if (!gmFile) return // a grandmaster outside the lab's clocks
    const gm = gmFile === this.own ? own : await readStateFile(gmFile).catch(() => undefined)
    if (!gm) return
    const h = hostNowNs()
    const trueOffsetNs = Number(nodeAt(own, h) - nodeAt(gm, h))
    this.offset.reset()
    this.offset.set({ process, config, node: this.node, grandmaster: gmIdentity }, trueOffsetNs)
    this.last = { config, gm: gmIdentity, trueOffsetNs, servoPpb: servoPpb(own), injectedPpm: own.ppm, steps: Number(own.steps) }
  }

  forget(config: string): void {
    if (this.last?.config !== config) return
    this.offset.reset()
    this.last = undefined
  }

  status() {
    return { state: this.own, ...(this.last ?? {}) }
  }
}
