// The namespace backend: each node (and the switch) is a network namespace,
// links are veth pairs created directly inside their namespaces, the switch
// is a private userspace OVS, and every node runs the ptplab daemon.
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { daemonEntry, labPaths, netnsName, netnsPrefix } from '../../paths.js'
import { readState, type StateRecorder } from '../../state/state.js'
import { addNetnsMany, deleteNetnsMany, listNetns, netnsPidsMany, setLinkUp } from '../../sys/netns.js'
import { isAlive, terminate } from '../../sys/proc.js'
import { missingPrograms, run, type RunResult } from '../../sys/run.js'
import { hostPython } from '../../sys/python.js'
import { spawnInNetns, type Spawned } from '../../sys/spawn.js'
import type { Topology } from '../../topology/index.js'
import { assembleLab, labNodeNames, upWithRollback } from '../assemble.js'
import { assertIndependentClocks } from '../../clock/launch.js'
import type { ClockMode } from '../../clock/model.js'
import { DAEMON_HOST, daemonHostExited, findDaemonHosts, startDaemonHost, writeDaemonHostSpec } from './daemon-host.js'
import { findSupervisors, readSupervisor, startSupervisor } from './supervisor.js'
import { LabExistsError, type DownReport, type LabBackend, type Progress, type UpOptions } from '../types.js'

export const REQUIRED_PROGRAMS = ['ip', 'ptp4l', 'pmc', 'setpriv']
export const SWITCH_PROGRAMS = ['ovsdb-tool', 'ovsdb-server', 'ovs-vswitchd', 'ovs-vsctl', 'ovs-ofctl']

export class NetnsBackend implements LabBackend {
  readonly name = 'netns'

  async preflight(t: Topology, clock?: ClockMode): Promise<void> {
    if (process.getuid?.() !== 0) throw new Error('the namespace backend needs root (network namespaces, veth)')
    const missing = await missingPrograms([...REQUIRED_PROGRAMS, ...(t.switch ? SWITCH_PROGRAMS : [])])
    if (missing.length)
      throw new Error(
        `missing programs: ${missing.join(', ')} (Debian/Ubuntu: apt-get install linuxptp openvswitch-switch iproute2 util-linux)`,
      )
    if (!existsSync(daemonEntry())) throw new Error(`daemon not built: ${daemonEntry()} is missing (run npm run build)`)
    if (clock === 'independent') await assertIndependentClocks()
    const mine = (await listNetns()).filter((n) => n.startsWith(netnsPrefix(t.name)))
    if (mine.length || existsSync(labPaths(t.name).state))
      throw new LabExistsError(`lab "${t.name}" already exists; run: ptplab down --name ${t.name}`)
  }

  async up(o: UpOptions): Promise<void> {
    await this.preflight(o.topology, o.clock)
    await upWithRollback(this, o, async (rec) => {
      await this.build(o.topology, rec, o)
      const sp = await startSupervisor(o.topology.name)
      await rec.add({ kind: 'process', name: 'supervisor', pid: sp.pid, startTime: sp.startTime })
    })
  }

  // The daemon host restarted is every node's daemon restarted.
  async restarts(lab: string): Promise<Record<string, number>> {
    const n = readSupervisor(lab)?.restarts[DAEMON_HOST] ?? 0
    const st = n ? await readState(lab).catch(() => undefined) : undefined
    return Object.fromEntries(st ? labNodeNames(st.topology).map((node) => [node, n]) : [])
  }

  private async build(t: Topology, rec: StateRecorder, o: UpOptions): Promise<void> {
    const ns = (node: string) => netnsName(t.name, node)
    const clock = o.clock ?? 'shared'
    let host: Spawned | undefined
    await assembleLab(t, o, {
      createNodes: async (names) => {
        await rec.add(...names.map((n) => ({ kind: 'netns' as const, name: ns(n) })))
        await addNetnsMany(names.map(ns))
      },
      nsOf: async (node) => ({ netns: ns(node) }),
      record: (r) => rec.add(r),
      switchHost: (sw) => ({
        run: (argv, env) => run(argv[0]!, argv.slice(1), { env }),
        spawn: (argv, logFile, env) => spawnInNetns({ netns: ns(sw), cmd: argv[0]!, args: argv.slice(1), logFile, env }),
      }),
      recordSpawn: (node, name, sp) => rec.add({ kind: 'process', name, pid: sp.pid, startTime: sp.startTime, netns: ns(node) }),
      // One daemon host process for every node (daemon/host.ts): a node
      // process each made up CPU-bound at scale.
      startDaemons: async (names) => {
        await writeDaemonHostSpec(t, names, clock)
        host = await startDaemonHost(t.name)
        await rec.add({ kind: 'process', name: DAEMON_HOST, pid: host.pid, startTime: host.startTime })
      },
      daemonsFailed: async () => (host && !(await isAlive(host.pid, host.startTime)) ? daemonHostExited(t.name) : undefined),
    })
  }

  // Removes everything the lab made: processes in its namespaces (daemons and
  // their ptp4l, OVS), the namespaces (taking their veths along) and its run
  // dir. Works from the state file and from the name prefix, so a lost or
  // torn state file still cleans up; touches nothing without the prefix.
  async down(lab: string, progress: Progress): Promise<DownReport> {
    // The supervisor first: it would start the daemons stopped below again.
    const sups = await findSupervisors(lab)
    if (sups.length) await terminate(sups)
    // The daemon host lives outside the lab's namespaces: found by its
    // record and, after a crash before it was recorded, by its command line.
    const hosts = await findDaemonHosts(lab)
    const st = await readState(lab).catch(() => undefined)
    const prefix = netnsPrefix(lab)
    const namespaces = new Set((await listNetns()).filter((n) => n.startsWith(prefix)))
    for (const r of st?.resources ?? []) if (r.kind === 'netns' && existsSync(`/run/netns/${r.name}`)) namespaces.add(r.name)
    const pids = new Set<number>()
    for (const pid of await netnsPidsMany([...namespaces])) pids.add(pid)
    for (const r of st?.resources ?? [])
      if (r.kind === 'process' && (await isAlive(r.pid, r.startTime))) pids.add(r.pid)
    for (const pid of hosts) pids.add(pid)
    if (pids.size) progress(`stopping ${pids.size} processes`)
    await terminate([...pids])
    if (namespaces.size) progress(`deleting ${namespaces.size} namespaces`)
    await deleteNetnsMany([...namespaces])
    const dir = labPaths(lab).dir
    const removedDir = existsSync(dir)
    await rm(dir, { recursive: true, force: true })
    return { lab, processes: pids.size + sups.length, namespaces: [...namespaces], removedDir }
  }

  async setPortLink(lab: string, node: string, port: string, up: boolean): Promise<void> {
    await setLinkUp(netnsName(lab, node), port, up)
  }

  // `ip netns exec` also mounts the namespace's own /sys.
  nodeExec(lab: string, node: string, argv: string[], o: { timeoutMs?: number } = {}): Promise<RunResult> {
    return run('ip', ['netns', 'exec', netnsName(lab, node), ...argv], { allowFail: true, timeoutMs: o.timeoutMs })
  }

  // Nodes share the host's file system: its Python, by absolute path.
  python(): Promise<string> {
    return hostPython()
  }
}

