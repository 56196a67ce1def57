// L2 discovery reports (lab/discovery/report.ts) and the graph built from
// them (lab/discovery/graph.ts): parsing and validation, MAC normalisation,
// loading a report directory, vertices/edges/LANs as upstream builds them,
// SKIP_INTERFACES, PTP flags and the solver's predicates.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { InputError } from '../../lab/errors.js'
import { buildGraph, isPtp, realLans, sameLan, sameNic, sameNode, vertexName, type L2Graph } from '../../lab/discovery/graph.js'
import { loadL2Dir, normalizeMac, parseL2Report, type L2Report } from '../../lab/discovery/report.js'

const TMP = mkdtempSync(join(tmpdir(), 'ptplab-l2report-'))
t.teardown(() => rmSync(TMP, { recursive: true, force: true }))

// Upstream conformance README's example, one interface shortened.
const SEED = `{
  "88b5": {
    "eno5np0": {
      "Local": { "IfName": "eno5np0", "IfMac": { "Data": "F4:03:43:D1:70:A0" }, "IfIndex": 2 },
      "Remote": { "F4:03:43:D1:40:F0": true, "F4:03:43:D1:65:D0": true }
    },
    "ens3f0": {
      "Local": {
        "IfName": "ens3f0",
        "IfMac": { "Data": "48:DF:37:BC:F1:64" },
        "IfIndex": 6,
        "IfPci": { "Device": "0000:3b:00", "Function": "0", "Description": "Ethernet controller: Intel E810", "Subsystem": "E810-XXV-4T" },
        "IfPTPCaps": { "HwRx": true, "HwTx": true, "HwRawClock": true, "PhcIndex": 1, "HasPtpPins": true, "GnssDevice": "" },
        "IfUp": true,
        "IfMaster": "",
        "IfSlaveType": ""
      },
      "Remote": { "48:DF:37:BC:F0:E0": true }
    }
  },
  "88f7": {
    "ens3f0": {
      "Local": { "IfName": "ens3f0", "IfMac": { "Data": "48:DF:37:BC:F1:64" } },
      "Remote": { "00:11:22:33:44:55": true },
      "ptpAnnounces": { "001122.fffe.334455": { "domainNumber": 24, "clockClass": 6 } }
    }
  }
}`

const fails = (t: Test, fn: () => unknown, want: { field?: string; file?: string; line?: number; msg: RegExp }) => {
  try {
    fn()
    t.fail(`expected an InputError matching ${want.msg}`)
  } catch (e) {
    t.ok(e instanceof InputError, `InputError (${(e as Error).message})`)
    const ie = e as InputError
    t.equal(ie.field, want.field, 'field')
    if ('file' in want) t.equal(ie.file, want.file, 'file')
    if (want.line !== undefined) t.equal(ie.line, want.line, 'line')
    t.match(ie.message, want.msg)
  }
}


// ---------------------------------------------------------------- parsing

t.test('parseL2Report: upstream shape, defaults like Go zero values, unknown fields ignored', async (t) => {
  const r = parseL2Report(SEED, 'w1.json')
  t.same(Object.keys(r['88b5']), ['eno5np0', 'ens3f0'])
  t.same(r['88b5'].eno5np0, {
    Local: {
      IfName: 'eno5np0',
      IfMac: { Data: 'F4:03:43:D1:70:A0' },
      IfIndex: 2,
      IfPci: { Device: '', Function: '', Description: '', Subsystem: '' },
      IfPTPCaps: { HwRx: false, HwTx: false, HwRawClock: false, PhcIndex: -1 },
      IfUp: false,
    },
    Remote: { 'F4:03:43:D1:40:F0': true, 'F4:03:43:D1:65:D0': true },
  })
  const e = r['88b5'].ens3f0!
  t.same(e.Local.IfPci, { Device: '0000:3b:00', Function: '0', Description: 'Ethernet controller: Intel E810', Subsystem: 'E810-XXV-4T' })
  t.same(e.Local.IfPTPCaps, { HwRx: true, HwTx: true, HwRawClock: true, PhcIndex: 1 })
  t.equal(e.Local.IfUp, true)
  t.same(Object.keys(r['88f7']), ['ens3f0'])
  t.same(r['88f7'].ens3f0!.Remote, { '00:11:22:33:44:55': true })
  t.equal(r['0000'], undefined)

  // both known sections are always there after parsing
  const empty = parseL2Report('{}')
  t.same(empty, { '88b5': {}, '88f7': {} })
  // a null/missing Remote is an empty map (Go), "0000" lists local interfaces
  const local = parseL2Report('{"0000": {"eth0": {"Local": {"IfName": "eth0", "IfMac": {"Data": "02:00:00:00:00:01"}}, "Remote": null}}}')
  t.same(local['0000']?.eth0?.Remote, {})
})

t.test('parseL2Report: MACs compare case-insensitively (normalised upper case, colons)', async (t) => {
  const r = parseL2Report(
    JSON.stringify({
      '88B5': {
        p0: {
          Local: { IfName: 'p0', IfMac: { Data: 'f4:03:43:d1:70:a0' } },
          Remote: { 'aa:bb:cc:dd:ee:0f': true, 'AA:BB:CC:DD:EE:0F': true, '0a1b2c3d4e5f': true },
        },
      },
    }),
  )
  t.equal(r['88b5'].p0?.Local.IfMac.Data, 'F4:03:43:D1:70:A0')
  t.same(r['88b5'].p0?.Remote, { 'AA:BB:CC:DD:EE:0F': true, '0A:1B:2C:3D:4E:5F': true }, 'merged, bare form accepted')
  t.equal(normalizeMac('F40343D170A0'), 'F4:03:43:D1:70:A0')
  t.equal(normalizeMac('f4-03-43-d1-70-a0'), undefined)
  t.equal(normalizeMac('F4:03:43:D1:70'), undefined)
})

t.test('parseL2Report: bad JSON names the file, line and column', async (t) => {
  fails(t, () => parseL2Report('{\n  "88b5": {\n    "p0": ,\n  }\n}', 'reports/w1.json'), {
    file: 'reports/w1.json',
    line: 3,
    field: undefined,
    msg: /^reports\/w1\.json:3: invalid JSON: unexpected "," \(column 11\)$/,
  })
  fails(t, () => parseL2Report('', 'x.json'), { file: 'x.json', line: 1, field: undefined, msg: /^x\.json:1: invalid JSON: unexpected end of input/ })
  fails(t, () => parseL2Report('{"88b5": {}}\n{}', 'x.json'), { line: 2, field: undefined, msg: /unexpected "\{" after the JSON value \(column 1\)/ })
  fails(t, () => parseL2Report('{"88b5": {"p0": {"Local" {}}}}', 'x.json'), { line: 1, field: undefined, msg: /expected ':', got "\{" \(column 26\)/ })
  fails(t, () => parseL2Report('{"a": [1, 2,]}', 'x.json'), { line: 1, field: undefined, msg: /unexpected "]"/ })
  fails(t, () => parseL2Report("{'88b5': {}}", 'x.json'), { line: 1, field: undefined, msg: /expected a quoted key, got "'"/ })
})

t.test('parseL2Report: bad fields name the field path', async (t) => {
  const ok = () => ({ Local: { IfName: 'p0', IfMac: { Data: '02:00:00:00:00:01' } }, Remote: { '02:00:00:00:00:02': true } })
  const doc = (patch: (e: ReturnType<typeof ok>) => unknown, key = 'p0') => {
    const e = ok()
    ;(e.Local as Record<string, unknown>).IfName = key
    const out = patch(e) ?? e
    return JSON.stringify({ '88b5': { [key]: out } })
  }
  const cases: Array<[string, string, string | undefined, RegExp]> = [
    ['top level is an array', '[]', undefined, /must be a JSON object, got \[\]/],
    ['section not an object', '{"88b5": 3}', '88b5', /must be a JSON object, got 3/],
    ['not an ethertype', '{"probe": {}}', 'probe', /not an ethertype/],
    ['entry not an object', '{"88b5": {"p0": "x"}}', '88b5.p0', /must be a JSON object/],
    ['__proto__ as interface name', '{"88b5": {"__proto__": {}}}', '88b5.__proto__', /not an interface name/],
    ['Local missing', doc((e) => ({ Remote: e.Remote })), '88b5.p0.Local', /is required/],
    ['IfName missing', doc((e) => ({ ...e, Local: { IfMac: e.Local.IfMac } })), '88b5.p0.Local.IfName', /is required/],
    ['IfMac missing', doc((e) => ({ ...e, Local: { IfName: 'p0' } })), '88b5.p0.Local.IfMac', /must be a JSON object, got undefined/],
    ['bad MAC', doc((e) => ((e.Local.IfMac.Data = 'zz:00:00:00:00:01'), e)), '88b5.p0.Local.IfMac.Data', /not a MAC address: "zz:00:00:00:00:01"/],
    ['IfName differs from key', doc((e) => ((e.Local.IfName = 'p1'), e)), '88b5.p0.Local.IfName', /"p1" differs from its key "p0"/],
    ['IfIndex not an integer', doc((e) => ({ ...e, Local: { ...e.Local, IfIndex: 1.5 } })), '88b5.p0.Local.IfIndex', /must be an integer, got 1.5/],
    ['IfUp not boolean', doc((e) => ({ ...e, Local: { ...e.Local, IfUp: 'yes' } })), '88b5.p0.Local.IfUp', /must be true or false/],
    ['IfPci.Device not a string', doc((e) => ({ ...e, Local: { ...e.Local, IfPci: { Device: 1 } } })), '88b5.p0.Local.IfPci.Device', /must be a string, got 1/],
    [
      'IfPTPCaps.HwRx not boolean',
      doc((e) => ({ ...e, Local: { ...e.Local, IfPTPCaps: { HwRx: 'true' } } })),
      '88b5.p0.Local.IfPTPCaps.HwRx',
      /must be true or false, got "true"/,
    ],
    ['Remote not an object', doc((e) => ({ ...e, Remote: ['02:00:00:00:00:02'] })), '88b5.p0.Remote', /must be a JSON object/],
    ['Remote key not a MAC', doc((e) => ({ ...e, Remote: { nope: true } })), '88b5.p0.Remote', /not a MAC address: "nope"/],
    ['Remote value not boolean', doc((e) => ({ ...e, Remote: { '02:00:00:00:00:02': 1 } })), '88b5.p0.Remote["02:00:00:00:00:02"]', /must be true or false, got 1/],
    ['odd key quoted in the path', doc((e) => ((e.Local.IfMac.Data = 'x'), e), 'ens1f0.100'), '88b5["ens1f0.100"].Local.IfMac.Data', /not a MAC/],
  ]
  for (const [name, text, field, msg] of cases) t.test(name, async (t) => fails(t, () => parseL2Report(text, 'w.json'), { file: 'w.json', field, msg }))
})

// ---------------------------------------------------------------- loadL2Dir

t.test('loadL2Dir: <node>.json files, node = file name, other files ignored', async (t) => {
  const dir = join(TMP, 'reports')
  mkdirSync(dir)
  writeFileSync(join(dir, 'worker2.json'), '{"88b5": {}}')
  writeFileSync(join(dir, 'worker1.json'), SEED)
  writeFileSync(join(dir, 'README.txt'), 'not a report')
  writeFileSync(join(dir, '.json'), '{}') // no node name: ignored
  const m = await loadL2Dir(dir)
  t.same([...m.keys()], ['worker1', 'worker2'])
  t.same(Object.keys(m.get('worker1')!['88b5']), ['eno5np0', 'ens3f0'])

  const empty = join(TMP, 'empty')
  mkdirSync(empty)
  t.equal((await loadL2Dir(empty)).size, 0)
})

t.test('loadL2Dir: unreadable directory or bad report is an InputError naming it', async (t) => {
  const missing = join(TMP, 'nope')
  await t.rejects(loadL2Dir(missing), { name: 'InputError', file: missing, message: /cannot read L2 report directory: ENOENT/ })

  const dir = join(TMP, 'bad')
  mkdirSync(dir)
  writeFileSync(join(dir, 'a.json'), '{}')
  writeFileSync(join(dir, 'b.json'), '{"88b5": {"p0": {"Local": {"IfName": "p0", "IfMac": {"Data": "nope"}}}}}')
  await t.rejects(loadL2Dir(dir), { name: 'InputError', file: join(dir, 'b.json'), field: '88b5.p0.Local.IfMac.Data' })

  const dir2 = join(TMP, 'badjson')
  mkdirSync(dir2)
  writeFileSync(join(dir2, 'w.json'), '{"88b5": ')
  await t.rejects(loadL2Dir(dir2), { name: 'InputError', file: join(dir2, 'w.json'), message: /invalid JSON/ })

  const dir3 = join(TMP, 'subdir')
  mkdirSync(join(dir3, 'x.json'), { recursive: true })
  await t.rejects(loadL2Dir(dir3), { name: 'InputError', file: join(dir3, 'x.json'), message: /cannot read L2 report: it is a directory, not a regular file/ })
})

// ---------------------------------------------------------------- graph

// A hand-written cluster: node "b" listed before "a" to check sorting.
//   LAN1: a:p0, b:q0, c:r0   (b:q0 hears nobody; the others hear it: one direction suffices)
//   LAN2: a:p1, b:q1
//   a:p2 alone (only in "0000"), c:r1 hears an unknown MAC only
const iface = (name: string, mac: string, pci = '', extra: Record<string, unknown> = {}) => ({
  IfName: name,
  IfMac: { Data: mac },
  IfPci: { Device: pci, Function: '0', Description: '', Subsystem: '' },
  IfPTPCaps: { HwRx: true, HwTx: true, HwRawClock: true, PhcIndex: 0 },
  IfUp: true,
  ...extra,
})
const M = {
  p0: '02:0a:00:00:00:00',
  p1: '02:0a:00:00:01:00',
  p2: '02:0a:00:00:02:00',
  q0: '02:0b:00:00:00:00',
  q1: '02:0b:00:00:01:00',
  r0: '02:0c:00:00:00:00',
  r1: '02:0c:00:00:01:00',
}
const CLUSTER: Record<string, unknown> = {
  b: {
    '88b5': {
      q1: { Local: iface('q1', M.q1, '0000:1f:01'), Remote: { [M.p1]: true } },
    },
    '0000': {
      q0: { Local: iface('q0', M.q0, '0000:1f:01'), Remote: {} },
      q1: { Local: iface('q1', M.q1, '0000:1f:01'), Remote: {} },
    },
    '88f7': {
      q0: { Local: iface('q0', M.q0), Remote: { '02:ff:00:00:00:01': true } },
      q1: { Local: iface('q1', M.q1), Remote: {} }, // empty Remote: not "receiving PTP"
    },
  },
  a: {
    '88b5': {
      p1: { Local: iface('p1', M.p1.toLowerCase(), '0000:1f:01'), Remote: { [M.q1.toLowerCase()]: true } },
      p0: { Local: iface('p0', M.p0, '0000:1f:01'), Remote: { [M.q0]: true, [M.p0]: true } },
    },
    '0000': { p2: { Local: iface('p2', M.p2, '0000:1f:02'), Remote: {} } },
    '88f7': { p0: { Local: iface('p0', M.p0), Remote: { '02:ff:00:00:00:01': true } } },
  },
  c: {
    '88b5': {
      r0: { Local: iface('r0', M.r0, '0000:1f:01'), Remote: { [M.q0]: true } },
      r1: { Local: iface('r1', M.r1, '0000:1f:01'), Remote: { '02:99:99:99:99:99': true } },
    },
  },
}
const reports = (c: Record<string, unknown> = CLUSTER) =>
  new Map<string, L2Report>(Object.entries(c).map(([n, r]) => [n, parseL2Report(JSON.stringify(r), `${n}.json`)]))
const names = (g: L2Graph, idx: number[] = g.vertices.map((v) => v.index)) => idx.map((i) => vertexName(g, i))

t.test('buildGraph: vertices by node then name, "88b5" before "0000" extras', async (t) => {
  const g = buildGraph(reports())
  t.same(names(g), ['a:p0', 'a:p1', 'a:p2', 'b:q1', 'b:q0', 'c:r0', 'c:r1'])
  t.same(
    g.vertices.map((v) => v.index),
    [0, 1, 2, 3, 4, 5, 6],
  )
  t.same(g.vertices[1], { index: 1, node: 'a', iface: 'p1', mac: M.p1.toUpperCase(), pciDevice: '0000:1f:01', pciFunction: '0', ptp: false, up: true })
  t.same(g.duplicates, [])
})

t.test('buildGraph: edges from Remote sets, LANs are connected components', async (t) => {
  const g = buildGraph(reports())
  // a:p0 heard b:q0 (and its own MAC: ignored), c:r0 heard b:q0, a:p1 heard b:q1 and vice versa (one edge)
  t.same(g.edges, [
    [0, 4],
    [1, 3],
    [4, 5],
  ])
  t.same(g.lans, [[0, 4, 5], [1, 3], [2], [6]], 'singletons included, as upstream')
  t.same(g.lanOf, [0, 1, 2, 1, 0, 0, 3])
  t.same(realLans(g), [
    [0, 4, 5],
    [1, 3],
  ])
  t.ok(sameLan(g, 0, 5), 'a:p0 and c:r0 via b:q0')
  t.notOk(sameLan(g, 0, 1))
  t.notOk(sameLan(g, 2, 6), 'two singletons are not one LAN')
})

t.test('buildGraph: PTP flags from "88f7" entries with at least one Remote', async (t) => {
  const g = buildGraph(reports())
  t.same(
    g.vertices.filter((v) => v.ptp).map((v) => `${v.node}:${v.iface}`),
    ['a:p0', 'b:q0'],
  )
  t.ok(isPtp(g, 0))
  t.notOk(isPtp(g, 3), 'b:q1 has an 88f7 entry with an empty Remote')
  t.notOk(isPtp(g, 5))
})

t.test('buildGraph: SKIP_INTERFACES drops bare interface names on every node', async (t) => {
  const c = structuredClone(CLUSTER) as Record<string, Record<string, Record<string, unknown>>>
  // c gets a q0 too: skipped along with b's
  c.c!['88b5']!.q0 = { Local: iface('q0', '02:0c:00:00:09:00'), Remote: { [M.r0]: true } }
  const g = buildGraph(reports(c), { skipInterfaces: [' q0 ', 'a:p1', 'nosuch'] })
  t.same(names(g), ['a:p0', 'a:p1', 'a:p2', 'b:q1', 'c:r0', 'c:r1'], '"a:p1" (node:iface) is not understood')
  t.same(g.skipped, ['b:q0', 'c:q0'])
  t.same(g.lans, [[0], [1, 3], [2], [4], [5]], 'a:p0 and c:r0 only met through b:q0')
})

t.test('buildGraph: a MAC already taken is not a second vertex; ptpInterfacesOnly filter', async (t) => {
  const c = structuredClone(CLUSTER) as Record<string, Record<string, Record<string, unknown>>>
  c.c!['88b5']!.r1 = { Local: iface('r1', M.p0), Remote: {} }
  const g = buildGraph(reports(c))
  t.same(g.duplicates, ['c:r1'])
  t.notOk(names(g).includes('c:r1'))

  const c2 = structuredClone(CLUSTER) as Record<string, Record<string, Record<string, unknown>>>
  c2.a!['88b5']!.p1 = { Local: iface('p1', M.p1, '0000:1f:01', { IfPci: { Device: '0000:1f:01', Description: 'Intel Ethernet Virtual Function' } }), Remote: {} }
  c2.c!['88b5']!.r1 = { Local: iface('r1', M.r1, '', { IfPTPCaps: { HwRx: true, HwTx: false, HwRawClock: true } }), Remote: {} }
  const all = buildGraph(reports(c2))
  t.ok(names(all).includes('a:p1') && names(all).includes('c:r1'), 'default: every interface')
  const only = buildGraph(reports(c2), { ptpInterfacesOnly: true })
  t.same(only.filtered, ['a:p1', 'c:r1'])
  t.notOk(names(only).includes('a:p1') || names(only).includes('c:r1'))
})

t.test('predicates: sameNic needs the same node AND the same non-empty PCI device', async (t) => {
  const g = buildGraph(reports())
  const ix = (n: string) => names(g).indexOf(n)
  t.ok(sameNic(g, ix('a:p0'), ix('a:p1')), 'a: both 0000:1f:01')
  t.notOk(sameNic(g, ix('a:p0'), ix('a:p2')), 'a: 01 vs 02')
  t.notOk(sameNic(g, ix('a:p0'), ix('b:q0')), 'equal PCI device on two nodes: not one NIC')
  t.notOk(sameNic(g, ix('a:p0'), ix('c:r0')))
  t.ok(sameNode(g, ix('a:p0'), ix('a:p2')))
  t.notOk(sameNode(g, ix('a:p0'), ix('b:q0')))

  const noPci = buildGraph(
    reports({ n: { '88b5': { e0: { Local: iface('e0', '02:00:00:00:00:01'), Remote: {} }, e1: { Local: iface('e1', '02:00:00:00:00:02'), Remote: {} } } } }),
  )
  t.notOk(sameNic(noPci, 0, 1), 'unknown PCI device: never the same NIC')
  t.throws(() => sameNode(g, 0, 99), RangeError)
})

t.test('buildGraph: hand-built reports with lower-case MACs still link up', async (t) => {
  const rep = (own: string, heard: string): L2Report => ({
    '88b5': { e0: { Local: { ...parseL2Report(JSON.stringify({ '88b5': { e0: { Local: iface('e0', own) } } }))['88b5'].e0!.Local, IfMac: { Data: own } }, Remote: { [heard]: true } } },
    '88f7': {},
  })
  const g = buildGraph(
    new Map([
      ['x', rep('02:aa:00:00:00:01', '02:aa:00:00:00:02')],
      ['y', rep('02:aa:00:00:00:02', '02:AA:00:00:00:01')],
    ]),
  )
  t.same(g.edges, [[0, 1]])
  t.equal(g.vertices[0]?.mac, '02:AA:00:00:00:01')
})
