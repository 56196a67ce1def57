// lab/report/sampler.ts: rounds of metrics reads (through node handles) turned into per-port
// series (role, clock state, offset as the daemon exports them), a daemon
// that does not answer gives empty samples and the sampler goes on, stop()
// waits for the round in flight and leaves no timer behind.
import t from 'tap'
import { PortSampler } from '../../lab/report/sampler.js'

// What worker1's daemon exports for ens1f0 (roles by port, state and offset by NIC alias).
const metrics = (role: number, state?: number, offset?: number) =>
  [
    `openshift_ptp_interface_role{iface="ens1f0",node="worker1",process="ptp4l"} ${role}`,
    ...(state === undefined ? [] : [`openshift_ptp_clock_state{iface="ens1fx",node="worker1",process="ptp4l"} ${state}`]),
    ...(offset === undefined ? [] : [`openshift_ptp_offset_ns{from="master",iface="ens1fx",node="worker1",process="ptp4l"} ${offset}`]),
  ].join('\n') + '\n'

t.test('series from rounds of reads: transitions as served, failures as gaps', async (t) => {
  const served = [metrics(5), metrics(1, 0, 999999), metrics(1, 1, -72), 'FAIL', metrics(3, 2, 999999), metrics(1, 1, 41)]
  let round = 0
  const reads: string[] = []
  let clock = 1000
  const s = new PortSampler({
    ports: [{ node: 'worker1', port: 'ens1f0', part: 'OC slave' }, { node: 'worker3', port: 'ens4f0' }],
    intervalMs: 5,
    now: () => (clock += 250),
    node: (node) => ({ metrics: async () => {
      reads.push(node)
      if (node !== 'worker1') return `openshift_ptp_interface_role{iface="ens4f0",node="worker3",process="ptp4l"} 2\n`
      const m = served[Math.min(round++, served.length - 1)]!
      if (m === 'FAIL') throw new Error('connect ENOENT')
      return m
    } }),
  }).start()
  while (round < served.length) await new Promise((r) => setTimeout(r, 5))
  const [w1, w3] = await s.stop()
  t.same(w1!.samples.slice(0, 6), [
    { t: 1250, role: 'LISTENING' },
    { t: 1500, role: 'SLAVE', clockState: 'FREERUN', offsetNs: 999999 },
    { t: 1750, role: 'SLAVE', clockState: 'LOCKED', offsetNs: -72 },
    { t: 2000 },
    { t: 2250, role: 'FAULTY' },
    { t: 2500, role: 'SLAVE', clockState: 'LOCKED', offsetNs: 41 },
  ])
  t.same([w1!.node, w1!.port, w1!.part], ['worker1', 'ens1f0', 'OC slave'])
  t.ok(w3!.samples.every((x) => x.role === 'MASTER' && x.offsetNs === undefined), 'a master port: its role only')
  t.equal(w1!.samples.length, w3!.samples.length, 'one sample per port per round')
  t.ok(reads.every((r) => r === 'worker1' || r === 'worker3'), 'only the daemons of the observed ports')
  const n = w1!.samples.length
  await new Promise((r) => setTimeout(r, 30))
  t.equal(w1!.samples.length, n, 'no round after stop()')
})
