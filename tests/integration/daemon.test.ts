// The daemon's contract on a real lab node: supervision, profile changes,
// bad profiles, no orphans. Profiles are written straight into the profile
// dir, as the operator (or a ConfigMap mount) would.
import t from 'tap'
import { DAEMON_HOST } from '../../lab/backends/netns/daemon-host.js'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { daemonMetrics, daemonStatus, httpUnix } from '../../lab/backends/daemon-client.js'
import { labPaths } from '../../lab/paths.js'
import { findSample, parsePromText } from '../../lab/ptp/prom-text.js'
import { isAlive } from '../../lab/sys/proc.js'
import { readState } from '../../lab/state/state.js'
import { cli, leftovers, nothingLeft, skipReason, until } from './helpers.js'

// Each test is skipped, with the reason, where root or the tools are missing.
const skip = await skipReason()

const LAB = 'it-daemon'
const NODE = 'node1'
const profileFile = () => join(labPaths(LAB).profiles, NODE)

const profile = (name: string, iface: string) => [
  {
    name,
    interface: iface,
    ptp4lOpts: '-2',
    ptp4lConf: '[global]\ndomainNumber 24\ntime_stamping software\nlogAnnounceInterval -3\nlogSyncInterval -4\n',
    phc2sysOpts: '-a -r',
  },
]

const metric = async (name: string, labels: Record<string, string>) =>
  findSample(parsePromText(await daemonMetrics(LAB, NODE)), name, labels)?.value

const ptp4lPid = async () => (await daemonStatus(LAB, NODE)).profiles[0]?.processes.find((p) => p.process === 'ptp4l')?.pid ?? undefined

t.before(async () => {
  if (skip) return
  await cli(['down', '--name', LAB])
  const up = await cli(['up', '--name', LAB, '--topology', 'topologies/two-node.yaml'])
  if (up.code !== 0) throw new Error(`up failed: ${up.stderr}`)
})
t.teardown(async () => {
  if (!skip) await cli(['down', '--name', LAB])
})

t.test('applies a profile: config file, ptp4l up, no phc2sys in shared-clock mode', { skip }, async (t) => {
  await writeFile(profileFile(), JSON.stringify(profile('first', 'ens1f0')))
  const st = await until('profile applied', 10_000, async () => {
    const s = await daemonStatus(LAB, NODE)
    return s.profiles[0]?.name === 'first' && s.readiness.ready && s
  })
  t.same(st.profiles[0]!.processes.map((p) => p.process), ['ptp4l'], 'phc2sys is never started on a shared clock')
  const conf = await readFile(st.profiles[0]!.configPath, 'utf8')
  t.match(conf, /^#profile: first\n/)
  t.match(conf, /\nfree_running 1\n/)
  t.match(conf, /\nmessage_tag \[ptp4l\.0\.config\]\n/)
  t.match(conf, /\n\[ens1f0\]\n/)
  t.equal(await metric('openshift_ptp_process_status', { process: 'ptp4l', config: 'ptp4l.0.config' }), 1)
  const ready = await httpUnix(labPaths(LAB).readySock(NODE), '/ready')
  t.equal(ready.status, 200)
})

t.test('a killed ptp4l is restarted: process_status 1 -> 0 -> 1, restart count +1', { skip }, async (t) => {
  const labels = { process: 'ptp4l', config: 'ptp4l.0.config' }
  const before = (await metric('openshift_ptp_process_restart_count', labels)) ?? 0
  const pid = await ptp4lPid()
  t.ok(pid, 'ptp4l has a pid')
  process.kill(pid!, 'SIGKILL')
  await until('process_status 0', 3000, async () => (await metric('openshift_ptp_process_status', labels)) === 0)
  t.pass('process_status went to 0')
  await until('process_status 1', 5000, async () => (await metric('openshift_ptp_process_status', labels)) === 1)
  t.pass('process_status back to 1')
  t.equal(await metric('openshift_ptp_process_restart_count', labels), before + 1)
  const pid2 = await ptp4lPid()
  t.not(pid2, pid, 'a new ptp4l process')
  t.ok(pid2 && (await isAlive(pid2)))
})

t.test('a changed profile is applied: old ptp4l stopped, new config running', { skip }, async (t) => {
  const oldPid = await ptp4lPid()
  await writeFile(profileFile(), JSON.stringify(profile('second', 'ens1f1')))
  const st = await until('second profile', 10_000, async () => {
    const s = await daemonStatus(LAB, NODE)
    return s.profiles[0]?.name === 'second' && s.profiles[0].processes[0]?.running && s
  })
  t.same(st.profiles[0]!.ifaces, ['ens1f1'])
  t.notOk(await isAlive(oldPid!), 'the old ptp4l is gone')
  t.match(await readFile(st.profiles[0]!.configPath, 'utf8'), /^#profile: second\n[\s\S]*\n\[ens1f1\]\n/)
})

t.test('a broken profile is reported and the last good one keeps running', { skip }, async (t) => {
  const pid = await until('a running ptp4l', 10_000, ptp4lPid)
  await writeFile(profileFile(), '[{"name": "broken", ')
  // 503 alone is not enough: a freshly started ptp4l is "not ready" too.
  const ready = await until('ready reports the error', 10_000, async () => {
    const r = await httpUnix(labPaths(LAB).readySock(NODE), '/ready')
    return r.status === 503 && /invalid profile file/.test(r.body) && r
  })
  t.match(ready.body, /invalid profile file/)
  t.match(ready.body, /keeping the last good configuration/)
  const st = await daemonStatus(LAB, NODE)
  t.equal(st.profiles[0]?.name, 'second')
  t.equal(await ptp4lPid(), pid, 'same ptp4l, untouched')
  t.ok(await isAlive(pid!))
  const log = await readFile(labPaths(LAB).nodeLog(NODE), 'utf8')
  t.match(log, /error: invalid profile file/)

  // A profile that parses but is invalid (bad scheduling priority) too.
  await writeFile(profileFile(), JSON.stringify([{ ...profile('x', 'ens1f0')[0], ptpSchedulingPolicy: 'SCHED_FIFO', ptpSchedulingPriority: 99 }]))
  await until('still reports an error', 10_000, async () => /ptpSchedulingPriority/.test((await httpUnix(labPaths(LAB).readySock(NODE), '/ready')).body))
  t.equal(await ptp4lPid(), pid, 'still the same ptp4l')

  // Fixed again: applied, ready.
  await writeFile(profileFile(), JSON.stringify(profile('third', 'ens1f0')))
  await until('third profile ready', 10_000, async () => {
    const s = await daemonStatus(LAB, NODE)
    return s.profiles[0]?.name === 'third' && s.readiness.ready
  })
  t.pass('recovered')
})

t.test('a daemon killed outright leaves no orphan ptp4l', { skip }, async (t) => {
  const pid = await ptp4lPid()
  const st = await readState(LAB)
  // The namespace lab's daemons: one host process for every node.
  const daemon = st!.resources.find((r) => r.kind === 'process' && r.name === DAEMON_HOST)
  t.ok(daemon && daemon.kind === 'process')
  if (daemon?.kind !== 'process') return
  process.kill(daemon.pid, 'SIGKILL')
  await until('ptp4l gone with its daemon', 5000, async () => !(await isAlive(pid!)))
  t.pass('ptp4l died with the daemon (PDEATHSIG)')
})

t.test('down leaves nothing', { skip }, async (t) => {
  t.equal((await cli(['down', '--name', LAB])).code, 0)
  t.same(await leftovers(LAB), nothingLeft)
})
