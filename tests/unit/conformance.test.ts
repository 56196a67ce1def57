// The pure parts of the conformance suite: the "in sync" checks on
// synthetic observations, the reports,
// and the parsers they read (Prometheus text, pmc output), plus the CLI's
// offset window and mode parsing.
import t from 'tap'
import { parseModes, settingsFrom } from '../../lab/conformance/settings.js'
import { parseTestConfig, resolveTestEnv } from '../../lab/conformance/testconfig.js'
import { checkGrandmaster, checkParent, checkRole, checkSlaveSync, type ClockView, type Observation } from '../../lab/conformance/checks.js'

// The grandmaster check, then the parent check, as sync-checks.ts makes them for a slave.
const checkIdentityChain = (label: string, slave: ClockView | undefined, gm: ClockView | undefined, parent: { name: string; view: ClockView | undefined }) => [
  checkGrandmaster(label, slave, gm),
  checkParent(label, slave, parent),
]
import { humanReport, junitXml, suitePassed, type SuiteResult } from '../../lab/conformance/report.js'
import { clockOfPort, parsePmcOutput } from '../../lab/ptp/pmc-parse.js'
import { findSample, parsePromText } from '../../lab/ptp/prom-text.js'

const P = (node: string, port: string) => ({ node, port })

// ---------------------------------------------------------- prom-text.ts

t.test('parsePromText: special values', async (t) => {
  const s = parsePromText('a +Inf\nb -Inf\nc NaN\nd 1.5e3\n')
  t.same(s.map((x) => x.value), [Infinity, -Infinity, NaN, 1500])
})

t.test('parsePromText: comments, HELP/TYPE, escaped labels', async (t) => {
  const text = [
    '# HELP openshift_ptp_offset_ns Offset from the time source in ns',
    '# TYPE openshift_ptp_offset_ns gauge',
    'openshift_ptp_offset_ns{from="master",process="ptp4l",node="worker1",iface="ens1fx"} -7',
    '# a free comment with a fake sample: fake_metric{a="b"} 1',
    '',
    'm{a="say \\"hi\\"",b="back\\\\slash",c="two\\nlines"} 5',
    'm{a="x,y",b="}"} 2.5',
    '   indented{k="v"}   -1e3   ',
    'no_labels 42',
    'empty_braces{} 1',
    'not a sample line',
    '{a="b"} 3',
  ].join('\n')
  const s = parsePromText(text)
  t.same(s, [
    { name: 'openshift_ptp_offset_ns', labels: { from: 'master', process: 'ptp4l', node: 'worker1', iface: 'ens1fx' }, value: -7 },
    { name: 'm', labels: { a: 'say "hi"', b: 'back\\slash', c: 'two\nlines' }, value: 5 },
    { name: 'm', labels: { a: 'x,y', b: '}' }, value: 2.5 },
    { name: 'indented', labels: { k: 'v' }, value: -1000 },
    { name: 'no_labels', labels: {}, value: 42 },
    { name: 'empty_braces', labels: {}, value: 1 },
  ])
  t.same(parsePromText(''), [])
  t.same(parsePromText('# HELP x y\n# TYPE x gauge\n'), [])
})

t.test('findSample: first sample whose labels include the match', async (t) => {
  const s = parsePromText(
    [
      'openshift_ptp_offset_ns{from="phc",process="phc2sys",node="w",iface="CLOCK_REALTIME"} 99',
      'openshift_ptp_offset_ns{from="master",process="ptp4l",node="w",iface="ens1fx"} 5',
      'openshift_ptp_offset_ns{from="master",process="ptp4l",node="w",iface="ens2fx"} 6',
      'openshift_ptp_clock_state{process="ptp4l",node="w",iface="ens1fx"} 1',
    ].join('\n'),
  )
  t.equal(findSample(s, 'openshift_ptp_offset_ns', { from: 'master', iface: 'ens2fx' })?.value, 6)
  t.equal(findSample(s, 'openshift_ptp_offset_ns', { from: 'master' })?.value, 5, 'first match wins')
  t.equal(findSample(s, 'openshift_ptp_offset_ns', {})?.value, 99, 'empty match: first of that name')
  t.equal(findSample(s, 'openshift_ptp_offset_ns', { iface: 'ens9fx' }), undefined)
  t.equal(findSample(s, 'openshift_ptp_offset_ns', { nosuchlabel: '' }), undefined, 'a missing label is not an empty one')
  t.equal(findSample(s, 'openshift_ptp_clock_state', { from: 'master' }), undefined)
  t.equal(findSample(s, 'nope', {}), undefined)
})

// ---------------------------------------------------------- pmc-parse.ts

// Real pmc output (pmc -u -b 0 'GET PARENT_DATA_SET' 'GET CURRENT_DATA_SET'
// 'GET DEFAULT_DATA_SET'): tabs, trailing space after the management id.
const PMC = [
  'sending: GET PARENT_DATA_SET',
  '\t1e4365.fffe.d5ab32-0 seq 0 RESPONSE MANAGEMENT PARENT_DATA_SET ',
  '\t\tparentPortIdentity                    1ad32b.fffe.307642-2',
  '\t\tparentStats                           0',
  '\t\tobservedParentOffsetScaledLogVariance 0xffff',
  '\t\tobservedParentClockPhaseChangeRate    0x7fffffff',
  '\t\tgrandmasterPriority1                  0',
  '\t\tgm.ClockClass                         6',
  '\t\tgm.ClockAccuracy                      0xfe',
  '\t\tgm.OffsetScaledLogVariance            0xffff',
  '\t\tgrandmasterPriority2                  128',
  '\t\tgrandmasterIdentity                   6a23f7.fffe.a8a944',
  '\t1e4365.fffe.d5ab32-0 seq 1 RESPONSE MANAGEMENT CURRENT_DATA_SET ',
  '\t\tstepsRemoved     2',
  '\t\toffsetFromMaster 5.0',
  '\t\tmeanPathDelay    1347.0',
  'sending: GET DEFAULT_DATA_SET',
  '\t1e4365.fffe.d5ab32-0 seq 2 RESPONSE MANAGEMENT DEFAULT_DATA_SET ',
  '\t\ttwoStepFlag             1',
  '\t\tslaveOnly               0',
  '\t\tnumberPorts             1',
  '\t\tpriority1               128',
  '\t\tclockClass              248',
  '\t\tclockAccuracy           0xfe',
  '\t\toffsetScaledLogVariance 0xffff',
  '\t\tpriority2               128',
  '\t\tclockIdentity           1e4365.fffe.d5ab32',
  '\t\tdomainNumber            24',
  '',
].join('\n')

t.test('parsePmcOutput: real output with sending lines', async (t) => {
  const rs = parsePmcOutput(PMC)
  t.same(
    rs.map((r) => [r.portIdentity, r.id]),
    [
      ['1e4365.fffe.d5ab32-0', 'PARENT_DATA_SET'],
      ['1e4365.fffe.d5ab32-0', 'CURRENT_DATA_SET'],
      ['1e4365.fffe.d5ab32-0', 'DEFAULT_DATA_SET'],
    ],
  )
  t.same(rs[0]?.fields, {
    parentPortIdentity: '1ad32b.fffe.307642-2',
    parentStats: '0',
    observedParentOffsetScaledLogVariance: '0xffff',
    observedParentClockPhaseChangeRate: '0x7fffffff',
    grandmasterPriority1: '0',
    'gm.ClockClass': '6',
    'gm.ClockAccuracy': '0xfe',
    'gm.OffsetScaledLogVariance': '0xffff',
    grandmasterPriority2: '128',
    grandmasterIdentity: '6a23f7.fffe.a8a944',
  })
  t.same(rs[1]?.fields, { stepsRemoved: '2', offsetFromMaster: '5.0', meanPathDelay: '1347.0' })
  t.equal(rs[2]?.fields.clockIdentity, '1e4365.fffe.d5ab32')
  t.equal(rs[2]?.fields.domainNumber, '24')
  t.equal(Object.keys(rs[2]?.fields ?? {}).length, 10)
  t.notOk(rs.some((r) => Object.keys(r.fields).some((k) => k.startsWith('sending'))), 'sending lines are no fields')

  // A missing trailing newline changes nothing.
  t.same(parsePmcOutput(PMC.trimEnd()), rs)
})

t.test('parsePmcOutput: edge cases', async (t) => {
  t.same(parsePmcOutput(''), [])
  t.same(parsePmcOutput('sending: GET PARENT_DATA_SET\n'), [], 'no response (timeout)')
  // A field line after an unrelated line belongs to no block.
  const rs = parsePmcOutput(
    ['\tab.cd.ef-1 seq 0 RESPONSE MANAGEMENT CURRENT_DATA_SET ', '\t\tstepsRemoved 1', 'sending: GET X', '\t\tstray 9', ''].join('\n'),
  )
  t.same(rs, [{ portIdentity: 'ab.cd.ef-1', id: 'CURRENT_DATA_SET', fields: { stepsRemoved: '1' } }])
})

t.test('clockOfPort: drops the port number', async (t) => {
  t.equal(clockOfPort('1ad32b.fffe.307642-2'), '1ad32b.fffe.307642')
  t.equal(clockOfPort('1ad32b.fffe.307642-10'), '1ad32b.fffe.307642')
  t.equal(clockOfPort('1e4365.fffe.d5ab32-0'), '1e4365.fffe.d5ab32')
  t.equal(clockOfPort('1e4365.fffe.d5ab32'), '1e4365.fffe.d5ab32')
})

// ------------------------------------------------------------- checks.ts

const SLAVE = P('worker1', 'ens1f0')
const GM = P('worker3', 'ens4f0')
const W = { min: -10000, max: 10000 }

interface SlaveMetrics {
  role?: number
  state?: number
  offset?: number
}

// Metrics text as the daemon exports it; phc2sys and another port carry
// values that would pass/fail differently, so a check reading the wrong
// series shows.
function slaveText(m: SlaveMetrics): string {
  const lines = [
    '# HELP openshift_ptp_interface_role 0 = PASSIVE, 1 = SLAVE, 2 = MASTER, 3 = FAULTY, 4 = UNKNOWN, 5 = LISTENING',
    '# TYPE openshift_ptp_interface_role gauge',
    'openshift_ptp_interface_role{process="ptp4l",node="worker1",iface="ens1f1"} 2',
    'openshift_ptp_offset_ns{from="phc",process="phc2sys",node="worker1",iface="CLOCK_REALTIME"} 999999',
    'openshift_ptp_offset_ns{from="master",process="ptp4l",node="worker1",iface="ens2fx"} 999999',
    'openshift_ptp_clock_state{process="ptp4l",node="worker1",iface="ens2fx"} 1',
  ]
  if (m.role !== undefined) lines.push(`openshift_ptp_interface_role{process="ptp4l",node="worker1",iface="ens1f0"} ${m.role}`)
  if (m.state !== undefined) lines.push(`openshift_ptp_clock_state{process="ptp4l",node="worker1",iface="ens1fx"} ${m.state}`)
  if (m.offset !== undefined) lines.push(`openshift_ptp_offset_ns{from="master",process="ptp4l",node="worker1",iface="ens1fx"} ${m.offset}`)
  return lines.join('\n') + '\n'
}

const GM_TEXT = 'openshift_ptp_interface_role{process="ptp4l",node="worker3",iface="ens4f0"} 2\n'

const obsOf = (m: SlaveMetrics): Observation => ({
  metrics: { worker1: parsePromText(slaveText(m)), worker3: parsePromText(GM_TEXT) },
  clocks: {},
})

const summary = (rs: Array<{ name: string; pass: boolean; measured: string; expected: string }>) => rs.map((r) => [r.name, r.pass, r.measured, r.expected])

t.test('checkSlaveSync: pass', async (t) => {
  const rs = checkSlaveSync('OC slave', obsOf({ role: 1, state: 1, offset: -7 }), SLAVE, W)
  t.same(summary(rs), [
    ['OC slave role', true, 'SLAVE (1)', 'SLAVE (1)'],
    ['OC slave clock state', true, 'LOCKED (1)', 'LOCKED (1)'],
    ['OC slave offset from master', true, '-7 ns', '[-10000, 10000] ns'],
  ])
  // Window edges are inside.
  t.ok(checkSlaveSync('s', obsOf({ role: 1, state: 1, offset: 10000 }), SLAVE, W)[2]?.pass)
  t.ok(checkSlaveSync('s', obsOf({ role: 1, state: 1, offset: -10000 }), SLAVE, W)[2]?.pass)
  t.ok(checkSlaveSync('s', obsOf({ role: 1, state: 1, offset: 0 }), SLAVE, { min: 0, max: 0 })[2]?.pass)
})

t.test('checkSlaveSync: each failure', async (t) => {
  const wrongRole = checkSlaveSync('s', obsOf({ role: 2, state: 1, offset: 1 }), SLAVE, W)
  t.same(summary(wrongRole)[0], ['s role', false, 'MASTER (2)', 'SLAVE (1)'])
  t.same(wrongRole.map((r) => r.pass), [false, true, true])
  t.equal(checkSlaveSync('s', obsOf({ role: 3, state: 1, offset: 1 }), SLAVE, W)[0]?.measured, 'FAULTY (3)')
  t.equal(checkSlaveSync('s', obsOf({ role: 5, state: 1, offset: 1 }), SLAVE, W)[0]?.measured, 'LISTENING (5)')

  const freerun = checkSlaveSync('s', obsOf({ role: 1, state: 0, offset: 1 }), SLAVE, W)
  t.same(freerun.map((r) => r.pass), [true, false, true])
  t.equal(freerun[1]?.measured, 'FREERUN (0)')
  t.equal(freerun[1]?.expected, 'LOCKED (1)')
  const holdover = checkSlaveSync('s', obsOf({ role: 1, state: 2, offset: 999999 }), SLAVE, W)
  t.same(holdover.map((r) => r.pass), [true, false, false])
  t.equal(holdover[1]?.measured, 'HOLDOVER (2)')

  const above = checkSlaveSync('s', obsOf({ role: 1, state: 1, offset: 10001 }), SLAVE, W)
  t.same(above.map((r) => r.pass), [true, true, false])
  t.equal(above[2]?.measured, '10001 ns')
  const below = checkSlaveSync('s', obsOf({ role: 1, state: 1, offset: -10001 }), SLAVE, W)
  t.equal(below[2]?.pass, false)
  t.equal(checkSlaveSync('s', obsOf({ role: 1, state: 1, offset: 50 }), SLAVE, { min: -10, max: 10 })[2]?.expected, '[-10, 10] ns')

  // Missing metrics: the other port's / phc2sys' series must not stand in.
  const missing = checkSlaveSync('s', obsOf({}), SLAVE, W)
  t.same(summary(missing), [
    ['s role', false, 'no metric', 'SLAVE (1)'],
    ['s clock state', false, 'no metric', 'LOCKED (1)'],
    ['s offset from master', false, 'no metric', '[-10000, 10000] ns'],
  ])
  const noOffset = checkSlaveSync('s', obsOf({ role: 1, state: 1 }), SLAVE, W)
  t.same(noOffset.map((r) => r.pass), [true, true, false])

  // No metrics at all for the node.
  const noNode = checkSlaveSync('s', { metrics: {}, clocks: {} }, SLAVE, W)
  t.same(noNode.map((r) => [r.pass, r.measured]), [
    [false, 'no metric'],
    [false, 'no metric'],
    [false, 'no metric'],
  ])
})

t.test('checkRole: grandmaster port', async (t) => {
  const obs = obsOf({ role: 1, state: 1, offset: 1 })
  t.same(summary([checkRole('GM', obs, GM, 'MASTER')]), [['GM role', true, 'MASTER (2)', 'MASTER (2)']])
  t.same(summary([checkRole('GM', obs, GM, 'SLAVE')]), [['GM role', false, 'MASTER (2)', 'SLAVE (1)']])
  t.equal(checkRole('x', obs, P('worker3', 'ens5f0'), 'MASTER').measured, 'no metric')
  t.equal(checkRole('x', obs, P('worker2', 'ens3f0'), 'MASTER').pass, false)
})

t.test('grandmaster and parent checks: from pmc data sets', async (t) => {
  // The slave's view built the way observe.ts does from pmc output.
  const rs = parsePmcOutput(PMC)
  const get = (id: string) => rs.find((r) => r.id === id)?.fields
  const slave: ClockView = {
    clockIdentity: get('DEFAULT_DATA_SET')?.clockIdentity,
    grandmasterIdentity: get('PARENT_DATA_SET')?.grandmasterIdentity,
    parentClock: clockOfPort(get('PARENT_DATA_SET')?.parentPortIdentity ?? ''),
    stepsRemoved: Number(get('CURRENT_DATA_SET')?.stepsRemoved),
  }
  t.same(slave, { clockIdentity: '1e4365.fffe.d5ab32', grandmasterIdentity: '6a23f7.fffe.a8a944', parentClock: '1ad32b.fffe.307642', stepsRemoved: 2 })

  const gm: ClockView = { clockIdentity: '6a23f7.fffe.a8a944' }
  const sw = { name: 'switch1', view: { clockIdentity: '1ad32b.fffe.307642' } }
  t.same(summary(checkIdentityChain('OC', slave, gm, sw)), [
    ['OC grandmaster identity', true, '6a23f7.fffe.a8a944', '6a23f7.fffe.a8a944'],
    ['OC parent is switch1', true, '1ad32b.fffe.307642', '1ad32b.fffe.307642'],
  ])

  // Wrong grandmaster.
  const wrongGm = checkIdentityChain('OC', slave, { clockIdentity: '001122.fffe.334455' }, sw)
  t.same(wrongGm.map((r) => r.pass), [false, true])
  t.equal(wrongGm[0]?.measured, '6a23f7.fffe.a8a944')
  t.equal(wrongGm[0]?.expected, '001122.fffe.334455')

  // Wrong parent: the slave hears the GM directly, not through the switch.
  const wrongParent = checkIdentityChain('OC', { ...slave, parentClock: '6a23f7.fffe.a8a944' }, gm, sw)
  t.same(wrongParent.map((r) => r.pass), [true, false])
  t.equal(wrongParent[1]?.measured, '6a23f7.fffe.a8a944')
  t.equal(wrongParent[1]?.expected, '1ad32b.fffe.307642')

  // Unknown identities never pass, even when both sides are unknown.
  const unknown = checkIdentityChain('OC', {}, {}, { name: 'switch1', view: undefined })
  t.same(summary(unknown), [
    ['OC grandmaster identity', false, 'unknown', 'grandmaster clock identity (unknown)'],
    ['OC parent is switch1', false, 'unknown', 'switch1 clock identity (unknown)'],
  ])
  const noSlave = checkIdentityChain('OC', undefined, gm, sw)
  t.same(noSlave.map((r) => [r.pass, r.measured]), [
    [false, 'unknown'],
    [false, 'unknown'],
  ])
})

// ------------------------------------------------------------- report.ts

interface XmlElement {
  name: string
  attrs: Record<string, string>
  children: XmlElement[]
  text: string
}

// A strict little XML reader: enough to prove the report is well-formed
// (balanced tags, quoted attributes, only the five predefined entities, no
// raw '<' or '&') and to read back what it says.
function parseXml(xml: string): XmlElement {
  const PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n'
  if (!xml.startsWith(PROLOG)) throw new Error('missing XML declaration')
  const ENT: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }
  const decode = (s: string) => {
    if (/&(?!(amp|lt|gt|quot|apos);)/.test(s)) throw new Error(`bare '&' in ${JSON.stringify(s)}`)
    return s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENT[e]!)
  }
  const TOKEN = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/y
  const ATTR = /\s+([A-Za-z_][\w.-]*)="([^"<]*)"/g
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' }
  const stack = [root]
  let pos = PROLOG.length
  while (pos < xml.length) {
    TOKEN.lastIndex = pos
    const m = TOKEN.exec(xml)
    if (!m) throw new Error(`not well-formed at ${pos}: ${JSON.stringify(xml.slice(pos, pos + 40))}`)
    pos = TOKEN.lastIndex
    const top = stack[stack.length - 1]!
    if (m[5] !== undefined) {
      const text = decode(m[5])
      if (stack.length === 1 && text.trim()) throw new Error('text outside the root element')
      top.text += text
      continue
    }
    const [, close, name, attrText, selfClose] = m
    if (close) {
      if (attrText || selfClose) throw new Error(`bad end tag ${name}`)
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`)
      stack.pop()
      continue
    }
    const attrs: Record<string, string> = {}
    for (const a of (attrText ?? '').matchAll(ATTR)) {
      if (a[1]! in attrs) throw new Error(`duplicate attribute ${a[1]}`)
      attrs[a[1]!] = decode(a[2]!)
    }
    const el: XmlElement = { name: name!, attrs, children: [], text: '' }
    if (stack.length === 1 && root.children.length) throw new Error('more than one root element')
    top.children.push(el)
    if (!selfClose) stack.push(el)
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`)
  if (root.children.length !== 1) throw new Error('no root element')
  return root.children[0]!
}

const all = (e: XmlElement, name: string): XmlElement[] => [...(e.name === name ? [e] : []), ...e.children.flatMap((c) => all(c, name))]

t.test('parseXml (the test helper) rejects what is not well-formed', async (t) => {
  const head = '<?xml version="1.0" encoding="UTF-8"?>\n'
  t.throws(() => parseXml(`${head}<a b="x & y"/>`))
  t.throws(() => parseXml(`${head}<a b="x < y"/>`))
  t.throws(() => parseXml(`${head}<a b="say "hi""/>`))
  t.throws(() => parseXml(`${head}<a><b></a></b>`))
  t.throws(() => parseXml(`${head}<a>1 < 2</a>`))
  t.throws(() => parseXml(`${head}<a/><b/>`))
  t.same(parseXml(`${head}<a x="&lt;&amp;&quot;"><b/>t &gt;</a>`), {
    name: 'a',
    attrs: { x: '<&"' },
    children: [{ name: 'b', attrs: {}, children: [], text: '' }],
    text: 't >',
  })
})

const NASTY = `<tag> & "quoted" 'single'`
const result = (over: Partial<SuiteResult> = {}): SuiteResult => ({
  suite: 'oc',
  target: 'lab ptplab',
  description: `slave worker1:ens1f0, GM worker3:ens4f0 via switch1 ${NASTY}`,
  startedAt: '2025-01-02T03:04:05.000Z',
  durationMs: 2345,
  checks: [
    { name: 'OC slave port worker1:ens1f0 role', pass: true, measured: 'SLAVE (1)', expected: 'SLAVE (1)' },
    { name: 'OC slave clock state', pass: false, measured: 'FREERUN (0)', expected: 'LOCKED (1)' },
    { name: `OC offset ${NASTY}`, pass: false, measured: `12345 ns ${NASTY}`, expected: '[-10000, 10000] ns' },
  ],
  ...over,
})

t.test('humanReport: PASS/FAIL lines and verdict', async (t) => {
  const fail = humanReport(result())
  const lines = fail.split('\n')
  t.equal(lines[0], `OC test on lab ptplab: slave worker1:ens1f0, GM worker3:ens4f0 via switch1 ${NASTY}`)
  t.match(lines[1], /^ {2}PASS {2}OC slave port worker1:ens1f0 role +SLAVE \(1\)$/)
  t.match(lines[2], /^ {2}FAIL {2}OC slave clock state +FREERUN \(0\) {2}\(expected LOCKED \(1\)\)$/)
  t.ok(lines[3]?.startsWith('  FAIL  OC offset <tag>'))
  t.ok(lines[3]?.endsWith('(expected [-10000, 10000] ns)'))
  t.equal(lines[4], 'verdict: FAIL (1/3 checks; 2.3 s)')
  t.equal(lines.length, 5)
  // Names are padded to one column.
  t.equal(lines[1]?.indexOf('SLAVE (1)'), lines[2]?.indexOf('FREERUN (0)'))

  const passChecks = result().checks.map((c) => ({ ...c, pass: true }))
  const pass = humanReport(result({ checks: passChecks, syncedAfterMs: 1500 }))
  t.equal(pass.split('\n').at(-1), 'verdict: PASS (3/3 checks, in sync 1.5 s after the config was applied; 2.3 s)')
  t.notMatch(pass, /FAIL|expected/)
  t.ok(suitePassed(result({ checks: passChecks })))

  const err = humanReport(result({ checks: [], error: 'no two nodes share a LAN' }))
  t.same(err.split('\n').slice(1), ['  ERROR no two nodes share a LAN', 'verdict: FAIL (0/0 checks; 2.3 s)'])
  t.notOk(suitePassed(result({ checks: [] })), 'no checks is no pass')
  t.notOk(suitePassed(result({ checks: passChecks, error: 'x' })), 'an error fails the suite')
})

t.test('junitXml: well-formed, escaped, failures counted', async (t) => {
  const r = result()
  const xml = junitXml(r)
  const doc = parseXml(xml)
  t.equal(doc.name, 'testsuites')
  t.same(doc.attrs, { name: 'ptplab', tests: '3', failures: '2', errors: '0', time: '2.345' })
  const [suite] = doc.children
  t.equal(suite?.name, 'testsuite')
  t.same(suite?.attrs, {
    name: 'ptplab-oc', tests: '3', failures: '2', errors: '0', skipped: '0', time: '2.345', timestamp: '2025-01-02T03:04:05',
    hostname: 'localhost', id: '0', package: 'ptplab.oc',
  })
  const props = all(doc, 'property')
  t.same(
    props.map((p) => p.attrs),
    [
      { name: 'target', value: 'lab ptplab' },
      { name: 'description', value: r.description },
      { name: 'startedAt', value: r.startedAt },
    ],
    'description round-trips through escaping',
  )
  const cases = all(doc, 'testcase')
  t.same(
    cases.map((c) => c.attrs.name),
    r.checks.map((c) => c.name),
  )
  t.ok(cases.every((c) => c.attrs.classname === 'ptplab.oc.other'), 'checks of no named test: class ptplab.oc.other')
  const failures = all(doc, 'failure')
  t.equal(failures.length, 2)
  t.equal(failures.length, Number(doc.attrs.failures))
  t.same(
    failures.map((f) => f.attrs.message),
    ['measured FREERUN (0), expected LOCKED (1)', `measured 12345 ns ${NASTY}, expected [-10000, 10000] ns`],
  )
  t.equal(all(cases[0]!, 'system-out')[0]?.text, 'measured: SLAVE (1)')
  t.equal(all(cases[0]!, 'failure').length, 0, 'a passing case has no failure')
  t.equal(all(doc, 'error').length, 0)
  // Raw special characters never reach the XML.
  t.notOk(xml.includes('<tag>'))
  t.notOk(xml.includes('"quoted"'))
  t.ok(xml.endsWith('</testsuites>\n'))
})

t.test('junitXml: error case', async (t) => {
  const doc = parseXml(junitXml(result({ checks: [], error: `pmc failed: <timeout> & "no answer"` })))
  t.same(doc.attrs, { name: 'ptplab', tests: '1', failures: '0', errors: '1', time: '2.345' })
  const errors = all(doc, 'error')
  t.equal(errors.length, 1)
  t.equal(errors[0]?.attrs.message, `pmc failed: <timeout> & "no answer"`)
  t.same(
    all(doc, 'testcase').map((c) => c.attrs.name),
    ['setup'],
  )
  // Checks that did run are still reported next to the error.
  const mixed = parseXml(junitXml(result({ error: 'interrupted' })))
  t.same(mixed.attrs, { name: 'ptplab', tests: '4', failures: '2', errors: '1', time: '2.345' })
  t.equal(all(mixed, 'failure').length, 2)
  t.equal(all(mixed, 'error').length, 1)
})

// ------------------------------------------------------- settings.ts

t.test('parseModes', async (t) => {
  t.same(parseModes('oc'), ['oc'])
  t.same(parseModes(' OC '), ['oc'], 'case and blanks do not matter')
  t.same(parseModes('oc,'), ['oc'], 'empty items are dropped')
  t.same(parseModes('OC,BC,DualNICBC,DualFollower,Discovery'), ['oc', 'bc', 'dualnicbc', 'dualfollower', 'discovery'], 'upstream spellings')
  t.throws(() => parseModes('nonsense'), { name: 'InputError', field: '--mode', message: /unknown test mode "nonsense" \(known: OC, BC, DualNICBC, DualNICBCHA, DualFollower, TGM, TBC, Discovery\)/ })
  for (const bad of ['oc,tgm', 'OC,DualNICBCHA']) {
    t.throws(() => parseModes(bad), { name: 'InputError', field: '--mode', message: /test mode (TGM|DualNICBCHA) is not supported by ptplab yet: .* \(supported: OC, BC, DualNICBC, DualFollower, Discovery\)/ }, bad)
  }
  t.throws(() => parseModes(''), { field: '--mode', message: /no mode given/ })
  t.throws(() => parseModes(' , '), { field: '--mode', message: /no mode given/ })
  t.same(parseModes('oc,OC'), ['oc'], 'a repeated mode runs once')
})

t.test('settingsFrom: flags, environment and test config together', async (t) => {
  const S = (mode: string | undefined, env: Record<string, string>) => settingsFrom(mode, resolveTestEnv(env), env)
  t.same(S('oc', {}), {
    modes: ['oc'],
    window: { min: -10000, max: 10000 },
    timeoutMs: 60_000,
    keepConfig: false,
    externalGm: false,
    skipInterfaces: [],
    soak: undefined,
    logs: undefined,
  })
  t.same(S(undefined, {}).modes, ['oc'], 'no --mode, no PTP_TEST_MODE: OC')
  t.same(S(undefined, { PTP_TEST_MODE: 'DualNICBC' }).modes, ['dualnicbc'], 'PTP_TEST_MODE when --mode is absent')
  t.same(S(undefined, { DISCOVERY_MODE: 'true' }).modes, ['discovery'], 'legacy DISCOVERY_MODE')
  t.same(S('bc,oc', { PTP_TEST_MODE: 'DualFollower' }).modes, ['bc', 'oc'], '--mode wins over the environment')
  t.throws(() => S(undefined, { PTP_TEST_MODE: 'TGM' }), { name: 'InputError', message: /not supported by ptplab/ })
  t.same(S('oc', { MIN_OFFSET_IN_NS: '-100', MAX_OFFSET_IN_NS: '100' }).window, { min: -100, max: 100 })
  t.equal(S('oc', { PTPLAB_SYNC_TIMEOUT_S: '5' }).timeoutMs, 5000)
  t.equal(S('oc', { KEEP_PTPCONFIG: 'true' }).keepConfig, true)
  t.equal(S('oc', { EXTERNAL_GM: 'true' }).externalGm, true)
  t.same(S('oc', { SKIP_INTERFACES: 'eno1, ens2f1' }).skipInterfaces, ['eno1', 'ens2f1'])
  t.same(S('oc', { COLLECT_POD_LOGS: 'true' }).logs, { dir: './test-logs', markers: true })
  t.same(S('oc', { COLLECT_POD_LOGS: 'true', LOG_TEST_MARKERS: 'false', LOG_ARTIFACTS_DIR: '/tmp/x' }).logs, { dir: '/tmp/x', markers: false })
  for (const v of ['abc', '0', '-3', '1.5', ' '])
    t.throws(() => S('oc', { PTPLAB_SYNC_TIMEOUT_S: v }), { name: 'InputError', field: 'PTPLAB_SYNC_TIMEOUT_S' }, v)
  t.equal(S('oc', {}).servoWindowMs, undefined, 'the default servo window')
  t.equal(S('oc', { PTPLAB_SERVO_WINDOW_S: '20' }).servoWindowMs, 20_000)
  for (const v of ['x', '0', '-1'])
    t.throws(() => S('oc', { PTPLAB_SERVO_WINDOW_S: v }), { name: 'InputError', field: 'PTPLAB_SERVO_WINDOW_S' }, v)
  t.equal(S('oc', {}).debug, undefined)
  t.equal(S('oc', { PTPLAB_DEBUG: '1' }).debug, true, 'PTPLAB_DEBUG: the failing checks while waiting for sync')
})

t.test('settingsFrom: slave_clock_sync soak from the test config', async (t) => {
  const cfg = (yaml: string) => parseTestConfig(yaml, 'ptptestconfig.yaml')
  const on = cfg('soaktest:\n  disable_all: false\n  failure_threshold: 2\n  slave_clock_sync:\n    spec:\n      enable: true\n      duration: 0.5\n      failure_threshold: 3\n')
  t.same(settingsFrom('oc', resolveTestEnv({}, on), {}).soak, { durationMs: 30_000, failureThreshold: 3 })
  const off = cfg('soaktest:\n  disable_all: true\n  slave_clock_sync:\n    spec:\n      enable: true\n      duration: 1\n')
  t.equal(settingsFrom('oc', resolveTestEnv({}, off), {}).soak, undefined, 'disable_all wins')
  const disabled = cfg('soaktest:\n  slave_clock_sync:\n    spec:\n      enable: false\n      duration: 1\n')
  t.equal(settingsFrom('oc', resolveTestEnv({}, disabled), {}).soak, undefined)
})
