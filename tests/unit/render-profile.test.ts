import t from 'tap'
import { InputError } from '../../lab/errors.js'
import { parseProfileFile, phc2sysSetsSystemClock, planProfiles } from '../../lab/ptp/render-profile.js'
import { splitOpts } from '../../lab/ptp/opts.js'
import type { PtpProfile } from '../../lab/ptp/types.js'

const RUN = '/run/ptplab/n1'

t.test('splitOpts: whitespace, quotes, escapes; no shell', async (t) => {
  t.same(splitOpts(''), [])
  t.same(splitOpts('  -2   -s\t-i eth0 '), ['-2', '-s', '-i', 'eth0'])
  t.same(splitOpts(`-t 'a b' "c \\"d\\"" e\\ f ''`), ['-t', 'a b', 'c "d"', 'e f', ''])
  t.same(splitOpts(`-x '$(rm -rf /)' ;ls`), ['-x', '$(rm -rf /)', ';ls'])
  t.same(splitOpts(`--a="x y"z`), ['--a=x yz'])
  t.throws(() => splitOpts(`-t 'open`), InputError)
})

t.test('sorting, naming, config text, args', async (t) => {
  const profiles: PtpProfile[] = [
    { name: 'zeta', interface: 'ens2f0', ptp4lOpts: '-2 -s', phc2sysOpts: '-a -r -n 24' },
    { name: 'beta', interface: 'ens1f0', ptp4lOpts: '-2 -m', phc2sysOpts: '  ', ptp4lConf: '[global]\ndomainNumber 24\n[ens1f0]\nmasterOnly 0\n' },
    { name: 'alpha', ptp4lConf: '[global]\nsummary_interval -4\n[ens3f0]\nmasterOnly 1\n[ens3f1]\n', ptpSchedulingPolicy: 'SCHED_FIFO', ptpSchedulingPriority: 10 },
  ]
  const plan = planProfiles(profiles, { runDir: `${RUN}/`, sharedClock: false, disciplineSystemClock: true })
  t.same(plan.map((p) => [p.index, p.profileName, p.configName]), [
    [0, 'alpha', 'ptp4l.0.config'],
    [1, 'beta', 'ptp4l.1.config'],
    [2, 'zeta', 'ptp4l.2.config'],
  ], 'no-phc2sys profiles first (blank opts count as none), then by name')

  const [alpha, beta, zeta] = plan
  t.equal(alpha?.configPath, `${RUN}/ptp4l.0.config`)
  t.equal(alpha?.udsPath, `${RUN}/ptp4l.0.socket`)
  t.same(alpha?.ifaces, ['ens3f0', 'ens3f1'])
  t.equal(alpha?.configText, `#profile: alpha
[global]
summary_interval -4
message_tag [ptp4l.0.config]
uds_address ${RUN}/ptp4l.0.socket

[ens3f0]
masterOnly 1

[ens3f1]
`, 'user summary_interval kept')
  t.same(alpha?.processes, [{ process: 'ptp4l', config: 'ptp4l.0.config', args: ['-f', `${RUN}/ptp4l.0.config`, '-m'], sched: { policy: 'SCHED_FIFO', priority: 10 } }])

  t.equal(beta?.domain, 24)
  t.equal(beta?.configText, `#profile: beta
[global]
domainNumber 24
message_tag [ptp4l.1.config]
uds_address ${RUN}/ptp4l.1.socket
summary_interval 1

[ens1f0]
masterOnly 0
`, 'tag and socket set, summary_interval forced, existing interface section kept')
  t.same(beta?.processes.map((p) => p.args), [['-f', `${RUN}/ptp4l.1.config`, '-m', '-2']], 'duplicate -m dropped; no phc2sys')
  t.equal(beta?.processes[0]?.sched, undefined)

  t.equal(zeta?.domain, 0)
  t.same(zeta?.ifaces, ['ens2f0'])
  t.equal(zeta?.configText, `#profile: zeta
[global]
message_tag [ptp4l.2.config]
uds_address ${RUN}/ptp4l.2.socket
summary_interval 1

[ens2f0]
`, 'interface becomes a section')
  t.same(zeta?.processes, [
    { process: 'ptp4l', config: 'ptp4l.2.config', args: ['-f', `${RUN}/ptp4l.2.config`, '-m', '-2', '-s'] },
    { process: 'phc2sys', config: 'ptp4l.2.config', args: ['-m', '-a', '-r', '-n', '24', '-z', `${RUN}/ptp4l.2.socket`, '-t', '[ptp4l.2.config]'] },
  ])
})

t.test('shared clock: free_running, no phc2sys, same numbering', async (t) => {
  const plan = planProfiles(
    [
      { name: 'b', interface: 'eth0' },
      { name: 'a', interface: 'eth1', phc2sysOpts: '-a -r' },
    ],
    { runDir: RUN, sharedClock: true },
  )
  t.same(plan.map((p) => p.profileName), ['b', 'a'])
  t.same(plan.map((p) => p.processes.map((x) => x.process)), [['ptp4l'], ['ptp4l']])
  t.match(plan[1]?.configText, /\nfree_running 1\n/)
  t.match(plan[0]?.configText, /^#profile: b\n\[global\]\nmessage_tag \[ptp4l\.0\.config\]\n/)
})

t.test('shared clock: unset summary_interval follows logSyncInterval (one offset line per sample)', async (t) => {
  const [fast, dflt, own] = planProfiles(
    [
      { name: 'a', interface: 'eth0', ptp4lConf: '[global]\nlogSyncInterval -4\n' },
      { name: 'b', interface: 'eth1' },
      { name: 'c', interface: 'eth2', ptp4lConf: '[global]\nlogSyncInterval -4\nsummary_interval 2\n' },
    ],
    { runDir: RUN, sharedClock: true },
  )
  t.match(fast?.configText, /\nsummary_interval -4\n/)
  t.match(dflt?.configText, /\nsummary_interval 0\n/)
  t.match(own?.configText, /\nsummary_interval 2\n/)
  t.notMatch(own?.configText, /summary_interval -4/)
})

t.test("phc2sys gets the daemon's -z / -t (a profile's own are refused), SCHED_FIFO default priority on both", async (t) => {
  const [p] = planProfiles([{ name: 'x', interface: 'eth0', phc2sysOpts: '-a -r -m', ptpSchedulingPolicy: 'SCHED_FIFO' }], { runDir: RUN, sharedClock: false, disciplineSystemClock: true })
  t.same(p?.processes[1]?.args, ['-m', '-a', '-r', '-z', `${RUN}/ptp4l.0.socket`, '-t', '[ptp4l.0.config]'])
  t.throws(() => planProfiles([{ name: 'x', interface: 'eth0', phc2sysOpts: '-a -r -z /tmp/s' }], { runDir: RUN, sharedClock: false }), /phc2sys option -z/)
  t.same(p?.processes.map((x) => x.sched), [{ policy: 'SCHED_FIFO', priority: 65 }, { policy: 'SCHED_FIFO', priority: 65 }])
})

t.test('-i interfaces are ports before config sections; --summary_interval on argv', async (t) => {
  const [p] = planProfiles([{ name: 'x', ptp4lOpts: '-i ens9f0 -iens1f0 --summary_interval=2', ptp4lConf: '[ens1f0]\n[ens1f1]\n' }], { runDir: RUN, sharedClock: false })
  t.same(p?.ifaces, ['ens9f0', 'ens1f0', 'ens1f1'])
  t.notMatch(p?.configText, /summary_interval/)
  t.same(p?.processes[0]?.args.slice(3), ['-i', 'ens9f0', '-iens1f0', '--summary_interval=2'])
})

t.test('validation errors', async (t) => {
  const plan = (profiles: PtpProfile[]) => () => planProfiles(profiles, { runDir: RUN, sharedClock: false })
  t.throws(plan([{ name: '', interface: 'eth0' }]), { name: 'InputError', field: '[0].name' })
  t.throws(plan([{ interface: 'eth0' } as PtpProfile]), { name: 'InputError', field: '[0].name' })
  t.throws(plan([{ name: 'a', interface: 'eth0' }, { name: 'a', interface: 'eth1' }]), { name: 'InputError', field: '[1].name', message: /duplicate/ })
  t.throws(plan([{ name: 'a', interface: 'eth0', ptpSchedulingPolicy: 'SCHED_FIFO', ptpSchedulingPriority: 66 }]), { name: 'InputError', field: '[0].ptpSchedulingPriority' })
  t.throws(plan([{ name: 'a', interface: 'eth0', ptpSchedulingPolicy: 'SCHED_FIFO', ptpSchedulingPriority: 0 }]), InputError)
  t.doesNotThrow(plan([{ name: 'a', interface: 'eth0', ptpSchedulingPolicy: 'SCHED_OTHER', ptpSchedulingPriority: 0 }]), 'priority only matters for FIFO')
  t.throws(plan([{ name: 'ok', interface: 'eth0' }, { name: 'a', interface: 'eth0', ptp4lConf: '[global]\n[eth0]\n[eth1]\n' }]), { field: '[1].ptp4lConf', message: /\[eth1\]/ })
  t.doesNotThrow(plan([{ name: 'a', interface: 'eth0', ptp4lConf: '[global]\n[eth0]\nmasterOnly 1\n[unicast_master_table]\ntable_id 1\n' }]), 'non-port sections allowed')
  t.throws(plan([{ name: 'a', ptp4lConf: '[global]\ndomainNumber 24\n' }]), { field: '[0].interface', message: /no interface/ })
  t.throws(plan([{ name: 'a', interface: '  ' }]), { name: 'InputError', field: '[0].interface' })
  t.throws(plan([{ name: 'a', interface: 'eth0', ptp4lConf: 'domainNumber x\n' }]), { name: 'InputError', field: '[0].ptp4lConf' })
})

t.test('parseProfileFile', async (t) => {
  t.same(parseProfileFile('', 'f'), [])
  t.same(parseProfileFile(' \n', 'f'), [])
  t.same(parseProfileFile('null', 'f'), [])
  t.same(parseProfileFile('[]', 'f'), [])
  t.same(parseProfileFile('{"name":null,"interface":null}', 'f'), [], 'empty old config')

  const arr = parseProfileFile(
    JSON.stringify([
      { name: 'a', interface: 'eth0', ptp4lOpts: '-2', ptp4lConf: null, ptpSchedulingPriority: 5, ptpSettings: { logReduce: 'true' }, ptpClockThreshold: { holdOverTimeout: 5 }, extra: 1 },
      { name: 'b', ptp4lConf: '[eth1]\n' },
    ]),
    'n1',
  )
  t.same(arr, [
    { name: 'a', interface: 'eth0', ptp4lOpts: '-2', ptpSchedulingPriority: 5, ptpSettings: { logReduce: 'true' }, ptpClockThreshold: { holdOverTimeout: 5 } },
    { name: 'b', ptp4lConf: '[eth1]\n' },
  ], 'nulls and unknown fields dropped')

  t.same(parseProfileFile('{"interface":"ens1f0","ptp4lOpts":"-s -2","phc2sysOpts":"-a -r"}', 'n1'), [
    { name: 'default', interface: 'ens1f0', ptp4lOpts: '-s -2', phc2sysOpts: '-a -r' },
  ], 'legacy object')

  const bad = (text: string) => {
    try {
      parseProfileFile(text, '/etc/linuxptp/n1')
    } catch (e) {
      return e
    }
    return undefined
  }
  t.match(bad('[{"name": "a",\n  }]'), { name: 'InputError', file: '/etc/linuxptp/n1', message: /^\/etc\/linuxptp\/n1(:\d+)?: invalid JSON/ })
  t.match(bad('[{"name":"a"},{"name":"b","ptp4lOpts":5}]'), { file: '/etc/linuxptp/n1', field: '[1].ptp4lOpts', message: '/etc/linuxptp/n1: [1].ptp4lOpts: must be a string' })
  t.match(bad('[{"ptp4lOpts":"-2"}]'), { field: '[0].name' })
  t.match(bad('[{"name":"a","ptpSchedulingPriority":"5"}]'), { name: 'InputError', field: '[0].ptpSchedulingPriority' })
  t.match(bad('[{"name":"a","ptpSettings":{"k":1}}]'), { field: '[0].ptpSettings.k' })
  t.match(bad('[{"name":"a","ptpClockThreshold":{"maxOffsetThreshold":"x"}}]'), { field: '[0].ptpClockThreshold.maxOffsetThreshold' })
  t.match(bad('[5]'), { field: '[0]' })
  t.match(bad('"x"'), { name: 'InputError', file: '/etc/linuxptp/n1' })
  t.match(bad('{"interface":3}'), { field: 'interface' })
})

t.test('phc2sys never sets CLOCK_REALTIME unless the daemon may discipline it', async (t) => {
  const sets = (opts: string) => phc2sysSetsSystemClock(opts.split(' ').filter(Boolean))
  for (const o of ['-a -r', '-ar -n 24', '-a -rr', '-s ens1f0', '-s ens1f0 -c CLOCK_REALTIME', '-s/dev/ptp0 -O 0', '-w -s ens1f0 -cCLOCK_REALTIME'])
    t.ok(sets(o), `${o}: sets the system clock`)
  for (const o of ['-a', '-a -n 24 -m', '-s ens1f0 -c /dev/ptp1', '-s CLOCK_REALTIME -c ens2f0', '-c/dev/ptp2 -s ens1f0'])
    t.notOk(sets(o), `${o}: PHC to PHC only`)
  const profile = { name: 'x', interface: 'eth0', ptp4lOpts: '-2 -s', phc2sysOpts: '-a -r -n 24' }
  const [kept] = planProfiles([profile], { runDir: RUN, sharedClock: false })
  t.same(kept!.processes.map((p) => p.process), ['ptp4l'], 'by default the phc2sys that would set CLOCK_REALTIME is not planned')
  t.match(kept!.skipped, /phc2sys -a -r -n 24 would set CLOCK_REALTIME.*--discipline-system-clock/)
  const [allowed] = planProfiles([profile], { runDir: RUN, sharedClock: false, disciplineSystemClock: true })
  t.same(allowed!.processes.map((p) => p.process), ['ptp4l', 'phc2sys'], 'with --discipline-system-clock it runs, as upstream')
  t.equal(allowed!.skipped, undefined)
  const [phcOnly] = planProfiles([{ ...profile, phc2sysOpts: '-a -n 24' }], { runDir: RUN, sharedClock: false })
  t.same(phcOnly!.processes.map((p) => p.process), ['ptp4l', 'phc2sys'], 'PHC-to-PHC phc2sys runs')
})
