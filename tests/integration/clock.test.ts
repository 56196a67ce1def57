// Independent clocks (issue 10) on one lab: every node its own virtual
// clock (the clock library, CAP_SYS_TIME dropped), the slave +30 ppm / 5 ms
// from its grandmaster and another node -50 ppm / -5 ms; every mode (OC, BC, DualNICBC, DualFollower) passes; the OC slave's
// servo finds the injected error within 1 % and its true offset stays in
// the window; the host clock is unchanged. First,
// without the library, the lab and a node's daemon refuse before anything
// starts.
import t from 'tap'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli, leftovers, nothingLeft, ownLab, skipReason } from './helpers.js'
import { clockLibrary, hostClockChanges, initialState, readHostClock, resolveClock, writeStateFile } from '../../lab/clock/index.js'
import { daemonEntry, projectRoot } from '../../lab/paths.js'
import { missingPrograms } from '../../lab/sys/run.js'

const skip =
  (await skipReason()) ||
  ((await missingPrograms(['python3'])).length ? 'missing python3 (L2 discovery agent)' : false) ||
  (existsSync(clockLibrary()) ? false : 'clock library not built (scripts/build-native.sh needs cc)')

const LAB = 'it-clock'
const tmp = await mkdtemp(join(tmpdir(), 'ptplab-clock-'))
t.teardown(() => rm(tmp, { recursive: true, force: true }))

async function topology(): Promise<string> {
  const base = await readFile(join(projectRoot(), 'topologies', 'default.yaml'), 'utf8')
  const text = base
    .replace(/^ *clock: .*\n/gm, '') // the shipped models; this test's own below
    .replace(/^name: ptplab$/m, `name: ${LAB}\nclock: { seed: 1 }`)
    .replace(/^  worker1:$/m, '  worker1:\n    clock: { ppm: 30, offsetNs: 5000000 }')
    .replace(/^  worker2:$/m, '  worker2:\n    clock: { ppm: -50, offsetNs: -5000000, wanderPpbPerS: 1 }')
  const f = join(tmp, 'topology.yaml')
  await writeFile(f, text)
  return f
}

const daemon = (args: string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number; stderr: string }>((resolve) =>
    execFile(process.execPath, [daemonEntry(), '--node-name', 'n1', '--profile-path', tmp, '--run-dir', tmp, ...args], { env: { ...process.env, ...env }, timeout: 20_000 }, (e, _o, stderr) =>
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stderr }),
    ),
  )

t.test('refused before anything starts without the clock library', { skip }, async (t) => {
  const file = await topology()
  await ownLab(t, LAB)
  const r = await cli(['up', '--topology', file, '--clock', 'independent'], { PTPLAB_NATIVE_DIR: join(tmp, 'no-native') })
  t.not(r.code, 0, 'up fails')
  t.match(r.stderr, /--clock independent is unavailable: .*libvclock\.so is missing/)
  t.same(await leftovers(LAB), nothingLeft, 'nothing was made')
  // A node's daemon: no state file, or no library.
  const noState = await daemon(['--clock-state', join(tmp, 'missing.state')])
  t.equal(noState.code, 2)
  t.match(noState.stderr, /refusing independent clock mode: .*missing\.state/)
  const state = join(tmp, 'n1.state')
  await writeStateFile(state, initialState(resolveClock(undefined, undefined), 'n1', 0n))
  const noLib = await daemon(['--clock-state', state], { PTPLAB_NATIVE_DIR: join(tmp, 'no-native') })
  t.equal(noLib.code, 2)
  t.match(noLib.stderr, /refusing independent clock mode: .*libvclock\.so is missing/)
  const other = await cli(['up', '--clock', 'independent', '--backend', 'docker', '--topology', file])
  t.equal(other.code, 2, 'other backends: a usage error')
  t.match(other.stderr, /--clock independent needs --backend netns/)
})

t.test('all four modes with independent clocks; the servo finds the injected error; host clock untouched', { skip }, async (t) => {
  const file = await topology()
  await ownLab(t, LAB)
  const before = await readHostClock()
  // OC with a 20 s servo window: the found frequency is the slope of the
  // true offset, which software timestamps over veth make wander by about a
  // microsecond; over the default 8 s a bad window reads 2 % where 20 s
  // reads well under 1 %. The other modes on the same lab, default window.
  const r = await cli(['run', '--topology', file, '--clock', 'independent', '--mode', 'oc', '--keep'], { PTPLAB_SERVO_WINDOW_S: '20' })
  const rest = await cli(['test', '--name', LAB, '--mode', 'bc,dualnicbc,dualfollower'])
  const down = await cli(['down', '--name', LAB])
  const after = await readHostClock()
  const out = r.stdout
  t.equal(r.code, 0, 'OC passes', { stdout: out.slice(-4000), stderr: r.stderr.slice(-2000) })
  t.equal(rest.code, 0, 'BC, DualNICBC and DualFollower pass', { stdout: rest.stdout.slice(-6000), stderr: rest.stderr.slice(-2000) })
  t.equal(down.code, 0, 'down')
  t.match(out, /\nptplab run: PASS \(oc, /, 'oc passes')
  const summary = rest.stdout.slice(rest.stdout.indexOf('summary:'))
  for (const m of ['bc', 'dualnicbc', 'dualfollower']) t.match(summary, new RegExp(`\\n${m}\\s+PASS\\s`), `${m} passes`)
  t.match(out, /PASS\s+OC worker1:ens1f0 \(slave port\) true offset from the grandmaster\s+-?\d+ ns/)
  t.match(rest.stdout, /PASS\s+downstream worker\d:\w+ true offset from the grandmaster/, 'downstream slaves: true offset through the BC')
  // DualNICBC: the solver puts both BCs on worker1 (two NICs), each its own clock.
  for (const port of ['ens1f1', 'ens2f0']) t.match(rest.stdout, new RegExp(`BC slave worker1:${port} +lock [\\d.]+ s .*true rms/max \\d+/\\d+ ns`), `DualNICBC: servo figures of the BC on ${port}`)
  // The OC slave (worker1, +30 ppm against a 0 ppm grandmaster and switch).
  const oc = /OC slave worker1:ens1f0 +lock ([\d.]+) s .*true rms\/max (\d+)\/(\d+) ns +injected 30 ppm, servo (-?\d+) ppb, freq error (-?\d+) ppb \(([\d.]+) %\)/.exec(out)
  t.ok(oc, 'servo figures of the OC slave', { stdout: out.slice(0, 3000) })
  if (oc) {
    t.ok(Number(oc[6]) <= 1, `found frequency within 1 % of the injected error: servo ${oc[4]} ppb, ${oc[6]} %`)
    t.ok(Number(oc[2]) <= 10_000, `true offset rms ${oc[2]} ns within the window`)
  }
  t.match(out, /lab servo settings: pi_proportional_const [\d.]+, pi_integral_const/, 'the report states the settings')
  t.match(out, /host clock untouched/)
  t.match(rest.stdout, /host clock untouched/)
  t.same(hostClockChanges(before, after), [], 'host timex and REALTIME - MONOTONIC_RAW unchanged')
  t.same(await leftovers(LAB), nothingLeft)
})
