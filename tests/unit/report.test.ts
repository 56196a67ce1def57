// lab/report from the recorded run (tests/fixtures/run-record.json): the
// model (verdicts, failing checks first, test intervals and events on the
// mode's time axis, series statistics, the daemon's fault value taken out,
// the mode's graph with its parts and roles), the plots, the page (parsed
// back), the samples files and writeRunReport's directory.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { allGraphPorts } from '../../lab/graph/model.js'
import { reportHtml } from '../../lab/report/html.js'
import { buildReport, seriesStats } from '../../lab/report/model.js'
import { niceTicks, seriesPlot, yRange } from '../../lab/report/plot.js'
import type { RunRecord } from '../../lab/report/record.js'
import { CSV_HEADER, samplesCsv, samplesJson } from '../../lab/report/samples.js'
import { hrefFrom, writeRunReport } from '../../lab/report/write.js'
import { recordedRun } from '../fixtures/run-record.js'
import { parseXml, type XmlElement } from '../fixtures/xml.js'

const rec = recordedRun()
const find = (el: XmlElement, pred: (e: XmlElement) => boolean): XmlElement[] => [...(pred(el) ? [el] : []), ...el.children.flatMap((c) => find(c, pred))]
const cls = (el: XmlElement, c: string) => find(el, (e) => (e.attrs.class ?? '').split(' ').includes(c))

t.test('report model from the recorded run: verdicts, checks, tests, events', async (t) => {
  const r = buildReport(rec)
  t.same([r.verdict, r.checks, r.failed, r.modes.map((m) => [m.mode, m.verdict, m.passed, m.checks.length])], ['FAIL', 29, 1, [['oc', 'FAIL', 6, 7], ['bc', 'PASS', 22, 22]]])
  const oc = r.modes[0]!
  t.same(oc.checks[0], { test: 'sync', name: 'OC worker1:ens1f0 (slave port) offset from master', pass: false, measured: '2248 ns', expected: '[-700, 700] ns' }, 'the failing check first')
  t.same(oc.checks.slice(1).map((c) => c.name), rec.modes[0]!.result.checks.filter((c) => c.pass).map((c) => c.name), 'the rest in run order')
  t.equal(oc.syncedAfterS, undefined, 'never in sync')
  const bc = r.modes[1]!
  t.same(bc.tests.map((x) => [x.name, x.status, x.checks, x.failed]), [['sync', 'PASSED', 14, 0], ['port down/up recovery', 'PASSED', 2, 0], ['process restart', 'PASSED', 3, 0], ['profile priority', 'PASSED', 3, 0]])
  // intervals in seconds from the mode's start, in order, inside the mode
  for (const [i, x] of bc.tests.entries()) {
    t.ok(x.startS >= 0 && x.endS > x.startS && x.endS <= bc.durationS + 0.5, `${x.name} on the mode's axis`)
    if (i) t.ok(x.startS >= bc.tests[i - 1]!.endS - 0.05, `${x.name} after the previous test`)
  }
  const within = (s: number, name: string) => {
    const x = bc.tests.find((y) => y.name === name)!
    return s >= x.startS && s <= x.endS
  }
  const ev = (kind: string) => bc.events.filter((e) => e.kind === kind)
  t.same(ev('port-down').map((e) => e.label), ['ens2f1 down'])
  t.ok(within(ev('port-down')[0]!.s, 'port down/up recovery') && within(ev('port-up')[0]!.s, 'port down/up recovery'), 'the flap inside its test')
  t.ok(ev('port-up')[0]!.s > ev('port-down')[0]!.s)
  t.ok(within(ev('sigterm')[0]!.s, 'process restart'), 'SIGTERM inside the restart test')
  t.same(ev('profile-applied').map((e) => e.label), [
    'worker1 profile test-bc-master1_test-bc-master1, test-slave1_test-slave1',
    'worker1 profile temp_temp',
    'worker1 profile test-bc-master1_test-bc-master1, test-slave1_test-slave1',
  ])
  t.same(bc.events.map((e) => e.s), [...bc.events.map((e) => e.s)].sort((a, b) => a - b), 'events in time order')
})

t.test('series: one per observed slave port, the fault value taken out, statistics', async (t) => {
  const r = buildReport(rec)
  const [oc, bc] = r.modes
  t.same(oc!.series.map((s) => s.label), ['worker1:ens1f0 (OC slave)'])
  t.same(bc!.series.map((s) => s.label), ['worker1:ens2f1 (BC slave)', 'worker1:ens1f1 (downstream slave)'])
  const s = bc!.series[0]!
  t.equal(s.points.length, rec.modes[1]!.series[0]!.samples.length)
  t.ok(s.points.every((p) => p.offsetNs !== 999999), 'the daemon fault value is never an offset')
  t.equal(s.points.filter((p) => p.fault).length, rec.modes[1]!.series[0]!.samples.filter((p) => p.offsetNs === 999999).length)
  t.ok(s.stats.faults > 0, 'the flap and the restart show up as faults')
  // the flap: FAULTY role samples inside the port test, LOCKED again after
  const faulty = s.points.filter((p) => p.role === 'FAULTY')
  const flap = bc!.tests.find((x) => x.name === 'port down/up recovery')!
  // (the exporter also counts SLAVE -> UNCALIBRATED while ptp4l settles at the start as a fault, as upstream)
  t.ok(faulty.filter((p) => p.s >= flap.startS && p.s <= flap.endS).length >= 3, 'FAULTY through the port flap')
  t.equal(s.points.at(-1)!.clockState, 'LOCKED', 'locked again at the end')

  const st = seriesStats(
    [{ s: 0, offsetNs: 100 }, { s: 1, offsetNs: -300, clockState: 'LOCKED' }, { s: 2, fault: true, clockState: 'HOLDOVER' }, { s: 3, offsetNs: 900, trueOffsetNs: 40 }, { s: 4, role: 'LISTENING' }],
    { min: -500, max: 500 },
  )
  t.same(st, { samples: 5, offsets: 3, faults: 1, minNs: -300, maxNs: 900, rmsNs: 551, inWindowPct: 66.7, lockedPct: 50, trueRmsNs: 40 })
  t.same(seriesStats([], { min: -1, max: 1 }), { samples: 0, offsets: 0, faults: 0 })
})

t.test("each mode's graph: the parts it gave ports, the roles they showed, the GM chain", async (t) => {
  const [oc, bc] = buildReport(rec).modes as [ReturnType<typeof buildReport>['modes'][0], ReturnType<typeof buildReport>['modes'][0]]
  const port = (g: (typeof oc)['graph'], key: string) => allGraphPorts(g).find((p) => `${p.node}:${p.name}` === key)!
  t.same([port(oc!.graph, 'worker1:ens1f0').tag, port(oc!.graph, 'worker3:ens4f0').tag], ['OC slave', 'GM'])
  t.same(['worker1:ens2f1', 'worker1:ens2f0', 'worker3:ens5f0', 'worker1:ens1f1'].map((k) => port(bc!.graph, k).tag), ['BC slave', 'BC master', 'GM', 'downstream slave'])
  t.equal(port(bc!.graph, 'worker1:ens2f0').live?.role, 'MASTER')
  t.equal(port(bc!.graph, 'worker1:ens2f1').live?.role, 'SLAVE')
  const node = (g: (typeof bc)['graph'], id: string) => g.clocks.find((c) => c.id === id)!.node
  t.same(bc!.graph.chain.map((e) => `${node(bc!.graph, e.follower)}<-${node(bc!.graph, e.parent)}:${e.stepsRemoved}`), ['switch1<-worker3:1', 'worker1<-switch1:2', 'worker1<-switch1:2'])
})

t.test('plots: axes, window, a band per named test, events, strips; deterministic', async (t) => {
  t.same(niceTicks(0, 15.4, 10), [0, 2, 4, 6, 8, 10, 12, 14])
  t.same(niceTicks(-1.15, 1.15, 6), [-1, -0.5, 0, 0.5, 1])
  t.same(niceTicks(3, 3), [3])
  const bc = buildReport(rec).modes[1]!
  const s = bc.series[0]!
  t.same(yRange(s, rec.window), { e: 1034 * 1.15, unit: 'ns', div: 1 }, 'the data decide; the window edges (700) are inside')
  t.same(yRange(s, { min: -2500, max: 2500 }).e, 2500 * 1.08, 'a near window widens the scale to show its edges')
  t.same(yRange(s, { min: -100000, max: 100000 }).e, 1034 * 1.15, 'a far window does not squash the data')
  t.equal(yRange({ ...s, points: [{ s: 0, offsetNs: 50_000 }] }, rec.window).unit, 'µs')
  const o = { durationS: bc.durationS, window: rec.window, tests: bc.tests, events: bc.events }
  const svg = seriesPlot(s, o)
  t.equal(seriesPlot(s, o), svg)
  const root = parseXml(svg)
  t.equal(root.attrs['data-port'], 'worker1:ens2f1')
  t.same(cls(root, 'test-band').map((b) => b.attrs['data-test']), bc.tests.map((x) => x.name))
  t.same(cls(root, 'event').map((e) => e.attrs['data-kind']), bc.events.map((e) => e.kind))
  t.equal(cls(root, 'offset').length, 1)
  t.equal(cls(root, 'true-offset').length, 0, 'a shared clock has no true offset')
  const d = cls(root, 'offset')[0]!.attrs.d!
  t.equal((d.match(/M/g) ?? []).length, 4, 'the line breaks where the port had no offset (flap, restart, profile change)')
  t.equal(cls(root, 'window').length, 1)
  t.ok(cls(root, 'state-strip')[0]!.children.some((c) => c.attrs['data-value'] === 'LOCKED'))
  t.ok(cls(root, 'role-strip')[0]!.children.some((c) => c.attrs['data-value'] === 'FAULTY'))
  t.match(svg, /offset \(ns\)/)
  t.match(svg, /time since the mode started \(s\)/)

  // independent clocks: the true offset is a second series
  const withTrue = { ...s, points: s.points.map((p) => (p.offsetNs === undefined ? p : { ...p, trueOffsetNs: Math.round(p.offsetNs / 3) })) }
  const root2 = parseXml(seriesPlot(withTrue, o))
  t.equal(cls(root2, 'true-offset').length, 1)
  t.match(seriesPlot(withTrue, o), /true offset \(lab clock model\)/)
})

t.test('the page: summary first, a section per mode, failing checks red and first, self-contained', async (t) => {
  const r = buildReport(rec)
  const html = reportHtml(r, ['<svg xmlns="http://www.w3.org/2000/svg" class="lab-graph"/>', '<svg xmlns="http://www.w3.org/2000/svg" class="lab-graph"/>'])
  t.match(html, /^<!DOCTYPE html>/)
  t.notMatch(html, /<script|<link |src=|@import|url\(/, 'nothing to fetch')
  t.same([...new Set(html.match(/https?:\/\/[^"' <]*/g))], ['http://www.w3.org/2000/svg'])
  const body = parseXml(html.replace(/^<!DOCTYPE html>\n/, '').replace(/<meta ([^>]*[^/])>/g, '<meta $1/>'))
  const sections = find(body, (e) => e.name === 'section')
  t.same(sections.map((s) => [s.attrs.class, s.attrs['data-mode'], s.attrs['data-verdict']]), [['card summary', undefined, 'FAIL'], ['card mode', 'oc', 'FAIL'], ['card mode', 'bc', 'PASS']])
  const ocRows = find(sections[1]!, (e) => e.name === 'tr' && e.attrs['data-pass'] !== undefined)
  t.same(ocRows.map((x) => x.attrs.class), ['fail', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass'])
  t.equal(find(sections[2]!, (e) => e.name === 'figure' && e.attrs.class === 'series').length, 2)
  t.match(html, /What failed/)
  t.match(html, /measured <span class="mono">2248 ns<\/span>, expected <span class="mono">\[-700, 700\] ns<\/span>/)
  t.match(html, /href="samples\.csv"/)
  t.match(html, /href="junit-oc\.xml"/)
  t.match(html, /href="logs\/run_2026-12-02_01-15-31_oc\/linuxptp-daemon-worker1-linuxptp-daemon-container\.log"/)
  const allPass = reportHtml(buildReport({ ...rec, modes: [rec.modes[1]!] }), [''])
  t.notMatch(allPass, /What failed/)
  t.match(allPass, /class="pill big PASS"/)
})

t.test('samples.csv and samples.json carry every sample', async (t) => {
  const csv = samplesCsv(rec).trimEnd().split('\n')
  t.equal(csv[0], CSV_HEADER.join(','))
  const n = rec.modes.reduce((a, m) => a + m.series.reduce((b, s) => b + s.samples.length, 0), 0)
  t.equal(csv.length - 1, n)
  const first = rec.modes[1]!.series[0]!.samples.find((p) => p.offsetNs !== undefined && p.offsetNs !== 999999)!
  const t0 = Date.parse(rec.modes[1]!.result.startedAt)
  t.ok(csv.includes(['bc', 'worker1', 'ens2f1', first.t, ((first.t - t0) / 1000).toFixed(3), first.offsetNs, '', first.clockState, first.role].join(',')))
  t.ok(csv.slice(1).every((l) => l.split(',').length === CSV_HEADER.length), 'same column count on every row')
  const quoted = samplesCsv({ ...rec, modes: [{ ...rec.modes[0]!, series: [{ node: 'a,b', port: 'p"q', samples: [{ t: 1 }] }] }] })
  t.match(quoted, /\noc,"a,b","p""q",1,/, 'RFC 4180 quoting')
  const j = JSON.parse(samplesJson(rec))
  t.same(j.modes.map((m: { mode: string; series: unknown[] }) => [m.mode, m.series.length]), [['oc', 1], ['bc', 2]])
  t.same(j.modes[1].series, rec.modes[1]!.series)
})

t.test('writeRunReport writes index.html, samples.csv, samples.json and nothing else', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ptplab-report-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const abs: RunRecord = { ...rec, modes: rec.modes.map((m) => ({ ...m, junit: { label: 'JUnit', path: join(dir, 'junit', `${m.result.suite}.xml`) } })) }
  const out = await writeRunReport(join(dir, 'report'), abs)
  t.same(readdirSync(join(dir, 'report')).sort(), ['index.html', 'samples.csv', 'samples.json'])
  const html = readFileSync(out.index, 'utf8')
  t.match(html, /href="\.\.\/junit\/oc\.xml"/, 'absolute links become relative to the report')
  t.equal(cls(parseXml(html.slice(html.indexOf('<svg'), html.indexOf('</svg>') + 6)), 'node').length, 4, 'the graph is laid out and inlined')
  t.equal(readFileSync(out.csv, 'utf8'), samplesCsv(abs))
  t.equal(hrefFrom('/r')({ label: 'x', path: 'logs/a b.log' }), 'logs/a%20b.log')
})

t.test('a mode that could not run: its error in the summary and its section, no plot', async (t) => {
  const m0 = rec.modes[0]!
  const bad: RunRecord = {
    ...rec,
    modes: [{ ...m0, result: { ...m0.result, suite: 'bc', checks: [], error: 'no bc assignment fits this lab: 2 interfaces in 1 LANs' }, series: [], tests: [], events: [], live: undefined }],
  }
  const r = buildReport(bad)
  t.same([r.verdict, r.checks, r.modes[0]!.verdict], ['FAIL', 0, 'FAIL'])
  const html = reportHtml(r, [''])
  t.match(html, /<li><b>bc<\/b>: could not run: no bc assignment fits this lab/)
  t.match(html, /The mode could not run: no bc assignment fits this lab/)
  t.match(html, /No slave port was sampled in this mode/)
  t.equal(buildReport({ ...rec, modes: [] }).verdict, 'FAIL', 'no mode run is no pass')
})
