// The kind backend: a kind cluster made to look like OpenShift, the lab's
// switch as a container, the topology's links as configpairs between the
// kind node containers and the switch, the operator and daemon deployed.
// Everything `up` does is the plan of plan.ts, run by lab/plan; the API
// calls go to the executor the caller gives (the Kubernetes client lives
// outside lab/backends). The state file records the cluster, its provider
// and the netdevsim IDs before they are made, so `down` finds everything.
import { existsSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { InputError } from '../../errors.js'
import { detectNetdevsim } from '../../links/configpair.js'
import { daemonEntry, labPaths, projectRoot, switchPtp4lConfFile } from '../../paths.js'
import { planLines } from '../../plan/render.js'
import { PlanFailed, runPlan } from '../../plan/runner.js'
import type { Executor } from '../../plan/types.js'
import { readState, StateRecorder, type LabState } from '../../state/state.js'
import { missingPrograms, run, type RunResult } from '../../sys/run.js'
import { switchProfile } from '../../switch/profile.js'
import type { Topology } from '../../topology/index.js'
import { prepareLabDirs } from '../assemble.js'
import { LabExistsError, type DownReport, type LabBackend, type Progress, type UpOptions } from '../types.js'
import { renderKindConfig, renderOverlay } from './config.js'
import { discoverArgv, kindDownPlan } from './down.js'
import { checkKindTopology, clusterName, kindLinks, nodeNameTable, switchContainer, type LinkMode } from './names.js'
import { kindPaths, kindUpPlan, type KindPlanInput, type Provider } from './plan.js'
import { TOOLS, versionProblem } from './versions.js'

export interface KindOptions {
  provider?: Provider // default $KIND_EXPERIMENTAL_PROVIDER, else docker
  registry?: boolean // kind's local registry recipe instead of kind load
  links?: LinkMode | 'auto' // default auto: netdevsim where the kernel has it, else veth
  prefix?: string // IMG_PREFIX (default localhost/ptplab)
  timeoutMs?: number // each wait (default 300 s, as upstream)
}

export interface KindDeps {
  exec?: Executor // the real one (lab/plan/exec.ts with the Kubernetes executor); needed by up
  dryRun?: boolean // print the plan (to `print`), change nothing
  print?: (line: string) => void
  preflight?: boolean // default true: check tools, root and the build first
}

export const providerOf = (o: KindOptions, env = process.env): Provider => {
  const p = o.provider ?? (env.KIND_EXPERIMENTAL_PROVIDER || 'docker')
  if (p !== 'docker' && p !== 'podman') throw new InputError(`unknown kind provider ${JSON.stringify(p)} (docker or podman)`, { field: o.provider ? '--provider' : 'KIND_EXPERIMENTAL_PROVIDER' })
  return p
}

// netdevsim where the kernel has it (upstream's patched module: a PHC per
// NIC and PCI addresses), veth otherwise (daemons then share one clock).
export async function detectLinkMode(want: LinkMode | 'auto' = 'auto', sysfs = '/sys'): Promise<LinkMode> {
  if (want !== 'auto') return want
  try {
    return (await detectNetdevsim({ sysfs })).patched ? 'netdevsim-patched' : 'netdevsim'
  } catch {
    return 'veth'
  }
}

// What the plan is made from: the project's files and the detected modes.
export async function kindPlanInput(t: Topology, o: KindOptions & { links: LinkMode; provider: Provider }): Promise<KindPlanInput> {
  checkKindTopology(t)
  const root = projectRoot()
  const P = kindPaths(t.name)
  const cfgFile = join(root, 'kind-config.yaml')
  const workers = nodeNameTable(t, clusterName(t.name)).size
  const sharedClock = o.links !== 'netdevsim-patched'
  const prefix = o.prefix ?? 'localhost/ptplab'
  return {
    topology: t,
    provider: o.provider,
    links: o.links,
    registry: !!o.registry,
    prefix,
    root,
    nodeBinary: process.execPath,
    kindConfig: renderKindConfig(await readFile(cfgFile, 'utf8'), { cluster: clusterName(t.name), workers, netdevsim: o.links !== 'veth', file: cfgFile }),
    overlay: renderOverlay({ overlayDir: P.overlay, manifestsDir: join(root, 'manifests'), prefix: o.registry ? `localhost:5001/${prefix.split('/').slice(1).join('/') || 'ptplab'}` : prefix, sharedClock }),
    imagesInEnv: await readFile(join(root, 'manifests', 'images-in-env.yaml'), 'utf8'),
    switchProfile: JSON.stringify(t.switch ? [switchProfile(t, await readFile(switchPtp4lConfFile(), 'utf8'))] : [], null, 2) + '\n',
    timeoutMs: o.timeoutMs ?? 300_000,
  }
}

const tryRun = (argv: string[]): Promise<RunResult | undefined> => run(argv[0]!, argv.slice(1), { allowFail: true, timeoutMs: 20_000 }).catch(() => undefined)

// Each pinned tool that is missing or at another version, in words.
export async function toolProblems(): Promise<string[]> {
  const problems: string[] = []
  for (const t of TOOLS) {
    const missing = (await missingPrograms([t.name])).length > 0
    const p = versionProblem(t, missing ? undefined : await tryRun(t.versionArgv))
    if (p) problems.push(p)
  }
  return problems
}

// Tools, root, the build: every problem at once, before anything changes.
export async function kindPreflight(provider: Provider): Promise<string[]> {
  const problems = await toolProblems()
  const c = await tryRun([provider, 'version', '--format', '{{.Server.Version}}'])
  if (!c || c.exitCode !== 0) problems.push(`${provider} does not answer (${c ? c.stderr.trim().slice(0, 120) : 'not installed'}): kind needs a container engine`)
  if (process.getuid?.() !== 0) problems.push('the kind backend needs root (links into the node containers, netdevsim)')
  if (!existsSync(daemonEntry())) problems.push(`not built: ${daemonEntry()} is missing (npm run build)`)
  return problems
}

export class KindBackend implements LabBackend {
  readonly name = 'kind'
  constructor(
    readonly o: KindOptions = {},
    readonly deps: KindDeps = {},
  ) {}

  async up(o: UpOptions): Promise<void> {
    const t = o.topology
    const provider = providerOf(this.o)
    const links = await detectLinkMode(this.o.links)
    const input = await kindPlanInput(t, { ...this.o, provider, links })
    const steps = kindUpPlan(input)
    if (this.deps.dryRun) {
      const print = this.deps.print ?? ((l: string) => void process.stdout.write(l + '\n'))
      print(`# ptplab up --backend kind: lab ${t.name}, cluster ${clusterName(t.name)}, provider ${provider}, links ${links}${input.registry ? ', local registry' : ', kind load'}`)
      print('# preflight (read only):')
      for (const tool of TOOLS) print(`$ ${tool.versionArgv.join(' ')}   # wants ${tool.name} ${tool.version}`)
      for (const l of planLines(steps)) print(l)
      return
    }
    if (!this.deps.exec) throw new Error('the kind backend needs an executor for its plan (the CLI gives one)')
    const problems = this.deps.preflight === false ? [] : await kindPreflight(provider)
    if (problems.length) throw new Error(`the kind lab cannot start here:\n  ${problems.join('\n  ')}`)
    const rec = await this.record(t, o, provider, links)
    await prepareLabDirs(t)
    const report = await runPlan(steps, this.deps.exec, { progress: o.progress, signal: o.signal })
    if (report.failed) {
      o.progress(`up failed at "${report.failed.step}"; resume with the same ptplab up, or remove it: ptplab down --name ${t.name}`)
      throw new PlanFailed(report)
    }
    await rec.setPhase('up')
  }

  // A lab of another backend under this name is refused; a kind lab with
  // this topology is resumed (its steps' checks skip what is done).
  private async record(t: Topology, o: UpOptions, provider: Provider, links: LinkMode): Promise<StateRecorder> {
    const old = await readState(t.name).catch(() => undefined)
    if (old && old.backend !== 'kind') throw new LabExistsError(`lab "${t.name}" already exists (${old.backend}); run: ptplab down --name ${t.name}`)
    if (old && JSON.stringify(old.topology) !== JSON.stringify(t))
      throw new LabExistsError(`kind lab "${t.name}" exists with another topology (${old.topologyFile ?? 'unknown file'}); run: ptplab down --name ${t.name}`)
    if (old) o.progress(`resuming kind lab ${t.name} (phase ${old.phase})`)
    const ids = links === 'veth' ? [] : kindLinks(t, t.name, links).flatMap((l) => [l.id1, l.id2])
    const state: LabState = old ?? {
      version: 1,
      lab: t.name,
      backend: 'kind',
      phase: 'creating',
      topologyFile: o.topologyFile,
      topology: t,
      createdAt: new Date().toISOString(),
      resources: [{ kind: 'dir', path: labPaths(t.name).dir }, { kind: 'cluster', name: clusterName(t.name), provider }],
    }
    if (t.switch) state.resources.push({ kind: 'container', name: switchContainer(t.name, t.switch.name) })
    for (const id of ids) if (!state.resources.some((r) => r.kind === 'netdevsim' && r.id === id)) state.resources.push({ kind: 'netdevsim', id })
    state.resources = state.resources.filter((r, i, all) => all.findIndex((x) => JSON.stringify(x) === JSON.stringify(r)) === i)
    const rec = new StateRecorder(state)
    await rec.save()
    return rec
  }

  async down(lab: string, progress: Progress): Promise<DownReport> {
    const st = await readState(lab).catch(() => undefined)
    const cl = st?.resources.find((r) => r.kind === 'cluster')
    const provider = cl?.kind === 'cluster' ? cl.provider : providerOf({})
    const argv = discoverArgv(provider, lab)
    const names = async (a: string[]) => ((await tryRun(a))?.stdout ?? '').split('\n').map((s) => s.trim()).filter(Boolean)
    const ids = (st?.resources ?? []).flatMap((r) => (r.kind === 'netdevsim' ? [r.id] : []))
    const targets = {
      lab,
      provider,
      kindInstalled: !!(await tryRun(['kind', 'version'])),
      clusterNodes: await names(argv.clusterNodes),
      containers: await names(argv.containers),
      netdevsim: ids.filter((id) => existsSync(`/sys/bus/netdevsim/devices/netdevsim${id}`)),
    }
    const { realExecutor } = await import('../../plan/exec.js')
    const report = await runPlan(kindDownPlan(targets), realExecutor(), { progress })
    const dir = labPaths(lab).dir
    const removedDir = existsSync(dir)
    if (!report.failed) await rm(dir, { recursive: true, force: true })
    else throw new Error(`down of kind lab ${lab} failed at "${report.failed.step}": ${report.failed.error}`)
    return { lab, processes: 0, containers: targets.clusterNodes.length + targets.containers.length, namespaces: [], removedDir }
  }

  private async containerOf(lab: string, node: string): Promise<{ provider: Provider; name: string }> {
    const st = await readState(lab)
    if (!st) throw new InputError(`lab ${lab} is not up`)
    const cl = st.resources.find((r) => r.kind === 'cluster')
    const provider = cl?.kind === 'cluster' ? cl.provider : 'docker'
    if (node === st.topology.switch?.name) return { provider, name: switchContainer(lab, node) }
    const name = nodeNameTable(st.topology, clusterName(lab)).get(node) ?? [...nodeNameTable(st.topology, clusterName(lab)).values()].find((n) => n === node)
    if (!name) throw new InputError(`no node ${JSON.stringify(node)} in kind lab ${lab}`)
    return { provider, name }
  }

  async nodeExec(lab: string, node: string, argv: string[], o: { timeoutMs?: number } = {}): Promise<RunResult> {
    const c = await this.containerOf(lab, node)
    return run(c.provider, ['exec', c.name, ...argv], { allowFail: true, timeoutMs: o.timeoutMs ?? 30_000 })
  }

  async setPortLink(lab: string, node: string, port: string, up: boolean): Promise<void> {
    const r = await this.nodeExec(lab, node, ['ip', 'link', 'set', port, up ? 'up' : 'down'])
    if (r.exitCode !== 0) throw new Error(`cannot set ${node}:${port} ${up ? 'up' : 'down'}: ${r.stderr.trim()}`)
  }
}
