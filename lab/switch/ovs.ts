// Open vSwitch with the userspace (netdev) datapath, private to one lab: its
// own database, sockets and logs under the lab's switch dir, so it needs no
// kernel module and never touches a host OVS.
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { RunResult } from '../sys/run.js'
import { pollUntil } from '../sys/poll.js'
import type { Spawned } from '../sys/spawn.js'

export const BRIDGE = 'br0'
export const OVS_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema'

// The flows of the lab switch: PTP (0x88f7) is never forwarded, because the
// switch's own boundary clock terminates it; everything else is learned L2.
export function switchFlows(): string[] {
  return ['priority=100,dl_type=0x88f7,actions=drop', 'priority=0,actions=NORMAL']
}

// The commands of a lab switch, as argument arrays: OvsSwitch runs them
// through its host; the kind lab puts them in its plan (docker exec).
export const ovsEnv = (dir: string) => ({ OVS_RUNDIR: dir, OVS_DBDIR: dir, OVS_LOGDIR: dir })
export const ovsDb = (dir: string) => join(dir, 'conf.db')
export const ovsDbSock = (dir: string) => join(dir, 'db.sock')
export const ovsMgmtSock = (dir: string, bridge = BRIDGE) => join(dir, `${bridge}.mgmt`)
export const ovsdbCreateArgv = (dir: string) => ['ovsdb-tool', 'create', ovsDb(dir), OVS_SCHEMA]
export const ovsdbServerArgv = (dir: string) => [
  'ovsdb-server', ovsDb(dir), `--remote=punix:${ovsDbSock(dir)}`, `--pidfile=${join(dir, 'ovsdb-server.pid')}`, '--no-chdir',
  `--log-file=${join(dir, 'ovsdb-server.log')}`, '-vconsole:off',
]
export const vswitchdArgv = (dir: string) => [
  'ovs-vswitchd', `unix:${ovsDbSock(dir)}`, '--disable-system', '--no-chdir', `--pidfile=${join(dir, 'ovs-vswitchd.pid')}`,
  `--log-file=${join(dir, 'ovs-vswitchd.log')}`, '-vconsole:off',
]
export const vsctlArgv = (dir: string, args: string[]) => ['ovs-vsctl', `--db=unix:${ovsDbSock(dir)}`, '--timeout=10', ...args]
export const addBridgeArgs = (bridge = BRIDGE) => ['add-br', bridge, '--', 'set', 'bridge', bridge, 'datapath_type=netdev']
export const addAccessPortArgs = (port: string, vlan: number, bridge = BRIDGE) => ['add-port', bridge, port, `tag=${vlan}`]
// The bridge and all its access ports as ONE transaction (`--` between
// commands): vswitchd reconfigures once, not once per port (which made a
// 128-port switch take seconds, growing with the square of the ports).
export const bridgeWithPortsArgs = (ports: Array<{ port: string; vlan: number }>, bridge = BRIDGE) => [
  ...addBridgeArgs(bridge),
  ...ports.flatMap((p) => ['--', ...addAccessPortArgs(p.port, p.vlan, bridge)]),
]

// Where the switch's programs run: a namespace on the host, or a container.
// Paths under the lab dir are the same in both.
export interface SwitchHost {
  run(argv: string[], env: Record<string, string>): Promise<RunResult> // throws on failure
  spawn(argv: string[], logFile: string, env: Record<string, string>): Promise<Spawned | undefined>
}

export class OvsSwitch {
  constructor(
    readonly host: SwitchHost,
    readonly dir: string,
  ) {}

  get dbSock() {
    return ovsDbSock(this.dir)
  }
  get env() {
    return ovsEnv(this.dir)
  }

  vsctl(args: string[]) {
    return this.host.run(vsctlArgv(this.dir, args), this.env)
  }

  ofctl(args: string[]) {
    return this.host.run(['ovs-ofctl', ...args], this.env)
  }

  mgmt(bridge = BRIDGE) {
    return `unix:${ovsMgmtSock(this.dir, bridge)}`
  }

  // Starts ovsdb-server and ovs-vswitchd in the foreground (no --detach) so
  // the pids we record are the real processes.
  async start(onSpawn: (name: string, p: Spawned) => Promise<void>): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    if (!existsSync(ovsDb(this.dir))) await this.host.run(ovsdbCreateArgv(this.dir), this.env)
    const dbSrv = await this.host.spawn(
      ovsdbServerArgv(this.dir),
      join(this.dir, 'ovsdb-server.out'),
      this.env,
    )
    if (dbSrv) await onSpawn('ovsdb-server', dbSrv)
    await pollUntil(() => existsSync(this.dbSock), 5000, 'ovsdb-server socket')
    await this.vsctl(['--no-wait', 'init'])
    const vswitchd = await this.host.spawn(
      vswitchdArgv(this.dir),
      join(this.dir, 'ovs-vswitchd.out'),
      this.env,
    )
    if (vswitchd) await onSpawn('ovs-vswitchd', vswitchd)
  }

  async addBridge(ports: Array<{ port: string; vlan: number }> = [], bridge = BRIDGE): Promise<void> {
    await this.vsctl(bridgeWithPortsArgs(ports, bridge))
    await pollUntil(() => existsSync(ovsMgmtSock(this.dir, bridge)), 5000, `${bridge} management socket`)
  }

  async installFlows(bridge = BRIDGE): Promise<void> {
    await this.ofctl(['del-flows', this.mgmt(bridge)])
    for (const f of switchFlows()) await this.ofctl(['add-flow', this.mgmt(bridge), f])
  }
}
