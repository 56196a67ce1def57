// `ptplab run|test --json`: the report's content as one JSON document
// (pure): the verdict, per mode its checks in run order with their timings,
// the named tests' intervals, the events, and per observed slave port the
// samples' statistics (the samples themselves are in samples.json of
// --report). Times: epoch ms where the record has them, durations in ms.
import { suitePassed } from '../conformance/report.js'
import { seriesStats, type SeriesPoint, type SeriesStats } from './model.js'
import { FAULTY_OFFSET } from '../ptp/exporter.js'
import type { RunRecord } from './record.js'

export interface RunJson {
  version: 1
  lab: string
  command?: string
  verdict: 'PASS' | 'FAIL'
  checks: { total: number; failed: number }
  window: RunRecord['window']
  clock: RunRecord['clock']
  startedAt: string
  durationMs: number
  report?: { index: string; csv: string; json: string }
  modes: Array<{
    mode: string
    verdict: 'PASS' | 'FAIL'
    target: string
    description: string
    error?: string
    startedAt: string
    durationMs: number
    syncedAfterMs?: number
    parts: RunRecord['modes'][number]['parts']
    checks: RunRecord['modes'][number]['result']['checks']
    tests: Array<{ name: string; status: string; start: number; end: number; durationMs: number; checks: number; failed: number }>
    events: RunRecord['modes'][number]['events']
    samples: Array<{ node: string; port: string; part?: string; first?: number; last?: number } & SeriesStats>
    junit?: string
    logs: string[]
  }>
}

export function runJson(r: RunRecord, report?: RunJson['report']): RunJson {
  const all = r.modes.flatMap((m) => m.result.checks)
  const modes = r.modes.map((m) => {
    const res = m.result
    return {
      mode: res.suite,
      verdict: suitePassed(res) ? ('PASS' as const) : ('FAIL' as const),
      target: res.target,
      description: res.description,
      ...(res.error && { error: res.error }),
      startedAt: res.startedAt,
      durationMs: res.durationMs,
      ...(res.syncedAfterMs !== undefined && { syncedAfterMs: res.syncedAfterMs }),
      parts: m.parts,
      checks: res.checks,
      tests: m.tests.map((x) => {
        const own = res.checks.filter((c) => c.test === x.name)
        return { ...x, durationMs: x.end - x.start, checks: own.length, failed: own.filter((c) => !c.pass).length }
      }),
      events: m.events,
      samples: m.series.map((s) => {
        const points = s.samples.map(({ t, offsetNs, ...rest }): SeriesPoint =>
          offsetNs === FAULTY_OFFSET ? { s: t, fault: true, ...rest } : { s: t, ...(offsetNs !== undefined && { offsetNs }), ...rest },
        )
        return {
          node: s.node,
          port: s.port,
          ...(s.part && { part: s.part }),
          ...(s.samples.length && { first: s.samples[0]!.t, last: s.samples.at(-1)!.t }),
          ...seriesStats(points, r.window),
        }
      }),
      ...(m.junit && { junit: m.junit.path }),
      logs: m.logs.map((l) => l.path),
    }
  })
  return {
    version: 1,
    lab: r.lab,
    ...(r.command && { command: r.command }),
    verdict: modes.length > 0 && modes.every((m) => m.verdict === 'PASS') ? 'PASS' : 'FAIL',
    checks: { total: all.length, failed: all.filter((c) => !c.pass).length },
    window: r.window,
    clock: r.clock,
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    ...(report && { report }),
    modes,
  }
}
