// The run report page: one self-contained index.html (inline CSS and SVG,
// no script, nothing fetched). Summary first (verdict, modes, failing
// checks, files), then one section per mode: its graph with the roles of
// that mode, one plot per observed slave port, the named tests, every check
// (failing first, in red) and the events.
import { escapeXml as esc } from '../text.js'
import { LAB_SERVO } from '../ptp/lab-servo.js'
import type { FileLink } from './record.js'
import type { ModeView, ReportModel, SeriesView } from './model.js'
import { seriesPlot } from './plot.js'

// Files next to index.html that the writer always produces.
export const SAMPLE_FILES = { csv: 'samples.csv', json: 'samples.json' }

const CSS = `
body { font-family: 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif; color: #0f172a; margin: 0; background: #f8fafc; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 22px; margin: 0 0 6px; }
h2 { font-size: 18px; margin: 0; display: flex; align-items: center; gap: 10px; }
h3 { font-size: 14px; margin: 22px 0 8px; color: #334155; }
.meta { color: #475569; font-size: 13px; margin-bottom: 16px; }
.meta code { font-size: 12px; }
.card { background: #ffffff; border: 1px solid #e2e8f0; border-radius: 10px; padding: 16px 18px; margin: 16px 0; }
.pill { display: inline-block; font-size: 12px; font-weight: bold; padding: 2px 10px; border-radius: 999px; color: #ffffff; vertical-align: middle; }
.pill.PASS, .pill.PASSED { background: #16a34a; } .pill.FAIL, .pill.FAILED { background: #dc2626; } .pill.SKIPPED { background: #94a3b8; }
.pill.big { font-size: 16px; padding: 4px 14px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th { text-align: left; color: #475569; font-weight: 600; border-bottom: 2px solid #e2e8f0; padding: 6px 8px; }
td { border-bottom: 1px solid #f1f5f9; padding: 5px 8px; vertical-align: top; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr.fail td { background: #fef2f2; color: #991b1b; }
tr.fail td.status { font-weight: bold; }
td.status { white-space: nowrap; }
.mono { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 12px; }
.desc { color: #334155; font-size: 13px; margin: 6px 0 0; }
.error { color: #991b1b; font-weight: bold; }
figure { margin: 10px 0; overflow-x: auto; }
figure.graph svg { max-width: 100%; height: auto; }
figcaption { font-size: 12px; color: #475569; margin-top: 4px; }
.stats { font-size: 12px; color: #334155; margin: 2px 0 10px; }
.failing li { margin: 4px 0; color: #991b1b; font-size: 13px; }
a { color: #1d4ed8; }
details summary { cursor: pointer; color: #334155; font-size: 13px; }
td.file { white-space: nowrap; }
`

const secs = (v?: number) => (v === undefined ? '–' : `${v.toFixed(1)} s`)
const ms = (v?: number) => (v === undefined ? '–' : `${(v / 1000).toFixed(2)} s`)
const link = (l: FileLink, href: (l: FileLink) => string) => `<a href="${esc(href(l))}">${esc(l.label)}</a>`

function statsLine(s: SeriesView, unitWindow: string): string {
  const st = s.stats
  const parts = [`${st.samples} samples`]
  if (st.offsets) parts.push(`offset min ${st.minNs} ns, max ${st.maxNs} ns, rms ${st.rmsNs} ns`, `${st.inWindowPct}% in the window ${unitWindow}`)
  else parts.push('no offset sample (never SLAVE while sampled)')
  if (st.faults) parts.push(`${st.faults} with the fault value 999999 (not plotted as offsets)`)
  if (st.lockedPct !== undefined) parts.push(`LOCKED ${st.lockedPct}% of samples`)
  if (st.trueRmsNs !== undefined) parts.push(`true offset rms ${st.trueRmsNs} ns`)
  return parts.join(' · ')
}

function modeSection(m: ModeView, r: ReportModel, graphSvg: string, href: (l: FileLink) => string): string {
  const win = `[${r.window.min}, ${r.window.max}] ns`
  const tests = m.tests.length
    ? `<h3>Named tests</h3><table class="tests"><tr><th>test</th><th>status</th><th class="num">from</th><th class="num">to</th><th class="num">duration</th><th class="num">checks</th></tr>${m.tests
        .map(
          (t) =>
            `<tr class="${t.status === 'FAILED' ? 'fail' : ''}"><td>${esc(t.name)}</td><td class="status"><span class="pill ${t.status}">${t.status}</span></td>` +
            `<td class="num">${t.startS.toFixed(1)} s</td><td class="num">${t.endS.toFixed(1)} s</td><td class="num">${(t.endS - t.startS).toFixed(1)} s</td>` +
            `<td class="num">${t.checks - t.failed}/${t.checks}</td></tr>`,
        )
        .join('')}</table>`
    : ''
  const checks = `<h3>Checks (${m.passed}/${m.checks.length} passed${m.checks.length > m.passed ? ', failing first' : ''})</h3>
<table class="checks"><tr><th>status</th><th>test</th><th>check</th><th>measured</th><th>expected</th><th class="num">duration</th></tr>
${m.checks
  .map(
    (c) =>
      `<tr class="${c.pass ? 'pass' : 'fail'}" data-pass="${c.pass}"><td class="status">${c.pass ? 'PASS' : 'FAIL'}</td><td>${esc(c.test ?? '')}</td><td>${esc(c.name)}</td>` +
      `<td class="mono">${esc(c.measured)}</td><td class="mono">${esc(c.expected)}</td><td class="num">${ms(c.durationMs)}</td></tr>`,
  )
  .join('\n')}
</table>`
  const plots = m.series.length
    ? `<h3>Time series</h3>${m.series
        .map(
          (s) =>
            `<figure class="series" data-port="${esc(s.key)}">${seriesPlot(s, { durationS: m.durationS, window: r.window, tests: m.tests, events: m.events })}` +
            `<figcaption><b>${esc(s.label)}</b></figcaption><div class="stats">${esc(statsLine(s, win))}</div></figure>`,
        )
        .join('\n')}`
    : '<h3>Time series</h3><p class="desc">No slave port was sampled in this mode.</p>'
  const events = m.events.length
    ? `<details><summary>${m.events.length} event${m.events.length === 1 ? '' : 's'}</summary><table class="events"><tr><th class="num">time</th><th>event</th></tr>${m.events
        .map((e) => `<tr><td class="num">${e.s.toFixed(2)} s</td><td>${esc(e.label)}</td></tr>`)
        .join('')}</table></details>`
    : ''
  const n = (v?: number, d = 0) => (v === undefined ? '-' : v.toFixed(d))
  const servo = m.servo?.length
    ? `<h3>Servo (independent clocks)</h3><p class="desc">Lab servo settings: ${esc(LAB_SERVO.map(([k, v]) => `${k} ${v}`).join(', '))}. Over the servo window after sync; the frequency error is the slope of the true offset, against what the servo had to correct.</p>` +
      `<table class="servo"><tr><th>slave clock</th><th class="num">time to LOCKED</th><th class="num">ptp4l rms / max</th><th class="num">true rms / max</th><th class="num">injected</th><th class="num">servo found</th><th class="num">frequency error</th></tr>${m.servo
        .map(
          (x) =>
            `<tr><td>${esc(`${x.part} ${x.node}:${x.port}`)}</td><td class="num">${x.timeToLockMs === undefined ? '-' : `${(x.timeToLockMs / 1000).toFixed(1)} s`}</td>` +
            `<td class="num">${n(x.ptp4lRmsNs)} / ${n(x.ptp4lMaxNs)} ns</td><td class="num">${n(x.trueRmsNs)} / ${n(x.trueMaxNs)} ns</td><td class="num">${n(x.injectedPpm, 1)} ppm</td>` +
            `<td class="num">${n(x.servoPpb)} ppb</td><td class="num">${n(x.freqErrorPpb)} ppb${x.freqErrorPct === undefined ? '' : ` (${x.freqErrorPct.toFixed(2)} %)`}</td></tr>`,
        )
        .join('')}</table>`
    : ''
  const files = [...(m.junit ? [m.junit] : []), ...m.logs]
  return `<section class="card mode" id="mode-${esc(m.mode)}" data-mode="${esc(m.mode)}" data-verdict="${m.verdict}">
<h2>${esc(m.mode.toUpperCase())} <span class="pill ${m.verdict}">${m.verdict}</span></h2>
<p class="desc">${esc(m.description)}</p>
<p class="desc">${m.passed}/${m.checks.length} checks · in sync ${secs(m.syncedAfterS)} after the configs were applied · ${secs(m.durationS)} · started ${esc(m.startedAt)}</p>
${m.error ? `<p class="error">The mode could not run: ${esc(m.error)}</p>` : ''}
<h3>Topology and roles in this mode</h3>
<figure class="graph">${graphSvg}</figure>
${plots}
${servo}
${tests}
${checks}
${events}
${files.length ? `<h3>Files</h3><p class="desc">${files.map((f) => link(f, href)).join(' · ')}</p>` : ''}
</section>`
}

// `href` turns a record's file link into the page's link (the writer makes
// them relative to the report directory).
export function reportHtml(r: ReportModel, graphSvgs: string[], href: (l: FileLink) => string = (l) => l.path): string {
  const failing = r.modes.flatMap((m) => m.checks.filter((c) => !c.pass).map((c) => ({ m, c })))
  const errors = r.modes.filter((m) => m.error)
  const summary = `<table class="summary"><tr><th>mode</th><th>verdict</th><th class="num">checks</th><th class="num">in sync after</th><th class="num">duration</th><th>roles</th><th>JUnit</th></tr>
${r.modes
  .map(
    (m) =>
      `<tr class="${m.verdict === 'FAIL' ? 'fail' : ''}"><td><a href="#mode-${esc(m.mode)}">${esc(m.mode)}</a></td><td class="status"><span class="pill ${m.verdict}">${m.verdict}</span></td>` +
      `<td class="num">${m.passed}/${m.checks.length}</td><td class="num">${secs(m.syncedAfterS)}</td><td class="num">${secs(m.durationS)}</td>` +
      `<td>${esc(m.error ?? m.description)}</td><td class="file">${m.junit ? link(m.junit, href) : '–'}</td></tr>`,
  )
  .join('\n')}
</table>`
  const fails = failing.length || errors.length
    ? `<h3>What failed</h3><ul class="failing">${[
        ...errors.map((m) => `<li><b>${esc(m.mode)}</b>: could not run: ${esc(m.error!)}</li>`),
        ...failing.map(({ m, c }) => `<li><b>${esc(m.mode)}</b> · ${esc(c.test ?? '')} · ${esc(c.name)}: measured <span class="mono">${esc(c.measured)}</span>, expected <span class="mono">${esc(c.expected)}</span></li>`),
      ].join('')}</ul>`
    : ''
  const svgs = r.modes.map((m, i) => modeSection(m, r, graphSvgs[i] ?? '', href))
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`${r.verdict} · ${r.title}`)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<section class="card summary" data-verdict="${r.verdict}">
<h1>${esc(r.title)} <span class="pill big ${r.verdict}">${r.verdict}</span></h1>
<div class="meta">${r.checks - r.failed}/${r.checks} checks passed · ${r.modes.length} modes · ${secs(r.durationS)} · started ${esc(r.startedAt)} · ${esc(r.clock)} clock · offset window [${r.window.min}, ${r.window.max}] ns${r.command ? ` · <code>${esc(r.command)}</code>` : ''}</div>
${summary}
${fails}
<h3>Data</h3>
<p class="desc">The samples behind every plot: <a href="${SAMPLE_FILES.csv}">${SAMPLE_FILES.csv}</a> · <a href="${SAMPLE_FILES.json}">${SAMPLE_FILES.json}</a></p>
</section>
${svgs.join('\n')}
</main>
</body>
</html>
`
}
