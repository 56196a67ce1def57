// Independent clocks (lab/clock): the arithmetic the lab shares with the
// clock library (state layout, oscillator, servo frequency and tick, step,
// timestamps across a frequency change), ground truth, the host-clock
// guard's comparison, the topology fields and their errors. The library's
// own C harness runs once (native/vclock/test_vclock.c).
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import {
  capabilityDropWorks, clockLibrary, decodeState, encodeState, hostClockChanges, initialState, nativeDir, nodeAt, oscAt, rateErrorPpb, readStateFile,
  resolveClock, servoPpb, trueOffsetNs, wanderOf, writeStateFile, type ClockState, type HostClock,
} from '../../lab/clock/index.js'
import { InputError } from '../../lab/errors.js'
import { clockModelOf, parseTopology } from '../../lab/topology/index.js'
import { projectRoot } from '../../lab/paths.js'
import { planProfiles } from '../../lab/ptp/render-profile.js'
import { ocSlaveConfig } from '../../lab/profiles/ptpconfigs.js'

const H = 1_700_000_000_000_000_000n
const S = 1_000_000_000n
const model = (ppm: number, offsetNs = 0, wanderPpbPerS = 0) => ({ ppm, offsetNs, wanderPpbPerS, seed: 0 })

// What the library does on ADJ_FREQUENCY|ADJ_TICK (vclock.c rebase): a new
// mapping continuous in node time, the old one kept.
function adjust(s: ClockState, h: bigint, freq: bigint, tick: bigint, step = 0n): ClockState {
  const n = { ...s, freq, tick, prev: s.cur }
  n.cur = { baseOsc: oscAt(s, h), baseNode: nodeAt(s, h) + step, baseHost: h, ratePpb: servoPpb({ ...s, freq, tick }) }
  return n
}

t.test('state file: the layout round-trips and matches the C struct size', async (t) => {
  const s = initialState(model(30, 5_000_000, 1), 'worker1', H)
  const b = encodeState(s)
  t.equal(b.length, 256)
  t.equal(b.readUInt32LE(0), 0x4b4c4356, 'magic "VCLK"')
  t.same(decodeState(b), s)
  t.throws(() => decodeState(Buffer.alloc(256)), /not a vclock state file/)
  const dir = mkdtempSync(join(tmpdir(), 'clock-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  await writeStateFile(join(dir, 's'), s)
  t.same(await readStateFile(join(dir, 's')), s)
})

t.test('oscillator: ppm error and start offset; wander bounded and seeded', async (t) => {
  const s = initialState(model(30, 5_000_000), 'n', H)
  t.equal(nodeAt(s, H), H + 5_000_000n, 'start offset')
  t.equal(nodeAt(s, H + S) - H - S, 5_030_000n, '+30 ppm over 1 s')
  t.equal(rateErrorPpb(s, H), 30_000)
  const w = initialState(model(0, 0, 1), 'n', H)
  t.equal(oscAt(w, H), 0n, 'wander starts at 0')
  const amp = wanderOf(model(0, 0, 1), 'n').amplitudePpb
  // the integral of a ppb sinusoid: at most 2 A / omega ns away
  const moved = Math.abs(Number(oscAt(w, H + 300n * S) - 300n * S))
  t.ok(moved > 0 && moved <= (2 * amp * 600) / (2 * Math.PI) + 1, `bounded: ${moved} ns`)
  t.ok(Math.abs(rateErrorPpb(w, H + 100n * S)) <= amp + 1, 'rate within the amplitude')
  t.equal(wanderOf(model(0, 0, 1), 'n').phase, wanderOf(model(0, 0, 1), 'n').phase, 'deterministic')
  t.not(wanderOf(model(0, 0, 1), 'a').phase, wanderOf(model(0, 0, 1), 'b').phase, 'per node')
  t.not(wanderOf({ ...model(0, 0, 1), seed: 1 }, 'a').phase, wanderOf(model(0, 0, 1), 'a').phase, 'per seed')
})

t.test('servo: frequency and tick (100 ppm a unit), step, old mapping for old stamps', async (t) => {
  t.equal(servoPpb({ freq: 30n << 16n, tick: 10001n } as ClockState), 130_000, 'tick counts 100 ppm per unit')
  let s = initialState(model(30), 'n', H)
  // linuxptp's clockadj_set_freq for -130 ppm: tick 9999 and -30 ppm
  s = adjust(s, H + S, -(30n << 16n), 9999n)
  t.equal(nodeAt(s, H + S), H + S + 30_000n, 'continuous at the change')
  const ratePpb = Number(nodeAt(s, H + 2n * S) - nodeAt(s, H + S) - S)
  t.ok(Math.abs(ratePpb - (30_000 - 130_000 - 3.9)) <= 2, `net -100 ppm (with the product term): ${ratePpb}`)
  // a stamp taken before the change maps with the mapping valid then
  t.equal(nodeAt(s, H + S / 2n, s.prev), H + S / 2n + 15_000n, 'old mapping for a stamp before the change')
  t.not(nodeAt(s, H + S / 2n), H + S / 2n + 15_000n, 'the new one would be wrong')
  s = adjust(s, H + 2n * S, 0n, 10000n, -5_000_000n)
  t.equal(nodeAt(s, H + 2n * S) - nodeAt(s.prev === s.cur ? s : { ...s, cur: s.prev }, H + 2n * S), -5_000_000n, 'step')
})

t.test('ground truth: node against its grandmaster at one host instant', async (t) => {
  const gm = initialState(model(-10, 1000), 'gm', H)
  const sl = initialState(model(30, 5_000_000), 'sl', H)
  t.equal(trueOffsetNs(sl, gm, H), 4_999_000)
  t.equal(trueOffsetNs(sl, gm, H + S), 4_999_000 + 40_000, '+40 ppm apart')
})

t.test('host-clock guard: timex fields and REALTIME - MONOTONIC_RAW', async (t) => {
  const a: HostClock = { freq: 0, tick: 10000, status: 0x40, realMinusRawNs: 1000n, takenAtMs: 0 }
  t.same(hostClockChanges(a, { ...a, realMinusRawNs: 1000n + 50_000n, takenAtMs: 10_000 }), [], 'noise within tolerance')
  t.match(hostClockChanges(a, { ...a, realMinusRawNs: 1000n + 5_000_000n, takenAtMs: 10_000 }), [/REALTIME moved 5000000 ns/], 'a step')
  t.match(hostClockChanges(a, { ...a, freq: 30 << 16 }), [/frequency 0 -> 1966080/])
  t.match(hostClockChanges(a, { ...a, tick: 10001, status: 0 }), [/tick 10000 -> 10001/, /status 0x40 -> 0x0/])
})

const TOPO = (extra: string, node = '') => `name: lab
${extra}nodes:
  n1:
${node}    nics:
      - name: eth1
        ports: [p0]
  n2: {}
switch:
  name: sw
  clock: { ppm: -5 }
`

t.test('topology: clock per node, for the switch and lab-wide', async (t) => {
  const topo = parseTopology(TOPO('clock: { ppm: 10, offsetNs: 1000, seed: 7 }\n', '    clock: { ppm: 30, offsetNs: 5000000, wanderPpbPerS: 1 }\n'))
  t.same(clockModelOf(topo, 'n1'), { ppm: 30, offsetNs: 5_000_000, wanderPpbPerS: 1, seed: 7 }, 'node over lab default')
  t.same(clockModelOf(topo, 'n2'), { ppm: 10, offsetNs: 1000, wanderPpbPerS: 0, seed: 7 }, 'lab default')
  t.same(clockModelOf(topo, 'sw').ppm, -5, 'switch')
  t.same(resolveClock(undefined, undefined), { ppm: 0, offsetNs: 0, wanderPpbPerS: 0, seed: 0 })
})

t.test('topology: bad clock fields name file, line and field', async (t) => {
  const cases: [string, string, RegExp][] = [
    [TOPO('', '    clock: { ppm: 900 }\n'), 'nodes.n1.clock.ppm', /ppm must be in -400..400/],
    [TOPO('', '    clock: { ppm: "x" }\n'), 'nodes.n1.clock.ppm', /expected a number/],
    [TOPO('clock: { offsetNs: 1.5 }\n'), 'clock.offsetNs', /offsetNs must be an integer/],
    [TOPO('clock: { drift: 1 }\n'), 'clock.drift', /unknown/i],
    [TOPO('clock: { wanderPpbPerS: -1 }\n'), 'clock.wanderPpbPerS', /0..100/],
  ]
  for (const [text, field, msg] of cases) {
    const e = t.throws(() => parseTopology(text, 'bad.yaml')) as InputError
    t.ok(e instanceof InputError, field)
    t.match(e.message, msg, field)
    t.match(e.message, /^bad\.yaml:\d+:/, `${field}: file and line`)
    t.match(e.message, field, `${field}: field path`)
  }
})

// The C harness (arithmetic with injected times, then the interposed calls
// with the library preloaded), built by scripts/build-native.sh.
t.test('the clock library passes its own tests', { skip: existsSync(clockLibrary()) ? false : 'clock library not built (scripts/build-native.sh)' }, async (t) => {
  const out = execFileSync(join(nativeDir(), 'test_vclock'), ['live', clockLibrary()], { encoding: 'utf8' })
  t.match(out, /live: \d+ checks, 0 failed/)
  t.match(out, /vclock: \d+ checks, 0 failed/)
})

t.test('--clock: an unknown mode is an input error (exit 2), changing nothing', async (t) => {
  const cli = join(projectRoot(), 'bin', 'ptplab.js')
  const r = spawnSync(process.execPath, [cli, 'up', '--clock', 'wobbly', '--name', 'vclock-unit'], { encoding: 'utf8', env: { ...process.env, PTPLAB_RUN_ROOT: mkdtempSync(join(tmpdir(), 'clock-run-')) } })
  t.equal(r.status, 2)
  t.match(r.stderr, /--clock: unknown clock mode "wobbly" \(known: shared, independent\)/)
})

// The capability guard: a wrapper that does not drop CAP_SYS_TIME is
// caught (a daemon then refuses the mode before starting any ptp4l).
t.test('CAP_SYS_TIME drop: setpriv takes it away, a wrapper that ignores it is caught', { skip: process.getuid?.() === 0 ? false : 'needs root (a non-root process has no CAP_SYS_TIME to drop)' }, async (t) => {
  t.equal(await capabilityDropWorks('setpriv'), true, 'setpriv drops it')
  const dir = mkdtempSync(join(tmpdir(), 'clock-cap-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const fake = join(dir, 'not-setpriv')
  writeFileSync(fake, '#!/bin/sh\nwhile [ "$1" != "--" ]; do shift; done\nshift\nexec "$@"\n', { mode: 0o755 })
  t.equal(await capabilityDropWorks(fake), false, 'a wrapper that keeps it')
})

t.test('rendered ptp4l config on a virtual clock: servo steers (no free_running), lab servo settings unless the profile sets them, no phc2sys', async (t) => {
  const [p] = planProfiles([{ name: 'x', interface: 'eth0', phc2sysOpts: '-a -r', ptp4lConf: '[global]\npi_integral_const 0.5\nlogSyncInterval -4\n' }], { runDir: '/run/x', sharedClock: false, virtualClock: true })
  t.notMatch(p!.configText, /free_running/)
  t.match(p!.configText, /pi_proportional_const 1\.0/)
  t.match(p!.configText, /pi_integral_const 0\.5/, "the profile's own value wins")
  t.notMatch(p!.configText, /pi_integral_const 0\.2/)
  t.match(p!.configText, /step_threshold 0\.001/)
  t.match(p!.configText, /sanity_freq_limit 0/)
  t.match(p!.configText, /summary_interval -4/, 'every sample, for the servo figures')
  t.same(p!.processes.map((x) => x.process), ['ptp4l'], 'no PHC, so no phc2sys')
})

t.test("the suite's test configs leave the step thresholds to the lab servo settings with independent clocks", async (t) => {
  const conf = (independentClocks: boolean) => ocSlaveConfig('ens1f0', { softwareTimestamps: true, independentClocks }).spec.profile[0]!.ptp4lConf!
  t.match(conf(false), /^step_threshold 2\.0$/m, "upstream's value with a shared clock (and on clusters)")
  t.notMatch(conf(true), /step_threshold/, 'none of its own with independent clocks')
  const [p] = planProfiles([{ name: 'x', interface: 'ens1f0', ptp4lConf: conf(true) }], { runDir: '/run/x', sharedClock: false, virtualClock: true })
  t.match(p!.configText, /^step_threshold 0\.001$/m, "so a master's millisecond step is followed by a step, not a slew")
  t.notMatch(readFileSync(join(projectRoot(), 'switch', 'ptp4l.conf'), 'utf8'), /^step_threshold/m, 'nor does the switch config')
})

t.test("a profile's own large step_threshold on an independent clock is kept, with a warning", async (t) => {
  const plan = (conf: string, virtualClock = true) => planProfiles([{ name: 'x', interface: 'ens1f0', ptp4lConf: conf }], { runDir: '/run/x', sharedClock: !virtualClock, virtualClock })[0]!
  const slews = plan('[global]\nstep_threshold 2.0\n')
  t.match(slews.configText, /^step_threshold 2\.0$/m, "the profile's value wins")
  t.match(slews.warning, /^step_threshold 2\.0 on an independent clock: a master's step of up to 2 s is slewed, not stepped/)
  t.equal(plan('[global]\nstep_threshold 0.001\n').warning, undefined)
  t.equal(plan('[global]\n').warning, undefined, 'the lab servo settings')
  t.match(plan('[global]\nstep_threshold 0\n').warning, /step_threshold 0 on an independent clock: every step of a master after the first is slewed/, "0, linuxptp's own default: never steps again")
  t.equal(plan('[global]\nstep_threshold 2.0\n', false).warning, undefined, 'shared clock: free_running, nothing is steered')
})
