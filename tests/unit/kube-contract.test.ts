// The Kubernetes cluster's view of a daemon, fed with what upstream's
// linuxptp-daemon pods print (openshift/linuxptp-daemon: pkg/daemon/
// metrics.go label sets as client_golang writes them, daemon.go's config
// rendering and glog lines, linuxptp's pmc output, curl -v of /ready), so
// the suite works against upstream's daemon and not only against ptplab's.
import t from 'tap'
import { clockStateOf, offsetOf, roleOf } from '../../lab/conformance/checks.js'
import { configMapProfiles, parseConfigListing, parsePmc, parseReady, profileLogged, stopCommand } from '../../lab/cluster/kubernetes/contract.js'
import { exitCodeOf, tsNanos } from '../../lab/cluster/kubernetes/node.js'
import { lastReport } from '../../lab/cluster/kubernetes/agent.js'
import { parsePromText } from '../../lab/ptp/prom-text.js'

// curl -s 127.0.0.1:9091/metrics in an upstream daemon pod (labels sorted, as client_golang prints them).
const UPSTREAM_METRICS = `# HELP openshift_ptp_clock_state 0 = FREERUN, 1 = LOCKED, 2 = HOLDOVER
# TYPE openshift_ptp_clock_state gauge
openshift_ptp_clock_state{iface="CLOCK_REALTIME",node="worker2",process="phc2sys"} 1
openshift_ptp_clock_state{iface="ens3fx",node="worker2",process="ptp4l"} 1
# HELP openshift_ptp_interface_role 0 = PASSIVE, 1 = SLAVE, 2 = MASTER, 3 = FAULTY, 4 = UNKNOWN, 5 = LISTENING
# TYPE openshift_ptp_interface_role gauge
openshift_ptp_interface_role{iface="ens3f0",node="worker2",process="ptp4l"} 1
openshift_ptp_interface_role{iface="ens3f1",node="worker2",process="ptp4l"} 2
# HELP openshift_ptp_offset_ns
# TYPE openshift_ptp_offset_ns gauge
openshift_ptp_offset_ns{from="master",iface="ens3fx",node="worker2",process="ptp4l"} -3
openshift_ptp_offset_ns{from="phc",iface="CLOCK_REALTIME",node="worker2",process="phc2sys"} 7
# HELP openshift_ptp_process_status 0 = DOWN, 1 = UP
# TYPE openshift_ptp_process_status gauge
openshift_ptp_process_status{config="ptp4l.0.config",node="worker2",process="phc2sys"} 1
openshift_ptp_process_status{config="ptp4l.0.config",node="worker2",process="ptp4l"} 1
# HELP openshift_ptp_process_restart_count
# TYPE openshift_ptp_process_restart_count counter
openshift_ptp_process_restart_count{config="ptp4l.0.config",node="worker2",process="ptp4l"} 0
`

t.test('upstream metrics: role by port, state and offset by NIC alias, ptp4l not phc2sys', async (t) => {
  const obs = { metrics: { worker2: parsePromText(UPSTREAM_METRICS) }, clocks: {} }
  const p = { node: 'worker2', port: 'ens3f0' }
  t.equal(roleOf(obs, p), 1)
  t.equal(roleOf(obs, { node: 'worker2', port: 'ens3f1' }), 2)
  t.equal(clockStateOf(obs, p), 1)
  t.equal(offsetOf(obs, p), -3, "ptp4l's offset, not phc2sys's")
})

// What `for f in /var/run/ptp4l.*.config ...` prints in an upstream daemon
// pod: the config as daemon.go renders it ("#profile:" line, a blank line,
// sections) with the pid of the ptp4l started with -f on it.
const LISTING = `==> /var/run/ptp4l.0.config 4711
#profile: test-bc-master1_test-bc-master1

[global]
#
# Default Data Set
#
twoStepFlag 1
domainNumber 24
message_tag [ptp4l.0.config:{level}]
uds_address /var/run/ptp4l.0.socket
[ens3f0]
masterOnly 0
[ens3f1]
masterOnly 1

==> /var/run/ptp4l.1.config -
#profile: test-slave1_test-slave1

[global]
domainNumber 25
[unicast_master_table]
table_id 1
[ens5f0]
masterOnly 0

`

t.test('upstream configs: profile, port order, domain, and whether its ptp4l runs', async (t) => {
  t.same(parseConfigListing(LISTING), [
    { config: 'ptp4l.0.config', profile: 'test-bc-master1_test-bc-master1', ifaces: ['ens3f0', 'ens3f1'], domain: 24, processId: '4711' },
    { config: 'ptp4l.1.config', profile: 'test-slave1_test-slave1', ifaces: ['ens5f0'], domain: 25, processId: undefined },
  ])
  t.same(parseConfigListing(''), [], 'no profile applied: no config')
  t.same(parseConfigListing('==> /var/run/phc2sys.0.config 12\n[global]\n'), [], 'not a ptp4l config')
})

// pmc -b 0 -u -f /var/run/ptp4l.0.config "GET PARENT_DATA_SET" ... (linuxptp 3.1).
const PMC = `sending: GET PARENT_DATA_SET
\t1e4365.fffe.d5ab32-0 seq 0 RESPONSE MANAGEMENT PARENT_DATA_SET 
\t\tparentPortIdentity                    1ad32b.fffe.307642-2
\t\tparentStats                           0
\t\tgrandmasterIdentity                   6a23f7.fffe.a8a944
sending: GET CURRENT_DATA_SET
\t1e4365.fffe.d5ab32-0 seq 1 RESPONSE MANAGEMENT CURRENT_DATA_SET 
\t\tstepsRemoved     2
\t\toffsetFromMaster -12.0
`

t.test('pmc output read as the data sets the checks use', async (t) => {
  const rs = parsePmc(PMC)
  t.equal(rs.find((r) => r.id === 'PARENT_DATA_SET')?.fields.grandmasterIdentity, '6a23f7.fffe.a8a944')
  t.equal(rs.find((r) => r.id === 'CURRENT_DATA_SET')?.fields.stepsRemoved, '2')
})

t.test('a profile is applied when the daemon logs it (glog lines, as upstream prints them)', async (t) => {
  const log = [
    'I1202 10:11:12.345678    4242 daemon.go:921] ------------------------------------',
    'I1202 10:11:12.345690    4242 daemon.go:923] Profile Name: temp_temp',
    'I1202 10:11:12.345701    4242 daemon.go:924] Interface: ens1f0',
  ].join('\n')
  t.ok(profileLogged(log, 'temp_temp'))
  t.notOk(profileLogged(log, 'temp'), '"temp" is not "temp_temp"')
  t.notOk(profileLogged(log, 'test-slave1_test-slave1'))
  t.same(configMapProfiles('[{"name":"test-slave1_test-slave1","interface":"ens1f0","ptp4lOpts":"-2 -s"}]'), ['test-slave1_test-slave1'])
  t.same(configMapProfiles(undefined), [])
  t.same(configMapProfiles('not json'), [])
})

t.test('readiness from curl -v', async (t) => {
  t.same(parseReady({ stdout: 'ok\n', stderr: '*   Trying 127.0.0.1:8081...\n> GET /ready HTTP/1.1\n< HTTP/1.1 200 OK\n< Date: x\n', exitCode: 0 }), { ready: true, reason: 'ok' })
  t.same(parseReady({ stdout: 'ptp4l for ptp4l.0.config is not running\n', stderr: '< HTTP/1.1 503 Service Unavailable\n', exitCode: 0 }), { ready: false, reason: 'ptp4l for ptp4l.0.config is not running' })
  t.match(parseReady({ stdout: '', stderr: 'curl: (7) Failed to connect to localhost port 8081', exitCode: 7 }), { ready: false, reason: /no answer on :8081\/ready \(curl exit 7\)/ })
})

t.test("pkill's pattern hits exactly that config's ptp4l, as upstream's daemon starts it", async (t) => {
  const pattern = new RegExp(stopCommand('ptp4l.0.config').at(-1)!) // pkill -f: an extended regex anywhere in the command line
  t.same(stopCommand('ptp4l.0.config').slice(0, 4), ['pkill', '-TERM', '-f', '--'])
  t.match('/usr/sbin/ptp4l -f /var/run/ptp4l.0.config -2 -s --summary_interval -4', pattern, "upstream's command line")
  t.match('ptp4l -f /var/run/ptp4l.0.config -m -2', pattern, "ptplab's")
  t.match('/bin/chrt -f 10 /usr/sbin/ptp4l -f /var/run/ptp4l.0.config', pattern, 'under chrt')
  t.notMatch('/usr/sbin/phc2sys -f /var/run/phc2sys.0.config -a -r', pattern, 'not phc2sys')
  t.notMatch('/usr/sbin/ptp4l -f /var/run/ptp4l.10.config', pattern, 'not another config')
  t.notMatch('/usr/sbin/ptp4l -f /var/run/ptp4lx0.config', pattern, 'dots are literal')
})

t.test("exec exit codes from the kubelet's Status, and log timestamps", async (t) => {
  t.equal(exitCodeOf({ status: 'Success' }), 0)
  t.equal(exitCodeOf(undefined), 0)
  t.equal(exitCodeOf({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } }), 3)
  t.equal(exitCodeOf({ status: 'Failure', message: 'error executing command' }), 1)
  t.ok(tsNanos('2026-12-02T10:00:00.000000002Z') > tsNanos('2026-12-02T10:00:00.000000001Z'))
  t.ok(tsNanos('2026-12-02T10:00:01Z') > tsNanos('2026-12-02T10:00:00.999999999Z'))
  t.equal(tsNanos('garbage'), 0n)
})

t.test("the L2 agent's report: the last JSON_REPORT line of the log, newer than the settle time", async (t) => {
  const rep = (mac: string) => JSON.stringify({ '88b5': { ens1f0: { Local: { IfName: 'ens1f0', IfMac: { Data: '02:00:00:00:00:01' }, IfIndex: 3, IfPci: { Device: '0000:1f:01', Function: '0', Description: '', Subsystem: '' }, IfPTPCaps: { HwRx: true, HwTx: true, HwRawClock: true, PhcIndex: 0 }, IfUp: true }, Remote: { [mac]: true } } }, '88f7': {} })
  const log = [
    `2026-12-02T10:00:01.000000000Z JSON_REPORT ${rep('02:00:00:00:00:02')}`,
    '2026-12-02T10:00:02.000000000Z some other line',
    `2026-12-02T10:00:03.500000000Z JSON_REPORT ${rep('02:00:00:00:00:03')}`,
  ].join('\n')
  const r = lastReport(log, tsNanos('2026-12-02T10:00:02Z'), 'pod x')!
  t.same(Object.keys(r['88b5'].ens1f0!.Remote), ['02:00:00:00:00:03'], 'the newest report')
  t.equal(lastReport(log, tsNanos('2026-12-02T10:00:04Z'), 'pod x'), undefined, 'none newer than the settle time yet')
  t.throws(() => lastReport('2026-12-02T10:00:05Z JSON_REPORT {bad', 0n, 'pod y'), /pod y/)
})
