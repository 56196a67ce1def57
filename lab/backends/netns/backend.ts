// The namespace backend: each node (and the switch) is a network namespace,
// links are veth pairs created directly inside their namespaces, the switch
// is a private userspace OVS, and every node runs the ptplab daemon.
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { labPaths, netnsName, netnsPrefix, unpluggedNetns, daemonEntry, switchPtp4lConfFile } from '../../paths.js'
import { readState, StateRecorder, writeJsonAtomic, type LabState } from '../../state/state.js'
import { addNetns, addVethPair, deleteNetns, listNetns, netnsPids, setLinkUp } from '../../sys/netns.js'
import { isAlive, terminate } from '../../sys/proc.js'
import { missingPrograms } from '../../sys/run.js'
import { spawnInNetns } from '../../sys/spawn.js'
import { allPorts, grandmasterNodes, macFor, type Topology } from '../../topology/index.js'
import { externalGmProfiles } from '../../conformance/external-gm.js'
import { OvsSwitch } from '../../switch/ovs.js'
import { switchPorts, switchProfile } from '../../switch/profile.js'
import { reconcile } from '../../cluster/store.js'
import { waitDaemonsReady } from '../daemon-client.js'
import type { DownReport, LabBackend, Progress, UpOptions } from '../types.js'

export const REQUIRED_PROGRAMS = ['ip', 'ptp4l', 'pmc', 'setpriv']
export const SWITCH_PROGRAMS = ['ovsdb-tool', 'ovsdb-server', 'ovs-vswitchd', 'ovs-vsctl', 'ovs-ofctl']

export class LabExistsError extends Error {}

export class NetnsBackend implements LabBackend {
  readonly name = 'netns'

  async preflight(t: Topology): Promise<void> {
    if (process.getuid?.() !== 0) throw new Error('the namespace backend needs root (network namespaces, veth)')
    const missing = await missingPrograms([...REQUIRED_PROGRAMS, ...(t.switch ? SWITCH_PROGRAMS : [])])
    if (missing.length)
      throw new Error(
        `missing programs: ${missing.join(', ')} (Debian/Ubuntu: apt-get install linuxptp openvswitch-switch iproute2 util-linux)`,
      )
    if (!existsSync(daemonEntry())) throw new Error(`daemon not built: ${daemonEntry()} is missing (run npm run build)`)
    const mine = (await listNetns()).filter((n) => n.startsWith(netnsPrefix(t.name)))
    if (mine.length || existsSync(labPaths(t.name).state))
      throw new LabExistsError(`lab "${t.name}" already exists; run: ptplab down --name ${t.name}`)
  }

  async up(o: UpOptions): Promise<void> {
    const t = o.topology
    await this.preflight(t)
    const p = labPaths(t.name)
    const state: LabState = {
      version: 1,
      lab: t.name,
      backend: 'netns',
      phase: 'creating',
      topologyFile: o.topologyFile,
      topology: t,
      createdAt: new Date().toISOString(),
      resources: [],
    }
    await mkdir(p.dir, { recursive: true })
    const rec = new StateRecorder(state)
    await rec.add({ kind: 'dir', path: p.dir })
    try {
      await this.build(t, rec, o)
      await rec.setPhase('up')
    } catch (e) {
      o.progress(`up failed, rolling back: ${(e as Error).message}`)
      await this.down(t.name, o.progress)
      throw e
    }
  }

  private async build(t: Topology, rec: StateRecorder, o: UpOptions): Promise<void> {
    const p = labPaths(t.name)
    const check = () => {
      if (o.signal?.aborted) throw new Error('interrupted')
    }
    for (const d of [p.logs, p.profiles, p.tmp, p.ptpConfigs]) await mkdir(d, { recursive: true })
    const names = [...t.nodes.map((n) => n.name), ...(t.switch ? [t.switch.name] : [])]

    o.progress(`creating ${names.length} namespaces`)
    for (const n of names) {
      check()
      const ns = netnsName(t.name, n)
      await rec.add({ kind: 'netns', name: ns })
      await addNetns(ns)
    }

    o.progress(`wiring ${t.links.length} links`)
    const linked = new Set<string>()
    for (const l of t.links) {
      check()
      if (l.a.kind !== 'port') throw new Error(`link ${l.index}: first endpoint must be a node port`)
      linked.add(`${l.a.node}:${l.a.port}`)
      const a = { ns: netnsName(t.name, l.a.node), name: l.a.port, mac: macFor(t, l.a.node, portIndex(t, l.a.node, l.a.port)) }
      let b
      if (l.b.kind === 'switch') {
        b = { ns: netnsName(t.name, t.switch!.name), name: l.switchPort!, mac: macFor(t, 'switch', l.index) }
      } else {
        linked.add(`${l.b.node}:${l.b.port}`)
        b = { ns: netnsName(t.name, l.b.node), name: l.b.port, mac: macFor(t, l.b.node, portIndex(t, l.b.node, l.b.port)) }
      }
      await addVethPair(a, b)
      await setLinkUp(a.ns, a.name)
      await setLinkUp(b.ns, b.name)
    }

    // Unlinked ports: a veth whose far end sits down in a holding namespace,
    // so the port exists with NO-CARRIER, like an unplugged cable.
    const loose = allPorts(t).filter((pt) => !linked.has(`${pt.node}:${pt.name}`))
    if (loose.length) {
      const hold = unpluggedNetns(t.name)
      await rec.add({ kind: 'netns', name: hold })
      await addNetns(hold)
      for (const [i, pt] of loose.entries()) {
        check()
        const ns = netnsName(t.name, pt.node)
        await addVethPair(
          { ns, name: pt.name, mac: macFor(t, pt.node, pt.index) },
          { ns: hold, name: `u${i}`, mac: unpluggedMac(i) },
        )
        await setLinkUp(ns, pt.name)
      }
    }

    if (t.switch) {
      check()
      o.progress(`starting switch ${t.switch.name} (OVS userspace, ${t.links.filter((l) => l.b.kind === 'switch').length} ports)`)
      const ns = netnsName(t.name, t.switch.name)
      const ovs = new OvsSwitch(ns, p.switchDir)
      await ovs.start((name, sp) => rec.add({ kind: 'process', name, pid: sp.pid, startTime: sp.startTime, netns: ns }))
      await ovs.addBridge()
      for (const l of t.links) if (l.b.kind === 'switch') await ovs.addAccessPort(l.switchPort!, l.vlan ?? 1)
      await ovs.installFlows()
      const base = await readFile(switchPtp4lConfFile(), 'utf8')
      // A switch with no cabled port has no clock to run.
      const profiles = switchPorts(t).length ? [switchProfile(t, base)] : []
      await writeJsonAtomic(join(p.fixedProfiles, t.switch.name), profiles)
    }

    for (const gm of grandmasterNodes(t)) await writeJsonAtomic(join(p.fixedProfiles, gm.name), externalGmProfiles(t, gm))
    // The operator's view of an empty cluster: one (empty) profile per node.
    await reconcile(t.name, t)
    o.progress(`starting ${names.length} daemons`)
    for (const n of names) {
      check()
      const fixed = n === t.switch?.name || !!t.nodes.find((x) => x.name === n)?.grandmaster
      await mkdir(p.nodeRun(n), { recursive: true })
      const ns = netnsName(t.name, n)
      const sp = await spawnInNetns({
        netns: ns,
        cmd: process.execPath,
        args: [
          daemonEntry(),
          '--node-name', n,
          '--profile-path', fixed ? p.fixedProfiles : p.profiles,
          '--run-dir', p.nodeRun(n),
          '--update-interval', '0.5',
          '--metrics-listen', `unix:${p.metricsSock(n)}`,
          '--ready-listen', `unix:${p.readySock(n)}`,
          '--shared-clock',
        ],
        logFile: p.nodeLog(n),
      })
      await rec.add({ kind: 'process', name: `daemon:${n}`, pid: sp.pid, startTime: sp.startTime, netns: ns })
    }
    o.progress('waiting for daemons')
    await waitDaemonsReady(t.name, names, 15_000, o.signal)
  }

  // Removes everything the lab made: processes in its namespaces (daemons and
  // their ptp4l, OVS), the namespaces (taking their veths along) and its run
  // dir. Works from the state file and from the name prefix, so a lost or
  // torn state file still cleans up; touches nothing without the prefix.
  async down(lab: string, progress: Progress): Promise<DownReport> {
    const st = await readState(lab).catch(() => undefined)
    const prefix = netnsPrefix(lab)
    const namespaces = new Set((await listNetns()).filter((n) => n.startsWith(prefix)))
    for (const r of st?.resources ?? []) if (r.kind === 'netns' && existsSync(`/run/netns/${r.name}`)) namespaces.add(r.name)
    const pids = new Set<number>()
    for (const ns of namespaces) for (const pid of await netnsPids(ns)) pids.add(pid)
    for (const r of st?.resources ?? [])
      if (r.kind === 'process' && (await isAlive(r.pid, r.startTime))) pids.add(r.pid)
    if (pids.size) progress(`stopping ${pids.size} processes`)
    await terminate([...pids])
    if (namespaces.size) progress(`deleting ${namespaces.size} namespaces`)
    for (const ns of namespaces) await deleteNetns(ns)
    const dir = labPaths(lab).dir
    const removedDir = existsSync(dir)
    await rm(dir, { recursive: true, force: true })
    return { lab, processes: pids.size, namespaces: [...namespaces], removedDir }
  }

  async setPortLink(lab: string, node: string, port: string, up: boolean): Promise<void> {
    await setLinkUp(netnsName(lab, node), port, up)
  }
}

function portIndex(t: Topology, node: string, port: string): number {
  const pt = allPorts(t).find((x) => x.node === node && x.name === port)
  if (!pt) throw new Error(`unknown port ${node}:${port}`)
  return pt.index
}

const unpluggedMac = (i: number) => `02:00:00:ff:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`

