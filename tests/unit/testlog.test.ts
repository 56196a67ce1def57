// Pod-log-style collection (lab/conformance/testlog.ts): run directory name,
// marker blocks exactly as upstream README's "Pod Log Collection" example, and the
// collector following files that grow, are truncated and are replaced.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { InputError } from '../../lab/errors.js'
import { fileLogSource } from '../../lab/cluster/log-file.js'
import {
  formatDuration,
  LogCollector,
  prefixLine,
  runDirName,
  stepMarker,
  streamEndMarker,
  streamStartMarker,
  suiteEndMarker,
  suiteStartMarker,
  testEndMarker,
  testStartMarker,
} from '../../lab/conformance/testlog.js'

const TMP = mkdtempSync(join(tmpdir(), 'ptplab-testlog-'))
t.teardown(() => rmSync(TMP, { recursive: true, force: true }))

const T0 = new Date('2025-10-07T15:30:45.000Z')

t.test('runDirName', async (t) => {
  t.equal(runDirName(T0, 'serial'), 'run_2025-10-07_15-30-45_serial')
  t.equal(runDirName(new Date('2025-01-02T03:04:05.999Z'), 'parallel'), 'run_2025-01-02_03-04-05_parallel', 'UTC, seconds truncated')
  t.equal(runDirName(T0, ''), 'run_2025-10-07_15-30-45_default')
  for (const bad of ['a/b', '..', 'with space', '-x']) {
    const e = t.throws(() => runDirName(T0, bad)) as unknown
    t.ok(e instanceof InputError && e.field === 'suite', bad)
  }
})

// Upstream README's example blocks, character for character.
const SEED_START = `#################### TEST START ####################
# Test: Should check whether PTP operator appropriate resource exists
# Started: 2025-10-07T15:31:00.123Z
# File: ptp.go:87
####################################################
`
const SEED_END = `#################### TEST END ######################
# Test: Should check whether PTP operator appropriate resource exists
# Status: PASSED
# Duration: 2.5s
# Ended: 2025-10-07T15:31:02.623Z
####################################################
`
const NAME = 'Should check whether PTP operator appropriate resource exists'

t.test('test markers', async (t) => {
  t.equal(testStartMarker({ name: NAME, started: new Date('2025-10-07T15:31:00.123Z'), file: 'ptp.go:87' }), SEED_START)
  t.equal(testEndMarker({ name: NAME, status: 'PASSED', durationMs: 2500, ended: new Date('2025-10-07T15:31:02.623Z') }), SEED_END)
  for (const line of [...SEED_START.split('\n'), ...SEED_END.split('\n')].filter((l) => l.startsWith('####'))) t.equal(line.length, 52)
  // No "# File:" line when the location is unknown.
  t.equal(
    testStartMarker({ name: 'x', started: T0 }),
    '#################### TEST START ####################\n# Test: x\n# Started: 2025-10-07T15:30:45.000Z\n####################################################\n',
  )
  t.match(testEndMarker({ name: 'x', status: 'FAILED', durationMs: 61500, ended: T0 }), /# Status: FAILED\n# Duration: 1m1\.5s\n/)
  t.match(testEndMarker({ name: 'x', status: 'SKIPPED', durationMs: 0, ended: T0 }), /# Status: SKIPPED\n# Duration: 0s\n/)
  // A name cannot break the block.
  t.match(testStartMarker({ name: 'two\nlines', started: T0 }), /^# Test: two lines$/m)
})

t.test('formatDuration (Go time.Duration.String)', async (t) => {
  const cases: Array<[number, string]> = [
    [0, '0s'],
    [0.0005, '500ns'],
    [0.5, '500µs'],
    [1.5, '1.5ms'],
    [150, '150ms'],
    [999, '999ms'],
    [1000, '1s'],
    [2500, '2.5s'],
    [1234.5678, '1.2345678s'],
    [60000, '1m0s'],
    [90000, '1m30s'],
    [3600000, '1h0m0s'],
    [3723500, '1h2m3.5s'],
    [-2500, '-2.5s'],
  ]
  for (const [ms, s] of cases) t.equal(formatDuration(ms), s, `${ms} ms`)
  t.throws(() => formatDuration(NaN))
})

t.test('suite, stream and step markers, prefixed lines', async (t) => {
  t.equal(
    suiteStartMarker({ suite: 'PTP e2e integration tests', time: T0 }),
    `${'#'.repeat(50)}\n# TEST SUITE STARTED\n# Suite: PTP e2e integration tests\n# Time: 2025-10-07T15:30:45.000Z\n${'#'.repeat(50)}\n`,
  )
  t.equal(suiteEndMarker({ time: T0 }), `${'#'.repeat(50)}\n# TEST SUITE ENDED\n# Time: 2025-10-07T15:30:45.000Z\n${'#'.repeat(50)}\n`)
  const s = { pod: 'linuxptp-daemon-worker1', container: 'linuxptp-daemon-container', time: T0 }
  t.equal(
    streamStartMarker(s),
    '========== [2025-10-07T15:30:45.000Z] Starting stream from pod: linuxptp-daemon-worker1, container: linuxptp-daemon-container ==========',
  )
  t.equal(
    streamEndMarker(s),
    '========== [2025-10-07T15:30:45.000Z] Stream ended for pod: linuxptp-daemon-worker1, container: linuxptp-daemon-container ==========',
  )
  t.equal(stepMarker('apply configs', T0), '>>>>>>>>>> STEP [2025-10-07T15:30:45.000Z]: apply configs <<<<<<<<<<')
  t.equal(
    prefixLine('linuxptp-daemon-xyz', 'some log line', new Date('2025-10-07T15:31:01.789Z')),
    '[linuxptp-daemon-xyz] 2025-10-07T15:31:01.789Z some log line',
  )
  t.match(prefixLine('p', 'x'), /^\[p\] \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z x$/)
})

const TS = '2025-10-07T15:30:45.000Z'
const D = '[linuxptp-daemon-worker1]'
const O = '[ptp-operator]'
const SUITE_START = `\n${'#'.repeat(50)}\n# TEST SUITE STARTED\n# Suite: serial\n# Time: ${TS}\n${'#'.repeat(50)}\n\n`
const SUITE_END = `\n${'#'.repeat(50)}\n# TEST SUITE ENDED\n# Time: ${TS}\n${'#'.repeat(50)}\n\n`
const STREAM_START = `\n========== [${TS}] Starting stream from pod: linuxptp-daemon-worker1, container: linuxptp-daemon-container ==========\n`
const STREAM_END = `\n========== [${TS}] Stream ended for pod: linuxptp-daemon-worker1, container: linuxptp-daemon-container ==========\n\n`

t.test('LogCollector follows, marks, handles truncation and replacement', async (t) => {
  const base = join(TMP, 'run1')
  const daemonLog = join(TMP, 'worker1.log')
  const operatorLog = join(TMP, 'operator.log') // not there yet at start()
  writeFileSync(daemonLog, 'old line, before the run\n')
  const c = new LogCollector({
    dir: join(base, 'test-logs'),
    suite: 'serial',
    markers: true,
    pollMs: 10_000, // driven by explicit calls here
    now: () => T0,
    sources: [
      fileLogSource({ name: 'linuxptp-daemon-worker1-linuxptp-daemon-container', path: daemonLog, prefix: 'linuxptp-daemon-worker1', container: 'linuxptp-daemon-container' }),
      fileLogSource({ name: 'ptp-operator', path: operatorLog, prefix: 'ptp-operator' }),
    ],
  })
  const dir = await c.start()
  t.equal(dir, join(base, 'test-logs', 'run_2025-10-07_15-30-45_serial'))
  t.equal(c.dir, dir)
  t.same(readdirSync(dir).sort(), ['linuxptp-daemon-worker1-linuxptp-daemon-container.log', 'ptp-operator.log'])
  const daemonOut = join(dir, 'linuxptp-daemon-worker1-linuxptp-daemon-container.log')
  const operatorOut = join(dir, 'ptp-operator.log')

  appendFileSync(daemonLog, 'a\r\nb\npart')
  writeFileSync(operatorLog, 'op started\n')
  await c.testStart(NAME, { file: 'ptp.go:87', started: new Date('2025-10-07T15:31:00.123Z') })
  appendFileSync(daemonLog, 'ial end\n')
  await c.poll()
  writeFileSync(daemonLog, 'new1\n') // truncated (shorter than what was read)
  await c.poll()
  appendFileSync(daemonLog, 'new2\n')
  await c.poll()
  // Replaced: a new file (new inode) renamed over the old one, even if longer.
  const repl = join(TMP, 'worker1.log.new')
  writeFileSync(repl, 'r1 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n')
  renameSync(repl, daemonLog)
  await c.poll()
  appendFileSync(daemonLog, 'unterminated')
  await c.testEnd(NAME, 'PASSED', 2500, new Date('2025-10-07T15:31:02.623Z'))
  await c.stop()

  t.equal(
    readFileSync(daemonOut, 'utf8'),
    SUITE_START +
      STREAM_START +
      `${D} ${TS} a\n${D} ${TS} b\n` +
      `\n${SEED_START}\n` +
      `${D} ${TS} partial end\n` +
      STREAM_END +
      STREAM_START +
      `${D} ${TS} new1\n${D} ${TS} new2\n` +
      STREAM_END +
      STREAM_START +
      `${D} ${TS} r1 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n` +
      `\n${SEED_END}\n` +
      `${D} ${TS} unterminated\n` +
      STREAM_END +
      SUITE_END,
  )
  // No container: no stream markers; a source missing at start is read from its beginning.
  t.equal(readFileSync(operatorOut, 'utf8'), SUITE_START + `${O} ${TS} op started\n` + `\n${SEED_START}\n` + `\n${SEED_END}\n` + SUITE_END)

  // Stopped: nothing more is written, further calls are refused, no timer is left.
  appendFileSync(daemonLog, 'after stop\n')
  await t.rejects(c.poll(), /not running/)
  await t.rejects(c.testStart('late'), /not running/)
  await c.stop()
  t.notMatch(readFileSync(daemonOut, 'utf8'), /after stop/)
  t.equal((c as unknown as { timer: unknown }).timer, undefined)
  await t.rejects(c.start(), /already stopped/)
})

t.test('LogCollector polls on its own, markers off', async (t) => {
  const log = join(TMP, 'w2.log')
  writeFileSync(log, '')
  const c = new LogCollector({
    dir: join(TMP, 'run2'),
    suite: 'parallel',
    markers: false,
    pollMs: 20,
    sources: [fileLogSource({ name: 'linuxptp-daemon-worker2-linuxptp-daemon-container', path: log, prefix: 'linuxptp-daemon-worker2' })],
  })
  const dir = await c.start()
  t.match(dir, /run_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d_parallel$/)
  const out = join(dir, 'linuxptp-daemon-worker2-linuxptp-daemon-container.log')
  t.equal(readFileSync(out, 'utf8'), '', 'no suite marker with markers off')
  appendFileSync(log, 'line one\nline two\n')
  const deadline = Date.now() + 5000
  while (!readFileSync(out, 'utf8').includes('line two') && Date.now() < deadline) await sleep(20)
  t.match(readFileSync(out, 'utf8'), /^\[linuxptp-daemon-worker2\] \S+Z line one\n\[linuxptp-daemon-worker2\] \S+Z line two\n$/)
  // Truncated to empty, then written again: read from the beginning.
  writeFileSync(log, '')
  await c.poll()
  appendFileSync(log, 'after truncate\n')
  await c.testStart('t1') // copies pending lines, writes no marker
  await c.testEnd('t1', 'FAILED', 10)
  await c.step('a step')
  await c.stop()
  const text = readFileSync(out, 'utf8')
  t.match(text, /\] \S+Z after truncate\n$/)
  t.notMatch(text, /TEST|STEP|#/)
  t.equal(c.lastError, undefined)
})

t.test('LogCollector: a source deleted and recreated, shared output files, bad options', async (t) => {
  const a = join(TMP, 'op-a.log')
  const b = join(TMP, 'op-b.log')
  writeFileSync(a, 'a0\n')
  writeFileSync(b, '')
  const c = new LogCollector({
    dir: join(TMP, 'run3'),
    suite: 'serial',
    markers: true,
    pollMs: 10_000,
    now: () => T0,
    sources: [
      fileLogSource({ name: 'ptp-operator', path: a, prefix: 'ptp-operator-a' }),
      fileLogSource({ name: 'ptp-operator', path: b, prefix: 'ptp-operator-b' }),
    ],
  })
  const dir = await c.start()
  appendFileSync(a, 'a1\n')
  appendFileSync(b, 'b1\n')
  await c.poll()
  rmSync(a)
  await c.poll()
  writeFileSync(a, 'a2\n')
  await c.testStart('t')
  await c.stop()
  t.same(readdirSync(dir), ['ptp-operator.log'])
  t.equal(
    readFileSync(join(dir, 'ptp-operator.log'), 'utf8'),
    SUITE_START +
      `[ptp-operator-a] ${TS} a1\n[ptp-operator-b] ${TS} b1\n` +
      `[ptp-operator-a] ${TS} a2\n` +
      `\n#################### TEST START ####################\n# Test: t\n# Started: ${TS}\n${'#'.repeat(52)}\n\n` +
      SUITE_END,
    'one marker per file, not per source',
  )

  const src = fileLogSource({ name: 'x', path: a, prefix: 'x' })
  const bad = (o: Partial<ConstructorParameters<typeof LogCollector>[0]>, field: string) => {
    const e = t.throws(() => new LogCollector({ dir: TMP, suite: 's', markers: true, sources: [src], ...o })) as unknown
    t.ok(e instanceof InputError && e.field === field, field)
  }
  bad({ sources: [src, { ...src, name: '../escape' }] }, 'sources[1].name')
  bad({ suite: 'a b' }, 'suite')
  bad({ pollMs: 0 }, 'pollMs')
  t.notOk(existsSync(join(TMP, 's')))
})
