// lab/conformance/report.ts for runs of several modes: summaryTable (one
// aligned line per mode) and humanReport's grouping of checks by their
// named test (sync, port recovery, ...) versus the flat layout.
import t from 'tap'
import type { CheckResult } from '../../lab/conformance/checks.js'
import { humanReport, summaryTable, type SuiteResult } from '../../lab/conformance/report.js'

const ok = (name: string, test?: string): CheckResult => ({ ...(test && { test }), name, pass: true, measured: 'fine', expected: 'fine' })
const bad = (name: string, test?: string): CheckResult => ({ ...(test && { test }), name, pass: false, measured: 'FREERUN (0)', expected: 'LOCKED (1)' })

const suite = (over: Partial<SuiteResult>): SuiteResult => ({
  suite: 'oc',
  target: 'lab ptplab',
  description: 'OC worker1:ens1f0(S); GM worker3:ens4f0',
  startedAt: '2025-01-02T03:04:05.000Z',
  durationMs: 12345,
  checks: [ok('a'), ok('b')],
  ...over,
})

// Start offsets of the columns in a line, given the cells it should contain.
function starts(line: string, cells: string[]): number[] {
  let from = 0
  return cells.map((c) => {
    const i = line.indexOf(c, from)
    from = i + c.length
    return i
  })
}

t.test('summaryTable: one aligned row per mode', async (t) => {
  const rs: SuiteResult[] = [
    suite({ suite: 'oc', syncedAfterMs: 2900, durationMs: 3012 }),
    suite({
      suite: 'dualnicbc',
      description: 'BC worker1:ens1f1(S),ens1f0(M); BC worker1:ens2f0(S),ens2f1(M); GM worker2:ens3f0',
      checks: [ok('a'), bad('b'), ok('c'), ok('d'), ok('e'), ok('f'), ok('g'), ok('h'), ok('i'), bad('j')],
      durationMs: 61234,
    }),
    suite({ suite: 'bc', checks: [], error: 'no bc assignment fits this lab: 2 interfaces in 1 LANs', durationMs: 45 }),
  ]
  const out = summaryTable(rs)
  const lines = out.split('\n')
  t.equal(lines.length, 5, 'title, header, three rows')
  t.equal(lines[0], 'summary:')
  // Widths: mode 9 (dualnicbc), verdict 7, checks 6, sync 5 ("2.9 s"), time 6 ("61.2 s").
  t.equal(lines[1], 'mode       verdict  checks  sync   time    roles')
  t.equal(lines[2], 'oc         PASS     2/2     2.9 s  3.0 s   OC worker1:ens1f0(S); GM worker3:ens4f0')
  t.equal(
    lines[3],
    'dualnicbc  FAIL     8/10    -      61.2 s  BC worker1:ens1f1(S),ens1f0(M); BC worker1:ens2f0(S),ens2f1(M); GM worker2:ens3f0',
  )
  t.equal(lines[4], 'bc         FAIL     0/0     -      0.0 s   no bc assignment fits this lab: 2 interfaces in 1 LANs')

  // every column starts at the same offset on every line
  const cols = starts(lines[1]!, ['mode', 'verdict', 'checks', 'sync', 'time', 'roles'])
  t.same(starts(lines[2]!, ['oc', 'PASS', '2/2', '2.9 s', '3.0 s', 'OC ']), cols)
  t.same(starts(lines[3]!, ['dualnicbc', 'FAIL', '8/10', '-', '61.2 s', 'BC ']), cols)
  t.same(starts(lines[4]!, ['bc', 'FAIL', '0/0', '-', '0.0 s', 'no bc']), cols)
  t.notOk(lines.some((l) => l.endsWith(' ')), 'the last column is not padded')

  // The error replaces the roles, not appended to them.
  t.notOk(lines[4]!.includes('OC worker1'), 'the description of a failed-to-run mode is not shown')
})

t.test('summaryTable: verdict per mode follows every check and the error', async (t) => {
  const verdicts = (rs: SuiteResult[]) =>
    summaryTable(rs)
      .split('\n')
      .slice(2)
      .map((l) => l.split(/\s+/).slice(0, 2).join(' '))
  t.same(
    verdicts([
      suite({ suite: 'oc' }),
      suite({ suite: 'bc', checks: [ok('a'), bad('b')] }),
      suite({ suite: 'dualfollower', checks: [] }), // nothing checked is no pass
      suite({ suite: 'discovery', error: 'boom' }), // passing checks but an error
    ]),
    ['oc PASS', 'bc FAIL', 'dualfollower FAIL', 'discovery FAIL'],
  )
  // header only widens columns when a value is wider
  const narrow = summaryTable([suite({ suite: 'oc' })]).split('\n')
  t.equal(narrow[1], 'mode  verdict  checks  sync  time    roles')
  t.equal(narrow[2], 'oc    PASS     2/2     -     12.3 s  OC worker1:ens1f0(S); GM worker3:ens4f0')
  t.equal(summaryTable([]), 'summary:\nmode  verdict  checks  sync  time  roles')
})

t.test('humanReport: checks grouped by test', async (t) => {
  const r = suite({
    suite: 'bc',
    description: 'BC worker1:ens2f1(S),ens2f0(M); GM worker3:ens5f0',
    syncedAfterMs: 3100,
    durationMs: 20000,
    checks: [
      ok('grandmaster worker3:ens5f0 role', 'sync'),
      ok('BC worker1:ens2f1 (slave port) role', 'sync'),
      bad('worker1:ens2f1 leaves SLAVE when its link goes down', 'port down/up recovery'),
      ok('in sync again after ens2f1 link up', 'port down/up recovery'),
      ok('a new ptp4l process runs', 'process restart'),
    ],
  })
  const lines = humanReport(r).split('\n')
  const w = 'worker1:ens2f1 leaves SLAVE when its link goes down'.length // longest name
  t.same(lines, [
    'BC test on lab ptplab: BC worker1:ens2f1(S),ens2f0(M); GM worker3:ens5f0',
    '  sync',
    `    PASS  ${'grandmaster worker3:ens5f0 role'.padEnd(w)}  fine`,
    `    PASS  ${'BC worker1:ens2f1 (slave port) role'.padEnd(w)}  fine`,
    '  port down/up recovery',
    `    FAIL  ${'worker1:ens2f1 leaves SLAVE when its link goes down'.padEnd(w)}  FREERUN (0)  (expected LOCKED (1))`,
    `    PASS  ${'in sync again after ens2f1 link up'.padEnd(w)}  fine`,
    '  process restart',
    `    PASS  ${'a new ptp4l process runs'.padEnd(w)}  fine`,
    'verdict: FAIL (4/5 checks, in sync 3.1 s after the config was applied; 20.0 s)',
  ])
  // group headers at two spaces, checks at four
  t.same(
    lines.filter((l) => /^ {2}\S/.test(l)),
    ['  sync', '  port down/up recovery', '  process restart'],
  )
  t.ok(lines.filter((l) => /^ {4}(PASS|FAIL) /.test(l)).length === 5)

  // a test that comes back later gets its header again (order is kept, not sorted)
  const again = humanReport(suite({ checks: [ok('x', 'sync'), ok('y', 'process restart'), ok('z', 'sync')] })).split('\n')
  t.same(
    again.filter((l) => /^ {2}\S/.test(l)),
    ['  sync', '  process restart', '  sync'],
  )
})

t.test('humanReport: checks without a test in a grouped report go under (other)', async (t) => {
  const after = humanReport(suite({ checks: [ok('x', 'sync'), ok('y')] })).split('\n')
  t.same(after.slice(1, 5), ['  sync', '    PASS  x           fine', '  (other)', '    PASS  y           fine'])

  // also when the untagged check comes first: every indented check has a header above it
  const first = humanReport(suite({ checks: [ok('y'), ok('x', 'sync')] })).split('\n')
  t.same(first.slice(1, 5), ['  (other)', '    PASS  y           fine', '  sync', '    PASS  x           fine'])
})

t.test('humanReport: ungrouped when no check names a test', async (t) => {
  const r = suite({ checks: [ok('slave port role'), bad('slave clock state')], durationMs: 2345 })
  const lines = humanReport(r).split('\n')
  t.same(lines, [
    'OC test on lab ptplab: OC worker1:ens1f0(S); GM worker3:ens4f0',
    '  PASS  slave port role    fine',
    '  FAIL  slave clock state  FREERUN (0)  (expected LOCKED (1))',
    'verdict: FAIL (1/2 checks; 2.3 s)',
  ])
  t.notOk(lines.some((l) => l.startsWith('    ')), 'no four-space indentation without groups')
  t.notOk(lines.includes('  (other)'), 'no group header without groups')

  // names shorter than 10 characters are still padded to 10
  t.equal(humanReport(suite({ checks: [ok('a')] })).split('\n')[1], '  PASS  a           fine')

  // an error after grouped checks is still reported at two spaces
  const err = humanReport(suite({ checks: [bad('x', 'sync')], error: 'lab went away' })).split('\n')
  t.same(err.slice(1), ['  sync', '    FAIL  x           FREERUN (0)  (expected LOCKED (1))', '  ERROR lab went away', 'verdict: FAIL (0/1 checks; 12.3 s)'])
})
