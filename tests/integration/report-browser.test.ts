// The run report and the lab graph in a real browser: Debian's Chromium,
// headless, driven by playwright-core (no browser download), opens the
// generated index.html and graph page from file://, with every non-file
// request refused and counted. Asserts the SVG really renders: a node per
// topology node in each mode's graph, a plot per observed slave port with
// its offset series, the named-test bands and event markers, failing checks
// first and red. Screenshots go to test-logs/report-browser/ (the CI
// artifact dir). Skips with the reason where Chromium is missing.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { junitXml } from '../../lab/conformance/report.js'
import { renderGraph } from '../../lab/graph/index.js'
import { buildGraph } from '../../lab/graph/model.js'
import { projectRoot } from '../../lab/paths.js'
import { writeRunReport } from '../../lab/report/write.js'
import { loadTopologyFile } from '../../lab/topology/index.js'
import { LIVE_OC, TAGS_OC } from '../fixtures/live-oc.js'
import { recordedRun } from '../fixtures/run-record.js'
import { browser, noChromium, SHOTS } from './browser.js'

const skip = noChromium

t.test('the run report renders in Chromium: graphs, plots, test markers, failing checks first', { skip, timeout: 120_000 }, async (t) => {
  const rec = recordedRun()
  const dir = mkdtempSync(join(tmpdir(), 'ptplab-report-browser-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const m of rec.modes) writeFileSync(join(dir, m.junit!.path), junitXml(m.result))
  const files = await writeRunReport(dir, rec)
  const { page, offsite } = await browser(t)
  await page.goto(`file://${files.index}`)

  const nodes = rec.topology.nodes.length + (rec.topology.switch ? 1 : 0)
  for (const m of rec.modes) {
    const mode = m.result.suite
    const sec = page.locator(`section[data-mode="${mode}"]`)
    t.equal(await sec.locator('svg.lab-graph g.node').count(), nodes, `${mode}: a node per topology node in its graph`)
    const slaveTags = await sec.locator('svg.lab-graph g.port[data-tag]').evaluateAll((els) => els.map((e) => e.getAttribute('data-tag')))
    t.same(slaveTags.sort(), m.parts.map((p) => p.part).sort(), `${mode}: every part of the mode marked in its graph`)
    const plots = sec.locator('svg.series-plot')
    t.same(
      await plots.evaluateAll((els) => els.map((e) => e.getAttribute('data-port'))),
      m.series.map((s) => `${s.node}:${s.port}`),
      `${mode}: a plot per observed slave port`,
    )
    for (let i = 0; i < m.series.length; i++) {
      const plot = plots.nth(i)
      // a real, drawn path: the browser gives it a non-empty box
      const box = await plot.locator('path.series.offset').evaluate((p) => {
        const b = (p as SVGPathElement).getBBox()
        return { width: b.width, height: b.height }
      })
      t.ok(box.width > 100 && box.height > 0, `${mode} plot ${i}: the offset series is drawn (${Math.round(box.width)}x${Math.round(box.height)})`)
      t.same(await plot.locator('g.test-band').evaluateAll((els) => els.map((e) => e.getAttribute('data-test'))), m.tests.map((x) => x.name), `${mode} plot ${i}: the named tests marked`)
      t.equal(await plot.locator('g.event').count(), m.events.length, `${mode} plot ${i}: every event marked`)
    }
  }
  const bc = page.locator('section[data-mode="bc"] svg.series-plot').first()
  t.same(
    (await bc.locator('g.test-band').evaluateAll((els) => els.map((e) => e.getAttribute('data-test')))).filter((n) => ['port down/up recovery', 'process restart', 'profile priority'].includes(n!)),
    ['port down/up recovery', 'process restart', 'profile priority'],
    'port flap, restart and priority on the BC time axis',
  )
  const firstRow = page.locator('section[data-mode="oc"] table.checks tr[data-pass]').first()
  t.equal(await firstRow.getAttribute('data-pass'), 'false', 'the failing check comes first')
  t.equal(await firstRow.locator('td').first().evaluate((td) => getComputedStyle(td).backgroundColor), 'rgb(254, 242, 242)', 'and is red')
  t.equal(await page.locator('section.summary .pill.big').textContent(), 'FAIL')
  t.same(offsite, [], 'nothing fetched from the network')

  mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: join(SHOTS, 'report.png'), fullPage: true })
  await page.locator('section[data-mode="bc"] figure.series').first().screenshot({ path: join(SHOTS, 'report-bc-plot.png') })
  await page.locator('section.summary').screenshot({ path: join(SHOTS, 'report-summary.png') })
})

t.test('the lab graph page renders in Chromium: nodes, ports, the GM chain', { skip, timeout: 120_000 }, async (t) => {
  const topo = await loadTopologyFile(join(projectRoot(), 'topologies', 'default.yaml'))
  const dir = mkdtempSync(join(tmpdir(), 'ptplab-graph-browser-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'graph.html')
  writeFileSync(file, await renderGraph(buildGraph(topo, { live: LIVE_OC, tags: TAGS_OC, title: 'lab ptplab, OC mode' }), 'html'))
  const { page, offsite } = await browser(t)
  await page.goto(`file://${file}`)
  const svg = page.locator('svg.lab-graph')
  t.same(await svg.locator('g.node').evaluateAll((els) => els.map((e) => e.getAttribute('data-node'))), ['worker1', 'worker2', 'worker3', 'switch1'])
  t.equal(await svg.locator('g.port').count(), 18)
  t.equal(await svg.locator('g.link[data-sync="true"]').count(), 2, 'two cables carry time: GM -> switch -> OC slave')
  t.equal(await svg.locator('g.chain-line').count(), 3)
  // boxes really laid out: every port's box inside its node's box
  const inside = await svg.locator('g.node').evaluateAll((nodes) =>
    nodes.every((n) => {
      const b = (n.querySelector('rect') as SVGRectElement).getBBox()
      return [...n.querySelectorAll('g.port rect')].every((r) => {
        const p = (r as SVGRectElement).getBBox()
        return p.x >= b.x && p.y >= b.y && p.x + p.width <= b.x + b.width && p.y + p.height <= b.y + b.height
      })
    }),
  )
  t.ok(inside, 'ports inside their nodes as rendered')
  t.same(offsite, [])
  mkdirSync(SHOTS, { recursive: true })
  await page.locator('div.graph').screenshot({ path: join(SHOTS, 'graph.png') })
})
