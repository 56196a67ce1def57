// Ground truth on a node with independent clocks: each ptp4l instance's
// clock (a NIC's clock: instance 0 uses the node's state file, further
// instances their own copy, as every NIC of a real node has its own PHC)
// against its grandmaster's clock, both read at one host instant (see
// lab/clock). Exported next to ptp4l's own estimate as ptplab_* metrics,
// never openshift_ptp_* (upstream's), labelled by config and NIC like
// openshift_ptp_offset_ns.
import { copyFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { Gauge, type Registry } from '../lab/ptp/prom.js'
import { hostNowNs, nodeAt, readStateFile, servoPpb } from '../lab/clock/state.js'
import { ifaceAlias } from '../lab/ptp/iface-alias.js'

interface Instance {
  state: string
  ifaces: string[]
  gm?: string // grandmaster identity, from PARENT_DATA_SET
}

export class TrueOffsetMetrics {
  private readonly gauges: Record<'offset' | 'at' | 'servo' | 'injected' | 'steps', Gauge<string>>
  private readonly instances = new Map<string, Instance>()
  private last: Record<string, unknown> = {}

  constructor(
    registry: Registry,
    private readonly node: string,
    private readonly base: string,
    private readonly map: Record<string, string>,
  ) {
    const g = (name: string, help: string) => new Gauge({ name: `ptplab_${name}`, help, labelNames: ['process', 'config', 'iface'], registers: [registry] })
    this.gauges = {
      offset: g('true_offset_ns', "True offset of this clock from its grandmaster's, ns (lab ground truth)"),
      at: g('true_offset_host_ms', 'Host CLOCK_REALTIME when ptplab_true_offset_ns was computed, ms'),
      servo: g('clock_servo_ppb', 'Frequency the servo applies to this clock (freq + tick), ppb'),
      injected: g('clock_injected_ppm', "This clock's injected oscillator error, ppm"),
      steps: g('clock_steps', 'Steps of this clock (settime / ADJ_SETOFFSET)'),
    }
  }

  // The state file of instance `index` (ptp4l.<index>.config): the node's
  // for the first, a copy of it made once for the others.
  async stateFor(index: number): Promise<string> {
    if (index === 0) return this.base
    const f = join(dirname(this.base), `clock.${index}.state`)
    if (!existsSync(f)) await copyFile(this.base, f)
    return f
  }

  add(config: string, state: string, ifaces: string[]): void {
    this.instances.set(config, { state, ifaces })
  }

  setGrandmaster(config: string, identity: string): void {
    const i = this.instances.get(config)
    if (i) i.gm = identity.toLowerCase()
  }

  forget(config: string): void {
    const i = this.instances.get(config)
    if (!i) return
    for (const iface of new Set(i.ifaces.map(ifaceAlias))) for (const g of Object.values(this.gauges)) g.remove({ process: 'ptp4l', config, iface })
    this.instances.delete(config)
    delete this.last[config]
  }

  // Called often (every 250 ms): two small file reads per instance.
  async refresh(): Promise<void> {
    for (const [config, i] of this.instances) {
      const own = await readStateFile(i.state).catch(() => undefined)
      if (!own) continue
      // Its own grandmaster (a GM, or a slave before it heard one): no
      // offset to report, rather than a trivial 0 a check could pass on.
      const gmFile = i.gm ? this.map[i.gm] : undefined
      const gm = gmFile === undefined || gmFile === i.state ? undefined : await readStateFile(gmFile).catch(() => undefined)
      const h = hostNowNs()
      const off = gm ? Number(nodeAt(own, h) - nodeAt(gm, h)) : undefined
      for (const iface of new Set(i.ifaces.map(ifaceAlias))) {
        const l = { process: 'ptp4l', config, iface }
        this.gauges.servo.set(l, servoPpb(own))
        this.gauges.injected.set(l, own.ppm)
        this.gauges.steps.set(l, Number(own.steps))
        if (off !== undefined) {
          this.gauges.offset.set(l, off)
          this.gauges.at.set(l, Number(h / 1000n) / 1000)
        } else {
          this.gauges.offset.remove(l)
          this.gauges.at.remove(l)
        }
      }
      this.last[config] = { state: i.state, grandmaster: i.gm ?? null, trueOffsetNs: off ?? null, servoPpb: servoPpb(own), injectedPpm: own.ppm, steps: Number(own.steps) }
    }
  }

  status() {
    return { node: this.node, state: this.base, instances: this.last }
  }
}
