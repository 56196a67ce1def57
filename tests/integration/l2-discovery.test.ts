// Host based L2 discovery on real labs: probe frames cross the veth links and
// the OVS switch, so the LANs found are the switch's VLANs, and unplugged or
// skipped ports show as such. Nothing here tells the discovery about links.
import { performance } from 'node:perf_hooks'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { cmdDiscover } from '../../cli/discover-command.js'
import { agentPath, parseAgentOutput, type L2Report } from '../../lab/discovery/discover.js'
import { buildGraph, lanSummary } from '../../lab/discovery/graph.js'
import { openLabCluster } from '../../lab/cluster/index.js'
import { labL2Discover } from '../../lab/cluster/lab-l2.js'
import { NetnsBackend } from '../../lab/backends/netns/backend.js'

const lansFromReports = (r: Map<string, L2Report>) => lanSummary(buildGraph(r)).lans
// The lab cluster's L2 discovery (agents behind the start barrier).
const discoverLab = async (lab: string, o: { skipInterfaces?: string[]; durationMs?: number; progress?: (m: string) => void } = {}) => {
  const c = await openLabCluster(lab)
  return labL2Discover(lab, c.t, new NetnsBackend(), { skipInterfaces: o.skipInterfaces ?? [], progress: o.progress ?? (() => {}), windowMs: o.durationMs })
}
import { netnsName } from '../../lab/paths.js'
import { listLinks } from '../../lab/sys/netns.js'
import { missingPrograms, run } from '../../lab/sys/run.js'
import { readState } from '../../lab/state/state.js'
import { allPorts, linkOf, macFor } from '../../lab/topology/index.js'
import { cli, leftovers, nothingLeft, skipReason, ownLab } from './helpers.js'

// Each test is skipped, with the reason, where root, the lab's tools or
// python3 (the probe agent's interpreter) are missing.
const skip =
  (await skipReason()) ||
  ((await missingPrograms(['python3'])).length ? 'missing python3 (the L2 probe agent runs on it)' : false)

const LAB = 'it-l2'
const MINI = 'it-l2-mini'

// cmdDiscover prints its result on stdout, which is this test's TAP stream:
// capture it instead.
async function discoverCli(o: { name: string; out: string }, env: Record<string, string> = {}) {
  const saved = { ...process.env }
  Object.assign(process.env, env)
  const write = process.stdout.write.bind(process.stdout)
  let stdout = ''
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += chunk.toString()
    return true
  }) as typeof process.stdout.write
  try {
    const code = await cmdDiscover(o)
    return { code, stdout }
  } finally {
    process.stdout.write = write
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k]
    else process.env[k] = saved[k]
  }
}

const nodeReport = (reports: Map<string, L2Report>, node: string) => {
  const r = reports.get(node)
  if (!r) throw new Error(`no report for ${node}`)
  return r
}

t.test('default lab: the three VLANs are found through the switch, PTP on every port', { skip }, async (t) => {
  await ownLab(t, LAB)
  const up = await cli(['up', '--name', LAB])
  t.equal(up.code, 0, `up: ${up.stderr}`)
  const top = (await readState(LAB))!.topology // the lab's own model (name = LAB, which the MACs hash)

  const t0 = performance.now()
  const reports = await discoverLab(LAB, { progress: (m) => t.comment(m) })
  const ms = performance.now() - t0
  // Timed by the benchmark (scripts/bench.ts), not asserted here.
  t.comment(`discovery on the default lab took ${ms.toFixed(0)} ms (1.5 s agent window)`)

  t.same([...reports.keys()], ['worker1', 'worker2', 'worker3'], 'one report per cluster node, none for the switch')
  // Exactly the VLANs of topologies/default.yaml: every port hears the other
  // ports of its VLAN and nothing of the others, so OVS keeps them apart.
  t.same(lansFromReports(reports), [
    ['worker1:ens1f0', 'worker3:ens4f0'], // 1501
    ['worker1:ens1f1', 'worker1:ens2f0', 'worker2:ens3f0', 'worker2:ens3f1'], // 1500
    ['worker1:ens2f1', 'worker3:ens5f0', 'worker3:ens6f0'], // 1502
  ])

  for (const p of allPorts(top)) {
    const r = nodeReport(reports, p.node)
    const probe = r['88b5'][p.name]
    t.ok(probe, `${p.node}:${p.name} reported`)
    if (!probe) continue
    // The Local part is the kernel's view of the interface.
    const link = (await listLinks(netnsName(LAB, p.node))).find((l) => l.ifname === p.name)!
    t.equal(probe.Local.IfMac.Data, link.address.toUpperCase(), `${p.node}:${p.name} MAC as ip link says`)
    t.equal(probe.Local.IfIndex, link.ifindex, `${p.node}:${p.name} ifindex as ip link says`)
    t.equal(probe.Local.IfUp, true)
    t.same(probe.Local.IfPci, { Device: p.pciDevice, Function: String(p.pciFunction), Description: '', Subsystem: '' })
    // Every port gets PTP: the switch's boundary clock sends on all its
    // ports, from the switch port at the far end of this port's cable.
    const ptp = r['88f7'][p.name]
    t.ok(ptp, `${p.node}:${p.name} received PTP frames`)
    t.same(ptp?.Remote, { [macFor(top, 'switch', linkOf(top, p.node, p.name)!.index).toUpperCase()]: true },
      `${p.node}:${p.name} PTP comes from its switch port`)
  }

  // Ports of one NIC share the PCI device, other NICs differ.
  const w1 = nodeReport(reports, 'worker1')['88b5']
  t.equal(w1.ens1f0!.Local.IfPci.Device, w1.ens1f1!.Local.IfPci.Device)
  t.equal(w1.ens2f0!.Local.IfPci.Device, w1.ens2f1!.Local.IfPci.Device)
  t.not(w1.ens1f0!.Local.IfPci.Device, w1.ens2f0!.Local.IfPci.Device)
  const w2 = nodeReport(reports, 'worker2')['88b5']
  t.equal(w2.ens3f0!.Local.IfPci.Device, w2.ens3f1!.Local.IfPci.Device)
  const w3 = nodeReport(reports, 'worker3')['88b5']
  t.equal(new Set(Object.values(w3).map((i) => i.Local.IfPci.Device)).size, 3, 'worker3: three one-port NICs')

  // The command: one upstream report file per node, the LANs on stdout.
  const out = await mkdtemp(join(tmpdir(), 'ptplab-it-l2-'))
  t.teardown(() => rm(out, { recursive: true, force: true }))
  const c = await discoverCli({ name: LAB, out })
  t.equal(c.code, 0)
  t.same((await readdir(out)).sort(), ['worker1.json', 'worker2.json', 'worker3.json'])
  const file = JSON.parse(await readFile(join(out, 'worker2.json'), 'utf8')) as L2Report
  t.same(Object.keys(file), ['88b5', '88f7'])
  t.same(Object.keys(file['88b5']).sort(), ['ens3f0', 'ens3f1'])
  t.same(c.stdout.split('\n').filter(Boolean), [
    'LAN 1: worker1:ens1f0 worker3:ens4f0',
    'LAN 2: worker1:ens1f1 worker1:ens2f0 worker2:ens3f0 worker2:ens3f1',
    'LAN 3: worker1:ens2f1 worker3:ens5f0 worker3:ens6f0',
    'PTP frames received on: worker1:ens1f0 worker1:ens1f1 worker1:ens2f0 worker1:ens2f1 worker2:ens3f0 ' +
      'worker2:ens3f1 worker3:ens4f0 worker3:ens5f0 worker3:ens6f0',
  ])

  t.equal((await cli(['down', '--name', LAB])).code, 0)
  t.same(await leftovers(LAB), nothingLeft, 'no namespace, process or file left')
})

t.test('two-node lab: unplugged ports hear nothing and are not up; SKIP_INTERFACES drops ports', { skip }, async (t) => {
  await ownLab(t, MINI)
  const up = await cli(['up', '--name', MINI, '--topology', 'topologies/two-node.yaml'])
  t.equal(up.code, 0, `up: ${up.stderr}`)

  const reports = await discoverLab(MINI, { progress: (m) => t.comment(m) })
  t.same(lansFromReports(reports), [['node1:ens1f0', 'node2:ens2f0']])
  for (const [node, port] of [['node1', 'ens1f1'], ['node2', 'ens2f1']] as const) {
    const r = nodeReport(reports, node)
    t.same(r['88b5'][port]?.Remote, {}, `${node}:${port} (unplugged) heard no probe`)
    t.equal(r['88b5'][port]?.Local.IfUp, false, `${node}:${port} is not up`)
    t.notOk(r['88f7'][port], `${node}:${port} received no PTP`)
  }
  t.ok(nodeReport(reports, 'node1')['88f7'].ens1f0, 'the plugged port gets PTP from the switch')

  // What the kernel really says about an unplugged port (a veth whose peer
  // is down in another namespace): no carrier, operstate "down" on current
  // kernels ("lowerlayerdown" on some older ones). The agent reports what
  // ip link reports.
  const raw = await run('ip', ['netns', 'exec', netnsName(MINI, 'node1'), 'python3', agentPath(), '--node', 'node1', '--duration', '0.5'])
  const agent = parseAgentOutput(raw.stdout, 'node1')
  const link = (await listLinks(netnsName(MINI, 'node1'))).find((l) => l.ifname === 'ens1f1')!
  t.ok(link.flags.includes('NO-CARRIER'), 'ip link: NO-CARRIER')
  t.equal(agent.ens1f1?.operstate, link.operstate.toLowerCase(), `agent operstate = ip link operstate (${link.operstate})`)
  t.ok(['down', 'lowerlayerdown'].includes(agent.ens1f1?.operstate ?? ''), `operstate ${agent.ens1f1?.operstate}`)
  t.equal(agent.ens1f1?.carrier, 0)
  t.equal(agent.ens1f0?.operstate, 'up')
  t.equal(agent.ens1f0?.carrier, 1)

  // SKIP_INTERFACES through the command: the unplugged ports vanish from the
  // reports, the LAN stays.
  const out = await mkdtemp(join(tmpdir(), 'ptplab-it-l2-mini-'))
  t.teardown(() => rm(out, { recursive: true, force: true }))
  const c = await discoverCli({ name: MINI, out }, { SKIP_INTERFACES: 'ens1f1,ens2f1' })
  t.equal(c.code, 0)
  t.same(c.stdout.split('\n').filter(Boolean), [
    'LAN 1: node1:ens1f0 node2:ens2f0',
    'PTP frames received on: node1:ens1f0 node2:ens2f0',
  ])
  const n1 = JSON.parse(await readFile(join(out, 'node1.json'), 'utf8')) as L2Report
  t.same(Object.keys(n1['88b5']), ['ens1f0'])
  t.same(Object.keys(n1['88f7']), ['ens1f0'])

  // A skipped port is not probed either: its peer hears nobody.
  const skipped = await discoverLab(MINI, { skipInterfaces: ['ens2f0'] })
  t.same(Object.keys(nodeReport(skipped, 'node2')['88b5']), ['ens2f1'])
  t.same(nodeReport(skipped, 'node1')['88b5'].ens1f0?.Remote, {})
  t.same(lansFromReports(skipped), [])

  // An administratively downed port: not up, and its LAN partner hears nobody.
  await run('ip', ['-n', netnsName(MINI, 'node1'), 'link', 'set', 'ens1f0', 'down'])
  const downed = await discoverLab(MINI, { durationMs: 1000 })
  t.equal(nodeReport(downed, 'node1')['88b5'].ens1f0?.Local.IfUp, false)
  t.same(nodeReport(downed, 'node2')['88b5'].ens2f0?.Remote, {})
  t.same(lansFromReports(downed), [])
  const rawDown = await run('ip', ['netns', 'exec', netnsName(MINI, 'node1'), 'python3', agentPath(), '--duration', '0.5'])
  const down = parseAgentOutput(rawDown.stdout, 'node1').ens1f0
  t.match(down, { operstate: 'down', up: false, sent: 0, sendError: 'ENETDOWN' }, 'the agent says why the port is silent')

  t.equal((await cli(['down', '--name', MINI])).code, 0)
  t.same(await leftovers(MINI), nothingLeft, 'no namespace, process or file left')
})
