// The built CLI (bin/ptplab.js) on input errors of the test modes, the test
// environment, `ptplab solve` and the cluster verbs: exit 2 with a message
// naming the field or file; `ptplab solve` output and its infeasible case
// (exit 1). Same harness as cli-errors.test.ts: a child process with
// PTPLAB_RUN_ROOT in a temporary directory. In addition `ip` on PATH is a
// stub that lists no network namespace, so a lab another user has up on
// this host is invisible and never touched: "no lab is up" is what every
// command that gets as far as picking a lab must see.
// Build first: npx tsc -p tsconfig.json (npm test does).
import { DEFAULT_TOPO, reportTexts, type FixtureTopo as Topo } from '../fixtures/l2-reports.js'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { cliHarness } from '../fixtures/cli.js'

const h = cliHarness(t, { prefix: 'ptplab-cli-modes', stubIp: true })
const { tmp: TMP, runRoot: RUN_ROOT, built: BUILT, ptplab, file } = h
const childEnv = h.env
// Every error here is one of ours: one "ptplab: error:" line.
const usageError = (tt: Test, args: string[], patterns: Array<string | RegExp>, env: Record<string, string> = {}) =>
  h.usageError(tt, args, patterns, env, { ptplabLine: true })

// ---------------------------------------------------------------- L2 reports
// As tests/unit/solver.test.ts writes them: every port of a LAN hears every
// other port of it; ptp false = no "88f7" neighbour.
function writeReports(name: string, topo: Topo): string {
  const dir = join(TMP, name)
  mkdirSync(dir)
  for (const [node, text] of reportTexts(topo)) writeFileSync(join(dir, `${node}.json`), text)
  return dir
}

// topologies/default.yaml
const DEFAULT: Topo = DEFAULT_TOPO
// topologies/two-node.yaml: one two-port NIC per node, first ports on VLAN 100, second ports unplugged.
const TWO_NODE: Topo = {
  node1: { ens1f0: { pci: '0000:1f:01', lan: '100' }, ens1f1: { pci: '0000:1f:01', fn: '1', ptp: false } },
  node2: { ens2f0: { pci: '0000:1f:02', lan: '100' }, ens2f1: { pci: '0000:1f:02', fn: '1', ptp: false } },
}

if (!existsSync(BUILT)) {
  t.fail(`the CLI is not built (${BUILT} missing): run npx tsc -p tsconfig.json first`)
} else {
  runTests()
}

function runTests() {
  t.test('the ip stub hides every namespace of this host', async (t) => {
    const out = execFileSync('ip', ['netns', 'list'], { env: childEnv({}) as NodeJS.ProcessEnv, encoding: 'utf8' })
    t.equal(out, '', 'ip netns list through the stub is empty')
  })

  t.test('test: PTP_TEST_MODE, EXTERNAL_GM and PTP_TEST_CONFIG_FILE are checked before a lab is picked', async (t) => {
    const supported = 'supported: OC, BC, DualNICBC, DualFollower, Discovery'
    for (const mode of ['TGM', 'tgm', 'TBC', 'DualNICBCHA']) {
      const r = await usageError(t, ['test'], ['PTP_TEST_MODE: ', 'is not supported by ptplab', supported], { PTP_TEST_MODE: mode })
      t.notMatch(r.stderr, /no lab is up/, `${mode}: refused before picking a lab`)
    }
    await usageError(t, ['test'], ['PTP_TEST_MODE: test mode TGM is not supported by ptplab yet'], { PTP_TEST_MODE: 'TGM' })
    // run refuses it too, before it reads the (missing) topology
    await usageError(t, ['run', '--topology', join(TMP, 'no-such-topology.yaml')], ['PTP_TEST_MODE: test mode TGM is not supported'], {
      PTP_TEST_MODE: 'TGM',
    })

    await usageError(
      t,
      ['test'],
      ['PTP_TEST_MODE: unknown test mode "bogus"', 'known: OC, BC, DualNICBC, DualNICBCHA, DualFollower, TGM, TBC, Discovery'],
      { PTP_TEST_MODE: 'bogus' },
    )
    // an unknown PTP_TEST_MODE is reported even when --mode decides the mode
    await usageError(t, ['test', '--mode', 'oc'], ['PTP_TEST_MODE: unknown test mode "bogus"'], { PTP_TEST_MODE: 'bogus' })

    await usageError(t, ['test'], ['EXTERNAL_GM: EXTERNAL_GM="maybe" is not a boolean (true or false)'], { EXTERNAL_GM: 'maybe' })
    await usageError(t, ['test', '--mode', 'bc'], ['EXTERNAL_GM: EXTERNAL_GM="2" is not a boolean'], { EXTERNAL_GM: '2' })

    const missing = join(TMP, 'no-such-ptptestconfig.yaml')
    await usageError(t, ['test'], [`${missing}: PTP_TEST_CONFIG_FILE: cannot read`, 'ENOENT'], { PTP_TEST_CONFIG_FILE: missing })

    // line 5 holds the bad duration
    const bad = file(
      'ptptestconfig-bad-duration.yaml',
      ['global:', '  maxoffset: 100', 'soaktest:', '  slave_clock_sync:', '    spec:', '      enable: true', '      duration: "x"', ''].join('\n'),
    )
    await usageError(t, ['test'], [`${bad}:7: soaktest.slave_clock_sync.spec.duration: expected a number, got "x"`], {
      PTP_TEST_CONFIG_FILE: bad,
    })
    t.same(readdirSync(RUN_ROOT), [], 'run root untouched')
  })

  t.test('test: a supported PTP_TEST_MODE, or --mode over an unsupported one, gets as far as picking a lab', async (t) => {
    // the environment is fine here, so the error is the missing lab
    await usageError(t, ['test'], ['no lab is up; start one with: ptplab up'], { PTP_TEST_MODE: 'DualNICBC', EXTERNAL_GM: 'true' })
    // --mode wins over PTP_TEST_MODE: TGM is then not run, and not an error
    const r = await usageError(t, ['test', '--mode', 'oc'], ['no lab is up'], { PTP_TEST_MODE: 'TGM' })
    t.notMatch(r.stderr, /PTP_TEST_MODE/)
  })

  t.test('test --mode discovery with no lab up', async (t) => {
    // Never reached without the stub (it would pick another user's lab).
    const out = execFileSync('ip', ['netns', 'list'], { env: childEnv({}) as NodeJS.ProcessEnv, encoding: 'utf8' })
    if (out !== '') {
      t.fail('the ip stub is not in effect; not running a test command next to a real lab')
      return
    }
    await usageError(t, ['test', '--mode', 'discovery'], ['ptplab: error: no lab is up; start one with: ptplab up'])
    await usageError(t, ['test'], ['no lab is up'], { DISCOVERY_MODE: 'true' })
    t.same(readdirSync(RUN_ROOT), [], 'run root untouched')
  })

  t.test('label and apply: bad input before any lab is picked', async (t) => {
    await usageError(t, ['label', 'worker1', 'bad key!'], ['label: invalid label "bad key!": expected KEY[=VALUE] or KEY-'])
    await usageError(t, ['label', 'worker1', 'ptp/clock-under-test', '=x'], ['invalid label "=x"'])
    const r = await usageError(t, ['label', 'worker1', 'ptp/test-grandmaster'], ['no lab is up'])
    t.notMatch(r.stderr, /invalid label/, 'a good label gets as far as picking a lab')

    const missing = join(TMP, 'no-such-ptpconfig.yaml')
    const a = await usageError(t, ['apply', missing], [`${missing}: cannot read`, 'ENOENT'])
    t.notMatch(a.stderr, /no lab is up/, 'the file is read before a lab is picked')
    t.same(readdirSync(RUN_ROOT), [], 'run root untouched')
  })

  t.test('solve: input errors', async (t) => {
    const dir = writeReports('l2-default', DEFAULT)
    await usageError(t, ['solve', '--problem', 'nope', '--l2', dir], [
      '--problem: unknown problem "nope"; known: oc, dualfollower, bc, bc-with-slaves, dualnicbc, dualnicbc-with-slaves, ' +
        'oc-extgm, dualfollower-extgm, bc-extgm, bc-with-slaves-extgm, dualnicbc-extgm, dualnicbc-with-slaves-extgm',
    ])
    // the problem is checked before the directory is read
    await usageError(t, ['solve', '--problem', 'tgm', '--l2', join(TMP, 'nowhere')], ['--problem: unknown problem "tgm"'])

    const missing = join(TMP, 'no-such-l2-dir')
    await usageError(t, ['solve', '--problem', 'oc', '--l2', missing], [`${missing}: cannot read L2 report directory: ENOENT`])

    const empty = join(TMP, 'l2-empty')
    mkdirSync(empty)
    writeFileSync(join(empty, 'notes.txt'), 'not a report\n')
    await usageError(t, ['solve', '--problem', 'oc', '--l2', empty], [`${empty}: no L2 reports (<node>.json) in directory`])

    const bad = join(TMP, 'l2-bad-json')
    mkdirSync(bad)
    writeFileSync(join(bad, 'worker1.json'), JSON.stringify({ '88b5': {} }))
    writeFileSync(join(bad, 'worker2.json'), '{"88b5": {\n')
    await usageError(t, ['solve', '--problem', 'oc', '--l2', bad], [`${join(bad, 'worker2.json')}:2: invalid JSON`])

    const badShape = join(TMP, 'l2-bad-shape')
    mkdirSync(badShape)
    writeFileSync(join(badShape, 'worker1.json'), '{"88b5": {"x": {}}}')
    await usageError(t, ['solve', '--problem', 'oc', '--l2', badShape], [`${join(badShape, 'worker1.json')}: 88b5.x.Local`])

    // commander's own usage error (its format, not ptplab's)
    const u = await ptplab(['solve', '--l2', dir])
    t.equal(u.code, 2, u.stderr)
    t.equal(u.stdout, '')
    t.match(u.stderr, /^error: required option '--problem <name>' not specified/)
  })

  t.test('solve: roles of the default lab, exact output', async (t) => {
    const dir = writeReports('l2-solve', DEFAULT)
    const r = await ptplab(['solve', '--problem', 'oc', '--l2', dir])
    t.equal(r.code, 0, r.stderr)
    t.equal(r.stderr, '')
    t.equal(
      r.stdout,
      `{
  "problem": "oc",
  "roles": {
    "Slave": {
      "node": "worker1",
      "iface": "ens1f0"
    },
    "GM": {
      "node": "worker3",
      "iface": "ens4f0"
    }
  }
}
`,
    )
    t.same(JSON.parse(r.stdout), { problem: 'oc', roles: { Slave: { node: 'worker1', iface: 'ens1f0' }, GM: { node: 'worker3', iface: 'ens4f0' } } })

    // upstream's names and --external-gm
    const ext = await ptplab(['solve', '--problem', 'OC', '--external-gm', '--l2', dir])
    t.equal(ext.code, 0, ext.stderr)
    t.same(JSON.parse(ext.stdout), { problem: 'oc-extgm', roles: { Slave: { node: 'worker1', iface: 'ens1f0' } } })

    // SKIP_INTERFACES from the environment
    const skip = await ptplab(['solve', '--problem', 'oc', '--l2', dir], { SKIP_INTERFACES: 'ens4f0' })
    t.equal(skip.code, 0, skip.stderr)
    t.same(JSON.parse(skip.stdout).roles, { Slave: { node: 'worker1', iface: 'ens1f1' }, GM: { node: 'worker1', iface: 'ens2f0' } })
  })

  t.test('solve: an infeasible problem exits 1 and says what was found', async (t) => {
    const dir = writeReports('l2-two-node', TWO_NODE)
    const r = await ptplab(['solve', '--problem', 'dualnicbc', '--l2', dir])
    t.equal(r.code, 1, r.stderr)
    t.equal(r.stdout, '', 'nothing on stdout')
    t.equal(
      r.stderr,
      'ptplab: no assignment for problem dualnicbc (upstream DualNicBC, 5 roles: BC1Slave, BC1Master, GM, BC2Master, BC2Slave): ' +
        'found 4 interfaces on 2 nodes, 1 LANs of 2+ interfaces (2), 2 receiving PTP\n',
    )
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace')

    // oc fits the same lab
    const oc = await ptplab(['solve', '--problem', 'oc', '--l2', dir])
    t.equal(oc.code, 0, oc.stderr)
    t.same(JSON.parse(oc.stdout).roles, { Slave: { node: 'node1', iface: 'ens1f0' }, GM: { node: 'node2', iface: 'ens2f0' } })

    // skipped interfaces are listed
    const skipped = await ptplab(['solve', '--problem', 'oc', '--l2', dir], { SKIP_INTERFACES: 'ens2f0' })
    t.equal(skipped.code, 1)
    t.match(skipped.stderr, /found 3 interfaces on 2 nodes, 0 LANs of 2\+ interfaces \(none\), 1 receiving PTP, skipped node2:ens2f0\n$/)
  })
}
