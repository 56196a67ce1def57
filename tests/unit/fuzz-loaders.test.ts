// Property-based fuzzing of every loader of user files: the shipped
// topologies, the suite's generated PtpConfigs, upstream's test config and
// an L2 report, mutated (wrong types, huge and non-JSON values, unicode,
// unknown and hostile keys, aliases and alias bombs, deep nesting, bad
// bytes), plus random text. Whatever the input, a loader returns a value or
// throws an InputError naming the file, with a line or field, in a bounded
// one-line message; never any other exception. Then the same kinds of input
// through the CLI: exit 2, one error line, nothing created.
// FUZZ_SEED=<n> replays a run (fast-check prints the seed of a failure).
import t from 'tap'
import fc from 'fast-check'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import { bcConfig, dualFollowerConfig, grandmasterConfig, ocSlaveConfig } from '../../lab/profiles/ptpconfigs.js'
import { loadTestConfig } from '../../lab/conformance/testconfig.js'
import { loadL2Dir } from '../../lab/discovery/report.js'
import { InputError } from '../../lab/errors.js'
import { loadPtpConfigFiles, toYaml } from '../../lab/operator/ptpconfig.js'
import { projectRoot } from '../../lab/paths.js'
import { loadTopologyFile } from '../../lab/topology/index.js'
import { cliHarness } from '../fixtures/cli.js'
import { reportTexts } from '../fixtures/l2-reports.js'

const TMP = mkdtempSync(join(tmpdir(), 'ptplab-fuzz-'))
t.teardown(() => rmSync(TMP, { recursive: true, force: true }))
const RUNS = 100 // per loader and kind of input: a few seconds in all
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined
const MESSAGE_MAX = 600 // beyond the file name

const topologyDir = join(projectRoot(), 'topologies')
const sw = { softwareTimestamps: true }
const UPSTREAM_TEST_CONFIG = `global:
  maxoffset: 100
  minoffset: -100
soaktest:
  disable_all: false
  event_output_file: "./event-output.csv"
  duration: 10
  failure_threshold: 2
  master_offset:
    spec: { enable: true, duration: 10, failure_threshold: 20 }
    desc: "This test measures the master offset check"
  slave_clock_sync:
    spec: { enable: true, duration: 5, failure_threshold: 1 }
    desc: "The test measures number of PTP time sync faults"
  cpu_utilization:
    spec:
      enable: true
      custom_params:
        prometheus_rate_time_window: "60s"
        node: { cpu_threshold_mcores: 100 }
        pod: [{ pod_type: "ptp-operator", cpu_threshold_mcores: 30 }, { pod_type: "linuxptp-daemon", container: "cloud-event-proxy", cpu_threshold_mcores: 30 }]
`

interface Loader {
  what: string
  yaml: boolean // YAML text (else JSON)
  seeds: string[]
  load(file: string): Promise<unknown>
  file(dir: string): string // where its input goes
}

// One row per loader.
const LOADERS: Loader[] = [
  {
    what: 'topology',
    yaml: true,
    seeds: readdirSync(topologyDir).filter((f) => f.endsWith('.yaml')).map((f) => readFileSync(join(topologyDir, f), 'utf8')),
    load: (f) => loadTopologyFile(f),
    file: (d) => join(d, 'topology.yaml'),
  },
  {
    what: 'PtpConfig',
    yaml: true,
    // One document each (mutations parse them); text edits may add more.
    seeds: [grandmasterConfig('ens2f0', sw), ocSlaveConfig('ens1f0', sw), bcConfig('test-bc-master1', 'ens1f0', ['ens1f1'], sw), dualFollowerConfig(['ens1f0', 'ens1f1'], sw)].map((c) => toYaml([c])),
    load: (f) => loadPtpConfigFiles([f]),
    file: (d) => join(d, 'ptpconfig.yaml'),
  },
  { what: 'test config', yaml: true, seeds: [UPSTREAM_TEST_CONFIG], load: (f) => loadTestConfig(f), file: (d) => join(d, 'ptptestconfig.yaml') },
  {
    what: 'L2 report',
    yaml: false,
    seeds: [...reportTexts({ worker1: { ens1f0: { pci: '0000:1f:01', lan: 'a' }, ens1f1: { pci: '0000:1f:01', fn: '1' } } }).values()],
    load: (f) => loadL2Dir(join(f, '..')),
    file: (d) => join(d, 'worker1.json'),
  },
]

// ------------------------------------------------------------ generators

const nest = (n: number): unknown => {
  let v: unknown = 'x'
  for (let i = 0; i < n; i++) v = i % 2 ? [v] : { k: v }
  return v
}
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }), // control characters, lone surrogates
  fc.integer(),
  fc.double(), // NaN and +-Infinity too: YAML's .nan and .inf
  fc.constantFrom(Infinity, -Infinity, NaN, 2 ** 53 + 2, -0, 1e308, 4095, 0, -1),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('x'.repeat(200_000), 'ens1f0'.repeat(5), '../../etc/passwd', 'a\nb: c', '__proto__', '-f /etc/shadow', 'worker1:ens1f0', 'switch1'),
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer({ min: 30, max: 200 }).map(nest),
)
const hostileKey = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.constantFrom('__proto__', 'constructor', 'x'.repeat(100_000), 'name', 'nodes', 'links', 'spec', 'vlan', '', ' ', 'a.b', '[0]', '0'),
)

type Mutation =
  | { op: 'set'; at: number; value: unknown }
  | { op: 'delete'; at: number }
  | { op: 'addKey'; at: number; key: string; value: unknown }
  | { op: 'renameKey'; at: number; key: string }
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: hostileValue }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('addKey' as const), at: fc.nat(), key: hostileKey, value: hostileValue }),
  fc.record({ op: fc.constant('renameKey' as const), at: fc.nat(), key: hostileKey }),
)

type TextEdit =
  | { op: 'bomb'; width: number; levels: number }
  | { op: 'deep'; n: number; flow: boolean }
  | { op: 'truncate'; at: number }
  | { op: 'dupLine'; at: number }
  | { op: 'tabs' }
const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ op: fc.constant('bomb' as const), width: fc.integer({ min: 2, max: 12 }), levels: fc.integer({ min: 2, max: 9 }) }),
  fc.record({ op: fc.constant('deep' as const), n: fc.integer({ min: 40, max: 20_000 }), flow: fc.boolean() }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('dupLine' as const), at: fc.nat() }),
  fc.constant({ op: 'tabs' as const }),
)
// Bytes put in at some offset: invalid UTF-8, NUL, a BOM, CR, tab, & and *.
const byteEdit = fc.option(
  fc.record({ at: fc.nat(), bytes: fc.array(fc.constantFrom(0xff, 0xfe, 0xc3, 0x80, 0x00, 0xef, 0xbb, 0xbf, 0x0d, 0x09, 0x26, 0x2a), { minLength: 1, maxLength: 4 }) }),
)

// Every container path in a value, the root first.
function paths(v: unknown, p: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(p)
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...p, i], out))
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...p, k], out)
  return out
}
const at = (v: unknown, p: Array<string | number>) => p.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], v)

function mutate(doc: unknown, m: Mutation): unknown {
  const root = { doc: structuredClone(doc) }
  const all = paths(root.doc).map((p) => ['doc', ...p])
  const p = all[m.at % all.length]!
  const parent = at(root, p.slice(0, -1)) as Record<string | number, unknown>
  const last = p[p.length - 1]!
  const self = at(root, p)
  switch (m.op) {
    case 'set':
      parent[last] = m.value
      break
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(last), 1)
      else if (p.length > 1) delete parent[last]
      break
    case 'addKey':
      if (self && typeof self === 'object' && !Array.isArray(self)) Object.defineProperty(self, m.key, { value: m.value, enumerable: true, writable: true, configurable: true })
      else if (Array.isArray(self)) self.push(m.value)
      break
    case 'renameKey':
      if (!Array.isArray(parent) && p.length > 1) {
        const v = parent[last]
        delete parent[last]
        Object.defineProperty(parent, m.key, { value: v, enumerable: true, writable: true, configurable: true })
      }
  }
  return root.doc
}

function billionLaughs(width: number, levels: number): string {
  const lines = [`l0: &l0 [${Array(width).fill('"lol"').join(', ')}]`]
  for (let i = 1; i < levels; i++) lines.push(`l${i}: &l${i} [${Array(width).fill(`*l${i - 1}`).join(', ')}]`)
  return lines.join('\n') + '\n'
}

function edit(text: string, e: TextEdit, yaml: boolean): string {
  switch (e.op) {
    case 'bomb': // at the top level of the (last) document, or as a JSON value
      return yaml ? `${text.trimEnd()}\n${billionLaughs(e.width, e.levels)}` : text.replace(/^\{/, `{"bomb": ${JSON.stringify(billionLaughs(e.width, e.levels))},`)
    case 'deep': {
      const deep = e.flow ? `${'['.repeat(e.n)}${']'.repeat(e.n)}` : Array.from({ length: Math.min(e.n, 300) }, (_, i) => `${' '.repeat(i)}- `).join('\n') + 'x'
      return yaml ? `${text.trimEnd()}\ndeep: ${deep}\n` : text.replace(/^\{/, `{"deep": ${e.flow ? deep : '1'},`)
    }
    case 'truncate':
      return text.slice(0, e.at % (text.length + 1))
    case 'dupLine': {
      const lines = text.split('\n')
      const i = e.at % lines.length
      lines.splice(i, 0, lines[i]!)
      return lines.join('\n')
    }
    case 'tabs':
      return text.replace(/^ {2}/gm, '\t')
  }
}

function putBytes(text: string, b: { at: number; bytes: number[] } | null): Buffer {
  const buf = Buffer.from(text)
  if (!b) return buf
  const i = b.at % (buf.length + 1)
  return Buffer.concat([buf.subarray(0, i), Buffer.from(b.bytes), buf.subarray(i)])
}

// ------------------------------------------------------------ the property

let longest = 0
async function holds(l: Loader, input: Buffer): Promise<void> {
  const dir = mkdtempSync(join(TMP, 'in-'))
  const file = l.file(dir)
  writeFileSync(file, input)
  try {
    await l.load(file)
  } catch (e) {
    if (!(e instanceof InputError)) throw new Error(`${l.what}: not an InputError: ${(e as Error)?.stack ?? String(e)}`)
    if (e.file !== file) throw new Error(`${l.what}: error names ${JSON.stringify(e.file)}, not the file: ${e.message.slice(0, 300)}`)
    if (e.line === undefined && e.field === undefined) throw new Error(`${l.what}: neither line nor field: ${e.message.slice(0, 300)}`)
    const len = e.message.length - file.length
    longest = Math.max(longest, len)
    if (len > MESSAGE_MAX) throw new Error(`${l.what}: message of ${len} characters: ${e.message.slice(0, 300)}...`)
    if (e.message.includes('\n')) throw new Error(`${l.what}: message of several lines: ${JSON.stringify(e.message.slice(0, 300))}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const params = { numRuns: RUNS, ...(SEED !== undefined && { seed: SEED }) }
const dump = (l: Loader, v: unknown) => (l.yaml ? stringify(v, { lineWidth: 0, aliasDuplicateObjects: false }) : JSON.stringify(v))

for (const l of LOADERS) {
  t.test(`${l.what}: mutated documents`, async (t) => {
    const docs = l.seeds.map((s) => (l.yaml ? parse(s) : JSON.parse(s)) as unknown)
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (seed, ms) => {
        const doc = ms.reduce((d, m) => mutate(d, m), docs[seed % docs.length])
        await holds(l, Buffer.from(dump(l, doc)))
      }),
      params,
    )
    t.pass(`${RUNS} mutated ${l.what}s`)
  })
  t.test(`${l.what}: edited text (aliases, nesting, bytes)`, async (t) => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(textEdit, { maxLength: 3 }), byteEdit, async (seed, es, bytes) => {
        const text = es.reduce((s, e) => edit(s, e, l.yaml), l.seeds[seed % l.seeds.length]!)
        await holds(l, putBytes(text, bytes))
      }),
      params,
    )
    t.pass(`${RUNS} edited ${l.what}s`)
  })
  t.test(`${l.what}: random text`, async (t) => {
    const yamlish = fc.string({ unit: fc.constantFrom(...'ab: -[]{}&*!|>\'"#%@`,?\n\t 0.9e+inf\\'.split('')), maxLength: 200 })
    await fc.assert(fc.asyncProperty(fc.oneof(yamlish, fc.string({ unit: 'binary', maxLength: 100 })), async (s) => holds(l, Buffer.from(s))), params)
    t.pass(`${RUNS} random texts`)
  })
}

t.test('messages stay short', async (t) => {
  t.ok(longest > 0 && longest <= MESSAGE_MAX, `longest message: ${longest} characters besides the file name`)
})

// ------------------------------------------------------------ the CLI

const h = cliHarness(t, { prefix: 'ptplab-fuzzcli', stubIp: true })
t.test('the CLI: hostile inputs exit 2 with one error line, nothing created', { skip: h.isBuilt ? false : 'CLI not built (npx tsc -p tsconfig.json)' }, async (t) => {
  const bomb = h.file('bomb.yaml', billionLaughs(9, 7))
  const fifo = join(h.tmp, 'fifo.yaml')
  execFileSync('mkfifo', [fifo])
  const l2 = join(h.tmp, 'l2')
  mkdirSync(l2)
  execFileSync('mkfifo', [join(l2, 'worker1.json')])
  const latin1 = join(h.tmp, 'latin1.yaml')
  writeFileSync(latin1, Buffer.from('name: lab\nnodes: { caf\xe9: {} }\n', 'latin1'))
  const cases: Array<[string, string[], RegExp, Record<string, string>?]> = [
    ['an alias bomb as topology', ['up', '--topology', bomb], /bomb\.yaml:6: YAML document too large/],
    ['an alias bomb as PtpConfig', ['profiles', '--node', 'worker1', bomb], /bomb\.yaml:6: YAML document too large/],
    ['an alias bomb as PTP_TEST_CONFIG_FILE', ['test', '--name', 'nolab'], /bomb\.yaml:6: YAML document too large/, { PTP_TEST_CONFIG_FILE: bomb }],
    ['a FIFO as topology', ['up', '--topology', fifo], /fifo\.yaml: cannot read topology file: it is a FIFO/],
    ['/dev/urandom as topology', ['run', '--topology', '/dev/urandom'], /\/dev\/urandom: cannot read topology file: it is a character device/],
    ['a FIFO among L2 reports', ['solve', '--problem', 'oc', '--l2', l2], /worker1\.json: cannot read L2 report: it is a FIFO/],
    ['deep nesting in a PtpConfig', ['apply', h.file('deep.yaml', `a: ${'['.repeat(100_000)}`)], /deep\.yaml:1: YAML nested deeper than 64 levels/],
    ['a 500 KB line', ['up', '--topology', h.file('long.yaml', `name: lab\nnodes: { n1: {} }\nlinks: ["${'x'.repeat(500_000)}"]\n`)], /long\.yaml:3: links\[0\]: expected a mapping, got "x+\.\.\. \(500000 characters\)\n$/],
    ['vlan: .inf', ['up', '--topology', h.file('inf.yaml', 'name: lab\nnodes: { n1: { nics: [{ name: e1, ports: [p0] }] } }\nswitch: { name: sw }\nlinks: [{ endpoints: [n1:p0, sw], vlan: .inf }]\n')], /inf\.yaml:4: links\[0\]\.vlan: .*got \.inf\n$/],
    ['invalid UTF-8', ['up', '--topology', latin1], /latin1\.yaml:2: topology file is not UTF-8 text/],
  ]
  const results = await Promise.all(cases.map(([, args, , env]) => h.ptplab(args, env)))
  for (const [i, [what, , pattern]] of cases.entries()) {
    const r = results[i]!
    t.equal(r.code, 2, `${what}: exit 2 (${r.stderr.trim().slice(0, 200)})`)
    t.equal(r.stdout, '', `${what}: nothing on stdout`)
    t.match(r.stderr, /^ptplab: error: [^\n]+\n$/, `${what}: one error line`)
    t.match(r.stderr, pattern, `${what}: names the file and the problem`)
    t.ok(r.stderr.length < 800, `${what}: a short message (${r.stderr.length} characters)`)
  }
  t.same(readdirSync(h.runRoot), [], 'nothing created in the run root')
})
