// The daemon's Prometheus metrics (docs/upstream.md#daemon), driven by ptp4l /
// phc2sys log lines. Shared by the daemon and `ptplab replay-log`.
//
// Label rules, kept deterministic:
// - ptp4l offset/max/freq/delay/clock_state: from="master", iface = alias of
//   the config's last SLAVE port interface, else of its first interface,
//   else "unknown" (config never registered). A line that names its clock
//   ("ens2f1 master offset", ts2phc) uses that clock's alias.
// - phc2sys: from = "phc" | "sys" (the word before "offset"), iface = the
//   clock named in the line (CLOCK_REALTIME), aliased if it is a NIC port.
// - interface_role: the real interface, port N -> ifaces[N-1]. Role lines of
//   unregistered configs, or ports beyond the list, are ignored.
// - Roles: ->SLAVE 1, ->PASSIVE 0, ->MASTER/GRAND_MASTER 2, ->LISTENING 5,
//   ->FAULTY or on FAULT_DETECTED/SYNCHRONIZATION_FAULT or SLAVE->UNCALIBRATED
//   3. Other targets (PRE_MASTER, UNCALIBRATED, DISABLED...) leave the role.
// - A fault on the current slave port also sets offset/max 999999 (freq,
//   delay 0) and clock_state HOLDOVER; a fault on another port (e.g. a BC
//   master port) only sets its role, the clock is still synchronised.
// - Servo s0/s1 -> FREERUN, s2/s3 -> LOCKED. Lines without delay set 0, as
//   upstream does. Untagged lines belong to config "" (registerConfig('')).
import { Counter, Gauge, Registry } from './prom.js'
import { ifaceAlias } from './iface-alias.js'
import { parseLogLine } from './log-parser.js'
import { ClockState, PortRole, type PtpEvent, type PtpProcessName } from './types.js'

// Exported: readers of the offset metric (the run report) must not take it for a measurement.
export const FAULTY_OFFSET = 999999
const OFFSET_LABELS = ['from', 'process', 'node', 'iface'] as const
const IFACE_LABELS = ['process', 'node', 'iface'] as const
const CONFIG_LABELS = ['process', 'node', 'config'] as const

type Labels = Record<string, string>
type Metric = Gauge<string> | Counter<string>

interface ConfigState {
  ifaces: string[]
  slavePort?: number // port currently SLAVE
  offsetIface?: string // last slave interface; sticky so labels do not flap
}

interface Series {
  metric: Metric
  labels: Labels
}

export interface ExporterSnapshot {
  roles: Array<{ process: string; iface: string; role: number }>
  offsets: Array<{ from: string; process: string; iface: string; value: number }>
  clockStates: Array<{ process: string; iface: string; value: number }>
}

export class PtpExporter {
  readonly registry: Registry
  private readonly node: string
  private readonly configs = new Map<string, ConfigState>()
  // Every series a config has written, so forgetConfig can drop them.
  private readonly owned = new Map<string, Map<string, Series>>()
  // Current values of the gauges snapshot() reports (prom-client reads are async).
  private readonly values = new Map<string, { name: string; labels: Labels; value: number }>()

  private readonly offset: Gauge<string>
  private readonly maxOffset: Gauge<string>
  private readonly freq: Gauge<string>
  private readonly delay: Gauge<string>
  private readonly clockState: Gauge<string>
  private readonly role: Gauge<string>
  private readonly processStatus: Gauge<string>
  private readonly restarts: Counter<string>
  private readonly clockClass: Gauge<string>

  constructor(opts: { node: string; registry?: Registry }) {
    this.node = opts.node
    this.registry = opts.registry ?? new Registry()
    const registers = [this.registry]
    const gauge = (name: string, help: string, labelNames: readonly string[]) =>
      new Gauge({ name: `openshift_ptp_${name}`, help, labelNames: [...labelNames], registers })
    this.offset = gauge('offset_ns', 'Offset from the time source in ns', OFFSET_LABELS)
    this.maxOffset = gauge('max_offset_ns', 'Largest offset of the last interval in ns', OFFSET_LABELS)
    this.freq = gauge('frequency_adjustment_ns', 'Frequency adjustment in ppb', OFFSET_LABELS)
    this.delay = gauge('delay_ns', 'Path delay in ns', OFFSET_LABELS)
    this.clockState = gauge('clock_state', '0 = FREERUN, 1 = LOCKED, 2 = HOLDOVER', IFACE_LABELS)
    this.role = gauge('interface_role', '0 = PASSIVE, 1 = SLAVE, 2 = MASTER, 3 = FAULTY, 4 = UNKNOWN, 5 = LISTENING', IFACE_LABELS)
    this.processStatus = gauge('process_status', '0 = DOWN, 1 = UP', CONFIG_LABELS)
    this.clockClass = gauge('clock_class', 'Clock class of the parent data set', CONFIG_LABELS)
    // In the text format prom-client adds no "_total" to counters (only in
    // OpenMetrics), so the name stays exactly upstream's.
    this.restarts = new Counter({
      name: 'openshift_ptp_process_restart_count',
      help: 'Times the process was restarted',
      labelNames: [...CONFIG_LABELS],
      registers,
    })
  }

  registerConfig(config: string, ifaces: string[]): void {
    this.configs.set(config, { ifaces: [...ifaces] })
  }

  // Drops every series the config wrote (offsets of its processes too) and
  // its port state. keepRestartCount keeps the counter monotonic across a
  // profile re-apply, as newer upstream does.
  forgetConfig(config: string, opts: { keepRestartCount?: boolean } = {}): void {
    for (const s of this.owned.get(config)?.values() ?? []) {
      if (opts.keepRestartCount && s.metric === this.restarts) continue
      s.metric.remove(s.labels)
      this.values.delete(key(s.metric, s.labels))
    }
    this.owned.delete(config)
    this.configs.delete(config)
  }

  handleLine(line: string, defaultProcess?: PtpProcessName): PtpEvent | null {
    const ev = parseLogLine(line, defaultProcess)
    if (ev) this.apply(ev)
    return ev
  }

  apply(ev: PtpEvent): void {
    const config = ev.config ?? ''
    switch (ev.kind) {
      case 'offset': {
        const [from, iface] = this.offsetTarget(config, ev.process, ev.source, ev.clock)
        this.setOffsets(config, from, ev.process, iface, ev.offset, ev.offset, ev.freq, ev.delay ?? 0)
        const locked = ev.servo === 's2' || ev.servo === 's3'
        this.set(config, this.clockState, this.ifaceLabels(ev.process, iface), locked ? ClockState.LOCKED : ClockState.FREERUN)
        return
      }
      case 'rms': {
        const [from, iface] = this.offsetTarget(config, ev.process, ev.process === 'phc2sys' ? 'phc' : 'master', ev.process === 'phc2sys' ? 'CLOCK_REALTIME' : undefined)
        this.setOffsets(config, from, ev.process, iface, ev.rms, ev.max, ev.freq, ev.delay ?? 0)
        return
      }
      case 'port-state':
        return this.portState(config, ev)
      case 'best-master':
        return // identity only; read by the conformance checks from the log
    }
  }

  setProcessStatus(process: string, config: string, up: boolean): void {
    this.set(config, this.processStatus, this.configLabels(process, config), up ? 1 : 0)
  }

  incRestart(process: string, config: string): void {
    const labels = this.configLabels(process, config)
    this.restarts.inc(labels)
    this.own(config, this.restarts, labels)
  }

  setClockClass(process: string, config: string, cls: number): void {
    this.set(config, this.clockClass, this.configLabels(process, config), cls)
  }

  metricsText(): Promise<string> {
    return this.registry.metrics()
  }

  snapshot(): ExporterSnapshot {
    const pick = (name: string) =>
      [...this.values.values()]
        .filter((v) => v.name === name)
        .sort((a, b) => cmp(a.labels.iface, b.labels.iface) || cmp(a.labels.process, b.labels.process) || cmp(a.labels.from, b.labels.from))
    return {
      roles: pick('openshift_ptp_interface_role').map(({ labels: l, value }) => ({ process: l.process ?? '', iface: l.iface ?? '', role: value })),
      offsets: pick('openshift_ptp_offset_ns').map(({ labels: l, value }) => ({ from: l.from ?? '', process: l.process ?? '', iface: l.iface ?? '', value })),
      clockStates: pick('openshift_ptp_clock_state').map(({ labels: l, value }) => ({ process: l.process ?? '', iface: l.iface ?? '', value })),
    }
  }

  // --- internals ---------------------------------------------------------

  private portState(config: string, ev: Extract<PtpEvent, { kind: 'port-state' }>): void {
    const st = this.configs.get(config)
    const iface = st?.ifaces[ev.port - 1]
    if (!st || iface === undefined) return
    const faulty =
      ev.to === 'FAULTY' || ev.event === 'FAULT_DETECTED' || ev.event === 'SYNCHRONIZATION_FAULT' || (ev.from === 'SLAVE' && ev.to === 'UNCALIBRATED')
    const role = faulty
      ? PortRole.FAULTY
      : ev.to === 'SLAVE'
        ? PortRole.SLAVE
        : ev.to === 'PASSIVE'
          ? PortRole.PASSIVE
          : ev.to === 'MASTER' || ev.to === 'GRAND_MASTER'
            ? PortRole.MASTER
            : ev.to === 'LISTENING'
              ? PortRole.LISTENING
              : undefined
    if (role === undefined) return
    this.set(config, this.role, this.ifaceLabels(ev.process, iface), role)

    const wasSlave = st.slavePort === ev.port
    if (role === PortRole.SLAVE) {
      st.slavePort = ev.port
      st.offsetIface = iface
    } else if (wasSlave) {
      st.slavePort = undefined
      if (faulty) {
        const [from, alias] = this.offsetTarget(config, ev.process, 'master')
        this.setOffsets(config, from, ev.process, alias, FAULTY_OFFSET, FAULTY_OFFSET, 0, 0)
        this.set(config, this.clockState, this.ifaceLabels(ev.process, alias), ClockState.HOLDOVER)
      }
    }
  }

  private offsetTarget(config: string, process: string, source: 'master' | 'phc' | 'sys', clock?: string): [string, string] {
    if (clock !== undefined) return [source, ifaceAlias(clock)]
    if (process === 'phc2sys') return [source, 'CLOCK_REALTIME']
    const st = this.configs.get(config)
    return [source, ifaceAlias(st?.offsetIface ?? st?.ifaces[0] ?? 'unknown')]
  }

  private setOffsets(config: string, from: string, process: string, iface: string, offset: number, max: number, freq: number, delay: number) {
    const labels = { from, process, node: this.node, iface } // label order = exposition order
    this.set(config, this.offset, labels, offset)
    this.set(config, this.maxOffset, labels, max)
    this.set(config, this.freq, labels, freq)
    this.set(config, this.delay, labels, delay)
  }

  private ifaceLabels(process: string, iface: string): Labels {
    return { process, node: this.node, iface }
  }

  private configLabels(process: string, config: string): Labels {
    return { process, node: this.node, config }
  }

  private set(config: string, g: Gauge<string>, labels: Labels, value: number) {
    g.set(labels, value)
    this.own(config, g, labels)
    this.values.set(key(g, labels), { name: metricName(g), labels, value })
  }

  private own(config: string, metric: Metric, labels: Labels) {
    let m = this.owned.get(config)
    if (!m) this.owned.set(config, (m = new Map()))
    m.set(key(metric, labels), { metric, labels })
  }
}

// prom-client keeps `name` on the instance but its typings do not expose it.
const metricName = (m: Metric) => (m as unknown as { name: string }).name
const key = (m: Metric, labels: Labels) => `${metricName(m)}${JSON.stringify(labels)}`
const cmp = (a = '', b = '') => (a < b ? -1 : a > b ? 1 : 0)
