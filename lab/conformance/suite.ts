// The conformance suite on a cluster: check that everything it relies on is
// alive, then for each mode find the roles (L2 discovery + solver for
// auto-configured modes, the user's PtpConfigs in Discovery mode), turn them
// into a plan, run it, collect logs. It sees only the Cluster seam.
import type { Cluster } from '../cluster/types.js'
import type { L2Report } from '../discovery/report.js'
import { buildGraph, realLans } from '../discovery/graph.js'
import { solveBest, type SolveResult } from '../discovery/solver.js'
import { InterruptedError } from '../errors.js'
import { classifyDiscovery } from './discovery-mode.js'
import { observers, runPlan, SERVO_WINDOW, type EngineObserver } from './engine.js'
import { isSolverMode, problemOf, type Mode, type SolverMode } from './modes.js'
import { buildPlan, describePlan, type ClockKind, type ClockSpec, type ModePlan, type PlanRoles } from './plan.js'
import type { SuiteResult } from './report.js'
import type { TestSettings } from './settings.js'
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
  cluster: Cluster
  settings: TestSettings
  progress: (msg: string) => void
  signal?: AbortSignal
  onResult?: (r: SuiteResult) => void | Promise<void>
  observer?: SuiteObserver // the run report's recorder
  syncOnly?: boolean // skip the tests after sync (benchmark)
}

// Watches the suite mode by mode: told each mode's plan before it runs
// (what it returns observes the engine) and its result after, with the
// directory its logs went to.
export interface SuiteObserver {
  modeStart(plan: ModePlan): EngineObserver | undefined | Promise<EngineObserver | undefined>
  modeEnd(result: SuiteResult, logDir?: string): void | Promise<void>
}

// A component the suite relies on is dead: named, before any test runs.
export class ClusterUnhealthyError extends Error {}

// Discovery runs once per suite run: the network does not change between modes.
class Roles {
  private reports?: Map<string, L2Report>
  constructor(private readonly o: SuiteRunOptions) {}

  async auto(mode: SolverMode): Promise<ModePlan> {
    const s = this.o.settings
    if (!this.reports) {
      this.o.progress('L2 discovery: probing every port (ethertype 0x88b5)')
      this.reports = await this.o.cluster.l2Discover({ skipInterfaces: s.skipInterfaces, progress: this.o.progress, signal: this.o.signal })
    }
    const g = buildGraph(this.reports, { skipInterfaces: s.skipInterfaces })
    this.o.progress(`L2 discovery: ${g.vertices.length} interfaces, ${realLans(g).length} LANs`)
    const sol = solveBest(g, problemOf(mode), s.externalGm)
    if (!sol)
      throw new Error(`no ${mode}${s.externalGm ? ' (external GM)' : ''} assignment fits: ${g.vertices.length} interfaces in ${realLans(g).length} LANs`)
    return buildPlan(rolesFromSolution(mode, sol), { softwareTimestamps: true, independentClocks: s.clock === 'independent' })
  }

  async discovery(): Promise<ModePlan> {
    const d = classifyDiscovery(await this.o.cluster.ptpConfigs(), await this.o.cluster.nodes())
    const kind: ClockKind = d.mode === 'oc' ? 'oc' : d.mode === 'dualfollower' ? 'dualfollower' : 'bc'
    const clocks: ClockSpec[] = d.clocks.map((c) => ({ ...c, kind, node: d.node }))
    const roles = { gm: undefined, clocks, downstream: [] }
    return { mode: 'discovery', problem: 'discovery', description: `discovered ${d.mode.toUpperCase()}: ${describePlan(roles)}`, ...roles, labels: [], configs: [] }
  }
}

const interrupted = (mode: string, target: string, started: number): SuiteResult => ({
  suite: mode, target, description: 'interrupted', startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, checks: [], error: 'interrupted',
})

export async function runSuite(o: SuiteRunOptions): Promise<SuiteResult[]> {
  const health = await o.cluster.health()
  for (const w of health.warnings) o.progress(`warning: ${w}`)
  if (health.problems.length) throw new ClusterUnhealthyError(`${o.cluster.description} is not healthy:\n  ${health.problems.join('\n  ')}`)
  const roles = new Roles(o)
  const results: SuiteResult[] = []
  for (const mode of o.settings.modes) {
    if (o.signal?.aborted) throw new InterruptedError()
    const started = Date.now()
    const logs = o.settings.logs
    const log = logs ? new LogCollector({ dir: logs.dir, suite: mode, sources: await o.cluster.logSources(), markers: logs.markers }) : undefined
    let logHooks: EngineObserver | undefined
    let logDir: string | undefined
    if (log) {
      logDir = await log.start()
      o.progress(`collecting logs in ${logDir}`)
      logHooks = { testStart: (name) => void log.testStart(name), testEnd: (name, status, ms) => void log.testEnd(name, status, ms) }
    }
    let r: SuiteResult | undefined
    try {
      const plan = isSolverMode(mode) ? await roles.auto(mode) : await roles.discovery()
      o.progress(`${mode}: ${plan.description}`)
      const s = o.settings
      const hooks = observers(logHooks, await o.observer?.modeStart(plan))
      r = await runPlan(
        { cluster: o.cluster, window: s.window, timeoutMs: s.timeoutMs, keepConfig: s.keepConfig, progress: o.progress, signal: o.signal, hooks, soak: s.soak, syncOnly: o.syncOnly, independentClocks: s.clock === 'independent', debug: s.debug, ...(s.servoWindowMs && { servoWindow: { ...SERVO_WINDOW, windowMs: s.servoWindowMs } }) },
        plan,
      )
    } catch (e) {
      if (e instanceof InterruptedError) throw e
      r = { suite: mode, target: o.cluster.description, description: 'could not run', startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, checks: [], error: (e as Error).message }
    } finally {
      await log?.stop()
      // also after an interruption: the observer stops what it started
      await o.observer?.modeEnd(r ?? interrupted(mode, o.cluster.description, started), logDir)
    }
    results.push(r)
    await o.onResult?.(r)
  }
  return results
}
