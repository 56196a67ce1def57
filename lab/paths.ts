// Where things live: the project (for the daemon entry) and each lab's run dir.
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

// The project root is the nearest ancestor holding package.json: this works
// both from compiled dist/ files and from TypeScript sources under tap.
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir
    const up = dirname(dir)
    if (up === dir) throw new Error('cannot locate the ptplab project root')
    dir = up
  }
}

// The compiled daemon; `npm run build` produces it.
export const daemonEntry = () => join(projectRoot(), 'dist', 'daemon', 'main.js')
// The namespace lab runs every node's daemon in one host process (daemon/host.ts).
export const daemonHostEntry = () => join(projectRoot(), 'dist', 'daemon', 'host.js')
export const defaultTopologyFile = () => join(projectRoot(), 'topologies', 'default.yaml')
export const switchPtp4lConfFile = () => join(projectRoot(), 'switch', 'ptp4l.conf')

export const runRoot = () => resolve(process.env.PTPLAB_RUN_ROOT ?? '/run/ptplab')

// Every path of one lab, derived from its name only, so `down` can find them
// without any other input.
export function labPaths(lab: string) {
  const dir = join(runRoot(), lab)
  return {
    dir,
    state: join(dir, 'state.json'),
    logs: join(dir, 'logs'),
    nodeLog: (node: string) => join(dir, 'logs', `${node}.log`),
    // Logs of the lab's own processes: a leading '_' keeps them apart from
    // nodes' logs (node names start with a letter).
    daemonHostLog: join(dir, 'logs', '_daemon-host.log'),
    supervisorLog: join(dir, 'logs', '_supervisor.log'),
    daemonHostSpec: join(dir, 'daemon-host.json'),
    nodeRun: (node: string) => join(dir, 'nodes', node),
    metricsSock: (node: string) => join(dir, 'nodes', node, 'metrics.sock'),
    readySock: (node: string) => join(dir, 'nodes', node, 'ready.sock'),
    profiles: join(dir, 'profiles'),
    switchDir: join(dir, 'switch'),
    // Profiles of lab infrastructure (switch, external grandmasters): fixed
    // at up, never touched by the operator.
    fixedProfiles: join(dir, 'fixed-profiles'),
    cluster: join(dir, 'cluster'),
    ptpConfigs: join(dir, 'cluster', 'ptpconfigs'),
    labels: join(dir, 'cluster', 'labels.json'),
    tmp: join(dir, 'tmp'),
    // Independent clocks: clock identity -> that node's clock state file.
    clockMap: join(dir, 'clocks.json'),
  }
}
export type LabPaths = ReturnType<typeof labPaths>

// Names of what a lab makes on the host (namespaces, containers):
// `ptplab-<lab>.<node>`. Lab and node names never contain '.' (lab/names.ts),
// so the prefix `ptplab-<lab>.` belongs to exactly one lab: lab "a" node
// "b-c" and lab "a-b" node "c" get different names.
export const NETNS_PREFIX = 'ptplab-'
export const netnsPrefix = (lab: string) => `${NETNS_PREFIX}${lab}.`
export const hostObjectName = (lab: string, node: string) => `${netnsPrefix(lab)}${node}`
export const netnsName = hostObjectName
// Holds the far ends of unlinked ports (an unplugged cable): kept down.
export const unpluggedNetns = (lab: string) => `${netnsPrefix(lab)}_unplugged`
