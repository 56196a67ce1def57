// Hostile PtpConfigs (they may come from pull requests): names that would
// become paths outside the store, options that would make a root ptp4l
// bind a socket on any host file, names that would inject config lines.
// Each is refused with the file and field, and nothing is written.
import t from 'tap'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inputError } from '../fixtures/errors.js'
import { dns1123Label, dns1123Subdomain, ifName, labelKey, labelValue, labName, profileName } from '../../lab/names.js'
import { ownedOptionProblem, profileSafetyProblem } from '../../lab/ptp/owned-options.js'
import { scanOptions, splitOpts } from '../../lab/ptp/opts.js'
import { parsePtpConfigs, validatePtpConfig, type PtpConfig } from '../../lab/operator/ptpconfig.js'
import { planProfiles } from '../../lab/ptp/render-profile.js'
import { writeTextAtomic } from '../../lab/state/state.js'
import { parseLabelArgs } from '../../cli/options.js'
import { cliHarness } from '../fixtures/cli.js'

t.test('name rules: what the API server accepts', async (t) => {
  const cases: Array<[(s: string) => string | undefined, string, boolean]> = [
    [dns1123Label, 'openshift-ptp', true],
    [dns1123Label, '../../../../tmp/x', false],
    [dns1123Label, 'a.b', false],
    [dns1123Label, 'A', false],
    [dns1123Label, '-a', false],
    [dns1123Label, 'a'.repeat(63), true],
    [dns1123Label, 'a'.repeat(64), false],
    [dns1123Label, '', false],
    [dns1123Subdomain, 'test-slave1', true],
    [dns1123Subdomain, 'a.b.c', true],
    [dns1123Subdomain, 'a/b/c', false],
    [dns1123Subdomain, 'a..b', false],
    [dns1123Subdomain, '.a', false],
    [dns1123Subdomain, 'x'.repeat(254), false],
    [labelKey, 'ptp/clock-under-test', true],
    [labelKey, 'node-role.kubernetes.io/worker', true],
    [labelKey, 'Upper_case.ok', true],
    [labelKey, 'a/b/c', false],
    [labelKey, '/x', false],
    [labelKey, 'x/', false],
    [labelKey, 'bad prefix/x', false],
    [labelKey, 'k'.repeat(64), false],
    [labelValue, '', true],
    [labelValue, 'true', true],
    [labelValue, 'a b', false],
    [labelValue, '-a', false],
    [ifName, 'ens1f0', true],
    [ifName, 'ens1f0.100', true],
    [ifName, 'eth0]\nuds_address', false],
    [ifName, 'a/b', false],
    [ifName, '-i', false],
    [ifName, '..', false],
    [ifName, 'sixteen-chars-xx', false],
    [labName, 'ptplab', true],
    [labName, 'a-b', true],
    [labName, 'a-', false],
    [labName, 'a.b', false],
    [labName, '1a', false],
    [profileName, 'test-slave1', true],
    [profileName, 'My Profile', true],
    [profileName, 'x\nuds_address /etc/shadow', false],
    [profileName, ' ', false],
  ]
  for (const [rule, v, ok] of cases) t.equal(rule(v) === undefined, ok, `${rule.name}(${JSON.stringify(v)}) ${ok ? 'accepted' : 'refused'}`)
})

t.test('getopt scanning: clusters, attached and separate arguments, long options', async (t) => {
  t.same(scanOptions(['-2mf', '/x', '-s'], 'fipl'), [
    { short: '2', word: '-2mf' },
    { short: 'm', word: '-2mf' },
    { short: 'f', value: '/x', word: '-2mf' },
    { short: 's', word: '-s' },
  ])
  t.same(scanOptions(['-ieth0', '--uds_address=/a', '--message_tag', 'b', '--', '-f'], 'fipl'), [
    { short: 'i', value: 'eth0', word: '-ieth0' },
    { long: 'uds_address', value: '/a', word: '--uds_address=/a' },
    { long: 'message_tag', value: 'b', word: '--message_tag' },
  ])
})

t.test('daemon-owned ptp4l and phc2sys options are found however they are written', async (t) => {
  const refused: Array<['ptp4l' | 'phc2sys', string]> = [
    ['ptp4l', '--uds_address=/etc/shadow'],
    ['ptp4l', '--uds_address /etc/shadow'],
    ['ptp4l', '--uds=/etc/shadow'], // getopt_long abbreviation
    ['ptp4l', '-2 --message_tag=x'],
    ['ptp4l', '--slave_event_monitor=/etc/passwd'],
    ['ptp4l', '-f /etc/ptp4l.conf'],
    ['ptp4l', '-f/etc/ptp4l.conf'],
    ['ptp4l', '-2mf /etc/ptp4l.conf'],
    ['phc2sys', '-a -r -z /etc/shadow'],
    ['phc2sys', '-az/etc/shadow'],
    ['phc2sys', '-t tag'],
    ['phc2sys', '-f /etc/phc2sys.conf'],
    ['phc2sys', '--uds_address=/x'],
  ]
  for (const [prog, opts] of refused) t.ok(ownedOptionProblem(prog, splitOpts(opts)), `${prog} ${opts} refused`)
  const fine: Array<['ptp4l' | 'phc2sys', string]> = [
    ['ptp4l', '-2 -s'],
    ['ptp4l', '-2 -i ens1f0 -l 6 -m'],
    ['ptp4l', '--summary_interval -4'],
    ['ptp4l', '-i f0'], // "f" is the argument of -i, not the -f option
    ['phc2sys', '-a -r -n 24'],
    ['phc2sys', '-s ens1f0 -c CLOCK_REALTIME -w -n 24 -R 16'],
  ]
  for (const [prog, opts] of fine) t.equal(ownedOptionProblem(prog, splitOpts(opts)), undefined, `${prog} ${opts} accepted`)
})

const profile = (over: Record<string, unknown>) => ({ name: 'p', interface: 'eth0', ptp4lOpts: '-2 -s', ptp4lConf: '[global]\ndomainNumber 24\n', ...over })

t.test('profile safety: the field and the reason', async (t) => {
  const bad: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ ptp4lOpts: '-2 --uds_address=/etc/shadow' }, 'ptp4lOpts', /sets uds_address, which is the daemon's own management socket/],
    [{ ptp4lConf: '[global]\nuds_address /etc/shadow\n' }, 'ptp4lConf', /\[global\] sets uds_address/],
    [{ interface: undefined, ptp4lConf: '[global]\n[eth0]\nmessage_tag x\n' }, 'ptp4lConf', /\[eth0\] sets message_tag/],
    [{ phc2sysOpts: '-a -r -z /tmp/evil' }, 'phc2sysOpts', /phc2sys option -z/],
    [{ name: 'x\nuds_address /etc/shadow' }, 'name', /control characters/],
    [{ interface: 'eth0]\n[global' }, 'interface', /interface/],
    [{ interface: undefined, ptp4lConf: '[global]\n[a/b]\nmasterOnly 0\n' }, 'ptp4lConf', /section \[a\/b\] is no valid interface name/],
    [{ ptp4lOpts: "-2 -i '../x'" }, 'ptp4lOpts', /interface -i/],
  ]
  for (const [over, field, why] of bad) {
    const p = profileSafetyProblem(profile(over) as never)
    t.equal(p?.field, field, `${JSON.stringify(over)}: field`)
    t.match(p?.problem, why)
  }
  t.equal(profileSafetyProblem(profile({}) as never), undefined, 'a plain profile is fine')
})

t.test('the daemon refuses such a profile, naming the field', async (t) => {
  const e = inputError(() => planProfiles([profile({ ptp4lOpts: '--uds_address=/etc/shadow' }) as never], { runDir: '/run/x', sharedClock: true }))
  t.equal(e.field, '[0].ptp4lOpts')
  t.match(e.message, /uds_address/)
  const ok = planProfiles([profile({ ptp4lOpts: '-2 -s -m', phc2sysOpts: '-a -r -n 24' }) as never], { runDir: '/run/x', sharedClock: false, disciplineSystemClock: true })
  t.same(ok[0]!.processes[0]!.args, ['-f', '/run/x/ptp4l.0.config', '-m', '-2', '-s'], 'our -f and -m only')
  t.same(ok[0]!.processes[1]!.args, ['-m', '-a', '-r', '-n', '24', '-z', '/run/x/ptp4l.0.socket', '-t', '[ptp4l.0.config]'])
})

const yaml = (meta: string, extra = '') => `apiVersion: ptp.openshift.io/v1
kind: PtpConfig
metadata:
${meta}
spec:
  profile:
  - name: p
    interface: eth0
    ptp4lOpts: "-2 -s${extra}"
  recommend:
  - profile: p
    priority: 4
    match:
    - nodeLabel: ptp/clock-under-test
`

t.test('the webhook rules refuse hostile metadata and options, with file, line and field', async (t) => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['  name: x\n  namespace: ../../../../tmp/x', '', 'metadata.namespace', /invalid namespace "..\/..\/..\/..\/tmp\/x"/],
    ['  name: a/b/c', '', 'metadata.name', /invalid name "a\/b\/c"/],
    ['  name: x\n  labels:\n    "a b": c', '', 'metadata.labels["a b"]', /invalid label key/],
    ['  name: x', ' --uds_address=/etc/shadow', 'spec.profile[0].ptp4lOpts', /uds_address/],
  ]
  for (const [meta, extra, field, why] of cases) {
    const e = inputError(() => parsePtpConfigs(yaml(meta, extra), 'pr.yaml'))
    t.equal(e.file, 'pr.yaml')
    t.equal(e.field, field)
    t.type(e.line, 'number')
    t.match(e.message, why)
  }
  const c = parsePtpConfigs(yaml('  name: x'), 'ok.yaml')[0]!
  const bad: PtpConfig = { ...c, spec: { ...c.spec, recommend: [{ profile: 'p', priority: 1, match: [{ nodeLabel: 'a b' }] }] } }
  t.equal(inputError(() => validatePtpConfig(bad)).field, 'spec.recommend[0].match[0].nodeLabel')
  const e = inputError(() => parsePtpConfigs(yaml(`  name: ${'x'.repeat(100_000)}`), 'long.yaml'))
  t.ok(e.message.length < 400, `the error quotes an excerpt (${e.message.length} characters)`)
})

t.test('label arguments follow the label syntax', async (t) => {
  t.same(parseLabelArgs(['ptp/clock-under-test', 'a=b', 'c-']), { 'ptp/clock-under-test': '', a: 'b', c: null })
  t.match(inputError(() => parseLabelArgs(['a=b c'])).message, /the value must be empty or/)
  t.match(inputError(() => parseLabelArgs(['../x=1'])).message, /the key/)
})

t.test('an atomic write that fails leaves no temporary file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ptplab-atomic-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'target')) // renaming a file over a directory fails
  await t.rejects(writeTextAtomic(join(dir, 'target'), 'x'))
  t.same(readdirSync(dir), ['target'])
})

t.test('ptplab apply of a hostile PtpConfig exits 2 naming file and field, and writes nothing', async (t) => {
  const h = cliHarness(t, { prefix: 'ptplab-hostile', stubIp: true })
  if (!h.isBuilt) return t.fail(`the CLI is not built (${h.built} missing): run npx tsc -p tsconfig.json first`)
  const victim = join(h.tmp, 'x')
  const f = h.file('pr.yaml', yaml(`  name: evil\n  namespace: ../../../..${victim}`))
  writeFileSync(join(h.tmp, 'marker'), '')
  await h.usageError(t, ['apply', f], ['pr.yaml:5', 'metadata.namespace', 'invalid namespace'], {}, { ptplabLine: true })
  t.notOk(existsSync(victim), 'nothing written where the namespace pointed')
  t.notOk(existsSync(`${victim}.evil.yaml`))
})
