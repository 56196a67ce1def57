import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { InputError } from '../../lab/errors.js'
import {
  allPorts,
  findPort,
  linkOf,
  loadTopologyFile,
  macFor,
  parseTopology,
  peerOf,
  type Topology,
} from '../../lab/topology/index.js'

const topo = (name: string) => fileURLToPath(new URL(`../../topologies/${name}`, import.meta.url))
const FILE = 'bad.yaml'

// Base document for rejection cases; line numbers below refer to it.
const NODES = `nodes:
  n1:
    nics:
      - name: eth1
        ports: [p0, p1]
  n2:
    nics:
      - name: eth2
        ports: [q0]
`
const SWITCH = `switch:
  name: sw
`
// Lines: 1 name, 2 nodes, 3 n1, 5 eth1, 6 ports [p0, p1], 7 n2, 10 ports [q0],
// 11-12 switch, 13 links, 14 first link.
const doc = (links: string[], head = 'name: lab\n' + NODES + SWITCH) =>
  head + (links.length ? 'links:\n' + links.map((l) => `  - ${l}\n`).join('') : '')
const LINK0 = '{ endpoints: [n1:p0, sw], vlan: 10 }'

// Only the assertions used, so it accepts any (sub)test object.
type Asserts = Pick<typeof t, 'ok' | 'fail' | 'equal'>

function rejects(tt: Asserts, text: string, parts: string[], line?: number) {
  try {
    parseTopology(text, FILE)
    tt.fail('expected an InputError')
  } catch (e) {
    tt.ok(e instanceof InputError, `InputError, got ${String(e)}`)
    const msg = (e as Error).message
    for (const p of [FILE, ...parts]) tt.ok(msg.includes(p), `message contains ${JSON.stringify(p)}: ${msg}`)
    if (line !== undefined) {
      tt.equal((e as InputError).line, line, `line of: ${msg}`)
      tt.ok(msg.startsWith(`${FILE}:${line}: `), `message starts with file:line: ${msg}`)
    }
  }
}

t.test('default topology mirrors upstream', async (tt) => {
  const d = await loadTopologyFile(topo('default.yaml'))
  tt.equal(d.name, 'ptplab')
  tt.equal(d.file, topo('default.yaml'))
  tt.same(d.nodes.map((n) => n.name), ['worker1', 'worker2', 'worker3'])
  tt.equal(allPorts(d).length, 9)
  tt.equal(d.links.length, 9)
  tt.same([...new Set(d.links.map((l) => l.vlan))].sort(), [1500, 1501, 1502])
  tt.equal(d.switch?.name, 'switch1')
  for (const n of d.nodes) {
    tt.same(n.labels, { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/master': '' })
  }
  const vlanOf = (node: string, port: string) => linkOf(d, node, port)?.vlan
  tt.equal(vlanOf('worker1', 'ens1f0'), 1501)
  tt.equal(vlanOf('worker1', 'ens2f1'), 1502)
  tt.equal(vlanOf('worker2', 'ens3f1'), 1500)
  tt.equal(vlanOf('worker3', 'ens6f0'), 1502)
  tt.same(
    d.links.map((l) => l.switchPort),
    ['swp1', 'swp2', 'swp3', 'swp4', 'swp5', 'swp6', 'swp7', 'swp8', 'swp9'],
  )
  tt.same(findPort(d, 'worker1', 'ens2f1'), {
    node: 'worker1', nic: 'ens2', name: 'ens2f1', pciDevice: '0000:1f:02', pciFunction: 1, index: 3,
  })
  tt.same(findPort(d, 'worker3', 'ens6f0')?.pciDevice, '0000:1f:06')
  tt.same(peerOf(d, 'worker2', 'ens3f0'), { kind: 'switch' })
})

t.test('two-node topology', async (tt) => {
  const m = await loadTopologyFile(topo('two-node.yaml'))
  tt.equal(m.name, 'mini')
  tt.equal(m.nodes.length, 2)
  tt.equal(allPorts(m).length, 4)
  tt.equal(m.links.length, 2)
  tt.same(m.links.map((l) => l.vlan), [100, 100])
  // [switch1, node2:ens2f0] is normalized: a = node port, b = switch.
  tt.same(m.links[1], { index: 1, a: { kind: 'port', node: 'node2', port: 'ens2f0' }, b: { kind: 'switch' }, vlan: 100, switchPort: 'swp2' })
  tt.equal(peerOf(m, 'node1', 'ens1f1'), undefined, 'unplugged port has no peer')
  tt.equal(linkOf(m, 'node2', 'ens2f1'), undefined)
  tt.same(m.nodes.map((n) => n.nics[0]?.pci), ['0000:1f:01', '0000:1f:02'])
  tt.same(m.nodes[0]?.labels, {})
})

t.test('direct links and switch VLAN default', async (tt) => {
  const x = parseTopology(doc(['{ endpoints: [sw, n1:p0] }', '{ endpoints: [n1:p1, n2:q0] }']))
  tt.same(x.links[0], { index: 0, a: { kind: 'port', node: 'n1', port: 'p0' }, b: { kind: 'switch' }, vlan: 1, switchPort: 'swp1' })
  tt.same(x.links[1], { index: 1, a: { kind: 'port', node: 'n1', port: 'p1' }, b: { kind: 'port', node: 'n2', port: 'q0' } })
  tt.same(peerOf(x, 'n2', 'q0'), { kind: 'port', node: 'n1', port: 'p1' })
  tt.same(peerOf(x, 'n1', 'p1'), { kind: 'port', node: 'n2', port: 'q0' })
  tt.equal(findPort(x, 'n1', 'nope'), undefined)
})

t.test('PCI derivation', async (tt) => {
  const x = parseTopology(`name: pci
nodes:
  a:
    nics:
      - { name: e1, pci: "1f:09", ports: [a0, a1, a2] }
      - { name: e2, ports: [b0] }
  b:
    nics:
      - { name: e3, ports: [c0] }
      - { name: e4, pci: "0001:2a:0b", ports: [d0] }
`)
  tt.same(x.nodes.flatMap((n) => n.nics.map((c) => c.pci)), ['0000:1f:09', '0000:1f:02', '0000:1f:03', '0001:2a:0b'])
  tt.same(allPorts(x).map((p) => [p.name, p.pciDevice, p.pciFunction, p.index]), [
    ['a0', '0000:1f:09', 0, 0],
    ['a1', '0000:1f:09', 1, 1],
    ['a2', '0000:1f:09', 2, 2],
    ['b0', '0000:1f:02', 0, 3],
    ['c0', '0000:1f:03', 0, 0],
    ['d0', '0001:2a:0b', 0, 1],
  ])
})

t.test('MACs', async (tt) => {
  const d: Topology = await loadTopologyFile(topo('default.yaml'))
  const again = await loadTopologyFile(topo('default.yaml'))
  const h = createHash('sha256').update('ptplab').digest('hex')
  const prefix = `02:${h.slice(0, 2)}:${h.slice(2, 4)}`
  tt.equal(macFor(d, 'worker1', 0), `${prefix}:01:01:00`)
  tt.equal(macFor(d, 'worker3', 2), `${prefix}:03:03:00`)
  tt.equal(macFor(d, 'switch', 8), `${prefix}:fe:09:00`)
  tt.equal(macFor(d, 'switch1', 8), macFor(d, 'switch', 8), 'switch name works like "switch"')
  const macs = [
    ...allPorts(d).map((p) => macFor(d, p.node, p.index)),
    ...d.links.map((l) => macFor(d, 'switch', l.index)),
  ]
  tt.same(macs, [...allPorts(again).map((p) => macFor(again, p.node, p.index)), ...again.links.map((l) => macFor(again, 'switch', l.index))], 'deterministic')
  tt.equal(new Set(macs).size, macs.length, 'unique within the lab')
  for (const m of macs) {
    tt.match(m, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/)
    const first = parseInt(m.slice(0, 2), 16)
    tt.ok((first & 0x02) !== 0 && (first & 0x01) === 0, `${m} is locally administered unicast`)
  }
  const other = parseTopology('name: other\nnodes: { worker1: {} }\n')
  tt.not(macFor(other, 'worker1', 0), macFor(d, 'worker1', 0), 'lab name changes the MAC')
  tt.throws(() => macFor(d, 'nobody', 0), RangeError)
  tt.throws(() => macFor(d, 'worker1', 255), RangeError)
})

t.test('rejections', async (tt) => {
  tt.test('YAML syntax error', async (t2) =>
    rejects(t2, 'name: lab\nnodes:\n  n1: { nics: [ }\n', ['YAML syntax error', '"n1: { nics: [ }"'], 3))
  tt.test('missing name', async (t2) => rejects(t2, NODES, ['name', 'required field missing'], 1))
  tt.test('invalid name', async (t2) => {
    rejects(t2, doc([], 'name: Lab_1\n' + NODES), ['name', '"Lab_1"'], 1)
    rejects(t2, doc([], 'name: lab-\n' + NODES), ['name', '"lab-"'], 1)
    rejects(t2, doc([], 'name: a23456789012345678901\n' + NODES), ['name', '"a23456789012345678901"'], 1)
    rejects(t2, doc([], 'name: 7\n' + NODES), ['name', 'expected a string, got 7'], 1)
  })
  tt.test('no nodes', async (t2) => {
    rejects(t2, 'name: lab\nnodes: {}\n', ['nodes', 'at least one node', '{}'], 2)
    rejects(t2, 'name: lab\n', ['nodes', 'required field missing'])
    rejects(t2, 'name: lab\nnodes:\n', ['nodes', 'expected a mapping, got null'], 2)
  })
  tt.test('unknown fields', async (t2) => {
    rejects(t2, doc([LINK0]) + 'extra: 1\n', ['extra', 'unknown field (value 1)'], 15)
    rejects(t2, doc([LINK0]).replace('        ports: [q0]', '        ports: [q0]\n        speed: 10'), ['nodes.n2.nics[0].speed', 'unknown field (value 10)'], 11)
    rejects(t2, doc(['{ endpoints: [n1:p0, sw], mtu: 9000 }']), ['links[0].mtu', 'unknown field (value 9000)'], 14)
    rejects(t2, doc([]).replace('  name: sw', '  name: sw\n  ports: 4'), ['switch.ports', 'unknown field (value 4)'], 13)
  })
  tt.test('unknown node in link', async (t2) => rejects(t2, doc([LINK0, '{ endpoints: [n9:p0, sw] }']), ['links[1].endpoints[0]', '"n9"'], 15))
  tt.test('unknown port in link', async (t2) => rejects(t2, doc([LINK0, '{ endpoints: [sw, n2:zz] }']), ['links[1].endpoints[1]', '"zz"', '"n2:zz"'], 15))
  tt.test('endpoint that is a bare node name', async (t2) => rejects(t2, doc(['{ endpoints: [n1, sw] }']), ['links[0].endpoints[0]', '"n1"', 'needs a port'], 14))
  tt.test('port used by two links', async (t2) =>
    rejects(t2, doc([LINK0, '{ endpoints: [n2:q0, n1:p0] }']), ['links[1].endpoints[1]', '"n1:p0"', 'links[0]'], 15))
  tt.test('port listed twice', async (t2) => {
    rejects(t2, doc([]).replace('[p0, p1]', '[p0, p0]'), ['nodes.n1.nics[0].ports[1]', '"p0"'], 6)
    rejects(t2, doc([]).replace('        ports: [p0, p1]\n', '        ports: [p0, p1]\n      - { name: eth9, ports: [p1] }\n'), ['nodes.n1.nics[1].ports[0]', '"p1"'], 7)
  })
  tt.test('interface name too long', async (t2) =>
    rejects(t2, doc([]).replace('[p0, p1]', '[p0, abcdefghijklmnop]'), ['nodes.n1.nics[0].ports[1]', '"abcdefghijklmnop"'], 6))
  tt.test('interface name characters', async (t2) => {
    for (const bad of ['eth/0', '-eth0', '.', '..', 'eth 0', 'eth:0', '']) {
      rejects(t2, doc([]).replace('[p0, p1]', `[p0, ${JSON.stringify(bad)}]`), ['nodes.n1.nics[0].ports[1]', JSON.stringify(bad)], 6)
    }
    rejects(t2, doc([]).replace('name: eth1', 'name: "e/1"'), ['nodes.n1.nics[0].name', '"e/1"'], 5)
    // 15 characters and odd-but-legal characters are fine
    parseTopology(doc([]).replace('[p0, p1]', '[abcdefghijklmno, a.b_c-D]'))
  })
  tt.test('VLAN', async (t2) => {
    for (const v of ['0', '4095', '1.5', '-3']) {
      rejects(t2, doc([`{ endpoints: [n1:p0, sw], vlan: ${v} }`]), ['links[0].vlan', 'got ' + v], 14)
    }
    rejects(t2, doc(['{ endpoints: [n1:p0, sw], vlan: "10" }']), ['links[0].vlan', 'got "10"'], 14)
  })
  tt.test('vlan on a direct link', async (t2) => rejects(t2, doc(['{ endpoints: [n1:p0, n2:q0], vlan: 5 }']), ['links[0].vlan', '5'], 14))
  tt.test('link to itself', async (t2) => {
    rejects(t2, doc(['{ endpoints: [sw, sw] }']), ['links[0].endpoints', '"sw"', 'itself'], 14)
    rejects(t2, doc(['{ endpoints: [n1:p1, n1:p1] }']), ['links[0].endpoints', '"n1:p1"', 'itself'], 14)
  })
  tt.test('switch endpoint without a switch', async (t2) =>
    rejects(t2, doc([LINK0], 'name: lab\n' + NODES), ['links[0].endpoints[1]', '"sw"', 'no switch'], 12))
  tt.test('unknown bare endpoint', async (t2) =>
    rejects(t2, doc(['{ endpoints: [n1:p0, sw2] }']), ['links[0].endpoints[1]', '"sw2"'], 14))
  tt.test('node named like the switch', async (t2) =>
    rejects(t2, doc([], 'name: lab\n' + NODES.replace('  n2:', '  sw:') + SWITCH), ['nodes.sw', '"sw"'], 7))
  tt.test('node named "switch" is reserved', async (t2) =>
    rejects(t2, doc([], 'name: lab\n' + NODES.replace('  n2:', '  switch:')), ['nodes.switch', '"switch"'], 7))
  tt.test('invalid node name', async (t2) => {
    rejects(t2, doc([], 'name: lab\n' + NODES.replace('  n2:', '  N_2:')), ['nodes.N_2', '"N_2"'], 7)
    rejects(t2, doc([]).replace('  name: sw', '  name: Sw'), ['switch.name', '"Sw"'], 12)
  })
  tt.test('duplicate node names', async (t2) =>
    rejects(t2, doc([], 'name: lab\n' + NODES.replace('  n2:', '  n1:')), ['nodes.n1', 'duplicate key "n1"'], 7))
  tt.test('duplicate NIC names', async (t2) =>
    rejects(t2, doc([]).replace('        ports: [p0, p1]\n', '        ports: [p0, p1]\n      - { name: eth1, ports: [p2] }\n'), ['nodes.n1.nics[1].name', '"eth1"'], 7))
  tt.test('PCI', async (t2) => {
    rejects(t2, doc([]).replace('name: eth1', 'name: eth1\n        pci: "1F:01"'), ['nodes.n1.nics[0].pci', '"1F:01"'], 6)
    rejects(t2, doc([]).replace('        ports: [p0, p1]\n', '        ports: [p0, p1]\n      - { name: eth3, pci: "0000:1f:01", ports: [p2] }\n'), ['nodes.n1.nics[1].pci', '"0000:1f:01"', '"eth1"'], 7)
    // derived 0000:1f:02 for the second NIC clashes with an explicit one
    rejects(t2, doc([]).replace('name: eth1', 'name: eth1\n        pci: "1f:02"').replace('        ports: [p0, p1]\n', '        ports: [p0, p1]\n      - { name: eth3, ports: [p2] }\n'), ['nodes.n1.nics[1]', '"0000:1f:02"'], 8)
  })
  tt.test('endpoints not exactly 2', async (t2) => {
    rejects(t2, doc(['{ endpoints: [n1:p0] }']), ['links[0].endpoints', 'exactly 2', '["n1:p0"]'], 14)
    rejects(t2, doc(['{ endpoints: [n1:p0, sw, n2:q0] }']), ['links[0].endpoints', 'exactly 2', '["n1:p0","sw","n2:q0"]'], 14)
  })
  tt.test('missing file', async (t2) => {
    await t2.rejects(loadTopologyFile('/nonexistent/topo.yaml'), { name: 'InputError', file: '/nonexistent/topo.yaml' })
  })
})
