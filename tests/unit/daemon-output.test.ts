// The daemon's output survives its destinations: a full disk or device
// costs lines (counted, reported once, recovered from), never the daemon;
// --log-file rotates at its size limit and the lab's log collector follows
// it across the rotation.
import t from 'tap'
import * as fs from 'node:fs'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, existsSync, statSync, openSync, closeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DaemonOutput, RotatingFile, type FsOps, type Sink } from '../../daemon/output.js'
import { httpUnix } from '../../lab/backends/daemon-client.js'
import { LogCollector } from '../../lab/conformance/testlog.js'
import { fileLogSource } from '../../lab/cluster/log-file.js'
import { daemonEntry } from '../../lab/paths.js'
import { sleep } from '../../lab/sys/poll.js'

const TMP = mkdtempSync(join(tmpdir(), 'ptplab-dout-'))
t.teardown(() => rmSync(TMP, { recursive: true, force: true }))
const stamp = (m: string) => `T daemon[n1] ${m}`
const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })

// A disk with `free` bytes left: writes past it are cut short, then fail.
function smallDisk(free: number) {
  const disk = { free }
  const io: FsOps = {
    ...fs,
    writeSync: ((fd: number, buf: Buffer, off: number, len: number) => {
      if (disk.free <= 0) throw enospc()
      const n = Math.min(len, disk.free)
      disk.free -= n
      return fs.writeSync(fd, buf, off, n)
    }) as FsOps['writeSync'],
  }
  return { disk, io }
}

class MemSink implements Sink {
  lines: string[] = []
  full = false
  constructor(readonly name: string) {}
  write(text: string) {
    if (this.full) throw enospc()
    this.lines.push(text)
  }
}

t.test('rotation: <path>.1 holds the previous file, never more than one', async (t) => {
  const p = join(TMP, 'rot.log')
  const f = new RotatingFile(p, 100)
  const line = (i: number) => `line ${String(i).padStart(3, '0')} ${'x'.repeat(20)}\n` // 30 bytes
  for (let i = 0; i < 10; i++) f.write(line(i))
  f.close()
  t.equal(readFileSync(p, 'utf8'), line(9), 'the current file: lines since the last rotation')
  t.equal(readFileSync(`${p}.1`, 'utf8'), [6, 7, 8].map(line).join(''), 'the rotated file: the three before')
  t.ok(statSync(p).size <= 100 && statSync(`${p}.1`).size <= 100, 'each within the limit')
  t.notOk(existsSync(`${p}.2`), 'one rotated file only')
  const big = new RotatingFile(join(TMP, 'big.log'), 10)
  big.write('a line longer than the limit\n')
  big.write('another one\n')
  big.close()
  t.equal(readFileSync(join(TMP, 'big.log'), 'utf8'), 'another one\n', 'a line over the limit still gets a file of its own')
  const off = new RotatingFile(join(TMP, 'off.log'), 0)
  for (let i = 0; i < 5; i++) off.write(line(i))
  off.close()
  t.notOk(existsSync(join(TMP, 'off.log.1')), '0: never rotated')
})

t.test('a full disk costs lines only: reported once, then the recovery', async (t) => {
  const p = join(TMP, 'full.log')
  const { disk, io } = smallDisk(25)
  const stderr = new MemSink('stderr')
  const stdout = new MemSink('stdout')
  const out = new DaemonOutput({ stdout, stderr, file: new RotatingFile(p, 1 << 20, io) }, stamp)
  out.log(stamp('first message')) // 27 bytes: 25 reach the disk, cut mid-line
  out.out('ptp4l[1.0]: master offset 1')
  out.out('ptp4l[2.0]: master offset 2')
  t.equal(stdout.lines.length, 2, 'stdout unaffected')
  const warn = stderr.lines.filter((l) => l.includes('warning'))
  t.equal(warn.length, 1, 'one warning for the whole outage')
  t.match(warn[0], /^T daemon\[n1\] warning: cannot write log file .*full\.log: ENOSPC: no space left on device, write; dropping lines until it works again\n$/)
  t.match(out.troubles(), [{ sink: `log file ${p}`, error: /ENOSPC/, dropped: 3 }])

  disk.free = 1 << 20 // space freed
  out.out('ptp4l[3.0]: master offset 3')
  t.same(out.troubles(), [], 'recovered')
  const text = readFileSync(p, 'utf8')
  t.match(text, /^T daemon\[n1\] first messag\n/, 'the cut line is ended, the next starts on a line of its own')
  t.match(text, /\nT daemon\[n1\] log file .*full\.log is writable again; 3 lines were dropped since \S+ \(ENOSPC: no space left on device, write\)\nptp4l\[3\.0\]: master offset 3\n$/, 'the recovery notice, then the line')
  t.match(stderr.lines.at(-1), /is writable again; 3 lines were dropped/, 'the recovery is reported on stderr too')

  // stderr itself failing: reported in the log file, not on stderr.
  stderr.full = true
  out.log(stamp('to nowhere'))
  out.log(stamp('again'))
  t.match(out.troubles(), [{ sink: 'stderr', dropped: 2 }])
  t.match(readFileSync(p, 'utf8'), /warning: cannot write stderr: ENOSPC/)
})

t.test('the log collector follows the file across a rotation', async (t) => {
  const p = join(TMP, 'node1.log')
  const line = (i: number) => `ptp4l[${String(i).padStart(4, '0')}.000]: master offset ${String(i).padStart(9, '0')} s2 freq +0` // fixed width
  const limit = 5 * (line(1).length + 1) // five lines per file
  const out = new DaemonOutput({ stdout: new MemSink('stdout'), stderr: new MemSink('stderr'), file: new RotatingFile(p, limit) }, stamp)
  const c = new LogCollector({
    dir: join(TMP, 'artifacts'),
    suite: 'oc',
    markers: false,
    pollMs: 3_600_000, // polled by hand
    sources: [fileLogSource({ name: 'node1', path: p, prefix: 'linuxptp-daemon-node1', container: 'linuxptp-daemon-container' })],
  })
  const dir = await c.start()
  for (let i = 1; i <= 5; i++) out.out(line(i))
  await c.poll()
  for (let i = 6; i <= 7; i++) out.out(line(i)) // 6 rotates
  t.ok(existsSync(`${p}.1`), 'rotated')
  await c.poll()
  await c.stop()
  const got = readFileSync(join(dir, 'node1.log'), 'utf8')
  const lines = got.split('\n').filter((l) => l.startsWith('[linuxptp-daemon-node1]'))
  t.same(lines.map((l) => l.replace(/^\S+ \S+ /, '')), [1, 2, 3, 4, 5, 6, 7].map(line), 'every line, in order')
  t.equal((got.match(/Starting stream from pod/g) ?? []).length, 1, 'a rotation continues the stream: no restart markers')

  // Lines written between the collector's last poll and a rotation are
  // read from <path>.1 before the new file.
  const c2 = new LogCollector({ dir: join(TMP, 'artifacts2'), suite: 'oc', markers: false, pollMs: 3_600_000, sources: [fileLogSource({ name: 'node1', path: p, prefix: 'p' })] })
  const dir2 = await c2.start()
  for (let i = 8; i <= 11; i++) out.out(line(i)) // 11 rotates; 8..10 go to the old file unpolled
  await c2.poll()
  await c2.stop()
  t.match(readFileSync(`${p}.1`, 'utf8'), /master offset 000000008[^]*000000009[^]*000000010/, 'nothing is lost on disk')
  const got2 = readFileSync(join(dir2, 'node1.log'), 'utf8')
  t.match(got2, /000000011/)
  t.same(got2.split('\n').filter((l) => l.startsWith('[p]')).map((l) => l.replace(/^\S+ \S+ /, '')), [8, 9, 10, 11].map(line), 'collected from <path>.1 first, in order')
})

// The built daemon with stdout, stderr and --log-file all on /dev/full
// (every write fails with ENOSPC): it keeps serving /ready and /metrics.
const skip = existsSync(daemonEntry()) ? false : 'daemon not built (npx tsc -p tsconfig.json)'
t.test('the daemon runs on with every output failing', { skip }, async (t) => {
  const dir = mkdtempSync(join(TMP, 'd-'))
  fs.mkdirSync(join(dir, 'profiles'))
  const full = openSync('/dev/full', 'w')
  const child = spawn(
    process.execPath,
    [daemonEntry(), '--node-name', 'n1', '--profile-path', join(dir, 'profiles'), '--run-dir', join(dir, 'run'), '--update-interval', '0.2',
      '--metrics-listen', `unix:${join(dir, 'm.sock')}`, '--ready-listen', `unix:${join(dir, 'r.sock')}`, '--log-file', '/dev/full', '--log-max-bytes', '1Ki'],
    { stdio: ['ignore', full, full] },
  )
  closeSync(full)
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  t.teardown(() => child.kill('SIGKILL'))
  let ready: { status: number; body: string } | undefined
  for (let i = 0; i < 100 && !ready; i++) {
    await sleep(100)
    ready = await httpUnix(join(dir, 'r.sock'), '/ready').catch(() => undefined)
  }
  t.equal(ready?.status, 200, 'ready: PTP-wise there is nothing wrong')
  t.match(ready?.body, /^ok \(no profiles for this node\); warning: cannot write stderr since \S+ \(ENOSPC[^)]*; \d+ lines dropped\); cannot write log file \/dev\/full since/)
  t.equal((await httpUnix(join(dir, 'm.sock'), '/metrics')).status, 200, 'metrics served')
  await sleep(500) // more failed writes: profile polls
  t.equal(child.exitCode, null, 'still running')
  child.kill('SIGTERM')
  t.equal(await exited, 0, 'a clean shutdown')
})

t.test('--log-max-bytes takes sizes as kubelet writes them, refuses the rest', { skip }, async (t) => {
  const run = (v: string) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, [daemonEntry(), '--node-name', 'n1', '--log-max-bytes', v, '--help'], { stdio: ['ignore', 'ignore', 'pipe'] })
      let stderr = ''
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      c.on('close', (code) => resolve({ code, stderr }))
    })
  const good = ['10485760', '10Mi', '512Ki', '1G', '0']
  const bad = ['10MB', '-1', '1.5Mi', 'big']
  const rs = await Promise.all([...good, ...bad].map(run))
  good.forEach((v, i) => t.equal(rs[i]!.code, 0, `${v} accepted`))
  bad.forEach((v, i) => {
    const r = rs[good.length + i]!
    t.not(r.code, 0, `${v} refused`)
    t.match(r.stderr, /--log-max-bytes.*expected a size in bytes/)
  })
})

t.test('retry(): a destination that rarely gets a line recovers too', async (t) => {
  const stderr = new MemSink('stderr')
  const file = new MemSink('log file x')
  const out = new DaemonOutput({ stdout: new MemSink('stdout'), stderr, file }, stamp)
  stderr.full = true
  out.log(stamp('lost'))
  t.match(out.troubles(), [{ sink: 'stderr', dropped: 1 }])
  out.retry()
  t.match(out.troubles(), [{ sink: 'stderr', dropped: 1 }], 'still full: nothing changes, nothing counted')
  stderr.full = false
  out.retry()
  t.same(out.troubles(), [])
  t.match(stderr.lines, [/^T daemon\[n1\] stderr is writable again; 1 lines were dropped since/])
  t.match(file.lines.at(-1), /stderr is writable again/)
})
