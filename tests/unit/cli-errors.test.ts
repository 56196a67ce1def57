// The built CLI (bin/ptplab.js -> dist/cli/main.js), run as a child process:
// input errors exit 2 with a message naming the file/field, and the commands
// that need no root (help, profiles, replay-log, down of a lab that is not
// there) print exactly what they should. Nothing here brings a lab up, and
// PTPLAB_RUN_ROOT points at a temporary directory so /run/ptplab is never
// touched. Build first: npx tsc -p tsconfig.json (npm test does).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { cliHarness } from '../fixtures/cli.js'

const { tmp: TMP, runRoot: RUN_ROOT, built: BUILT, isBuilt, ptplab, file, usageError } = cliHarness(t, { prefix: 'ptplab-cli-errors' })

if (!isBuilt) {
  t.fail(`the CLI is not built (${BUILT} missing): run npx tsc -p tsconfig.json first`)
} else {
  runTests()
}

const PTPCONFIG = `apiVersion: ptp.openshift.io/v1
kind: PtpConfig
metadata:
  name: test-slave1
  namespace: openshift-ptp
spec:
  profile:
    - name: unused
      interface: ens9f0
    - name: slave
      interface: ens1f0
      ptp4lOpts: "-2 -s"
      ptp4lConf: |
        [global]
        domainNumber 24
        [ens1f0]
        masterOnly 0
      ptpSchedulingPolicy: SCHED_OTHER
  recommend:
    - profile: slave
      priority: 5
      match:
        - nodeLabel: ptp/clock-under-test
---
apiVersion: ptp.openshift.io/v1
kind: PtpConfig
metadata:
  name: other
spec:
  profile:
    - name: gm
      interface: ens2f0
      ptp4lOpts: "-2"
  recommend:
    - profile: gm
      priority: 10
      match:
        - nodeName: worker1
        - nodeLabel: ptp/test-grandmaster
`

// Line 10 holds the bad priority.
const BAD_PRIORITY = `apiVersion: ptp.openshift.io/v1
kind: PtpConfig
metadata:
  name: bad
spec:
  profile:
    - name: p
  recommend:
    - profile: p
      priority: -1
`

const PTP4L_CONF = `#profile: test-slave1_slave
[global]
message_tag [ptp4l.0.config]
domainNumber 24
[ens1f0]
masterOnly 0
[ens1f1]
masterOnly 1
`

const LOG = `ptp4l[100.001]: [ptp4l.0.config] port 1: INITIALIZING to LISTENING on INIT_COMPLETE
ptp4l[100.002]: [ptp4l.0.config] port 2: INITIALIZING to LISTENING on INIT_COMPLETE
ptp4l[100.500]: [ptp4l.0.config] selected best master clock 6a23f7.fffe.a8a944
ptp4l[100.501]: [ptp4l.0.config] port 1: LISTENING to UNCALIBRATED on RS_SLAVE
ptp4l[100.800]: [ptp4l.0.config] port 2: LISTENING to MASTER on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES
ptp4l[101.000]: [ptp4l.0.config] master offset 4242 s0 freq -3972 path delay 89
ptp4l[101.100]: [ptp4l.0.config] port 1: UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED
this line is not from ptp4l and is ignored
ptp4l[101.800]: [ptp4l.0.config] master offset -7 s2 freq -3960 path delay 1347
`

// What the daemon would export after LOG: port 1 (ens1f0) SLAVE, port 2
// (ens1f1) MASTER, offsets on the NIC alias ens1fx, LOCKED after s2.
const EXPECTED_SERIES = [
  'openshift_ptp_offset_ns{from="master",process="ptp4l",node="worker1",iface="ens1fx"} -7',
  'openshift_ptp_max_offset_ns{from="master",process="ptp4l",node="worker1",iface="ens1fx"} -7',
  'openshift_ptp_frequency_adjustment_ns{from="master",process="ptp4l",node="worker1",iface="ens1fx"} -3960',
  'openshift_ptp_delay_ns{from="master",process="ptp4l",node="worker1",iface="ens1fx"} 1347',
  'openshift_ptp_clock_state{process="ptp4l",node="worker1",iface="ens1fx"} 1',
  'openshift_ptp_interface_role{process="ptp4l",node="worker1",iface="ens1f0"} 1',
  'openshift_ptp_interface_role{process="ptp4l",node="worker1",iface="ens1f1"} 2',
]
const series = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))

function runTests() {
  t.test('up: topology errors name the file (and line/field)', async (t) => {
    const missing = join(TMP, 'no-such-topology.yaml')
    await usageError(t, ['up', '--topology', missing], [`${missing}: cannot read topology file`, 'ENOENT'])

    // Tab indentation on line 4 is a YAML syntax error.
    const syntax = file('syntax.yaml', 'name: x\nnodes:\n  n1:\n\tnics: []\n')
    await usageError(t, ['up', '--topology', syntax], [`${syntax}:4: YAML syntax error`, 'Tabs'])

    const unknownNode = file(
      'unknown-node.yaml',
      ['name: x', 'nodes:', '  n1:', '    nics:', '      - { name: e1, ports: [p0] }', 'switch: { name: sw }', 'links:', '  - { endpoints: [n9:p0, sw] }', ''].join('\n'),
    )
    await usageError(t, ['up', '--topology', unknownNode], [`${unknownNode}:8: links[0].endpoints[0]: unknown node "n9"`])
  })

  t.test('up --name: lab name is checked before anything is made', async (t) => {
    await usageError(t, ['up', '--name', 'Bad_Name'], ['--name: invalid lab name "Bad_Name"'])
    t.same(readdirSync(RUN_ROOT), [], 'run root untouched')
  })

  t.test('test/run: mode and offset window', async (t) => {
    await usageError(t, ['test', '--mode', 'nonsense'], ['--mode', 'unknown test mode "nonsense"', 'known: OC, BC'])
    await usageError(t, ['test', '--mode', 'oc,tgm'], ['--mode', 'test mode TGM is not supported', 'supported: OC, BC, DualNICBC, DualFollower, Discovery'])
    await usageError(t, ['test', '--mode', ','], ['--mode', 'no mode given'])
    // The environment is checked before a lab is picked (here: none is up).
    await usageError(t, ['test'], ['MIN_OFFSET_IN_NS', '"abc"', 'not an integer'], { MIN_OFFSET_IN_NS: 'abc' })
    await usageError(t, ['test', '--name', 'nosuchlab'], ['MAX_OFFSET_IN_NS', '"1.5"'], { MAX_OFFSET_IN_NS: '1.5' })
    await usageError(t, ['test'], ['minimum offset 5 (MIN_OFFSET_IN_NS) is greater than maximum offset -5 (MAX_OFFSET_IN_NS)'], { MIN_OFFSET_IN_NS: '5', MAX_OFFSET_IN_NS: '-5' })
    // run checks modes and the window before it reads the topology or makes anything.
    const missing = join(TMP, 'no-such-topology.yaml')
    await usageError(t, ['run', '--mode', 'nonsense', '--topology', missing], ['--mode', 'known: OC'])
    await usageError(t, ['run', '--topology', missing], ['MAX_OFFSET_IN_NS'], { MAX_OFFSET_IN_NS: 'x' })
    await usageError(t, ['run', '--topology', missing], [missing, 'cannot read topology file'])
    t.same(readdirSync(RUN_ROOT), [], 'run root untouched')
  })

  t.test('status --name: path-like names are rejected', async (t) => {
    await usageError(t, ['status', '--name', '../x'], ['--name: invalid lab name "../x"'])
    await usageError(t, ['down', '--name', '../x'], ['--name: invalid lab name "../x"'])
  })

  t.test('commander usage errors exit 2', async (t) => {
    await usageError(t, ['profiles'], ["required option '--node <name>' not specified", '--help'])
    await usageError(t, ['profiles', '--node', 'n1'], ["missing required argument 'file'"])
    await usageError(t, ['replay-log', '--node', 'n1', 'x.log'], ["required option '--config <ptp4l-config>'"])
    await usageError(t, ['frobnicate'], ["unknown command 'frobnicate'"])
    await usageError(t, ['up', '--bogus'], ["unknown option '--bogus'"])
  })

  t.test('profiles: input errors', async (t) => {
    const missing = join(TMP, 'no-such-ptpconfig.yaml')
    await usageError(t, ['profiles', '--node', 'n1', missing], [`${missing}: cannot read`, 'ENOENT'])
    const bad = file('bad-priority.yaml', BAD_PRIORITY)
    await usageError(t, ['profiles', '--node', 'n1', bad], [`${bad}:10: spec.recommend[0].priority:`, 'got -1'])
    const notInt = file('bad-priority2.yaml', BAD_PRIORITY.replace('priority: -1', 'priority: high'))
    await usageError(t, ['profiles', '--node', 'n1', notInt], [`${notInt}:10: spec.recommend[0].priority: expected a number, got "high"`])
    const good = file('good.yaml', PTPCONFIG)
    await usageError(t, ['profiles', '--node', 'n1', '--label', 'bad key!', good], ['--label: invalid label key "bad key!"'])
  })

  t.test('replay-log: input errors name the file', async (t) => {
    const log = file('some.log', LOG)
    const conf = file('some.conf', PTP4L_CONF)
    const missing = join(TMP, 'no-such.conf')
    await usageError(t, ['replay-log', '--node', 'n1', '--config', missing, log], [`${missing}: cannot read ptp4l config: ENOENT`])
    const missingLog = join(TMP, 'no-such.log')
    await usageError(t, ['replay-log', '--node', 'n1', '--config', conf, missingLog], [`${missingLog}: cannot read log file: ENOENT`])
  })

  t.test('down of a lab that does not exist: exit 0, nothing to remove', async (t) => {
    const root = mkdtempSync(join(TMP, 'empty-root-'))
    const r = await ptplab(['down', '--name', 'nosuchlab'], { PTPLAB_RUN_ROOT: root })
    t.equal(r.code, 0, r.stderr)
    t.match(r.stderr, /lab nosuchlab: nothing to remove/)
    t.equal(r.stdout, '')
    t.same(readdirSync(root), [], 'run root still empty')
  })

  t.test('down removes a leftover run dir (no namespaces, no processes)', async (t) => {
    const root = mkdtempSync(join(TMP, 'left-root-'))
    mkdirSync(join(root, 'leftlab', 'logs'), { recursive: true })
    writeFileSync(join(root, 'leftlab', 'logs', 'worker1.log'), 'x\n')
    const r = await ptplab(['down', '--name', 'leftlab'], { PTPLAB_RUN_ROOT: root })
    t.equal(r.code, 0, r.stderr)
    t.match(r.stderr, /lab leftlab removed \(0 namespaces, 0 processes\)/)
    t.notOk(existsSync(join(root, 'leftlab')), 'run dir removed')
  })

  t.test('--help of every command exits 0 and lists its options', async (t) => {
    const want: Record<string, string[]> = {
      up: ['--topology <file>', '--name <lab>'],
      status: ['--name <lab>', '--json'],
      test: ['--mode <modes>', '--name <lab>', '--junit <file>', 'MIN_OFFSET_IN_NS', 'MAX_OFFSET_IN_NS'],
      down: ['--name <lab>'],
      run: ['--mode <modes>', '--topology <file>', '--name <lab>', '--junit <file>', '--keep', 'MIN_OFFSET_IN_NS'],
      profiles: ['<file...>', '--node <name>', '--label <key[=value]>'],
      'replay-log': ['<logfile>', '--node <name>', '--config <ptp4l-config>'],
    }
    const helps = await Promise.all(Object.keys(want).map((cmd) => ptplab([cmd, '--help'])))
    for (const [i, [cmd, opts]] of Object.entries(want).entries()) {
      const r = helps[i]!
      t.equal(r.code, 0, `${cmd} --help exit code`)
      t.match(r.stdout, new RegExp(`^Usage: ptplab ${cmd} `), `${cmd} --help usage line`)
      for (const o of opts) t.ok(r.stdout.includes(o), `${cmd} --help mentions ${o}`)
    }
    const top = await ptplab(['--help'])
    t.equal(top.code, 0)
    for (const cmd of Object.keys(want)) t.match(top.stdout, new RegExp(`^  ${cmd} `, 'm'), `top-level help lists ${cmd}`)
    const v = await ptplab(['--version'])
    t.equal(v.code, 0)
    t.equal(v.stdout.trim(), '0.1.0')
  })

  t.test('profiles: exact JSON for a node', async (t) => {
    const f = file('ptpconfig.yaml', PTPCONFIG)
    // Label match at priority 5 beats the nodeName match at priority 10; the
    // profile is renamed <cr>_<profile>; the unrecommended one is left out.
    const r = await ptplab(['profiles', '--node', 'worker1', '--label', 'ptp/clock-under-test', f])
    t.equal(r.code, 0, r.stderr)
    t.equal(
      r.stdout,
      `[
  {
    "name": "test-slave1_slave",
    "interface": "ens1f0",
    "ptp4lOpts": "-2 -s",
    "ptp4lConf": "[global]\\ndomainNumber 24\\n[ens1f0]\\nmasterOnly 0\\n",
    "ptpSchedulingPolicy": "SCHED_OTHER"
  }
]
`,
    )
    t.equal(r.stderr, '')

    // Without the label, worker1 matches only by name (priority 10).
    const byName = await ptplab(['profiles', '--node', 'worker1', f])
    t.equal(byName.code, 0, byName.stderr)
    t.same(JSON.parse(byName.stdout), [{ name: 'other_gm', interface: 'ens2f0', ptp4lOpts: '-2' }])

    // Label value is ignored: key=value still matches by key.
    const withValue = await ptplab(['profiles', '--node', 'worker3', '--label', 'ptp/test-grandmaster=whatever', f])
    t.same(JSON.parse(withValue.stdout), [{ name: 'other_gm', interface: 'ens2f0', ptp4lOpts: '-2' }])

    const none = await ptplab(['profiles', '--node', 'worker2', '--label', 'node-role.kubernetes.io/worker', f])
    t.equal(none.code, 0, none.stderr)
    t.equal(none.stdout, '[]\n')
  })

  t.test('replay-log: exact metric lines', async (t) => {
    const conf = file('replay.conf', PTP4L_CONF)
    const log = file('replay.log', LOG)
    const r = await ptplab(['replay-log', '--node', 'worker1', '--config', conf, log])
    t.equal(r.code, 0, r.stderr)
    t.same(series(r.stdout), EXPECTED_SERIES)
    t.match(r.stdout, /^# HELP openshift_ptp_offset_ns /m)
    t.match(r.stdout, /^# TYPE openshift_ptp_interface_role gauge$/m)

    // No message_tag: the config's file name stands in for the tag.
    const dir = mkdtempSync(join(TMP, 'replay-'))
    const named = join(dir, 'ptp4l.0.config')
    writeFileSync(named, PTP4L_CONF.replace(/^message_tag.*\n/m, ''))
    const r2 = await ptplab(['replay-log', '--node', 'worker1', '--config', named, log])
    t.equal(r2.code, 0, r2.stderr)
    t.same(series(r2.stdout), EXPECTED_SERIES)

    // Plain `ptp4l -m` output (no tags) against a config with any name.
    const plain = file('plain.log', LOG.replace(/\[ptp4l\.0\.config\] /g, ''))
    const r3 = await ptplab(['replay-log', '--node', 'worker1', '--config', file('any.conf', PTP4L_CONF.replace(/^message_tag.*\n/m, '')), plain])
    t.equal(r3.code, 0, r3.stderr)
    t.same(series(r3.stdout), EXPECTED_SERIES)

    // Lines of another config are not this config's ports.
    const other = file('other.log', LOG.replace(/ptp4l\.0\.config/g, 'ptp4l.7.config'))
    const r4 = await ptplab(['replay-log', '--node', 'worker1', '--config', conf, other])
    t.equal(r4.code, 0, r4.stderr)
    t.notOk(series(r4.stdout).some((l) => l.startsWith('openshift_ptp_interface_role')), 'no roles from a foreign config')
  })
}
