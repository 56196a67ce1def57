// The samples behind the report's plots, for re-plotting elsewhere: one
// CSV row per sample (every mode, every port) and the same as JSON with
// the test intervals and events. Pure.
import type { RunRecord } from './record.js'

export const CSV_HEADER = ['mode', 'node', 'port', 't_ms', 't_s', 'offset_ns', 'true_offset_ns', 'clock_state', 'role']

// A CSV field: quoted when it holds a comma, quote or newline (RFC 4180).
const field = (v: string | number | undefined) => {
  const s = v === undefined ? '' : String(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function samplesCsv(r: RunRecord): string {
  const rows = [CSV_HEADER.join(',')]
  for (const m of r.modes) {
    const t0 = Date.parse(m.result.startedAt)
    for (const s of m.series)
      for (const p of s.samples)
        rows.push(
          [m.result.suite, s.node, s.port, p.t, ((p.t - t0) / 1000).toFixed(3), p.offsetNs, p.trueOffsetNs, p.clockState, p.role].map(field).join(','),
        )
  }
  return rows.join('\n') + '\n'
}

export function samplesJson(r: RunRecord): string {
  return (
    JSON.stringify(
      {
        lab: r.lab,
        clock: r.clock,
        window: r.window,
        time: 'epoch milliseconds; t_s in the CSV is seconds since the mode started',
        modes: r.modes.map((m) => ({
          mode: m.result.suite,
          startedAt: m.result.startedAt,
          t0: Date.parse(m.result.startedAt),
          tests: m.tests,
          events: m.events,
          series: m.series,
        })),
      },
      null,
      1,
    ) + '\n'
  )
}
