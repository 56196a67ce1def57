// How a lab is put together, whatever the nodes are (namespaces or
// containers): nodes, links, unplugged ports, the switch, fixed profiles,
// the operator's first reconcile, daemons. Backends supply the primitives.
import { chmod, mkdir, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { InterruptedError } from '../errors.js'
import { reconcile } from '../store/store.js'
import { hex2, vethPairs, type NsRef, type VethPair } from '../links/configpair.js'
import { externalGmProfiles } from '../profiles/external-gm.js'
import { daemonEntry, labPaths, switchPtp4lConfFile, unpluggedNetns } from '../paths.js'
import { StateRecorder, writeJsonAtomic, type Resource } from '../state/state.js'
import { addNetns } from '../sys/netns.js'
import type { Spawned } from '../sys/spawn.js'
import { OvsSwitch, type SwitchHost } from '../switch/ovs.js'
import { switchPorts, switchProfile } from '../switch/profile.js'
import { allPorts, grandmasterNodes, macFor, type Topology } from '../topology/index.js'
import { waitDaemonsReady } from './daemon-client.js'
import { writeClockStates } from './clocks.js'
import { stateFileOf } from '../clock/truth.js'
import type { ClockMode } from '../clock/model.js'
import type { LabBackend, UpOptions } from './types.js'

export interface LinkEnd {
  node: string // node or switch name
  name: string // interface name inside it
  mac: string
}

export interface LabOps {
  createNodes(names: string[]): Promise<void>
  nsOf(node: string): Promise<NsRef> // the node's network namespace
  record(r: Resource): Promise<void> // into the state file, before making it
  switchHost(name: string): SwitchHost
  recordSpawn(node: string, name: string, sp: Spawned): Promise<void>
  // Every node's daemon, each with daemonFlags(); a container backend's
  // daemons are already its containers' main processes.
  startDaemons(nodes: string[]): Promise<void>
  // Why the daemons can no longer become ready (their process exited), if so.
  daemonsFailed?(): Promise<string | undefined>
}

export const unpluggedMac = (i: number) => `02:00:00:ff:${hex2((i >> 8) & 0xff)}:${hex2(i & 0xff)}`

export const labNodeNames = (t: Topology) => [...t.nodes.map((n) => n.name), ...(t.switch ? [t.switch.name] : [])]

// A node's daemon flags. Infrastructure (switch, external GMs) reads fixed
// profiles the operator never touches; cluster nodes read the operator's
// profile dir.
export function daemonFlags(t: Topology, node: string, clock: ClockMode = 'shared'): string[] {
  const p = labPaths(t.name)
  const fixed = node === t.switch?.name || !!t.nodes.find((x) => x.name === node)?.grandmaster
  return [
    '--node-name', node,
    '--profile-path', fixed ? p.fixedProfiles : p.profiles,
    '--run-dir', p.nodeRun(node),
    // The lab writes profile files itself (write, then rename): the daemon
    // sees each change at once through inotify; the poll is the fallback.
    '--update-interval', '5',
    '--watch',
    '--metrics-listen', `unix:${p.metricsSock(node)}`,
    '--ready-listen', `unix:${p.readySock(node)}`,
    // The switch and external GMs are no cluster nodes: no NodePtpDevice,
    // and the switch's ethtool run per port cost 1.2 s of CPU at 64 workers.
    ...(fixed ? ['--no-nic-discovery'] : []),
    ...(clock === 'independent'
      ? ['--clock-state', stateFileOf(p.nodeRun(node)), '--clock-map', p.clockMap, '--pmc-interval', '1']
      : ['--shared-clock']),
  ]
}
// The single-node daemon's command line (a container's or pod's), without the node binary.
export const daemonArgv = (t: Topology, node: string, clock: ClockMode = 'shared') => [daemonEntry(), ...daemonFlags(t, node, clock)]

export async function prepareLabDirs(t: Topology): Promise<void> {
  const p = labPaths(t.name)
  for (const d of [p.logs, p.profiles, p.fixedProfiles, p.tmp, p.ptpConfigs, p.switchDir]) await mkdir(d, { recursive: true })
  for (const n of labNodeNames(t)) await mkdir(p.nodeRun(n), { recursive: true })
}

const portIndex = (t: Topology, node: string, port: string) => {
  const pt = allPorts(t).find((x) => x.node === node && x.name === port)
  if (!pt) throw new Error(`unknown port ${node}:${port}`)
  return pt.index
}

// Records the lab before it makes anything, builds it, and on failure or
// interruption removes whatever was made (through the backend's down).
export async function upWithRollback(
  backend: Pick<LabBackend, 'name' | 'down'>,
  o: UpOptions,
  build: (rec: StateRecorder) => Promise<void>,
): Promise<void> {
  const t = o.topology
  const p = labPaths(t.name)
  // The lab's state, logs and configs are root's alone: the lab dir is 0700,
  // and what is made while building (by ptplab and by the daemons, ptp4l and
  // OVS it starts, which inherit the mask) is 0600/0700.
  await mkdir(dirname(p.dir), { recursive: true, mode: 0o755 })
  await mkdir(p.dir, { recursive: true, mode: 0o700 })
  await chmod(p.dir, 0o700)
  const rec = new StateRecorder({
    version: 1,
    lab: t.name,
    backend: backend.name,
    phase: 'creating',
    topologyFile: o.topologyFile,
    topology: t,
    ...(o.clock === 'independent' && { clock: o.clock }),
    createdAt: new Date().toISOString(),
    resources: [{ kind: 'dir', path: p.dir }],
  })
  const umask = process.umask(0o077)
  try {
    await rec.save()
    await build(rec)
    await rec.setPhase('up')
  } catch (e) {
    o.progress(`up failed, rolling back: ${(e as Error).message}`)
    await backend.down(t.name, o.progress)
    throw e
  } finally {
    process.umask(umask)
  }
}

// Every veth the lab needs: one per link, and one per unlinked port whose
// far end sits down in a holding namespace, so the port exists with
// NO-CARRIER like a NIC port without a cable (never brought up: a carrier
// that went away would show late, the kernel's link watch delays operstate
// changes by up to a second).
async function labVethPairs(t: Topology, ops: LabOps): Promise<VethPair[]> {
  const pairs: VethPair[] = []
  const linked = new Set<string>()
  const add = async (a: LinkEnd, b: LinkEnd, nsB?: NsRef, end2Down?: boolean) =>
    pairs.push({ ifname1: a.name, ifname2: b.name, ns1: await ops.nsOf(a.node), ns2: nsB ?? (await ops.nsOf(b.node)), mac1: a.mac, mac2: b.mac, end2Down })
  for (const l of t.links) {
    if (l.a.kind !== 'port') throw new Error(`link ${l.index}: first endpoint must be a node port`)
    linked.add(`${l.a.node}:${l.a.port}`)
    const a = { node: l.a.node, name: l.a.port, mac: macFor(t, l.a.node, portIndex(t, l.a.node, l.a.port)) }
    if (l.b.kind === 'switch') await add(a, { node: t.switch!.name, name: l.switchPort!, mac: macFor(t, 'switch', l.index) })
    else {
      linked.add(`${l.b.node}:${l.b.port}`)
      await add(a, { node: l.b.node, name: l.b.port, mac: macFor(t, l.b.node, portIndex(t, l.b.node, l.b.port)) })
    }
  }
  const loose = allPorts(t).filter((pt) => !linked.has(`${pt.node}:${pt.name}`))
  if (loose.length) {
    const holder = unpluggedNetns(t.name)
    await ops.record({ kind: 'netns', name: holder })
    await addNetns(holder)
    for (const [i, pt] of loose.entries())
      await add({ node: pt.node, name: pt.name, mac: macFor(t, pt.node, pt.index) }, { node: '', name: `u${i}`, mac: unpluggedMac(i) }, { netns: holder }, true)
  }
  return pairs
}

export async function assembleLab(t: Topology, o: UpOptions, ops: LabOps): Promise<void> {
  const p = labPaths(t.name)
  const check = () => {
    if (o.signal?.aborted) throw new InterruptedError()
  }
  await prepareLabDirs(t)
  const names = labNodeNames(t)
  o.progress(`creating ${names.length} nodes`)
  check()
  await ops.createNodes(names)

  o.progress(`wiring ${t.links.length} links`)
  check()
  await vethPairs(await labVethPairs(t, ops))
  if (t.switch) {
    check()
    o.progress(`starting switch ${t.switch.name} (OVS userspace, ${switchPorts(t).length} ports)`)
    const sw = t.switch.name
    const ovs = new OvsSwitch(ops.switchHost(sw), p.switchDir)
    await ovs.start((name, sp) => ops.recordSpawn(sw, name, sp))
    await ovs.addBridge(switchPorts(t))
    await ovs.installFlows()
    const base = await readFile(switchPtp4lConfFile(), 'utf8')
    // A switch with no cabled port has no clock to run.
    await writeJsonAtomic(join(p.fixedProfiles, sw), switchPorts(t).length ? [switchProfile(t, base)] : [])
  }
  for (const gm of grandmasterNodes(t)) await writeJsonAtomic(join(p.fixedProfiles, gm.name), externalGmProfiles(t, gm))
  // The operator's view of an empty cluster: one (empty) profile per node.
  await reconcile(t.name, t)

  if (o.clock === 'independent') {
    o.progress(`independent clocks: ${names.length} clock state files`)
    await writeClockStates(t)
  }
  o.progress(`starting ${names.length} daemons`)
  check()
  await ops.startDaemons(names)
  o.progress('waiting for daemons')
  // 20 s, and more for big labs.
  await waitDaemonsReady(t.name, names, 20_000 + 500 * names.length, o.signal, ops.daemonsFailed)
}
