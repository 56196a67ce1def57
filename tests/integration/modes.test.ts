// Every clock mode on one lab, as `ptplab run` does it: L2 discovery, the
// role solver, generated PtpConfigs, the named tests per mode; Discovery
// mode on user PtpConfigs; external grandmaster; log collection. Results
// are read from --json; the first run also writes --report, which is
// opened in Chromium (as report-browser.test.ts does a recorded run).
import t from 'tap'
import { mkdirSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import type { RunJson } from '../../lab/report/json.js'
import { browser, noChromium, SHOTS } from './browser.js'
import { cli, leftovers, nothingLeft, skipReason, ownLab } from './helpers.js'
import { missingPrograms } from '../../lab/sys/run.js'

const skip = (await skipReason()) || ((await missingPrograms(['python3'])).length ? 'missing python3 (L2 discovery agent)' : false)

const tmp = await mkdtemp(join(tmpdir(), 'ptplab-modes-'))
t.teardown(() => rm(tmp, { recursive: true, force: true }))

// The --json document of a run; what the human text said, as data.
const doc = (stdout: string) => JSON.parse(stdout) as RunJson
const checksOf = (d: RunJson) => d.modes.flatMap((m) => m.checks.map((c) => ({ mode: m.mode, ...c })))
const passed = (d: RunJson, name: RegExp) => checksOf(d).filter((c) => c.pass && name.test(c.name))

t.test('oc,bc,dualnicbc,dualfollower on the default topology, one lab, logs collected, the run report in Chromium', { skip }, async (t) => {
  const LAB = 'it-modes'
  await ownLab(t, LAB)
  const junit = join(tmp, 'modes.xml')
  const logs = join(tmp, 'logs')
  const report = join(tmp, 'report')
  const r = await cli(['run', '--name', LAB, '--mode', 'oc,bc,dualnicbc,dualfollower', '--junit', junit, '--report', report, '--json'], {
    COLLECT_POD_LOGS: 'true',
    LOG_ARTIFACTS_DIR: logs,
  })
  t.equal(r.code, 0, 'all modes pass', { stdout: r.stdout.slice(-3000), stderr: r.stderr.slice(-2000) })
  const d = doc(r.stdout)
  t.match(r.stderr, /\nsummary:\n/, 'the human report went to stderr')
  t.equal(d.verdict, 'PASS')
  t.same(d.modes.map((m) => [m.mode, m.verdict]), ['oc', 'bc', 'dualnicbc', 'dualfollower'].map((m) => [m, 'PASS']))
  // The named tests of each mode ran, timed.
  const tests = new Set(d.modes.flatMap((m) => m.tests.map((x) => x.name)))
  for (const name of ['sync', 'port down/up recovery', 'process restart', 'profile priority', 'dual follower failover']) t.ok(tests.has(name), `test "${name}" reported`)
  t.ok(checksOf(d).every((c) => typeof c.durationMs === 'number'), 'every check timed')
  t.ok(passed(d, /^BC worker\d:\w+ \(slave port\) stepsRemoved$/).length, 'BC stepsRemoved')
  t.ok(passed(d, /^downstream worker\d:\w+ clock state$/).some((c) => c.measured === 'LOCKED (1)'), 'BC with downstream slaves')
  t.equal(passed(d, /^ens3f1 becomes SLAVE and LOCKED when ens3f0 goes down$/).length, 1, 'dual follower failover')
  // Samples summary: every observed slave port sampled, mostly LOCKED.
  for (const m of d.modes) {
    t.ok(m.samples.length >= 1 && m.samples.every((s) => s.samples > 3), `${m.mode}: slave ports sampled (${m.samples.map((s) => s.samples).join(', ')})`)
    t.ok(m.samples[0]!.offsets > 0 && m.samples[0]!.lockedPct! > 0, `${m.mode}: the clock under test's slave port with offsets, LOCKED`)
    t.ok(m.events.some((e) => e.kind === 'sigterm'), `${m.mode}: the restart's SIGTERM recorded`)
  }
  // JUnit per mode, with --junit and in the report dir.
  for (const m of ['oc', 'bc', 'dualnicbc', 'dualfollower']) {
    const xml = await readFile(join(tmp, `modes-${m}.xml`), 'utf8')
    t.match(xml, new RegExp(`<testsuite name="ptplab-${m}" tests="\\d+" failures="0" errors="0"`))
    t.match(xml, new RegExp(`classname="ptplab\\.${m}\\.profile-priority" name="`))
    t.equal(await readFile(join(report, `junit-${m}.xml`), 'utf8'), xml)
  }
  // Logs: a run dir per mode, one file per node daemon and the switch, markers.
  const dirs = (await readdir(logs)).sort()
  t.equal(dirs.length, 4)
  for (const m of ['oc', 'bc', 'dualnicbc', 'dualfollower']) t.ok(dirs.some((d) => new RegExp(`^run_\\d{4}-\\d\\d-\\d\\d_\\d\\d-\\d\\d-\\d\\d_${m}$`).test(d)), `run dir for ${m}`)
  const bcDir = join(logs, dirs.find((d) => d.endsWith('_bc'))!)
  const files = (await readdir(bcDir)).sort()
  t.same(files, [
    'linuxptp-daemon-worker1-linuxptp-daemon-container.log',
    'linuxptp-daemon-worker2-linuxptp-daemon-container.log',
    'linuxptp-daemon-worker3-linuxptp-daemon-container.log',
    'switch-switch1.log',
  ])
  t.same(d.modes.find((m) => m.mode === 'bc')!.logs.map((l) => basename(l)).sort(), files, 'the report links the logs')
  const w1 = await readFile(join(bcDir, files[0]!), 'utf8')
  t.match(w1, /#################### TEST START ####################\n# Test: sync\n# Started: \d{4}-/)
  t.match(w1, /#################### TEST END ######################\n# Test: sync\n# Status: PASSED\n# Duration: [\d.]+m?s\n/)
  t.match(w1, /\n\[linuxptp-daemon-worker1\] \d{4}-\d\d-\d\dT[\d:.]+Z ptp4l\[/, 'daemon lines prefixed by their source')
  t.same(await leftovers(LAB), nothingLeft)

  // The report of this real run, in Chromium.
  t.same(d.report, { index: join(report, 'index.html'), csv: join(report, 'samples.csv'), json: join(report, 'samples.json') })
  if (noChromium) return void t.comment(`browser part skipped: ${noChromium}`)
  const { page, offsite } = await browser(t)
  await page.goto(`file://${d.report!.index}`)
  t.equal(await page.locator('section.summary .pill.big').textContent(), 'PASS')
  for (const m of d.modes) {
    const sec = page.locator(`section[data-mode="${m.mode}"]`)
    t.equal(await sec.locator('svg.lab-graph g.node').count(), 4, `${m.mode}: a node per topology node in its graph`)
    const tags = await sec.locator('svg.lab-graph g.port[data-tag]').evaluateAll((els) => els.map((e) => e.getAttribute('data-tag')))
    t.same(tags.sort(), m.parts.map((p) => p.part).sort(), `${m.mode}: every part marked in its graph`)
    t.ok(await sec.locator('svg.lab-graph g.link[data-sync="true"]').count() >= 2, `${m.mode}: the GM chain drawn from the roles at sync`)
    const plots = sec.locator('svg.series-plot')
    t.same(await plots.evaluateAll((els) => els.map((e) => e.getAttribute('data-port'))), m.samples.map((s) => `${s.node}:${s.port}`), `${m.mode}: a plot per observed slave port`)
    // Every sampled offset drawn as a point inside its plot (how many there
    // are depends on the run's timing; that they are all drawn does not).
    for (let i = 0; i < m.samples.length; i++) {
      const drawn = await plots.nth(i).evaluate((svg) => {
        const w = (svg as SVGSVGElement).viewBox.baseVal.width
        const pts = [...svg.querySelectorAll('g.samples circle')].map((c) => (c as SVGCircleElement).getBBox())
        return { n: pts.length, inside: pts.every((b) => b.x >= 0 && b.x + b.width <= w && b.width > 0) }
      })
      t.same(drawn, { n: m.samples[i]!.offsets, inside: true }, `${m.mode} plot ${i}: the ${m.samples[i]!.offsets} offsets drawn`)
    }
    t.same(await plots.first().locator('g.test-band').evaluateAll((els) => els.map((e) => e.getAttribute('data-test'))), m.tests.map((x) => x.name), `${m.mode}: the named tests marked`)
    t.equal(await plots.first().locator('g.event').count(), m.events.length, `${m.mode}: every event marked`)
  }
  t.same(offsite, [], 'nothing fetched from the network')
  mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: join(SHOTS, 'run-report.png'), fullPage: true })
  await page.locator('section[data-mode="bc"] figure.series').first().screenshot({ path: join(SHOTS, 'run-report-bc-plot.png') })
  await page.locator('section.summary').screenshot({ path: join(SHOTS, 'run-report-summary.png') })
  await page.locator('section[data-mode="oc"] figure.graph').screenshot({ path: join(SHOTS, 'run-report-oc-graph.png') })
})

const GM = `apiVersion: ptp.openshift.io/v1
kind: PtpConfig
metadata: { name: user-gm, namespace: openshift-ptp }
spec:
  profile:
    - name: user-gm
      interface: ens3f0
      ptp4lOpts: "-2"
      ptp4lConf: |
        [global]
        domainNumber 24
        priority1 0
        clockClass 6
        time_stamping software
        logAnnounceInterval -3
        logSyncInterval -4
        logMinDelayReqInterval -4
        announceReceiptTimeout 3
        freq_est_interval 0
        [ens3f0]
        masterOnly 1
  recommend:
    - { profile: user-gm, priority: 4, match: [{ nodeName: worker2 }] }
`
// Upstream README's BC example, adapted to the lab's ports and software timestamps.
const BC = `apiVersion: ptp.openshift.io/v1
kind: PtpConfig
metadata: { name: test-bc-master, namespace: openshift-ptp }
spec:
  profile:
    - name: test-bc-master
      phc2sysOpts: -a -r
      ptp4lConf: |-
        [global]
        ptp_dst_mac 01:1B:19:00:00:00
        p2p_dst_mac 01:80:C2:00:00:0E
        domainNumber 24
        logging_level 7
        time_stamping software
        logAnnounceInterval -3
        logSyncInterval -4
        logMinDelayReqInterval -4
        announceReceiptTimeout 3
        freq_est_interval 0
        [ens2f0]
        masterOnly 0
        [ens2f1]
        masterOnly 1
      ptp4lOpts: "-2"
      ptpSchedulingPolicy: SCHED_OTHER
      ptpSchedulingPriority: 65
  recommend:
    - match:
        - nodeLabel: ptp/clock-under-test
      priority: 5
      profile: test-bc-master
`

t.test('Discovery mode: user PtpConfigs are classified (BC) and tested, and left in place', { skip }, async (t) => {
  const LAB = 'it-disc'
  await ownLab(t, LAB)
  t.equal((await cli(['up', '--name', LAB])).code, 0)
  await writeFile(join(tmp, 'user.yaml'), `${GM}---\n${BC}`)
  const apply = await cli(['apply', '--name', LAB, '--label', 'worker1:ptp/clock-under-test', join(tmp, 'user.yaml')])
  t.equal(apply.code, 0, 'apply with a node label', { stderr: apply.stderr })
  const r = await cli(['test', '--name', LAB, '--json'], { PTP_TEST_MODE: 'Discovery' })
  t.equal(r.code, 0, 'discovery mode passes', { stdout: r.stdout.slice(-3000), stderr: r.stderr.slice(-1500) })
  const [m] = doc(r.stdout).modes
  t.match(m, { mode: 'discovery', target: 'lab it-disc (netns)', description: 'discovered BC: BC worker1:ens2f0(S),ens2f1(M); external GM' })
  t.ok(m!.checks.some((c) => c.pass && c.name === 'BC worker1:ens2f0 (slave port) grandmaster identity'))
  t.ok(m!.tests.some((x) => x.name === 'profile priority'))
  const get = await cli(['get', '--name', LAB])
  t.match(get.stdout, /  test-bc-master: /, 'user configs are not deleted')
  t.match(get.stdout, /  user-gm: /)
  t.notMatch(get.stdout, /temp/, 'the temp profile is gone')
  t.match(get.stdout, /worker1: .*ptp\/clock-under-test/, 'user label kept')

  // Nothing labelled: a clear error, exit 1 (the suite could not run).
  t.equal((await cli(['label', '--name', LAB, 'worker1', 'ptp/clock-under-test-'])).code, 0)
  const none = await cli(['test', '--name', LAB, '--mode', 'discovery', '--json'])
  t.equal(none.code, 1)
  t.match(doc(none.stdout).modes[0]!.error, /ptp\/clock-under-test/)
})

// One run for two things that do not interfere: the external-GM variant of
// the problems, and the slave_clock_sync soak test of upstream's test config
// (it soaks the OC mode's slave).
t.test('external grandmaster topology with EXTERNAL_GM=true, and the slave_clock_sync soak test from PTP_TEST_CONFIG_FILE', { skip }, async (t) => {
  const LAB = 'it-extgm'
  await ownLab(t, LAB)
  const cfg = join(tmp, 'ptptestconfig.yaml')
  await writeFile(cfg, 'global:\n  maxoffset: 20000\n  minoffset: -20000\nsoaktest:\n  disable_all: false\n  slave_clock_sync:\n    spec:\n      enable: true\n      duration: 0.1\n      failure_threshold: 2\n    desc: "sync faults"\n')
  const r = await cli(['run', '--name', LAB, '--topology', 'topologies/external-gm.yaml', '--mode', 'oc,bc', '--json'], { EXTERNAL_GM: 'true', PTP_TEST_CONFIG_FILE: cfg })
  t.equal(r.code, 0, 'external GM modes pass, with the soak test', { stdout: r.stdout.slice(-3000), stderr: r.stderr.slice(-1500) })
  const d = doc(r.stdout)
  t.ok(d.modes.every((m) => /(^|; )external GM(;|$)/.test(m.description)), 'external GM')
  t.ok(passed(d, /^OC worker\d:\w+ \(slave port\) grandmaster identity$/).some((c) => /\S/.test(c.measured)))
  t.notOk(checksOf(d).some((c) => /^grandmaster worker\d:\w+ role$/.test(c.name)), 'no generated grandmaster')
  t.notOk(d.modes.some((m) => m.parts.some((p) => p.part === 'GM')))
  const soak = checksOf(d).filter((c) => c.mode === 'oc' && c.test === 'soak: slave_clock_sync')
  t.match(soak, [{ pass: true, name: /^worker\d LOCKED -> not LOCKED transitions in 6\.0 s$/, measured: '0' }])
  t.match(r.stderr, /offset window \[-20000, 20000\] ns/, 'offsets from the test config file')
  t.same(await leftovers(LAB), nothingLeft)
})

t.test('a switchless chain: the BC under test feeds its downstream slave directly', { skip }, async (t) => {
  const LAB = 'it-chain'
  await ownLab(t, LAB)
  const r = await cli(['run', '--name', LAB, '--topology', 'topologies/chain.yaml', '--mode', 'bc', '--json'])
  t.equal(r.code, 0, 'bc passes on direct links', { stdout: r.stdout.slice(-3000), stderr: r.stderr.slice(-1500) })
  const d = doc(r.stdout)
  t.equal(passed(d, /^BC mid:ens2f1 \(slave port\) parent is edge2:ens3f0(\s|$)/).length, 1, 'BC parent: the GM on its direct link')
  t.equal(passed(d, /^downstream edge1:ens1f0 parent is mid:ens2f0(\s|$)/).length, 1, 'downstream parent: the BC master port')
  t.match(passed(d, /^downstream edge1:ens1f0 stepsRemoved$/), [{ measured: '2' }])
  t.same(await leftovers(LAB), nothingLeft)
})
