// Every clock mode on one lab, as `ptplab run` does it: L2 discovery, the
// role solver, generated PtpConfigs, the named tests per mode; Discovery
// mode on user PtpConfigs; external grandmaster; log collection.
import t from 'tap'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli, leftovers, nothingLeft, skipReason, ownLab } from './helpers.js'
import { missingPrograms } from '../../lab/sys/run.js'

const skip = (await skipReason()) || ((await missingPrograms(['python3'])).length ? 'missing python3 (L2 discovery agent)' : false)

const tmp = await mkdtemp(join(tmpdir(), 'ptplab-modes-'))
t.teardown(() => rm(tmp, { recursive: true, force: true }))

t.test('oc,bc,dualnicbc,dualfollower on the default topology, one lab, logs collected', { skip }, async (t) => {
  const LAB = 'it-modes'
  await ownLab(t, LAB)
  const junit = join(tmp, 'modes.xml')
  const logs = join(tmp, 'logs')
  const r = await cli(['run', '--name', LAB, '--mode', 'oc,bc,dualnicbc,dualfollower', '--junit', junit], {
    COLLECT_POD_LOGS: 'true',
    LOG_ARTIFACTS_DIR: logs,
  })
  t.equal(r.code, 0, 'all modes pass', { stdout: r.stdout.slice(-3000), stderr: r.stderr.slice(-2000) })
  // One summary row per mode, all PASS.
  const summary = r.stdout.slice(r.stdout.indexOf('summary:'))
  for (const m of ['oc', 'bc', 'dualnicbc', 'dualfollower']) t.match(summary, new RegExp(`\\n${m}\\s+PASS\\s`), `${m} passes`)
  // The named tests of each mode ran.
  for (const name of ['sync', 'port down/up recovery', 'process restart', 'profile priority', 'dual follower failover'])
    t.match(r.stdout, new RegExp(`\\n  ${name}\\n`), `test "${name}" reported`)
  t.match(r.stdout, /BC worker\d:\w+ \(slave port\) stepsRemoved/)
  t.match(r.stdout, /downstream worker\d:\w+ clock state\s+LOCKED/, 'BC with downstream slaves')
  t.match(r.stdout, /PASS\s+ens3f1 becomes SLAVE and LOCKED when ens3f0 goes down/)
  // JUnit per mode.
  for (const m of ['oc', 'bc', 'dualnicbc', 'dualfollower']) {
    const xml = await readFile(join(tmp, `modes-${m}.xml`), 'utf8')
    t.match(xml, new RegExp(`<testsuite name="ptplab-${m}" tests="\\d+" failures="0" errors="0"`))
    t.match(xml, new RegExp(`classname="ptplab\\.${m}\\.profile-priority" name="`))
  }
  // Logs: a run dir per mode, one file per node daemon and the switch, markers.
  const dirs = (await readdir(logs)).sort()
  t.equal(dirs.length, 4)
  for (const m of ['oc', 'bc', 'dualnicbc', 'dualfollower']) t.ok(dirs.some((d) => new RegExp(`^run_\\d{4}-\\d\\d-\\d\\d_\\d\\d-\\d\\d-\\d\\d_${m}$`).test(d)), `run dir for ${m}`)
  const bcDir = join(logs, dirs.find((d) => d.endsWith('_bc'))!)
  const files = (await readdir(bcDir)).sort()
  t.same(files, [
    'linuxptp-daemon-worker1-linuxptp-daemon-container.log',
    'linuxptp-daemon-worker2-linuxptp-daemon-container.log',
    'linuxptp-daemon-worker3-linuxptp-daemon-container.log',
    'switch-switch1.log',
  ])
  const w1 = await readFile(join(bcDir, files[0]!), 'utf8')
  t.match(w1, /#################### TEST START ####################\n# Test: sync\n# Started: \d{4}-/)
  t.match(w1, /#################### TEST END ######################\n# Test: sync\n# Status: PASSED\n# Duration: [\d.]+m?s\n/)
  t.match(w1, /\n\[linuxptp-daemon-worker1\] \d{4}-\d\d-\d\dT[\d:.]+Z ptp4l\[/, 'daemon lines prefixed by their source')
  t.same(await leftovers(LAB), nothingLeft)
})

const GM = `apiVersion: ptp.openshift.io/v1
kind: PtpConfig
metadata: { name: user-gm, namespace: openshift-ptp }
spec:
  profile:
    - name: user-gm
      interface: ens3f0
      ptp4lOpts: "-2"
      ptp4lConf: |
        [global]
        domainNumber 24
        priority1 0
        clockClass 6
        time_stamping software
        logAnnounceInterval -3
        logSyncInterval -4
        logMinDelayReqInterval -4
        announceReceiptTimeout 3
        freq_est_interval 0
        [ens3f0]
        masterOnly 1
  recommend:
    - { profile: user-gm, priority: 4, match: [{ nodeName: worker2 }] }
`
// Upstream README's BC example, adapted to the lab's ports and software timestamps.
const BC = `apiVersion: ptp.openshift.io/v1
kind: PtpConfig
metadata: { name: test-bc-master, namespace: openshift-ptp }
spec:
  profile:
    - name: test-bc-master
      phc2sysOpts: -a -r
      ptp4lConf: |-
        [global]
        ptp_dst_mac 01:1B:19:00:00:00
        p2p_dst_mac 01:80:C2:00:00:0E
        domainNumber 24
        logging_level 7
        time_stamping software
        logAnnounceInterval -3
        logSyncInterval -4
        logMinDelayReqInterval -4
        announceReceiptTimeout 3
        freq_est_interval 0
        [ens2f0]
        masterOnly 0
        [ens2f1]
        masterOnly 1
      ptp4lOpts: "-2"
      ptpSchedulingPolicy: SCHED_OTHER
      ptpSchedulingPriority: 65
  recommend:
    - match:
        - nodeLabel: ptp/clock-under-test
      priority: 5
      profile: test-bc-master
`

t.test('Discovery mode: user PtpConfigs are classified (BC) and tested, and left in place', { skip }, async (t) => {
  const LAB = 'it-disc'
  await ownLab(t, LAB)
  t.equal((await cli(['up', '--name', LAB])).code, 0)
  await writeFile(join(tmp, 'user.yaml'), `${GM}---\n${BC}`)
  const apply = await cli(['apply', '--name', LAB, '--label', 'worker1:ptp/clock-under-test', join(tmp, 'user.yaml')])
  t.equal(apply.code, 0, 'apply with a node label', { stderr: apply.stderr })
  const r = await cli(['test', '--name', LAB], { PTP_TEST_MODE: 'Discovery' })
  t.equal(r.code, 0, 'discovery mode passes', { stdout: r.stdout, stderr: r.stderr.slice(-1500) })
  t.match(r.stdout, /DISCOVERY test on lab it-disc \(netns\): discovered BC: BC worker1:ens2f0\(S\),ens2f1\(M\); external GM/)
  t.match(r.stdout, /PASS\s+BC worker1:ens2f0 \(slave port\) grandmaster identity/)
  t.match(r.stdout, /\n  profile priority\n/)
  const get = await cli(['get', '--name', LAB])
  t.match(get.stdout, /  test-bc-master: /, 'user configs are not deleted')
  t.match(get.stdout, /  user-gm: /)
  t.notMatch(get.stdout, /temp/, 'the temp profile is gone')
  t.match(get.stdout, /worker1: .*ptp\/clock-under-test/, 'user label kept')

  // Nothing labelled: a clear error, exit 1 (the suite could not run).
  t.equal((await cli(['label', '--name', LAB, 'worker1', 'ptp/clock-under-test-'])).code, 0)
  const none = await cli(['test', '--name', LAB, '--mode', 'discovery'])
  t.equal(none.code, 1)
  t.match(none.stdout, /ERROR .*ptp\/clock-under-test/)
})

// One run for two things that do not interfere: the external-GM variant of
// the problems, and the slave_clock_sync soak test of upstream's test config
// (it soaks the OC mode's slave).
t.test('external grandmaster topology with EXTERNAL_GM=true, and the slave_clock_sync soak test from PTP_TEST_CONFIG_FILE', { skip }, async (t) => {
  const LAB = 'it-extgm'
  await ownLab(t, LAB)
  const cfg = join(tmp, 'ptptestconfig.yaml')
  await writeFile(cfg, 'global:\n  maxoffset: 20000\n  minoffset: -20000\nsoaktest:\n  disable_all: false\n  slave_clock_sync:\n    spec:\n      enable: true\n      duration: 0.1\n      failure_threshold: 2\n    desc: "sync faults"\n')
  const r = await cli(['run', '--name', LAB, '--topology', 'topologies/external-gm.yaml', '--mode', 'oc,bc'], { EXTERNAL_GM: 'true', PTP_TEST_CONFIG_FILE: cfg })
  t.equal(r.code, 0, 'external GM modes pass, with the soak test', { stdout: r.stdout.slice(-3000), stderr: r.stderr.slice(-1500) })
  t.match(r.stdout, /external GM/)
  t.match(r.stdout, /PASS\s+OC worker\d:\w+ \(slave port\) grandmaster identity\s+\S+/)
  t.notMatch(r.stdout, /grandmaster worker\d:\w+ role/, 'no generated grandmaster')
  t.match(r.stdout, /\n  soak: slave_clock_sync\n\s+PASS\s+worker\d LOCKED -> not LOCKED transitions in 6\.0 s\s+0/)
  t.match(r.stderr, /offset window \[-20000, 20000\] ns/, 'offsets from the test config file')
  t.same(await leftovers(LAB), nothingLeft)
})

t.test('a switchless chain: the BC under test feeds its downstream slave directly', { skip }, async (t) => {
  const LAB = 'it-chain'
  await ownLab(t, LAB)
  const r = await cli(['run', '--name', LAB, '--topology', 'topologies/chain.yaml', '--mode', 'bc'])
  t.equal(r.code, 0, 'bc passes on direct links', { stdout: r.stdout.slice(-3000), stderr: r.stderr.slice(-1500) })
  t.match(r.stdout, /PASS\s+BC mid:ens2f1 \(slave port\) parent is edge2:ens3f0\s/, 'BC parent: the GM on its direct link')
  t.match(r.stdout, /PASS\s+downstream edge1:ens1f0 parent is mid:ens2f0\s/, 'downstream parent: the BC master port')
  t.match(r.stdout, /PASS\s+downstream edge1:ens1f0 stepsRemoved\s+2\n/)
  t.same(await leftovers(LAB), nothingLeft)
})
