// The daemon on a full disk: its stdout/stderr file, its --log-file and its
// run dir on a tiny tmpfs (mounted here, unmounted afterwards), a GM and a
// slave ptp4l over a veth pair in a namespace of this test. When the disk
// fills up the daemon keeps running and serving fresh metrics, says so on
// /ready, and writes its log again once there is room; --log-file rotates.
import t from 'tap'
import { spawn } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { httpUnix } from '../../lab/backends/daemon-client.js'
import { daemonEntry, netnsName } from '../../lab/paths.js'
import { findSample, parsePromText } from '../../lab/ptp/prom-text.js'
import { isAlive } from '../../lab/sys/proc.js'
import { run } from '../../lab/sys/run.js'
import { ownLab, skipReason, until } from './helpers.js'

const LAB = 'it-diskfull' // only for `ptplab down` to clear a crashed run's namespace
const NS = netnsName(LAB, 'n1')
const LOG_MAX = 1024 // the start-up messages alone rotate it

async function tmpfs(): Promise<{ dir: string } | string> {
  const dir = mkdtempSync(join(tmpdir(), 'ptplab-diskfull-'))
  const r = await run('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', dir], { allowFail: true })
  if (r.exitCode !== 0) {
    rmSync(dir, { recursive: true, force: true })
    return `cannot mount a tmpfs: ${r.stderr.trim()}`
  }
  return { dir }
}

const base = await skipReason()
const mnt = base ? undefined : await tmpfs()
const skip = base || (typeof mnt === 'string' ? mnt : false)
if (mnt && typeof mnt !== 'string') {
  // After every test (whose own teardown stops the daemon).
  t.teardown(async () => {
    await run('umount', ['-l', mnt.dir], { allowFail: true })
    rmSync(mnt.dir, { recursive: true, force: true })
  })
}

const profile = (name: string, iface: string, extra: string) => ({
  name,
  interface: iface,
  ptp4lOpts: '-2',
  ptp4lConf: `[global]\ndomainNumber 24\ntime_stamping software\nlogAnnounceInterval -3\nlogSyncInterval -4\n${extra}`,
})

t.test('a full disk does not stop the daemon, its metrics or PTP', { skip }, async (t) => {
  const dir = (mnt as { dir: string }).dir
  const profiles = mkdtempSync(join(tmpdir(), 'ptplab-diskfull-profiles-'))
  let daemonPid: number | undefined
  t.teardown(async () => {
    if (daemonPid && (await isAlive(daemonPid))) process.kill(daemonPid, 'SIGTERM')
    await until('daemon gone', 10_000, async () => !daemonPid || !(await isAlive(daemonPid))).catch(() => daemonPid && process.kill(daemonPid, 'SIGKILL'))
    rmSync(profiles, { recursive: true, force: true })
  })
  await ownLab(t, LAB) // also removes the namespace afterwards
  await run('ip', ['netns', 'add', NS])
  await run('ip', ['-n', NS, 'link', 'add', 'a0', 'type', 'veth', 'peer', 'name', 'a1'])
  for (const l of ['lo', 'a0', 'a1']) await run('ip', ['-n', NS, 'link', 'set', l, 'up'])
  writeFileSync(join(profiles, 'n1'), JSON.stringify([profile('gm', 'a0', 'priority1 10\n'), profile('slave', 'a1', 'slaveOnly 1\n')]))

  const out = openSync(join(dir, 'stdout.log'), 'a')
  const child = spawn(
    'ip',
    ['netns', 'exec', NS, process.execPath, daemonEntry(), '--node-name', 'n1', '--profile-path', profiles, '--run-dir', join(dir, 'run'),
      '--update-interval', '0.5', '--shared-clock', '--metrics-listen', `unix:${join(dir, 'm.sock')}`, '--ready-listen', `unix:${join(dir, 'r.sock')}`,
      '--log-file', join(dir, 'daemon.log'), '--log-max-bytes', String(LOG_MAX)],
    { stdio: ['ignore', out, out], detached: true },
  )
  closeSync(out)
  daemonPid = child.pid
  const ready = () => httpUnix(join(dir, 'r.sock'), '/ready')
  const status = async () => JSON.parse((await httpUnix(join(dir, 'r.sock'), '/status')).body) as { profiles: Array<{ name: string; processes: Array<{ pid: number }> }> }
  const slavePid0 = async () => (await status()).profiles.find((p) => p.name === 'slave')?.processes[0]?.pid
  const offset = async () =>
    findSample(parsePromText((await httpUnix(join(dir, 'm.sock'), '/metrics')).body), 'openshift_ptp_offset_ns', { from: 'master', process: 'ptp4l' })?.value
  await until('ready with a slave offset', 30_000, async () => (await ready()).status === 200 && (await offset()) !== undefined)
  await until('the log rotated', 30_000, async () => existsSync(join(dir, 'daemon.log.1')))
  t.pass('ready, the slave reports offsets, the log rotated')

  // Fill the disk.
  const filler = openSync(join(dir, 'filler'), 'w')
  const chunk = Buffer.alloc(4096, 0x41)
  try {
    for (;;) writeSync(filler, chunk)
  } catch (e) {
    t.equal((e as NodeJS.ErrnoException).code, 'ENOSPC', 'the tmpfs is full')
  } finally {
    closeSync(filler)
  }
  // A ptp4l restart writes a burst of lines: the log rotates into a file
  // that needs a page the disk no longer has.
  const slave = await slavePid0()
  t.ok(slave, 'the slave ptp4l runs')
  process.kill(slave!, 'SIGKILL')
  const warned = await until('/ready warns', 20_000, async () => {
    const r = await ready()
    return /warning: cannot write/.test(r.body) && r
  })
  t.equal(warned.status, 200, 'still ready: only lines are lost')
  t.match(warned.body, /cannot write (stdout|stderr|log file \S+daemon\.log) since \S+ \(ENOSPC/)
  const first = await until('an offset after the restart', 30_000, offset)
  const next = await until('another offset', 30_000, async () => {
    const v = await offset()
    return v !== undefined && v !== first && v
  })
  t.pass(`metrics keep changing on a full disk (${first} ns, then ${next} ns)`)
  t.ok(await isAlive(daemonPid!), 'the daemon runs')
  t.ok(statSync(join(dir, 'daemon.log')).size <= LOG_MAX, 'the log file stays within its limit')

  // A profile change cannot be applied now (its configs cannot be written):
  // the running ptp4l are left alone, and it is applied once there is room.
  const running = await slavePid0()
  writeFileSync(join(profiles, 'n1'), JSON.stringify([profile('gm', 'a0', 'priority1 10\n'), profile('slave2', 'a1', 'slaveOnly 1\n')]))
  await until('/ready reports the failed apply', 10_000, async () => /cannot apply profiles: .*ENOSPC/.test((await ready()).body))
  t.equal(await slavePid0(), running, 'the slave ptp4l was not stopped')
  t.ok(running && (await isAlive(running)), 'and runs')

  // Room again: the outage ends, with a note in the log.
  rmSync(join(dir, 'filler'))
  await until('the new profile applied', 15_000, async () => (await status()).profiles.some((p) => p.name === 'slave2'))
  t.pass('the change is applied once there is room')
  await until('/ready without the warning', 10_000, async () => !/warning/.test((await ready()).body))
  await until('the recovery in the log', 10_000, async () => {
    const log = ['daemon.log.1', 'daemon.log'].map((f) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '')).join('')
    return /is writable again; \d+ lines were dropped since/.test(log)
  })
  t.pass('writing again after the outage, which the log records')
})
