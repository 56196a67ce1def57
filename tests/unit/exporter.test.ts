import t from 'tap'
import { Registry } from 'prom-client'
import { PtpExporter } from '../../lab/ptp/exporter.js'

const P = 'ptp4l[100.000]: [ptp4l.0.config] '
const series = async (ex: PtpExporter) => (await ex.metricsText()).split('\n').filter((l) => l !== '' && !l.startsWith('#'))

// A boundary clock: port 1 (ens1f0) slave, port 2 (ens1f1) master.
const SEQUENCE = [
  `${P}port 1: INITIALIZING to LISTENING on INIT_COMPLETE`,
  `${P}port 2: INITIALIZING to LISTENING on INIT_COMPLETE`,
  `${P}selected best master clock 001122.fffe.334455`,
  `${P}port 1: LISTENING to UNCALIBRATED on RS_SLAVE`,
  `${P}master offset 4242 s0 freq -3972 path delay 89`,
  `${P}port 1: UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED`,
  `${P}master offset 120 s2 freq -3900 path delay 90`,
  `${P}master offset -1 s2 freq -3972 path delay 89`,
  `${P}port 2: LISTENING to MASTER on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES`,
]

t.test('realistic sequence -> exact exposition lines', async (t) => {
  const ex = new PtpExporter({ node: 'n1' })
  ex.registerConfig('ptp4l.0.config', ['ens1f0', 'ens1f1'])
  t.equal(ex.handleLine(SEQUENCE[2] as string)?.kind, 'best-master')
  for (const l of SEQUENCE) ex.handleLine(l)
  ex.setProcessStatus('ptp4l', 'ptp4l.0.config', true)
  t.same(await series(ex), [
    'openshift_ptp_offset_ns{from="master",process="ptp4l",node="n1",iface="ens1fx"} -1',
    'openshift_ptp_max_offset_ns{from="master",process="ptp4l",node="n1",iface="ens1fx"} -1',
    'openshift_ptp_frequency_adjustment_ns{from="master",process="ptp4l",node="n1",iface="ens1fx"} -3972',
    'openshift_ptp_delay_ns{from="master",process="ptp4l",node="n1",iface="ens1fx"} 89',
    'openshift_ptp_clock_state{process="ptp4l",node="n1",iface="ens1fx"} 1',
    'openshift_ptp_interface_role{process="ptp4l",node="n1",iface="ens1f0"} 1',
    'openshift_ptp_interface_role{process="ptp4l",node="n1",iface="ens1f1"} 2',
    'openshift_ptp_process_status{process="ptp4l",node="n1",config="ptp4l.0.config"} 1',
  ])

  // rms summary overrides offset/max/freq/delay, not the clock state.
  ex.handleLine(`${P}rms 53 max 74 freq -16642 +/- 40 delay 1089 +/- 20`)
  const text = await ex.metricsText()
  t.match(text, 'openshift_ptp_offset_ns{from="master",process="ptp4l",node="n1",iface="ens1fx"} 53\n')
  t.match(text, 'openshift_ptp_max_offset_ns{from="master",process="ptp4l",node="n1",iface="ens1fx"} 74\n')
  t.match(text, 'openshift_ptp_delay_ns{from="master",process="ptp4l",node="n1",iface="ens1fx"} 1089\n')
  t.match(text, '# HELP openshift_ptp_interface_role 0 = PASSIVE, 1 = SLAVE, 2 = MASTER, 3 = FAULTY, 4 = UNKNOWN, 5 = LISTENING\n# TYPE openshift_ptp_interface_role gauge\n')

  t.same(ex.snapshot(), {
    roles: [
      { process: 'ptp4l', iface: 'ens1f0', role: 1 },
      { process: 'ptp4l', iface: 'ens1f1', role: 2 },
    ],
    offsets: [{ from: 'master', process: 'ptp4l', iface: 'ens1fx', value: 53 }],
    clockStates: [{ process: 'ptp4l', iface: 'ens1fx', value: 1 }],
  })
})

t.test('servo states and roles along the way', async (t) => {
  const ex = new PtpExporter({ node: 'n1' })
  ex.registerConfig('ptp4l.0.config', ['ens1f0', 'ens1f1'])
  const role = (iface: string) => ex.snapshot().roles.find((r) => r.iface === iface)?.role
  const state = () => ex.snapshot().clockStates[0]?.value
  ex.handleLine(SEQUENCE[0] as string)
  t.equal(role('ens1f0'), 5, 'LISTENING')
  ex.handleLine(SEQUENCE[3] as string)
  t.equal(role('ens1f0'), 5, 'to UNCALIBRATED leaves the role')
  ex.handleLine(SEQUENCE[4] as string)
  t.equal(state(), 0, 's0 -> FREERUN')
  t.same(ex.snapshot().offsets, [{ from: 'master', process: 'ptp4l', iface: 'ens1fx', value: 4242 }], 'before any SLAVE: first interface')
  ex.handleLine(SEQUENCE[5] as string)
  t.equal(role('ens1f0'), 1)
  ex.handleLine(`${P}master offset 7 s3 freq 1`)
  t.equal(state(), 1, 's3 -> LOCKED')
  t.match(await ex.metricsText(), 'openshift_ptp_delay_ns{from="master",process="ptp4l",node="n1",iface="ens1fx"} 0\n', 'no delay -> 0')
  ex.handleLine(`${P}port 2: LISTENING to PRE_MASTER on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES`)
  t.equal(role('ens1f1'), undefined, 'PRE_MASTER leaves the role')
  ex.handleLine(`${P}port 2 (ens1f1): PRE_MASTER to MASTER on QUALIFICATION_TIMEOUT_EXPIRES`)
  t.equal(role('ens1f1'), 2)
  ex.handleLine(`${P}port 2: MASTER to PASSIVE on RS_PASSIVE`)
  t.equal(role('ens1f1'), 0)
  ex.handleLine(`${P}port 9: LISTENING to MASTER on X`)
  t.equal(ex.snapshot().roles.length, 2, 'port beyond the interface list ignored')
})

t.test('faulty slave port: 999999, HOLDOVER, role 3', async (t) => {
  for (const fault of [
    'port 1: SLAVE to FAULTY on FAULT_DETECTED (FT_UNSPECIFIED)',
    'port 1: SLAVE to UNCALIBRATED on SYNCHRONIZATION_FAULT',
    'port 1: SLAVE to UNCALIBRATED on RS_SLAVE',
  ]) {
    const ex = new PtpExporter({ node: 'n1' })
    ex.registerConfig('ptp4l.0.config', ['ens1f0', 'ens1f1'])
    for (const l of SEQUENCE) ex.handleLine(l)
    ex.handleLine(P + fault)
    const lines = await series(ex)
    t.same(lines.slice(0, 7), [
      'openshift_ptp_offset_ns{from="master",process="ptp4l",node="n1",iface="ens1fx"} 999999',
      'openshift_ptp_max_offset_ns{from="master",process="ptp4l",node="n1",iface="ens1fx"} 999999',
      'openshift_ptp_frequency_adjustment_ns{from="master",process="ptp4l",node="n1",iface="ens1fx"} 0',
      'openshift_ptp_delay_ns{from="master",process="ptp4l",node="n1",iface="ens1fx"} 0',
      'openshift_ptp_clock_state{process="ptp4l",node="n1",iface="ens1fx"} 2',
      'openshift_ptp_interface_role{process="ptp4l",node="n1",iface="ens1f0"} 3',
      'openshift_ptp_interface_role{process="ptp4l",node="n1",iface="ens1f1"} 2',
    ], fault)
    // Recovery: back to SLAVE and locked offsets.
    ex.handleLine(`${P}port 1: FAULTY to LISTENING on INIT_COMPLETE`)
    ex.handleLine(`${P}port 1: UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED`)
    ex.handleLine(`${P}master offset 3 s2 freq 1 path delay 2`)
    t.same(ex.snapshot().offsets, [{ from: 'master', process: 'ptp4l', iface: 'ens1fx', value: 3 }])
    t.same(ex.snapshot().clockStates, [{ process: 'ptp4l', iface: 'ens1fx', value: 1 }])
  }
})

t.test('fault on a non-slave port only changes its role', async (t) => {
  const ex = new PtpExporter({ node: 'n1' })
  ex.registerConfig('ptp4l.0.config', ['ens1f0', 'ens1f1'])
  for (const l of SEQUENCE) ex.handleLine(l)
  ex.handleLine(`${P}port 2: MASTER to FAULTY on FAULT_DETECTED`)
  t.same(ex.snapshot(), {
    roles: [
      { process: 'ptp4l', iface: 'ens1f0', role: 1 },
      { process: 'ptp4l', iface: 'ens1f1', role: 3 },
    ],
    offsets: [{ from: 'master', process: 'ptp4l', iface: 'ens1fx', value: -1 }],
    clockStates: [{ process: 'ptp4l', iface: 'ens1fx', value: 1 }],
  })
})

t.test('phc2sys lines, process and config metrics', async (t) => {
  const ex = new PtpExporter({ node: 'n1' })
  ex.registerConfig('ptp4l.0.config', ['ens1f0'])
  ex.handleLine('phc2sys[1.0]: [ptp4l.0.config] CLOCK_REALTIME phc offset 8 s2 freq -6990 delay 502')
  ex.handleLine('phc2sys[1.0]: [ptp4l.0.config] ens1f1 sys offset -3 s0 freq 5 delay 10')
  ex.handleLine('phc2sys[1.0]: [ptp4l.0.config] CLOCK_REALTIME rms 4 max 6 freq -76829 +/- 0 delay 1085 +/- 0')
  ex.setProcessStatus('ptp4l', 'ptp4l.0.config', true)
  ex.setProcessStatus('phc2sys', 'ptp4l.0.config', false)
  ex.incRestart('ptp4l', 'ptp4l.0.config')
  ex.incRestart('ptp4l', 'ptp4l.0.config')
  ex.setClockClass('ptp4l', 'ptp4l.0.config', 248)
  const text = await ex.metricsText()
  t.same(await series(ex), [
    'openshift_ptp_offset_ns{from="phc",process="phc2sys",node="n1",iface="CLOCK_REALTIME"} 4',
    'openshift_ptp_offset_ns{from="sys",process="phc2sys",node="n1",iface="ens1fx"} -3',
    'openshift_ptp_max_offset_ns{from="phc",process="phc2sys",node="n1",iface="CLOCK_REALTIME"} 6',
    'openshift_ptp_max_offset_ns{from="sys",process="phc2sys",node="n1",iface="ens1fx"} -3',
    'openshift_ptp_frequency_adjustment_ns{from="phc",process="phc2sys",node="n1",iface="CLOCK_REALTIME"} -76829',
    'openshift_ptp_frequency_adjustment_ns{from="sys",process="phc2sys",node="n1",iface="ens1fx"} 5',
    'openshift_ptp_delay_ns{from="phc",process="phc2sys",node="n1",iface="CLOCK_REALTIME"} 1085',
    'openshift_ptp_delay_ns{from="sys",process="phc2sys",node="n1",iface="ens1fx"} 10',
    'openshift_ptp_clock_state{process="phc2sys",node="n1",iface="CLOCK_REALTIME"} 1',
    'openshift_ptp_clock_state{process="phc2sys",node="n1",iface="ens1fx"} 0',
    'openshift_ptp_process_status{process="ptp4l",node="n1",config="ptp4l.0.config"} 1',
    'openshift_ptp_process_status{process="phc2sys",node="n1",config="ptp4l.0.config"} 0',
    'openshift_ptp_clock_class{process="ptp4l",node="n1",config="ptp4l.0.config"} 248',
    'openshift_ptp_process_restart_count{process="ptp4l",node="n1",config="ptp4l.0.config"} 2',
  ])
  t.match(text, '# TYPE openshift_ptp_process_restart_count counter\n')
  t.notMatch(text, /_total/)
})

t.test('unknown and untagged configs', async (t) => {
  const ex = new PtpExporter({ node: 'n1' })
  ex.handleLine('ptp4l[1.0]: [ptp4l.7.config] port 1: UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED')
  ex.handleLine('ptp4l[1.0]: [ptp4l.7.config] master offset 5 s2 freq 1 path delay 2')
  t.same(ex.snapshot(), {
    roles: [],
    offsets: [{ from: 'master', process: 'ptp4l', iface: 'unknown', value: 5 }],
    clockStates: [{ process: 'ptp4l', iface: 'unknown', value: 1 }],
  }, 'role lines skipped, offsets on "unknown"')

  const raw = new PtpExporter({ node: 'n2' })
  raw.registerConfig('', ['eth0'])
  raw.handleLine('port 1: UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED', 'ptp4l')
  raw.handleLine('master offset 5 s2 freq 1 path delay 2', 'ptp4l')
  t.same(raw.snapshot().roles, [{ process: 'ptp4l', iface: 'eth0', role: 1 }])
  t.same(raw.snapshot().offsets, [{ from: 'master', process: 'ptp4l', iface: 'eth0', value: 5 }])
  t.equal(raw.handleLine('not a ptp line', 'ptp4l'), null)
})

t.test('forgetConfig removes the series of that config only', async (t) => {
  const ex = new PtpExporter({ node: 'n1' })
  ex.registerConfig('ptp4l.0.config', ['ens1f0', 'ens1f1'])
  ex.registerConfig('ptp4l.1.config', ['ens2f0'])
  for (const l of SEQUENCE) ex.handleLine(l)
  ex.handleLine('phc2sys[1.0]: [ptp4l.0.config] CLOCK_REALTIME phc offset 8 s2 freq -6990 delay 502')
  ex.handleLine('ptp4l[1.0]: [ptp4l.1.config] port 1: LISTENING to MASTER on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES')
  ex.setProcessStatus('ptp4l', 'ptp4l.0.config', true)
  ex.incRestart('ptp4l', 'ptp4l.0.config')
  ex.setClockClass('ptp4l', 'ptp4l.0.config', 6)
  ex.setProcessStatus('ptp4l', 'ptp4l.1.config', true)

  ex.forgetConfig('ptp4l.0.config')
  t.same(await series(ex), [
    'openshift_ptp_interface_role{process="ptp4l",node="n1",iface="ens2f0"} 2',
    'openshift_ptp_process_status{process="ptp4l",node="n1",config="ptp4l.1.config"} 1',
  ])
  t.same(ex.snapshot(), { roles: [{ process: 'ptp4l', iface: 'ens2f0', role: 2 }], offsets: [], clockStates: [] })

  // Forgotten = unregistered: its role lines are ignored until registered again.
  ex.handleLine(SEQUENCE[5] as string)
  t.equal(ex.snapshot().roles.length, 1)

  const keep = new PtpExporter({ node: 'n1' })
  keep.incRestart('ptp4l', 'ptp4l.0.config')
  keep.setProcessStatus('ptp4l', 'ptp4l.0.config', true)
  keep.forgetConfig('ptp4l.0.config', { keepRestartCount: true })
  t.same(await series(keep), ['openshift_ptp_process_restart_count{process="ptp4l",node="n1",config="ptp4l.0.config"} 1'])
})

t.test('own registry by default, or the given one; no default metrics', async (t) => {
  const a = new PtpExporter({ node: 'a' })
  const b = new PtpExporter({ node: 'b' })
  t.not(a.registry, b.registry, 'two exporters do not collide')
  const reg = new Registry()
  const c = new PtpExporter({ node: 'c', registry: reg })
  t.equal(c.registry, reg)
  t.equal(reg.getMetricsAsArray().length, 9)
  t.notMatch(await a.metricsText(), /process_cpu|nodejs_/)
})
