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
    return join(this.dir, 'db.sock')
  }
  get env() {
    return { OVS_RUNDIR: this.dir, OVS_DBDIR: this.dir, OVS_LOGDIR: this.dir }
  }

  vsctl(args: string[]) {
    return this.host.run(['ovs-vsctl', `--db=unix:${this.dbSock}`, '--timeout=10', ...args], this.env)
  }

  ofctl(args: string[]) {
    return this.host.run(['ovs-ofctl', ...args], this.env)
  }

  mgmt(bridge = BRIDGE) {
    return `unix:${join(this.dir, `${bridge}.mgmt`)}`
  }

  // Starts ovsdb-server and ovs-vswitchd in the foreground (no --detach) so
  // the pids we record are the real processes.
  async start(onSpawn: (name: string, p: Spawned) => Promise<void>): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    const db = join(this.dir, 'conf.db')
    if (!existsSync(db)) await this.host.run(['ovsdb-tool', 'create', db, OVS_SCHEMA], this.env)
    const dbSrv = await this.host.spawn(
      ['ovsdb-server', db, `--remote=punix:${this.dbSock}`, `--pidfile=${join(this.dir, 'ovsdb-server.pid')}`, '--no-chdir',
        `--log-file=${join(this.dir, 'ovsdb-server.log')}`, '-vconsole:off'],
      join(this.dir, 'ovsdb-server.out'),
      this.env,
    )
    if (dbSrv) await onSpawn('ovsdb-server', dbSrv)
    await pollUntil(() => existsSync(this.dbSock), 5000, 'ovsdb-server socket')
    await this.vsctl(['--no-wait', 'init'])
    const vswitchd = await this.host.spawn(
      ['ovs-vswitchd', `unix:${this.dbSock}`, '--disable-system', '--no-chdir', `--pidfile=${join(this.dir, 'ovs-vswitchd.pid')}`,
        `--log-file=${join(this.dir, 'ovs-vswitchd.log')}`, '-vconsole:off'],
      join(this.dir, 'ovs-vswitchd.out'),
      this.env,
    )
    if (vswitchd) await onSpawn('ovs-vswitchd', vswitchd)
  }

  async addBridge(bridge = BRIDGE): Promise<void> {
    await this.vsctl(['add-br', bridge, '--', 'set', 'bridge', bridge, 'datapath_type=netdev'])
    await pollUntil(() => existsSync(join(this.dir, `${bridge}.mgmt`)), 5000, `${bridge} management socket`)
  }

  async addAccessPort(port: string, vlan: number, bridge = BRIDGE): Promise<void> {
    await this.vsctl(['add-port', bridge, port, `tag=${vlan}`])
  }

  async installFlows(bridge = BRIDGE): Promise<void> {
    await this.ofctl(['del-flows', this.mgmt(bridge)])
    for (const f of switchFlows()) await this.ofctl(['add-flow', this.mgmt(bridge), f])
  }
}
