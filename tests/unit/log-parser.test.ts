import t from 'tap'
import { messageTag, parseLogLine } from '../../lab/ptp/log-parser.js'

const P = 'ptp4l[365195.391]: '
const TAG = '[ptp4l.0.config] '

t.test('master offset, with and without tag, padded as ptp4l prints it', async (t) => {
  const want = { kind: 'offset', process: 'ptp4l', config: 'ptp4l.0.config', source: 'master', offset: -1, servo: 's2', freq: -3972, delay: 89 }
  t.same(parseLogLine(`${P}${TAG}master offset -1 s2 freq -3972 path delay 89`), want)
  t.same(parseLogLine(`${P}${TAG}master offset         -1 s2 freq   -3972 path delay        89`), want)
  const { config: _c, ...untagged } = want
  t.strictSame(parseLogLine(`${P}master offset -1 s2 freq -3972 path delay 89`), untagged, 'no config key when untagged')
  t.strictSame(parseLogLine(`${P}${TAG}master offset 12 s0 freq +0`), {
    kind: 'offset', process: 'ptp4l', config: 'ptp4l.0.config', source: 'master', offset: 12, servo: 's0', freq: 0,
  }, 'delay optional')
  t.match(parseLogLine(`${P}${TAG}master offset 3 s1 freq -2 delay 7`), { servo: 's1', delay: 7 })
  t.equal(parseLogLine(`${P}${TAG}master offset 3 s9 freq -2`), null, 'unknown servo state')
})

t.test('ts2phc-style clock before "master offset"', async (t) => {
  t.match(parseLogLine('ts2phc[82674.465]: [ts2phc.0.cfg] ens2f1 master offset 0 s2 freq -0'), {
    kind: 'offset', process: 'ts2phc', config: 'ts2phc.0.cfg', source: 'master', clock: 'ens2f1', offset: 0, servo: 's2', freq: -0,
  })
})

t.test('rms summary', async (t) => {
  t.strictSame(parseLogLine(`ptp4l[74737.942]: ${TAG}rms 53 max 74 freq -16642 +/- 40 delay 1089 +/- 20`), {
    kind: 'rms', process: 'ptp4l', config: 'ptp4l.0.config', rms: 53, max: 74, freq: -16642, delay: 1089,
  })
  t.strictSame(parseLogLine(`ptp4l[74737.942]: ${TAG}rms   53 max   74 freq -16642 +/-  40`), {
    kind: 'rms', process: 'ptp4l', config: 'ptp4l.0.config', rms: 53, max: 74, freq: -16642,
  })
  t.strictSame(parseLogLine('rms 53 max 74 freq -16642 +/- 40', 'ptp4l'), { kind: 'rms', process: 'ptp4l', rms: 53, max: 74, freq: -16642 })
  t.match(parseLogLine(`phc2sys[1.0]: ${TAG}CLOCK_REALTIME rms 4 max 4 freq -76829 +/- 0 delay 1085 +/- 0`), { kind: 'rms', process: 'phc2sys', rms: 4, delay: 1085 })
  t.equal(parseLogLine(`phc2sys[1.0]: ${TAG}ens5f0 rms 3 max 3 freq -6 +/- 0 delay 2 +/- 0`), null, 'NIC summary of phc2sys is not exported')
})

t.test('port state changes', async (t) => {
  t.strictSame(parseLogLine(`${P}${TAG}port 1: UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED`), {
    kind: 'port-state', process: 'ptp4l', config: 'ptp4l.0.config', port: 1, from: 'UNCALIBRATED', to: 'SLAVE', event: 'MASTER_CLOCK_SELECTED',
  })
  t.match(parseLogLine(`${P}${TAG}port 2 (ens1f0): LISTENING to MASTER on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES`), {
    port: 2, from: 'LISTENING', to: 'MASTER', event: 'ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES',
  })
  t.match(parseLogLine(`${P}port 1: SLAVE to FAULTY on FAULT_DETECTED`), { port: 1, to: 'FAULTY', event: 'FAULT_DETECTED' })
  // Real ptp4l 3.1 output names the fault type after the event (seen on a veth link down).
  t.match(parseLogLine('ptp4l[1374.292]: [ptp4l.0.config] port 1: SLAVE to FAULTY on FAULT_DETECTED (FT_UNSPECIFIED)'), { port: 1, from: 'SLAVE', to: 'FAULTY', event: 'FAULT_DETECTED', config: 'ptp4l.0.config' })
  t.match(parseLogLine(`${P}port 1 (ens1f0.100): INITIALIZING to LISTENING on INIT_COMPLETE`), { port: 1, to: 'LISTENING' })
  t.equal(parseLogLine(`${P}${TAG}port 1: new foreign master 001122.fffe.334455-1`), null)
  t.equal(parseLogLine(`${P}${TAG}port 1: delay timeout`), null)
})

t.test('best master selection', async (t) => {
  t.strictSame(parseLogLine(`${P}${TAG}selected best master clock 001122.fffe.334455`), {
    kind: 'best-master', process: 'ptp4l', config: 'ptp4l.0.config', clockId: '001122.fffe.334455', local: false,
  })
  t.strictSame(parseLogLine(`${P}selected local clock 001122.fffe.334455 as best master`), {
    kind: 'best-master', process: 'ptp4l', clockId: '001122.fffe.334455', local: true,
  })
})

t.test('phc2sys offsets: phc / sys source and clock name', async (t) => {
  t.strictSame(parseLogLine(`phc2sys[365195.500]: ${TAG}CLOCK_REALTIME phc offset 8 s2 freq -6990 delay 502`), {
    kind: 'offset', process: 'phc2sys', config: 'ptp4l.0.config', source: 'phc', clock: 'CLOCK_REALTIME', offset: 8, servo: 's2', freq: -6990, delay: 502,
  })
  t.match(parseLogLine(`phc2sys[1.0]: ${TAG}ens1f0 sys offset -12 s2 freq +22451884 delay 374976`), { source: 'sys', clock: 'ens1f0', offset: -12, freq: 22451884 })
  t.match(parseLogLine('phc2sys[1.0]: /dev/ptp0 phc offset 5 s0 freq 0 delay 0'), { source: 'phc', clock: '/dev/ptp0', servo: 's0' })
  t.match(parseLogLine('CLOCK_REALTIME phc offset 8 s3 freq -6990 delay 502', 'phc2sys'), { process: 'phc2sys', source: 'phc', servo: 's3' })
  t.equal(parseLogLine('phc2sys[1.0]: phc offset 5 s0 freq 0'), null, 'phc2sys always names the clock')
})

t.test('process from the prefix, else the default; prefix wins', async (t) => {
  t.equal(parseLogLine('master offset -1 s2 freq -3972 path delay 89'), null, 'bare line, no default')
  t.match(parseLogLine('master offset -1 s2 freq -3972 path delay 89', 'ptp4l'), { process: 'ptp4l' })
  t.match(parseLogLine(`${TAG}master offset -1 s2 freq -3972`, 'ptp4l'), { process: 'ptp4l', config: 'ptp4l.0.config' })
  t.match(parseLogLine(`${P}master offset -1 s2 freq -3972`, 'phc2sys'), { process: 'ptp4l' })
})

t.test('anything else is null', async (t) => {
  for (const line of [
    '',
    `${P}${TAG}selected /dev/ptp0 as PTP clock`,
    `${P}${TAG}clockcheck: clock jumped forward or running faster than expected!`,
    'phc2sys[1.0]: [ptp4l.0.config] Waiting for ptp4l...',
    'some random text',
    `${P}${TAG}master offset abc s2 freq 1`,
  ]) t.equal(parseLogLine(line, 'ptp4l'), null, JSON.stringify(line))
})

t.test('messageTag', async (t) => {
  t.equal(messageTag(`${P}${TAG}rms 1 max 1 freq 1 +/- 1`), 'ptp4l.0.config')
  t.equal(messageTag('[ptp4l.3.config] port 1: LISTENING to MASTER on X'), 'ptp4l.3.config')
  t.equal(messageTag('ptp4l[1.2]: [ptp4l.1.config:5] master offset 1 s2 freq 1'), 'ptp4l.1.config', 'level suffix dropped')
  t.match(parseLogLine('ptp4l[1.2]: [ptp4l.1.config:5] master offset 1 s2 freq 1'), { config: 'ptp4l.1.config' })
  t.equal(messageTag(`${P}master offset 1 s2 freq 1`), undefined)
  t.equal(messageTag(''), undefined)
})
