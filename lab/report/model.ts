// The run report as data, pure: from a RunRecord to what the page shows:
// the overall verdict, per mode its verdict, checks (failing first), test
// intervals and events on the mode's time axis (seconds from its start),
// one series per observed slave port with its statistics, and the mode's
// graph with the part each port played and the roles it showed.
import type { CheckResult, OffsetWindow } from '../conformance/checks.js'
import type { ServoFigures } from '../conformance/servo.js'
import { suitePassed } from '../conformance/report.js'
import { buildGraph, type LabGraph } from '../graph/model.js'
import { FAULTY_OFFSET } from '../ptp/exporter.js'
import type { ClockStateName, RoleName } from '../graph/model.js'
import type { EventKind, FileLink, ModeRecord, RunRecord, TestStatus } from './record.js'

export interface SeriesPoint {
  s: number // seconds since the mode started
  offsetNs?: number // a measurement: the daemon's fault value is taken out (fault)
  fault?: boolean // the daemon exported its fault value (999999) instead of an offset
  trueOffsetNs?: number
  clockState?: ClockStateName
  role?: RoleName
}

export interface SeriesStats {
  samples: number
  offsets: number // samples with an offset
  faults: number // samples where the daemon exported its fault value
  minNs?: number
  maxNs?: number
  rmsNs?: number
  inWindowPct?: number // of the samples with an offset
  lockedPct?: number // of the samples with a clock state
  trueRmsNs?: number
}

export interface SeriesView {
  key: string // node:port
  label: string
  points: SeriesPoint[]
  stats: SeriesStats
}

export interface TestView {
  name: string
  startS: number
  endS: number
  status: TestStatus
  checks: number
  failed: number
}

export interface EventView {
  s: number
  kind: EventKind
  label: string
}

export interface ModeView {
  mode: string
  verdict: 'PASS' | 'FAIL'
  description: string
  error?: string
  startedAt: string
  durationS: number
  syncedAfterS?: number
  checks: CheckResult[] // failing first, otherwise in run order
  passed: number
  tests: TestView[]
  events: EventView[]
  series: SeriesView[]
  graph: LabGraph
  logs: FileLink[]
  junit?: FileLink
  servo?: ServoFigures[] // independent clocks: per slave clock over the servo window
}

export interface ReportModel {
  title: string
  lab: string
  command?: string
  startedAt: string
  durationS: number
  verdict: 'PASS' | 'FAIL'
  checks: number
  failed: number
  window: OffsetWindow
  clock: RunRecord['clock']
  modes: ModeView[]
}

const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d

export function seriesStats(points: SeriesPoint[], w: OffsetWindow): SeriesStats {
  const offs = points.map((p) => p.offsetNs).filter((v): v is number => v !== undefined)
  const trues = points.map((p) => p.trueOffsetNs).filter((v): v is number => v !== undefined)
  const states = points.filter((p) => p.clockState !== undefined)
  const rms = (vs: number[]) => Math.round(Math.sqrt(vs.reduce((a, v) => a + v * v, 0) / vs.length))
  return {
    samples: points.length,
    offsets: offs.length,
    faults: points.filter((p) => p.fault).length,
    ...(offs.length && {
      minNs: Math.min(...offs),
      maxNs: Math.max(...offs),
      rmsNs: rms(offs),
      inWindowPct: round((100 * offs.filter((v) => v >= w.min && v <= w.max).length) / offs.length, 1),
    }),
    ...(states.length && { lockedPct: round((100 * states.filter((p) => p.clockState === 'LOCKED').length) / states.length, 1) }),
    ...(trues.length && { trueRmsNs: rms(trues) }),
  }
}

// Mode start: the result's startedAt; the record's own times may start
// a little earlier (logs), never later.
function modeView(r: RunRecord, m: ModeRecord): ModeView {
  const t0 = Date.parse(m.result.startedAt)
  const sec = (t: number) => round((t - t0) / 1000)
  const res = m.result
  const checks = [...res.checks.filter((c) => !c.pass), ...res.checks.filter((c) => c.pass)]
  const partOf = new Map(m.parts.map((p) => [`${p.node}:${p.port}`, p.part]))
  return {
    mode: res.suite,
    verdict: suitePassed(res) ? 'PASS' : 'FAIL',
    description: res.description,
    ...(res.error && { error: res.error }),
    startedAt: res.startedAt,
    durationS: round(res.durationMs / 1000),
    ...(res.syncedAfterMs !== undefined && { syncedAfterS: round(res.syncedAfterMs / 1000) }),
    checks,
    ...(res.servo?.length && { servo: res.servo }),
    passed: res.checks.filter((c) => c.pass).length,
    tests: m.tests.map((x) => {
      const own = res.checks.filter((c) => c.test === x.name)
      return { name: x.name, startS: sec(x.start), endS: sec(x.end), status: x.status, checks: own.length, failed: own.filter((c) => !c.pass).length }
    }),
    events: [...m.events]
      .sort((a, b) => a.t - b.t)
      .map((e) => ({ s: sec(e.t), kind: e.kind, label: eventLabel(e) })),
    series: m.series.map((s) => {
      const key = `${s.node}:${s.port}`
      const points = s.samples.map(({ t, offsetNs, ...rest }): SeriesPoint =>
        offsetNs === FAULTY_OFFSET ? { s: sec(t), fault: true, ...rest } : { s: sec(t), ...(offsetNs !== undefined && { offsetNs }), ...rest },
      )
      return { key, label: `${key}${s.part ?? partOf.get(key) ? ` (${s.part ?? partOf.get(key)})` : ''}`, points, stats: seriesStats(points, r.window) }
    }),
    graph: buildGraph(r.topology, {
      live: m.live,
      tags: Object.fromEntries(partOf),
      title: `${res.suite.toUpperCase()}: ${res.description}`,
    }),
    logs: m.logs,
    ...(m.junit && { junit: m.junit }),
  }
}

const EVENT_SHORT: Record<EventKind, string> = {
  'config-applied': 'configs applied',
  'config-removed': 'configs removed',
  'port-down': 'down',
  'port-up': 'up',
  sigterm: 'SIGTERM',
  'process-exit': 'exit',
  'process-start': 'start',
  'profile-applied': 'profile',
}

export function eventLabel(e: { kind: EventKind; node?: string; port?: string; detail?: string }): string {
  const where = e.port ? `${e.port} ` : e.node ? `${e.node} ` : ''
  // "ptp4l.0.config" is the process's tag: "ptp4l.0" says it on a crowded axis.
  const detail = e.detail?.replace(/^(ptp4l\.\d+)\.config$/, '$1')
  return `${where}${EVENT_SHORT[e.kind]}${detail ? ` ${detail}` : ''}`
}

export function buildReport(r: RunRecord): ReportModel {
  const modes = r.modes.map((m) => modeView(r, m))
  const all = r.modes.flatMap((m) => m.result.checks)
  return {
    title: `ptplab run on lab ${r.lab}: ${modes.map((m) => m.mode).join(', ')}`,
    lab: r.lab,
    ...(r.command && { command: r.command }),
    startedAt: r.startedAt,
    durationS: round(r.durationMs / 1000),
    verdict: modes.length > 0 && modes.every((m) => m.verdict === 'PASS') ? 'PASS' : 'FAIL',
    checks: all.length,
    failed: all.filter((c) => !c.pass).length,
    window: r.window,
    clock: r.clock,
    modes,
  }
}
