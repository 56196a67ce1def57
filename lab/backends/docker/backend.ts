// The container backend: every node, external grandmaster and the switch is
// a container (network none, host PID like upstream's daemon pods, the
// network and clock capabilities), made through the Docker API. Links are veth pairs made by
// configpair into each container's network namespace. The daemon is each
// node container's main process, as in a pod; the project and the lab dir
// are bind-mounted at the same paths, so sockets and files are where the
// CLI expects them.
import Docker from 'dockerode'
import { existsSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { captureOutput } from '../../sys/capture.js'
import { buildImages, dockerAvailable } from '../../images/images.js'
import { daemonEntry, hostObjectName, labPaths, netnsPrefix, projectRoot } from '../../paths.js'
import { readState, type StateRecorder } from '../../state/state.js'
import { deleteNetnsMany, listNetns } from '../../sys/netns.js'
import { missingPrograms, type RunResult } from '../../sys/run.js'
import type { Spawned } from '../../sys/spawn.js'
import type { Topology } from '../../topology/index.js'
import { assembleLab, daemonArgv, labNodeNames, upWithRollback } from '../assemble.js'
import { supervisorEntry } from '../netns/supervisor.js'
import { nodeSupervisorFile } from '../supervise-loop.js'
import { LabExistsError, type DownReport, type LabBackend, type Progress, type UpOptions } from '../types.js'

export const LABEL_LAB = 'ptplab.lab'
export const LABEL_NODE = 'ptplab.node'
const NODE_BIN = '/usr/local/bin/node' // where the host's node binary is mounted
export const CAPABILITIES = ['NET_ADMIN', 'NET_RAW', 'SYS_NICE', 'SYS_TIME', 'SYS_ADMIN', 'IPC_LOCK']

// Container names: ptplab-<lab>.<node>, like the namespaces.
export const containerName = hostObjectName

export class DockerBackend implements LabBackend {
  readonly name = 'docker'
  constructor(readonly docker = new Docker()) {}

  private async preflight(t: Topology): Promise<void> {
    if (process.getuid?.() !== 0) throw new Error('the docker backend needs root (veth into container namespaces)')
    const why = await dockerAvailable(this.docker)
    if (why) throw new Error(`${why} (start one: scripts/dockerd.sh)`)
    const missing = await missingPrograms(['ip'])
    if (missing.length) throw new Error(`missing programs: ${missing.join(', ')} (apt-get install iproute2)`)
    if (!existsSync(daemonEntry())) throw new Error(`daemon not built: ${daemonEntry()} is missing (run npm run build)`)
    const mine = await this.labContainers(t.name)
    if (mine.length || existsSync(labPaths(t.name).state))
      throw new LabExistsError(`lab "${t.name}" already exists; run: ptplab down --name ${t.name}`)
  }

  private async labContainers(lab: string) {
    return this.docker.listContainers({ all: true, filters: { label: [`${LABEL_LAB}=${lab}`] } })
  }

  private container(lab: string, node: string) {
    return this.docker.getContainer(containerName(lab, node))
  }

  private async pidOf(lab: string, node: string): Promise<number> {
    const info = await this.container(lab, node).inspect()
    if (!info.State.Running || !info.State.Pid) throw new Error(`container ${containerName(lab, node)} is not running`)
    return info.State.Pid
  }

  async up(o: UpOptions): Promise<void> {
    await this.preflight(o.topology)
    const images = await buildImages({ docker: this.docker, progress: o.progress })
    await upWithRollback(this, o, (rec) => this.build(o.topology, rec, o, images))
  }

  private async build(t: Topology, rec: StateRecorder, o: UpOptions, images: { node: string; switch: string }): Promise<void> {
    const lab = t.name
    const p = labPaths(lab)
    const pid = (node: string) => this.pidOf(lab, node)
    await assembleLab(t, o, {
      // The daemon is each container's main process; it starts at once and
      // applies profiles (none yet) as they come, like a pod would.
      createNodes: async (names) => {
        for (const n of names) {
          const name = containerName(lab, n)
          await rec.add({ kind: 'container', name })
          const c = await this.docker.createContainer({
            name,
            Image: n === t.switch?.name ? images.switch : images.node,
            Hostname: n,
            // The lab's supervisor runs the daemon and restarts it in place
            // when it dies (counted; see restarts()).
            Cmd: [NODE_BIN, supervisorEntry(), '--lab', lab, '--node', n, '--', NODE_BIN, ...this.daemonArgv(t, n)],
            Env: [`NODE_NAME=${n}`],
            Labels: { [LABEL_LAB]: lab, [LABEL_NODE]: n },
            HostConfig: {
              NetworkMode: 'none',
              // Upstream's daemon pods are privileged; these are the
              // capabilities the daemon, ptp4l, the probe and OVS use. (An
              // engine inside a sandbox may not hold every capability that
              // --privileged asks for, e.g. CAP_SYS_RESOURCE here.)
              CapAdd: CAPABILITIES,
              // OVS's userspace datapath makes the bridge port a tap device.
              Devices: n === t.switch?.name ? [{ PathOnHost: '/dev/net/tun', PathInContainer: '/dev/net/tun', CgroupPermissions: 'rwm' }] : [],
              PidMode: 'host', // as upstream's daemon pods (hostPID): pids the CLI sees are real
              Init: true,
              Binds: [`${projectRoot()}:${projectRoot()}:ro`, `${p.dir}:${p.dir}`, `${process.execPath}:${NODE_BIN}:ro`],
            },
          })
          await c.start()
        }
      },
      nsOf: async (node) => ({ pid: await pid(node) }),
      record: (r) => rec.add(r),
      switchHost: (sw) => ({
        run: async (argv, env) => {
          const r = await this.exec(lab, sw, argv, { env })
          if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} failed in ${containerName(lab, sw)}: ${r.stderr.trim()}`)
          return r
        },
        spawn: async (argv, _logFile, env): Promise<Spawned | undefined> => {
          await this.execDetached(lab, sw, argv, env)
          return undefined // lives and dies with the container
        },
      }),
      recordSpawn: async () => {},
      startDaemons: async () => {}, // already the containers' main processes
    })
  }

  // The container's stdout goes to the engine; --log-file keeps the copy the
  // lab's log collection and checks read.
  private daemonArgv(t: Topology, node: string): string[] {
    return [...daemonArgv(t, node), '--log-file', labPaths(t.name).nodeLog(node)]
  }

  async restarts(lab: string): Promise<Record<string, number>> {
    const st = await readState(lab).catch(() => undefined)
    const out: Record<string, number> = {}
    for (const n of st ? labNodeNames(st.topology) : []) {
      const r = await readFile(nodeSupervisorFile(lab, n), 'utf8').then((x) => JSON.parse(x) as { restarts: Record<string, number> }, () => undefined)
      if (r?.restarts[n]) out[n] = r.restarts[n]
    }
    return out
  }

  async exec(lab: string, node: string, argv: string[], o: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
    const c = this.container(lab, node)
    const ex = await c.exec({
      Cmd: argv,
      AttachStdout: true,
      AttachStderr: true,
      Env: Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`),
    })
    const stream = await ex.start({ hijack: true, stdin: false })
    const { out, err, text } = captureOutput()
    this.docker.modem.demuxStream(stream, out, err)
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.destroy()
        reject(new Error(`timeout running ${argv.join(' ')} in ${containerName(lab, node)}`))
      }, o.timeoutMs ?? 30_000)
      stream.on('end', () => {
        clearTimeout(timer)
        resolve()
      })
      stream.on('error', (e) => {
        clearTimeout(timer)
        reject(e)
      })
    })
    const info = await ex.inspect()
    return { ...text(), exitCode: info.ExitCode ?? -1 }
  }

  // A long-running helper inside a container (OVS): started detached; it
  // writes its own --log-file and dies with the container.
  private async execDetached(lab: string, node: string, argv: string[], env: Record<string, string>): Promise<void> {
    const ex = await this.container(lab, node).exec({ Cmd: argv, Env: Object.entries(env).map(([k, v]) => `${k}=${v}`), AttachStdout: false, AttachStderr: false })
    await ex.start({ Detach: true })
  }

  nodeExec(lab: string, node: string, argv: string[], o: { timeoutMs?: number } = {}): Promise<RunResult> {
    return this.exec(lab, node, argv, o)
  }

  async setPortLink(lab: string, node: string, port: string, up: boolean): Promise<void> {
    const r = await this.exec(lab, node, ['ip', 'link', 'set', port, up ? 'up' : 'down'])
    if (r.exitCode !== 0) throw new Error(`cannot set ${node}:${port} ${up ? 'up' : 'down'}: ${r.stderr.trim()}`)
  }

  // Everything labelled with the lab (found by label even when the state
  // file is gone), its holder namespace, its run dir.
  async down(lab: string, progress: Progress): Promise<DownReport> {
    const st = await readState(lab).catch(() => undefined)
    const containers = await this.labContainers(lab).catch(() => [])
    if (containers.length) progress(`removing ${containers.length} containers`)
    await Promise.all(containers.map((c) => this.docker.getContainer(c.Id).remove({ force: true }).catch(() => {})))
    const namespaces = (await listNetns()).filter((n) => n.startsWith(netnsPrefix(lab)))
    for (const r of st?.resources ?? []) if (r.kind === 'netns' && !namespaces.includes(r.name) && existsSync(`/run/netns/${r.name}`)) namespaces.push(r.name)
    await deleteNetnsMany(namespaces)
    const dir = labPaths(lab).dir
    const removedDir = existsSync(dir)
    await rm(dir, { recursive: true, force: true })
    return { lab, processes: 0, containers: containers.length, namespaces, removedDir }
  }
}

