// The namespace lab's daemons: one host process (daemon/host.ts) runs the
// daemon of every node, each from its own flags (daemonFlags) and with its
// own log file, its ptp4l/phc2sys inside the node's namespace. It runs in
// the host namespace, so `down` finds it by its record or command line,
// not among the namespaces' processes.
import { readFile } from 'node:fs/promises'
import { daemonHostEntry, labPaths, netnsName } from '../../paths.js'
import { writeJsonAtomic } from '../../state/state.js'
import { pidsByArgs } from '../../sys/proc.js'
import { spawnDetached, type Spawned } from '../../sys/spawn.js'
import type { ClockMode } from '../../clock/model.js'
import type { Topology } from '../../topology/index.js'
import { daemonFlags } from '../assemble.js'

// Its name in the lab's state and in the supervisor's record.
export const DAEMON_HOST = 'daemon-host'

export interface HostSpec {
  nodes: Array<{ netns: string; argv: string[] }>
}

export function daemonHostSpec(t: Topology, nodes: string[], clock: ClockMode): HostSpec {
  const p = labPaths(t.name)
  return { nodes: nodes.map((n) => ({ netns: netnsName(t.name, n), argv: [...daemonFlags(t, n, clock), '--log-file', p.nodeLog(n)] })) }
}

export const writeDaemonHostSpec = (t: Topology, nodes: string[], clock: ClockMode) => writeJsonAtomic(labPaths(t.name).daemonHostSpec, daemonHostSpec(t, nodes, clock))

const hostArgs = (lab: string) => [daemonHostEntry(), '--spec', labPaths(lab).daemonHostSpec]

export function startDaemonHost(lab: string): Promise<Spawned> {
  return spawnDetached({ cmd: process.execPath, args: hostArgs(lab), logFile: labPaths(lab).daemonHostLog, what: 'the daemon host' })
}

export const findDaemonHosts = (lab: string) => pidsByArgs(hostArgs(lab))

// Why up stops waiting: the host's last words (a node that failed to start).
export async function daemonHostExited(lab: string): Promise<string> {
  const log = labPaths(lab).daemonHostLog
  const text = await readFile(log, 'utf8').catch(() => '')
  const last = text.split('\n').filter((l) => /\berror: /.test(l)).pop()?.slice(0, 500)
  return `the daemon host exited${last ? `: ${last.replace(/^.*?error: /, '')}` : ''} (see ${log})`
}
