// The conformance suite on a running lab: for each mode, find the roles
// (L2 discovery + solver for auto-configured modes, the user's PtpConfigs
// in Discovery mode), turn them into a plan, run it, collect logs.
import type { LabBackend } from '../backends/types.js'
import { listPtpConfigs, nodeInfos } from '../cluster/store.js'
import { discoverLab, type L2Report } from '../discovery/discover.js'
import { buildGraph, realLans } from '../discovery/graph.js'
import type { ProblemBase } from '../discovery/problems.js'
import { solveBest, type SolveResult } from '../discovery/solver.js'
import { labPaths } from '../paths.js'
import { loadRunningLab } from '../state/labs.js'
import type { Topology } from '../topology/index.js'
import { classifyDiscovery } from './discovery-mode.js'
import { runPlan, type TestHooks } from './engine.js'
import { buildPlan, describePlan, type ClockKind, type ClockSpec, type ModePlan, type PlanRoles } from './plan.js'
import type { SuiteResult } from './report.js'
import type { Mode, TestSettings } from './settings.js'
import { LogCollector } from './testlog.js'

// A solver assignment as a plan's roles (pure).
export function rolesFromSolution(mode: Mode, s: SolveResult): PlanRoles {
  const at = (role: string) => {
    const p = s.assignment[role]
    if (!p) throw new Error(`solver result for ${s.problem} has no role ${role}`)
    return { node: p.node, port: p.iface }
  }
  const clocks = s.semantics.clocks.map((c) => {
    const ports = [...c.slavePorts, ...c.masterPorts].map(at)
    const node = ports[0]!.node
    if (ports.some((p) => p.node !== node)) throw new Error(`${s.problem}: ports of ${c.name} are on several nodes`)
    return { config: c.name, kind: c.kind, node, slavePorts: c.slavePorts.map((r) => at(r).port), masterPorts: c.masterPorts.map((r) => at(r).port) }
  })
  const downstream = s.semantics.downstream.map((d) => ({ config: d.name, ...(({ node, port }) => ({ node, port }))(at(d.port)) }))
  return { mode, problem: s.problem, gm: s.semantics.gm ? at(s.semantics.gm) : undefined, clocks, downstream }
}

export interface SuiteRunOptions {
  lab: string
  backend: LabBackend
  settings: TestSettings
  progress: (msg: string) => void
  signal?: AbortSignal
  onResult?: (r: SuiteResult) => void | Promise<void>
  syncOnly?: boolean // skip the tests after sync (benchmark)
}

// Discovery runs once per suite run: the network does not change between modes.
class Roles {
  private reports?: Map<string, L2Report>
  constructor(
    private readonly o: SuiteRunOptions,
    private readonly t: Topology,
  ) {}

  async auto(mode: Exclude<Mode, 'discovery'>): Promise<ModePlan> {
    const s = this.o.settings
    if (!this.reports) {
      this.o.progress('L2 discovery: probing every port (ethertype 0x88b5)')
      this.reports = await discoverLab(this.o.lab, this.o.backend, { skipInterfaces: s.skipInterfaces })
    }
    const g = buildGraph(this.reports, { skipInterfaces: s.skipInterfaces })
    this.o.progress(`L2 discovery: ${g.vertices.length} interfaces, ${realLans(g).length} LANs`)
    const sol = solveBest(g, mode as ProblemBase, s.externalGm)
    if (!sol)
      throw new Error(
        `no ${mode}${s.externalGm ? ' (external GM)' : ''} assignment fits this lab: ` +
          `${g.vertices.length} interfaces in ${realLans(g).length} LANs`,
      )
    return buildPlan(rolesFromSolution(mode, sol), { softwareTimestamps: true })
  }

  async discovery(): Promise<ModePlan> {
    const configs = await listPtpConfigs(this.o.lab)
    const d = classifyDiscovery(configs, await nodeInfos(this.o.lab, this.t))
    const kind: ClockKind = d.mode === 'oc' ? 'oc' : d.mode === 'dualfollower' ? 'dualfollower' : 'bc'
    const clocks: ClockSpec[] = d.clocks.map((c) => ({ ...c, kind, node: d.node }))
    const roles = { gm: undefined, clocks, downstream: [] }
    return {
      mode: 'discovery',
      problem: 'discovery',
      description: `discovered ${d.mode.toUpperCase()}: ${describePlan(roles)}`,
      ...roles,
      labels: [],
      configs: [],
    }
  }
}

function collectorFor(lab: string, t: Topology, mode: Mode, s: NonNullable<TestSettings['logs']>): LogCollector {
  const p = labPaths(lab)
  const sources = t.nodes.map((n) => ({
    name: `linuxptp-daemon-${n.name}-linuxptp-daemon-container`,
    path: p.nodeLog(n.name),
    prefix: `linuxptp-daemon-${n.name}`,
    container: 'linuxptp-daemon-container',
  }))
  if (t.switch) sources.push({ name: `switch-${t.switch.name}`, path: p.nodeLog(t.switch.name), prefix: t.switch.name, container: 'ptp4l' })
  return new LogCollector({ dir: s.dir, suite: mode, sources, markers: s.markers })
}

export async function runSuite(o: SuiteRunOptions): Promise<SuiteResult[]> {
  const t = await loadRunningLab(o.lab)
  const roles = new Roles(o, t)
  const results: SuiteResult[] = []
  for (const mode of o.settings.modes) {
    if (o.signal?.aborted) throw new Error('interrupted')
    const started = Date.now()
    const log = o.settings.logs ? collectorFor(o.lab, t, mode, o.settings.logs) : undefined
    let hooks: TestHooks | undefined
    if (log) {
      const dir = await log.start()
      o.progress(`collecting logs in ${dir}`)
      hooks = {
        testStart: (name) => void log.testStart(name),
        testEnd: (name, status, ms) => void log.testEnd(name, status, ms),
      }
    }
    let r: SuiteResult
    try {
      const plan = mode === 'discovery' ? await roles.discovery() : await roles.auto(mode)
      o.progress(`${mode}: ${plan.description}`)
      r = await runPlan(
        {
          lab: o.lab,
          t,
          backend: o.backend,
          window: o.settings.window,
          timeoutMs: o.settings.timeoutMs,
          keepConfig: o.settings.keepConfig,
          progress: o.progress,
          signal: o.signal,
          hooks,
          soak: o.settings.soak,
          syncOnly: o.syncOnly,
        },
        plan,
      )
    } catch (e) {
      if ((e as Error).message === 'interrupted') throw e
      r = {
        suite: mode,
        lab: o.lab,
        description: 'could not run',
        startedAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
        checks: [],
        error: (e as Error).message,
      }
    } finally {
      await log?.stop()
    }
    results.push(r)
    await o.onResult?.(r)
  }
  return results
}
