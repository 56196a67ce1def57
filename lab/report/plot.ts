// One time-series plot per observed slave port, drawn as inline SVG (no
// library, no script): offset from master (and the true offset where
// clocks are independent) with the offset window shaded, the named tests as
// labelled bands, events as marked lines, and strips for the clock state
// and the port role underneath. Pure: same input, same bytes.
import type { OffsetWindow } from '../conformance/checks.js'
import { ROLE_PAINT, SANS, STATE_COLOR } from '../graph/style.js'
import { escapeXml as esc } from '../text.js'
import type { EventView, SeriesView, TestView } from './model.js'

export const PLOT = { width: 960, left: 74, right: 24 }
const BAND_Y = 6
const EVENT_Y = 24 // event label lanes start
const LANES = 4
const LANE_H = 11
const TOP = EVENT_Y + LANES * LANE_H + 4
const PH = 200 // plot area height
const STRIP_H = 12
const STATE_Y = TOP + PH + 8
const ROLE_Y = STATE_Y + STRIP_H + 4
const AXIS_Y = ROLE_Y + STRIP_H
const HEIGHT = AXIS_Y + 52

const BAND_FILLS = ['#eff6ff', '#f0fdf4', '#fefce8', '#faf5ff', '#fff7ed', '#f0fdfa']
export const TRUE_COLOR = '#ea580c'
export const OFFSET_COLOR = '#1d4ed8'
const EVENT_COLOR = '#475569'

const r1 = (v: number) => Math.round(v * 10) / 10

// 1, 2, 5 x 10^n steps: about `n` ticks over [lo, hi].
export function niceTicks(lo: number, hi: number, n = 6): number[] {
  if (!(hi > lo)) return [lo]
  const raw = (hi - lo) / n
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw)!
  const out: number[] = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step)
  return out
}

// The y range: symmetric about 0 around the data, widened to show the
// window's edges when they are near (within 3x); else the window is
// wider than the scale and shades the whole plot.
export function yRange(series: SeriesView, w: OffsetWindow): { e: number; unit: 'ns' | 'µs'; div: number } {
  const vals = series.points.flatMap((p) => [p.offsetNs, p.trueOffsetNs]).filter((v): v is number => v !== undefined)
  let e = Math.max(100, ...vals.map(Math.abs)) * 1.15
  const edge = Math.max(Math.abs(w.min), Math.abs(w.max))
  if (edge <= 3 * e) e = Math.max(e, edge * 1.08)
  const unit = e >= 20_000 ? 'µs' : 'ns'
  return { e, unit, div: unit === 'µs' ? 1000 : 1 }
}

const fmt = (v: number) => (Math.abs(v) >= 1000 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(1))

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${r1(x)}" y="${r1(y)}"${attrs ? ` ${attrs}` : ''}>${esc(s)}</text>`
}

// Event labels in up to LANES rows, each placed in the first row where it
// does not overlap the previous one; a label that fits nowhere keeps its
// line and tooltip only. A label that would run past the plot's right
// edge ends at its line instead (`left`).
function placeLabels(xs: Array<{ x: number; label: string }>, right: number): Array<{ lane: number; left: boolean } | undefined> {
  const ends = Array<number>(LANES).fill(-Infinity)
  return xs.map(({ x, label }) => {
    const w = label.length * 5.6 + 6
    const left = x + w > right
    const start = left ? x - w : x
    const lane = ends.findIndex((end) => start >= end + 4)
    if (lane < 0) return undefined
    ends[lane] = left ? x + 2 : x + w
    return { lane, left }
  })
}

export function seriesPlot(s: SeriesView, o: { durationS: number; window: OffsetWindow; tests: TestView[]; events: EventView[] }): string {
  const W = PLOT.width
  const x0 = PLOT.left
  const x1 = W - PLOT.right
  const maxS = Math.max(o.durationS, ...s.points.map((p) => p.s), ...o.tests.map((t) => t.endS), 1)
  const X = (sec: number) => x0 + (Math.max(0, sec) / maxS) * (x1 - x0)
  const { e, unit, div } = yRange(s, o.window)
  const Y = (v: number) => TOP + PH / 2 - (Math.max(-e, Math.min(e, v)) / e) * (PH / 2)
  const out: string[] = []

  // Named tests: bands over the whole height, names on top.
  o.tests.forEach((t, i) => {
    const bx = X(t.startS)
    const bw = Math.max(1, X(t.endS) - bx)
    const failed = t.status === 'FAILED'
    const name = t.name.length * 6.1 > bw - 6 ? t.name.slice(0, Math.max(0, Math.floor((bw - 10) / 6.1))) + (bw > 24 ? '…' : '') : t.name
    out.push(
      `<g class="test-band" data-test="${esc(t.name)}" data-status="${t.status}"><title>${esc(`${t.name}: ${t.status}, ${t.startS.toFixed(1)}-${t.endS.toFixed(1)} s`)}</title>` +
        `<rect x="${r1(bx)}" y="${BAND_Y}" width="${r1(bw)}" height="${AXIS_Y - BAND_Y}" fill="${failed ? '#fff1f2' : BAND_FILLS[i % BAND_FILLS.length]}"/>` +
        (failed ? `<rect x="${r1(bx)}" y="${BAND_Y}" width="${r1(bw)}" height="3" fill="#dc2626"/>` : '') +
        (name.length > 1 ? text(bx + 4, BAND_Y + 14, failed ? `${name} (failed)` : name, `class="band-label"${failed ? ' fill="#b91c1c"' : ''}`) : '') +
        '</g>',
    )
  })

  // The offset window, then grid and y axis.
  const wTop = Y(Math.min(o.window.max, e))
  const wBot = Y(Math.max(o.window.min, -e))
  const beyond = o.window.max > e && o.window.min < -e
  out.push(`<rect class="window" x="${x0}" y="${r1(wTop)}" width="${x1 - x0}" height="${r1(wBot - wTop)}" fill="#22c55e" fill-opacity="0.10"/>`)
  for (const edge of [o.window.min, o.window.max])
    if (Math.abs(edge) <= e) out.push(`<line x1="${x0}" x2="${x1}" y1="${r1(Y(edge))}" y2="${r1(Y(edge))}" stroke="#16a34a" stroke-dasharray="6 3" stroke-width="1"/>`)
  const wl = `offset window [${o.window.min}, ${o.window.max}] ns${beyond ? ' (wider than the scale)' : ''}`
  out.push(text(x0 + 6, beyond ? TOP + 12 : Math.max(TOP + 12, wTop - 4), wl, 'class="note" fill="#15803d"'))
  for (const v of niceTicks(-e / div, e / div, 6)) {
    const y = Y(v * div)
    out.push(`<line x1="${x0}" x2="${x1}" y1="${r1(y)}" y2="${r1(y)}" stroke="${v === 0 ? '#94a3b8' : '#e2e8f0'}" stroke-width="1"/>`, text(x0 - 6, y + 4, fmt(v), 'class="tick" text-anchor="end"'))
  }
  out.push(text(16, TOP + PH / 2, `offset (${unit})`, `class="axis-title" text-anchor="middle" transform="rotate(-90 16 ${TOP + PH / 2})"`))

  // Events: a line through the plot, the label in a free lane above it.
  const evs = o.events.map((ev) => ({ x: X(ev.s), label: ev.label.length > 34 ? `${ev.label.slice(0, 33)}…` : ev.label, ev }))
  const lanes = placeLabels(evs, W - 4)
  evs.forEach(({ x, label, ev }, i) => {
    const placed = lanes[i]
    const lane = placed?.lane
    out.push(
      `<g class="event" data-kind="${ev.kind}"><title>${esc(`${ev.s.toFixed(2)} s: ${ev.label}`)}</title>` +
        `<line x1="${r1(x)}" x2="${r1(x)}" y1="${lane === undefined ? TOP : EVENT_Y + lane * LANE_H + 2}" y2="${AXIS_Y}" stroke="${EVENT_COLOR}" stroke-dasharray="2 2" stroke-width="1"/>` +
        (lane === undefined ? '' : text(placed!.left ? x - 2 : x + 2, EVENT_Y + lane * LANE_H + 9, label, `class="event-label"${placed!.left ? ' text-anchor="end"' : ''}`)) +
        '</g>',
    )
  })

  // The series: a path broken where there is no value (port not SLAVE).
  const path = (get: (p: (typeof s.points)[0]) => number | undefined) => {
    let d = ''
    let pen = false
    for (const p of s.points) {
      const v = get(p)
      if (v === undefined) {
        pen = false
        continue
      }
      d += `${pen ? 'L' : 'M'}${r1(X(p.s))} ${r1(Y(v))} `
      pen = true
    }
    return d.trim()
  }
  const dots = s.points.length <= 800
  const off = path((p) => p.offsetNs)
  out.push(`<path class="series offset" data-port="${esc(s.key)}" d="${off}" fill="none" stroke="${OFFSET_COLOR}" stroke-width="1.6" stroke-linejoin="round"/>`)
  if (dots)
    out.push(
      `<g class="samples" fill="${OFFSET_COLOR}">${s.points
        .filter((p) => p.offsetNs !== undefined)
        .map((p) => `<circle cx="${r1(X(p.s))}" cy="${r1(Y(p.offsetNs!))}" r="1.8"/>`)
        .join('')}</g>`,
    )
  // The daemon's fault value (999999) is no offset: a mark on the top edge.
  const faults = s.points.filter((p) => p.fault)
  if (faults.length)
    out.push(
      `<g class="faults" fill="#dc2626"><title>the daemon exported its fault value 999999 (port faulty or not yet synchronised)</title>${faults
        .map((p) => `<path d="M${r1(X(p.s) - 3.5)} ${TOP + 1} L${r1(X(p.s) + 3.5)} ${TOP + 1} L${r1(X(p.s))} ${TOP + 7} z"/>`)
        .join('')}</g>`,
    )
  const hasTrue = s.points.some((p) => p.trueOffsetNs !== undefined)
  if (hasTrue)
    out.push(`<path class="series true-offset" data-port="${esc(s.key)}" d="${path((p) => p.trueOffsetNs)}" fill="none" stroke="${TRUE_COLOR}" stroke-width="1.4" stroke-dasharray="5 2"/>`)

  // Strips: each sample's state or role holds until the next sample.
  const strip = (cls: string, y: number, get: (p: (typeof s.points)[0]) => string | undefined, color: (v: string) => string) => {
    const cells: string[] = []
    s.points.forEach((p, i) => {
      const v = get(p)
      if (v === undefined) return
      const end = s.points[i + 1]?.s ?? p.s
      cells.push(`<rect x="${r1(X(p.s))}" y="${y}" width="${r1(Math.max(0.8, X(end) - X(p.s)))}" height="${STRIP_H}" fill="${color(v)}" data-value="${v}"/>`)
    })
    return `<g class="${cls}">${cells.join('')}</g>`
  }
  out.push(`<rect x="${x0}" y="${STATE_Y}" width="${x1 - x0}" height="${STRIP_H}" fill="#f8fafc" stroke="#e2e8f0"/>`, `<rect x="${x0}" y="${ROLE_Y}" width="${x1 - x0}" height="${STRIP_H}" fill="#f8fafc" stroke="#e2e8f0"/>`)
  out.push(strip('state-strip', STATE_Y, (p) => p.clockState, (v) => STATE_COLOR[v as keyof typeof STATE_COLOR] ?? '#cbd5e1'))
  out.push(strip('role-strip', ROLE_Y, (p) => p.role, (v) => ROLE_PAINT[v as keyof typeof ROLE_PAINT]?.stroke ?? '#cbd5e1'))
  out.push(text(x0 - 6, STATE_Y + 10, 'clock', 'class="tick" text-anchor="end"'), text(x0 - 6, ROLE_Y + 10, 'role', 'class="tick" text-anchor="end"'))

  // x axis.
  out.push(`<rect x="${x0}" y="${TOP}" width="${x1 - x0}" height="${PH}" fill="none" stroke="#94a3b8"/>`)
  for (const v of niceTicks(0, maxS, 10)) {
    const x = X(v)
    out.push(`<line x1="${r1(x)}" x2="${r1(x)}" y1="${AXIS_Y}" y2="${AXIS_Y + 4}" stroke="#64748b"/>`, text(x, AXIS_Y + 15, fmt(v), 'class="tick" text-anchor="middle"'))
  }
  out.push(text((x0 + x1) / 2, AXIS_Y + 30, 'time since the mode started (s)', 'class="axis-title" text-anchor="middle"'))

  // Legend.
  const ly = HEIGHT - 8
  const legend: Array<[string, string, string]> = [
    ['line', OFFSET_COLOR, 'offset from master (ptp4l)'],
    ...(hasTrue ? [['dash', TRUE_COLOR, 'true offset (lab clock model)'] as [string, string, string]] : []),
    ...(faults.length ? [['fault', '#dc2626', 'fault value 999999'] as [string, string, string]] : []),
    ['head', '', 'clock:'],
    ['box', '#16a34a', 'LOCKED'],
    ['box', '#94a3b8', 'FREERUN'],
    ['box', '#d97706', 'HOLDOVER'],
    ['head', '', 'role:'],
    ['box', ROLE_PAINT.SLAVE.stroke, 'SLAVE'],
    ['box', ROLE_PAINT.LISTENING.stroke, 'LISTENING'],
    ['box', ROLE_PAINT.FAULTY.stroke, 'FAULTY'],
    ['box', ROLE_PAINT.MASTER.stroke, 'MASTER'],
  ]
  let lx = x0
  const lg: string[] = []
  for (const [kind, color, label] of legend) {
    if (kind === 'head') {
      lg.push(text(lx, ly, label, 'class="legend" font-weight="bold"'))
      lx += label.length * 6 + 6
      continue
    }
    lg.push(
      kind === 'box'
        ? `<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${color}"/>`
        : kind === 'fault'
          ? `<path d="M${lx} ${ly - 9} L${lx + 10} ${ly - 9} L${lx + 5} ${ly - 1} z" fill="${color}"/>`
          : `<line x1="${lx}" x2="${lx + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${kind === 'dash' ? ' stroke-dasharray="5 2"' : ''}/>`,
      text(lx + (kind === 'line' || kind === 'dash' ? 22 : 14), ly, label, 'class="legend"'),
    )
    lx += (kind === 'line' || kind === 'dash' ? 22 : 14) + label.length * 6 + 14
  }
  out.push(`<g class="plot-legend">${lg.join('')}</g>`)

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="series-plot" data-port="${esc(s.key)}" width="${W}" height="${HEIGHT}" viewBox="0 0 ${W} ${HEIGHT}" font-family="${esc(SANS)}" font-size="11">`,
    `<title>${esc(`${s.label}: offset, clock state and role over the mode`)}</title>`,
    '<style>.tick{font-size:10px;fill:#475569}.axis-title{font-size:11px;fill:#334155}.band-label{font-size:10px;font-weight:bold;fill:#334155}' +
      '.event-label{font-size:9px;fill:#334155}.note{font-size:10px}.legend{font-size:10px;fill:#334155}</style>',
    `<rect width="${W}" height="${HEIGHT}" fill="#ffffff"/>`,
    ...out,
    '</svg>',
  ].join('\n')
}
