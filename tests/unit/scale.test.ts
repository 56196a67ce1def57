// The pure parts of building big labs: generated topologies, the one-batch
// veth lines, the one-transaction switch, bounded concurrency.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { InputError } from '../../lab/errors.js'
import { vethBatchLines, vethPairs } from '../../lab/links/configpair.js'
import { mapLimit } from '../../lab/limit.js'
import { bridgeWithPortsArgs } from '../../lab/switch/ovs.js'
import { scaleTopologyYaml } from '../../lab/topology/generate.js'
import { allPorts, linkOf, parseTopology } from '../../lab/topology/index.js'
import { switchPorts } from '../../lab/switch/profile.js'

t.test('a generated topology loads: N workers, 2N switch links over three VLANs', async (t) => {
  const topo = parseTopology(scaleTopologyYaml('s64', 64))
  t.equal(topo.nodes.length, 64)
  t.equal(topo.links.length, 128)
  const perVlan = new Map<number, number>()
  for (const p of allPorts(topo)) perVlan.set(linkOf(topo, p.node, p.name)!.vlan!, (perVlan.get(linkOf(topo, p.node, p.name)!.vlan!) ?? 0) + 1)
  t.same([...perVlan.entries()].sort(), [[1500, 43], [1501, 43], [1502, 42]])
  t.throws(() => scaleTopologyYaml('x', 0), RangeError)
  t.throws(() => parseTopology(scaleTopologyYaml('s200', 128)), /too many links \(256\), at most 255: every link, so every switch port/)
})

t.test('the switch: bridge and every access port in one ovs-vsctl transaction', async (t) => {
  const topo = parseTopology(scaleTopologyYaml('s2', 2))
  t.same(bridgeWithPortsArgs(switchPorts(topo)), [
    'add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=netdev',
    '--', 'add-port', 'br0', 'swp1', 'tag=1500',
    '--', 'add-port', 'br0', 'swp2', 'tag=1501',
    '--', 'add-port', 'br0', 'swp3', 'tag=1502',
    '--', 'add-port', 'br0', 'swp4', 'tag=1500',
  ])
})

t.test('veths: one batch line per pair, names and MACs checked first', async (t) => {
  const pair = { ifname1: 'ens1f0', ifname2: 'swp1', ns1: { netns: 'a' }, ns2: { netns: 'b' }, mac1: '02:00:00:00:01:00', mac2: '02:00:00:00:02:00', target1: 'a', target2: '4242' }
  t.equal(vethBatchLines([pair]), 'link add name ens1f0 netns a address 02:00:00:00:01:00 type veth peer name swp1 netns 4242 address 02:00:00:00:02:00\n')
  t.throws(() => vethBatchLines([{ ...pair, ifname2: 'a b' }]), InputError)
  t.throws(() => vethBatchLines([{ ...pair, mac1: '01:00:00:00:00:01' }]), /multicast/)
})

t.test('vethPairs: one ip -batch for all pairs, one per namespace for the ends that go up', async (t) => {
  const calls: Array<{ argv: string[]; input?: string }> = []
  const run = (async (cmd: string, args: string[], o: { input?: string } = {}) => {
    calls.push({ argv: [cmd, ...args], input: o.input })
    return { stdout: '', stderr: '', exitCode: 0 }
  }) as never
  const p = (i: number, down = false) => ({ ifname1: `e${i}`, ifname2: `s${i}`, ns1: { netns: `n${i}` }, ns2: { netns: 'sw' }, mac1: `02:00:00:00:0${i}:00`, mac2: `02:00:00:00:fe:0${i}`, end2Down: down })
  const dir = mkdtempSync(join(tmpdir(), 'ptplab-veth-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const n of ['n1', 'n2', 'n3', 'sw']) writeFileSync(join(dir, n), '')
  await vethPairs([p(1), p(2), p(3, true)], { run, netnsDir: dir, concurrency: 2 })
  t.same(calls[0]!.argv, ['ip', '-batch', '-'])
  t.equal(calls[0]!.input!.split('\n').filter(Boolean).length, 3)
  const ups = calls.slice(1).map((c) => `${c.argv[1]!.replace(dir, '')} ${c.input!.trim().replace(/\n/g, ';')}`).sort()
  t.same(ups, ['--net=/n1 link set dev e1 up', '--net=/n2 link set dev e2 up', '--net=/n3 link set dev e3 up', '--net=/sw link set dev s1 up;link set dev s2 up'])
})

t.test('mapLimit keeps order and at most `limit` calls in flight', async (t) => {
  let inFlight = 0
  let peak = 0
  const out = await mapLimit([5, 1, 4, 2, 3], 2, async (x) => {
    peak = Math.max(peak, ++inFlight)
    await new Promise((r) => setImmediate(r))
    inFlight--
    return x * 10
  })
  t.same(out, [50, 10, 40, 20, 30])
  t.equal(peak, 2)
})
