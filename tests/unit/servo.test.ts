// The suite's servo figures with independent clocks (lab/conformance/servo.ts):
// from daemon metrics only, the frequency the servo found from the slope of
// the true offset, rms/max, the window check, first LOCKED per port.
import t from 'tap'
import type { Observation } from '../../lab/conformance/checks.js'
import { checkTrueOffset, LockWatch, servoChecks, servoFigures, slope } from '../../lab/conformance/servo.js'
import type { Sample } from '../../lab/ptp/prom-text.js'
import { reportHtml } from '../../lab/report/html.js'
import { buildReport } from '../../lab/report/model.js'
import { recordedRun } from '../fixtures/run-record.js'

const BASE = 1_700_000_000_000
const sample = (name: string, value: number, labels: Record<string, string> = {}): Sample => ({ name, labels, value }) as Sample
// One observation at host time ms: the slave's true offset drifting at
// `driftPpb`, ptp4l's estimate, the clock metrics of slave and GM.
function obs(ms: number, o: { driftPpb: number; offset: number; gmServo?: number; state?: number }): Observation {
  const nic = { iface: 'ens1fx' }
  return {
    metrics: {
      w1: [
        sample('openshift_ptp_offset_ns', o.offset, { from: 'master', process: 'ptp4l', iface: 'ens1fx' }),
        sample('openshift_ptp_clock_state', o.state ?? 1, { process: 'ptp4l', iface: 'ens1fx' }),
        sample('ptplab_true_offset_ns', 100 + o.driftPpb * (ms - BASE) * 1e-3, nic),
        sample('ptplab_true_offset_host_ms', ms, nic),
        sample('ptplab_clock_injected_ppm', 30, nic),
        sample('ptplab_clock_servo_ppb', -20_000, nic),
      ],
      gm: [sample('ptplab_clock_injected_ppm', 10, { iface: 'ens4fx' }), sample('ptplab_clock_servo_ppb', o.gmServo ?? 0, { iface: 'ens4fx' })],
    },
    clocks: {},
  }
}

t.test('slope: least squares, undefined without enough points', async (t) => {
  t.equal(slope([[0, 1], [1, 3], [2, 5]]), 2)
  t.equal(slope([[0, 1], [1, 3]]), undefined)
  t.equal(slope([[1, 1], [1, 2], [1, 3]]), undefined)
})

t.test('figures: frequency error from the true offset slope, against what the servo had to correct', async (t) => {
  // +50 ppb left uncorrected: the true offset grows 50 ns per second
  const window = [0, 1000, 2000, 3000, 4000].map((ms, i) => obs(BASE + ms, { driftPpb: 50, offset: [200, -200, 100, -100, 0][i]! }))
  const f = servoFigures({ node: 'w1', port: 'ens1f0', part: 'OC slave' }, { node: 'gm', port: 'ens4f0' }, window, 1800)
  t.equal(f.samples, 5)
  t.equal(f.timeToLockMs, 1800)
  t.equal(f.injectedPpm, 30)
  t.equal(f.gmRatePpb, 10_000)
  t.ok(Math.abs(f.freqErrorPpb! - 50) < 1e-3, `residual ${f.freqErrorPpb}`)
  t.ok(Math.abs(f.servoPpb! - -19_950) < 1e-3, 'found = wanted (-20 ppm) + residual')
  t.ok(Math.abs(f.freqErrorPct! - 0.25) < 1e-6, '0.25 % of 20 ppm')
  t.equal(f.ptp4lMaxNs, 200)
  t.equal(Math.round(f.ptp4lRmsNs!), 141)
  t.equal(f.trueMaxNs, 300)
  // a repeated daemon computation (same host time) counts once for the slope
  const dup = [...window, window[4]!]
  t.ok(Math.abs(servoFigures({ node: 'w1', port: 'ens1f0', part: 'x' }, { node: 'gm', port: 'ens4f0' }, dup).freqErrorPpb! - 50) < 1e-3)
})

t.test('window check on the rms; true offset sync check only where the node has its own clock', async (t) => {
  const ok = servoChecks([{ node: 'w1', port: 'p', part: 'OC slave', samples: 30, trueRmsNs: 900, trueMaxNs: 110_000 }], { min: -10_000, max: 10_000 })
  t.equal(ok[0]!.pass, true, 'one 110 us outlier does not fail a window with rms 900 ns')
  const bad = servoChecks([{ node: 'w1', port: 'p', part: 'OC slave', samples: 30, trueRmsNs: 12_000 }], { min: -10_000, max: 10_000 })
  t.equal(bad[0]!.pass, false)
  t.equal(servoChecks([{ node: 'w1', port: 'p', part: 'x', samples: 0 }], { min: -1, max: 1 })[0]!.measured, 'no metric', 'no data fails')
  const o = obs(BASE, { driftPpb: 0, offset: 0 })
  t.match(checkTrueOffset('OC', o, { node: 'w1', port: 'ens1f0' }, { min: -10_000, max: 10_000 }), [{ pass: true, measured: '100 ns' }])
  t.same(checkTrueOffset('OC', { metrics: { w1: [] }, clocks: {} }, { node: 'w1', port: 'ens1f0' }, { min: -1, max: 1 }), [], 'shared clock: no check')
  const missing = { metrics: { w1: [sample('ptplab_clock_injected_ppm', 30, { iface: 'ens1fx' })] }, clocks: {} }
  t.match(checkTrueOffset('OC', missing, { node: 'w1', port: 'ens1f0' }, { min: -1, max: 1 }), [{ pass: false, measured: 'no metric' }], 'own clock without truth fails')
})

t.test('first LOCKED per port, from the config applied', async (t) => {
  const w = new LockWatch(1000)
  const p = { node: 'w1', port: 'ens1f0' }
  w.see(obs(0, { driftPpb: 0, offset: 0, state: 0 }), [p], 1500)
  t.equal(w.of(p), undefined)
  w.see(obs(0, { driftPpb: 0, offset: 0, state: 1 }), [p], 2700)
  w.see(obs(0, { driftPpb: 0, offset: 0, state: 1 }), [p], 3000)
  t.equal(w.of(p), 1700)
})

t.test('the report page has a servo table for a mode with figures, none without', async (t) => {
  const rec = recordedRun()
  const servo = [{ node: 'worker1', port: 'ens1f0', part: 'OC slave', timeToLockMs: 1900, samples: 30, ptp4lRmsNs: 1293, ptp4lMaxNs: 3021, trueRmsNs: 1208, trueMaxNs: 2693, injectedPpm: 30, servoPpb: -19_912, freqErrorPpb: 88, freqErrorPct: 0.44 }]
  const withServo = { ...rec, clock: 'independent' as const, modes: [{ ...rec.modes[0]!, result: { ...rec.modes[0]!.result, servo } }] }
  const html = reportHtml(buildReport(withServo), [''])
  t.match(html, /<h3>Servo \(independent clocks\)<\/h3><p class="desc">Lab servo settings: pi_proportional_const/)
  t.match(html, /<td>OC slave worker1:ens1f0<\/td><td class="num">1\.9 s<\/td><td class="num">1293 \/ 3021 ns<\/td><td class="num">1208 \/ 2693 ns<\/td><td class="num">30\.0 ppm<\/td><td class="num">-19912 ppb<\/td><td class="num">88 ppb \(0\.44 %\)<\/td>/)
  t.notMatch(reportHtml(buildReport(rec), ['', '']), /class="servo"/, 'shared clock: no servo table')
})
