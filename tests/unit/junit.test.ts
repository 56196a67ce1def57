// JUnit XML (lab/conformance/report.ts junitXml) against the schema CI
// viewers read (tests/fixtures/junit-schema.ts, from jenkinsci/xunit-plugin's
// junit-10.xsd): well formed, only schema elements and attributes, counts
// that match, real per-testcase times, the named test as the class.
import t from 'tap'
import type { CheckResult } from '../../lab/conformance/checks.js'
import { junitClassName, junitXml, type SuiteResult } from '../../lab/conformance/report.js'
import { junitViolations } from '../fixtures/junit-schema.js'
import { parseXml, type XmlElement } from '../fixtures/xml.js'

const check = (test: string | undefined, name: string, pass: boolean, durationMs?: number, measured = 'SLAVE (1)'): CheckResult => ({
  ...(test !== undefined && { test }),
  name,
  pass,
  measured,
  expected: 'SLAVE (1)',
  ...(durationMs !== undefined && { durationMs }),
})

const result: SuiteResult = {
  suite: 'oc',
  target: 'lab ptplab',
  description: 'OC worker1:ens1f0(S); GM worker3:ens4f0',
  startedAt: '2026-12-02T00:53:34.525Z',
  durationMs: 11234,
  syncedAfterMs: 2932,
  checks: [
    check('sync', 'OC worker1:ens1f0 (slave port) role', true, 2932),
    check('port down/up recovery', 'worker1:ens1f0 leaves SLAVE when its link goes down', false, 10_000, 'still SLAVE'),
    check('process restart', 'SIGTERM worker1 ptp4l: process_status 1 -> 0 -> 1', true, 1523),
    check('soak: slave_clock_sync', 'worker1 LOCKED -> not LOCKED transitions in 60.0 s', true, 60_000, '0'),
    check(undefined, 'untimed & <odd> "name"', true, undefined, 'a\u0007bell and \'quotes\''),
  ],
}

const cases = (root: XmlElement) => root.children[0]!.children.filter((c) => c.name === 'testcase')

t.test('junitXml fits the JUnit schema of CI viewers', async (t) => {
  const root = parseXml(junitXml(result))
  t.same(junitViolations(root), [])
  t.equal(root.name, 'testsuites')
  const suite = root.children[0]!
  t.same(
    { ...suite.attrs },
    { name: 'ptplab-oc', tests: '5', failures: '1', errors: '0', skipped: '0', time: '11.234', timestamp: '2026-12-02T00:53:34', hostname: 'localhost', id: '0', package: 'ptplab.oc' },
  )
  t.same(root.attrs, { name: 'ptplab', tests: '5', failures: '1', errors: '0', time: '11.234' })
  const props = Object.fromEntries(suite.children[0]!.children.map((p) => [p.attrs.name, p.attrs.value]))
  t.same(props, { target: 'lab ptplab', description: result.description, startedAt: result.startedAt })
})

t.test('each testcase: named test as class, check as name, its own time', async (t) => {
  const cs = cases(parseXml(junitXml(result)))
  t.same(
    cs.map((c) => [c.attrs.classname, c.attrs.name, c.attrs.time]),
    [
      ['ptplab.oc.sync', 'OC worker1:ens1f0 (slave port) role', '2.932'],
      ['ptplab.oc.port-down-up-recovery', 'worker1:ens1f0 leaves SLAVE when its link goes down', '10.000'],
      ['ptplab.oc.process-restart', 'SIGTERM worker1 ptp4l: process_status 1 -> 0 -> 1', '1.523'],
      ['ptplab.oc.soak-slave_clock_sync', 'worker1 LOCKED -> not LOCKED transitions in 60.0 s', '60.000'],
      ['ptplab.oc.other', 'untimed & <odd> "name"', '0'],
    ],
  )
  // Jenkins splits the classname at its last dot into package and class
  for (const c of cs) t.match(c.attrs.classname!, /^ptplab\.oc\.[A-Za-z0-9_-]+$/)
  const failed = cs[1]!.children
  t.same(failed.map((x) => x.name), ['failure'])
  t.same(failed[0]!.attrs, { message: 'measured still SLAVE, expected SLAVE (1)', type: 'check' })
  t.equal(failed[0]!.text, 'measured: still SLAVE\nexpected: SLAVE (1)')
  t.same(cs[0]!.children.map((x) => [x.name, x.text]), [['system-out', 'measured: SLAVE (1)']])
  t.equal(cs[4]!.children[0]!.text, "measured: a\ufffdbell and 'quotes'", 'a control character cannot break the XML')
})

t.test('a mode that could not run: one setup testcase in error', async (t) => {
  const r: SuiteResult = { ...result, suite: 'bc', checks: [], error: 'no bc assignment fits this lab: 2 interfaces in 1 LANs', durationMs: 45 }
  const root = parseXml(junitXml(r))
  t.same(junitViolations(root), [])
  const [c] = cases(root)
  t.same([c!.attrs.classname, c!.attrs.name, c!.attrs.time], ['ptplab.bc.setup', 'setup', '0.045'])
  t.same(c!.children[0]!.attrs, { message: r.error, type: 'setup' })
  t.same([root.children[0]!.attrs.tests, root.children[0]!.attrs.errors, root.children[0]!.attrs.failures], ['1', '1', '0'])
})

t.test('the schema check itself refuses what viewers refuse', async (t) => {
  const bad = (xml: string) => junitViolations(parseXml(xml))
  t.match(bad('<testsuites><testsuite name="x"><testcase name="a"/></testsuite></testsuites>'), [/required attribute tests missing/])
  t.match(bad('<testsuites><testsuite tests="2"><testcase name="a"/></testsuite></testsuites>'), [/tests="2" but 1 testcases/])
  t.match(bad('<testsuites><testsuite tests="1"><testcase name="a" time="1,5"/></testsuite></testsuites>'), [/no duration/])
  t.match(bad('<testsuites><testsuite tests="1" colour="red"><testcase/></testsuite></testsuites>'), [/colour is not in the schema/, /required attribute name missing/])
  t.match(bad('<testsuites><testsuite tests="1"><testcase name="a"><failed/></testcase></testsuite></testsuites>'), [/<failed> not allowed/, /unknown element/])
  t.match(bad('<testsuite tests="1" failures="0"><testcase name="a"><failure/></testcase></testsuite>'), [/failures="0" but 1 failed/])
  t.throws(() => parseXml('<a><b></a>'), /expected <\/b>/)
  t.throws(() => parseXml('<a x="1" x="2"/>'), /duplicate attribute/)
  t.throws(() => parseXml('<a>fish & chips</a>'), /bare '&'/)
})

t.test('junitClassName keeps names viewer-safe', async (t) => {
  t.equal(junitClassName('dualfollower', 'dual follower failover'), 'ptplab.dualfollower.dual-follower-failover')
  t.equal(junitClassName('oc', 'profile priority'), 'ptplab.oc.profile-priority')
  t.equal(junitClassName('oc', undefined), 'ptplab.oc.other')
})
