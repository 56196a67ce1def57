// L2 discovery, the parts that need no root: building upstream's report from
// the probe agent's output, the LANs seen in reports, the SKIP_INTERFACES
// parsing, and the agent's own frame handling and argument checks.
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { skipInterfacesFromEnv } from '../../cli/discover-command.js'
import {
  agentPath,
  buildReport,
  parseAgentOutput,
  probedNodes,
  type AgentIface,
  type AgentOutput,
  type L2Report,
} from '../../lab/discovery/discover.js'
import { parseL2Report } from '../../lab/discovery/report.js'
import { buildGraph, lanSummary } from '../../lab/discovery/graph.js'
import { openLabCluster } from '../../lab/cluster/index.js'

// The LAN view the CLI's discover and the suite share (graph.ts).
const lansFromReports = (r: Map<string, L2Report>) => lanSummary(buildGraph(r)).lans
const isolatedInterfaces = (r: Map<string, L2Report>) => lanSummary(buildGraph(r)).isolated
const ptpReceivers = (r: Map<string, L2Report>) => lanSummary(buildGraph(r)).ptpReceivers
import { InputError } from '../../lab/errors.js'
import { missingPrograms } from '../../lab/sys/run.js'
import { allPorts, loadTopologyFile, parseTopology } from '../../lab/topology/index.js'

const topo = (name: string) => fileURLToPath(new URL(`../../topologies/${name}`, import.meta.url))

// Invented MACs: 02:00:00:<node>:<port>:00; the switch side is 02:00:00:FE:<n>:00.
const mac = (node: number, port: number) => `02:00:00:0${node}:0${port}:00`
const SW = (n: number) => `02:00:00:FE:0${n}:00`
const iface = (m: string, ifindex: number, over: Partial<AgentIface> = {}): AgentIface => ({
  mac: m, ifindex, up: true, operstate: 'up', carrier: 1, probes: [], ptp: false, ptpFrom: [], sent: 3, sendError: null, ...over,
})

// What the agents of the default lab report when frames really flow: the
// three VLANs of topologies/default.yaml, PTP from the switch on every port.
function defaultAgents(): Record<string, AgentOutput> {
  const w1 = [mac(1, 1), mac(1, 2), mac(1, 3), mac(1, 4)] // ens1f0 ens1f1 ens2f0 ens2f1
  const w2 = [mac(2, 1), mac(2, 2)] // ens3f0 ens3f1
  const w3 = [mac(3, 1), mac(3, 2), mac(3, 3)] // ens4f0 ens5f0 ens6f0
  const v1500 = [w1[1]!, w1[2]!, w2[0]!, w2[1]!]
  const v1501 = [w1[0]!, w3[0]!]
  const v1502 = [w1[3]!, w3[1]!, w3[2]!]
  const heard = (own: string, lan: string[], sw: number) =>
    ({ probes: lan.filter((m) => m !== own), ptp: true, ptpFrom: [SW(sw)] })
  return {
    worker1: {
      ens1f0: iface(w1[0]!, 2, heard(w1[0]!, v1501, 1)),
      ens1f1: iface(w1[1]!, 3, heard(w1[1]!, v1500, 2)),
      ens2f0: iface(w1[2]!, 4, heard(w1[2]!, v1500, 3)),
      ens2f1: iface(w1[3]!, 5, heard(w1[3]!, v1502, 4)),
    },
    worker2: {
      ens3f0: iface(w2[0]!, 2, heard(w2[0]!, v1500, 5)),
      ens3f1: iface(w2[1]!, 3, heard(w2[1]!, v1500, 6)),
    },
    worker3: {
      ens4f0: iface(w3[0]!, 2, heard(w3[0]!, v1501, 7)),
      ens5f0: iface(w3[1]!, 3, heard(w3[1]!, v1502, 8)),
      ens6f0: iface(w3[2]!, 4, heard(w3[2]!, v1502, 9)),
    },
  }
}

async function defaultReports(skipInterfaces: string[] = []): Promise<Map<string, L2Report>> {
  const ports = allPorts(await loadTopologyFile(topo('default.yaml')))
  const agents = defaultAgents()
  return new Map(Object.entries(agents).map(([n, a]) => [n, buildReport(n, a, ports, { skipInterfaces })]))
}

t.test('buildReport: upstream shape, PCI from the NIC model, PTP only where received', async (t) => {
  const ports = allPorts(await loadTopologyFile(topo('default.yaml')))
  const agent: AgentOutput = {
    ens1f0: iface(mac(1, 1), 2, { probes: [mac(3, 1)], ptp: true, ptpFrom: [SW(1)] }),
    ens1f1: iface(mac(1, 2), 3, { probes: [mac(2, 2), mac(1, 3)] }),
    ens2f1: iface(mac(1, 4), 5, { up: false, operstate: 'down', carrier: 0 }),
    eth9: iface('02:00:00:09:09:00', 9), // not a topology port
  }
  const r = buildReport('worker1', agent, ports)
  t.same(Object.keys(r), ['88b5', '88f7'])
  t.same(Object.keys(r['88b5']), ['ens1f0', 'ens1f1', 'ens2f1'], 'only topology ports, sorted')
  t.same(r['88b5'].ens1f0, {
    Local: {
      IfName: 'ens1f0',
      IfMac: { Data: mac(1, 1) },
      IfIndex: 2,
      IfPci: { Device: '0000:1f:01', Function: '0', Description: '', Subsystem: '' },
      IfPTPCaps: { HwRx: false, HwTx: false, HwRawClock: false, PhcIndex: -1 },
      IfUp: true,
    },
    Remote: { [mac(3, 1)]: true },
  })
  t.same(r['88b5'].ens1f1!.Local.IfPci, { Device: '0000:1f:01', Function: '1', Description: '', Subsystem: '' })
  t.same(r['88b5'].ens1f1!.Remote, { [mac(1, 3)]: true, [mac(2, 2)]: true })
  t.same(r['88b5'].ens2f1!.Local.IfPci.Device, '0000:1f:02', 'second NIC')
  t.same(r['88b5'].ens2f1!.Remote, {}, 'a port that heard nobody is still reported')
  t.equal(r['88b5'].ens2f1!.Local.IfUp, false)
  t.same(Object.keys(r['88f7']), ['ens1f0'], '88f7 lists only ports that received PTP')
  t.same(r['88f7'].ens1f0!.Remote, { [SW(1)]: true })
  t.same(r['88f7'].ens1f0!.Local, r['88b5'].ens1f0!.Local)
  t.not(r['88f7'].ens1f0!.Local, r['88b5'].ens1f0!.Local, 'separate objects, not aliases')

  const all = buildReport('worker1', agent, ports, { allInterfaces: true })
  t.same(all['88b5'].eth9!.Local.IfPci, { Device: '', Function: '', Description: '', Subsystem: '' }, 'not in the model: no PCI')

  const skipped = buildReport('worker1', agent, ports, { skipInterfaces: ['ens1f1', 'ens1f0'] })
  t.same(Object.keys(skipped['88b5']), ['ens2f1'])
  t.same(skipped['88f7'], {})
  t.same(Object.keys(buildReport('worker2', agent, ports)['88b5']), [], "another node's ports are not this node's")
  // The written JSON reads back unchanged through the report parser.
  t.same(parseL2Report(JSON.stringify(r, null, 2), 'worker1.json'), r, 'round trip through parseL2Report')
})

t.test('parseAgentOutput: accepts the agent JSON, rejects anything else with the node named', async (t) => {
  const good = { ens1f0: iface(mac(1, 1), 2, { probes: [mac(2, 1)] }) }
  t.same(parseAgentOutput(JSON.stringify(good), 'node w1'), good)
  t.same(parseAgentOutput('{}', 'node w1'), {})
  t.throws(() => parseAgentOutput('Traceback ...', 'node w1'), /node w1: agent output is not JSON/)
  t.throws(() => parseAgentOutput('[]', 'node w1'), /not a JSON object/)
  for (const bad of [
    { ...good.ens1f0, mac: '02:00:00:01:01' },
    { ...good.ens1f0, mac: 'f4:03:43:d1:70:a0' }, // lower case is not what the agent prints
    { ...good.ens1f0, probes: ['nope'] },
    { ...good.ens1f0, ifindex: '2' },
    { ...good.ens1f0, up: 'yes' },
    { ...good.ens1f0, ptpFrom: undefined },
  ])
    t.throws(() => parseAgentOutput(JSON.stringify({ ens1f0: bad }), 'node w1'), /node w1: agent output for interface "ens1f0" is malformed/)
})

t.test('lansFromReports: the default lab gives its three VLANs', async (t) => {
  const reports = await defaultReports()
  t.same(lansFromReports(reports), [
    ['worker1:ens1f0', 'worker3:ens4f0'],
    ['worker1:ens1f1', 'worker1:ens2f0', 'worker2:ens3f0', 'worker2:ens3f1'],
    ['worker1:ens2f1', 'worker3:ens5f0', 'worker3:ens6f0'],
  ])
  t.same(isolatedInterfaces(reports), [])
  t.same(ptpReceivers(reports), [
    'worker1:ens1f0', 'worker1:ens1f1', 'worker1:ens2f0', 'worker1:ens2f1',
    'worker2:ens3f0', 'worker2:ens3f1', 'worker3:ens4f0', 'worker3:ens5f0', 'worker3:ens6f0',
  ])
  // With SKIP_INTERFACES the vertices go, and the rest of each LAN stays.
  const skipped = await defaultReports(['ens2f0', 'ens4f0'])
  t.same(lansFromReports(skipped), [
    ['worker1:ens1f1', 'worker2:ens3f0', 'worker2:ens3f1'],
    ['worker1:ens2f1', 'worker3:ens5f0', 'worker3:ens6f0'],
  ])
  t.same(isolatedInterfaces(skipped), ['worker1:ens1f0'], 'its only peer was skipped')
})

t.test('lansFromReports: edges one way suffice, unknown MACs and self are ignored, lone ports form no LAN', async (t) => {
  const ports = allPorts(parseTopology(`name: x
nodes:
  b: { nics: [ { name: e1, ports: [p0, p1] } ] }
  a: { nics: [ { name: e1, ports: [p0, p1, p2] } ] }
`))
  const reports = new Map([
    // node order in the map is not the order of the result: sorted by node, then name
    ['b', buildReport('b', {
      p0: iface(mac(2, 1), 2, { probes: [mac(1, 1)] }), // heard a:p0; a:p0 did not hear b:p0
      p1: iface(mac(2, 2), 3, { probes: ['0E:00:00:00:00:01', mac(2, 2)] }), // a stranger, itself
    }, ports)],
    ['a', buildReport('a', {
      p0: iface(mac(1, 1), 2),
      p1: iface(mac(1, 2), 3, { probes: [mac(1, 3)] }), // two ports of one node on one LAN
      p2: iface(mac(1, 3), 4),
    }, ports)],
  ])
  t.same(lansFromReports(reports), [['a:p0', 'b:p0'], ['a:p1', 'a:p2']])
  t.same(isolatedInterfaces(reports), ['b:p1'])
  t.same(ptpReceivers(reports), [])
  t.same(lansFromReports(new Map()), [])
})

t.test('probedNodes: cluster nodes only (not the switch, not external grandmasters)', async (t) => {
  const top = await loadTopologyFile(topo('default.yaml'))
  t.same(probedNodes(top), ['worker1', 'worker2', 'worker3'])
  const withGm = { ...top, nodes: top.nodes.map((n) => (n.name === 'worker3' ? { ...n, grandmaster: true } : n)) }
  t.same(probedNodes(withGm), ['worker1', 'worker2'])
})

t.test('skipInterfacesFromEnv: comma separated, blanks ignored', async (t) => {
  t.same(skipInterfacesFromEnv(undefined), [])
  t.same(skipInterfacesFromEnv(''), [])
  t.same(skipInterfacesFromEnv(' ens1f0, ,ens2f1,'), ['ens1f0', 'ens2f1'])
})

t.test('L2 discovery on a lab that is not up is bad input', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ptplab-l2-'))
  const old = process.env.PTPLAB_RUN_ROOT
  process.env.PTPLAB_RUN_ROOT = dir
  t.teardown(async () => {
    if (old === undefined) delete process.env.PTPLAB_RUN_ROOT
    else process.env.PTPLAB_RUN_ROOT = old
    await rm(dir, { recursive: true, force: true })
  })
  await t.rejects(openLabCluster('nolab'), InputError)
  await t.rejects(openLabCluster('nolab'), /lab nolab is not up/)
})

// The agent's pure parts, through python3 itself (no sockets opened).
const py = (code: string, args: string[] = []) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile('python3', [...(code ? ['-c', code] : [agentPath()]), ...args], (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })))
const noPython = (await missingPrograms(['python3'])).length ? 'missing python3' : false

t.test('l2probe.py: frames and ethertypes', { skip: noPython }, async (t) => {
  const r = await py(`
import importlib.util, json, struct
spec = importlib.util.spec_from_file_location('l2probe', ${JSON.stringify(agentPath())})
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
f = m.probe_frame({'name': 'ens1f0', 'macRaw': bytes.fromhex('020000010100')}, 'worker1')
hdr = b'\\x01\\x1b\\x19\\x00\\x00\\x00' + bytes.fromhex('020000fe0100')
tagged = hdr + struct.pack('!HHH', 0x8100, 1501, 0x88f7) + bytes(46)
qinq = hdr + struct.pack('!HHHHH', 0x88a8, 10, 0x8100, 20, 0x88f7) + bytes(46)
print(json.dumps({'len': len(f), 'dst': f[:6].hex(), 'src': m.fmt_mac(f[6:12]), 'et': m.ethertype(f),
  'magic': m.MAGIC in f, 'names': b'node=worker1 if=ens1f0' in f,
  'tagged': m.ethertype(tagged), 'qinq': m.ethertype(qinq), 'plain': m.ethertype(hdr + b'\\x88\\xf7' + bytes(46))}))
`)
  t.equal(r.code, 0, r.stderr)
  t.same(JSON.parse(r.stdout), {
    len: 60, dst: 'ffffffffffff', src: '02:00:00:01:01:00', et: 0x88b5, magic: true, names: true,
    tagged: 0x88f7, qinq: 0x88f7, plain: 0x88f7,
  })
})

t.test('l2probe.py: usage errors exit 2, and it refuses to run without root', { skip: noPython }, async (t) => {
  const bad = await py('', ['--duration', '0'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /--duration must be between/)
  t.equal((await py('', ['--bogus'])).code, 2)
  if (process.getuid?.() === 0) return // as root it would really probe this namespace's interfaces
  const r = await py('', ['--duration', '0.2'])
  t.equal(r.code, 1)
  t.match(r.stderr, /l2probe: error: needs root/)
  t.equal(r.stdout, '')
})
