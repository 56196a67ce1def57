// RunRecorder: fills the RunRecord while the suite runs, as its observer.
// Per mode: which port plays what (from the plan), a PortSampler on the
// observed slave ports, the named tests' intervals and the engine's events,
// the roles and clocks the moment sync passed (the mode's graph), and the
// mode's logs. Everything goes through the Cluster seam and its node
// handles, read-only, so it records a lab and a Kubernetes cluster alike.
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Cluster, NodeHandle } from '../cluster/types.js'
import type { OffsetWindow } from '../conformance/checks.js'
import type { EngineObserver } from '../conformance/engine.js'
import type { ModePlan } from '../conformance/plan.js'
import type { SuiteResult } from '../conformance/report.js'
import type { SuiteObserver } from '../conformance/suite.js'
import { readLiveView } from '../graph/live.js'
import type { LiveView } from '../graph/model.js'
import type { Topology } from '../topology/index.js'
import type { FileLink, ModeRecord, RunEvent, RunRecord, TestInterval } from './record.js'
import { PortSampler } from './sampler.js'

export interface Part {
  node: string
  port: string
  part: string
}

// What every port of a plan plays (pure); `observed`: the slave ports,
// whose offsets the report plots.
export function planParts(plan: Pick<ModePlan, 'gm' | 'clocks' | 'downstream'>): { parts: Part[]; observed: Part[] } {
  const parts: Part[] = []
  const observed: Part[] = []
  const numbered = (kind: string) => plan.clocks.filter((c) => c.kind === kind).length > 1
  const seen: Record<string, number> = {}
  for (const c of plan.clocks) {
    const kind = c.kind === 'dualfollower' ? 'DualFollower' : c.kind.toUpperCase()
    seen[kind] = (seen[kind] ?? 0) + 1
    const name = numbered(c.kind) ? `${kind}${seen[kind]}` : kind
    for (const port of c.slavePorts) observed.push({ node: c.node, port, part: `${name} slave` })
    for (const port of c.masterPorts) parts.push({ node: c.node, port, part: `${name} master` })
  }
  for (const d of plan.downstream) observed.push({ node: d.node, port: d.port, part: 'downstream slave' })
  if (plan.gm) parts.push({ ...plan.gm, part: 'GM' })
  return { parts: [...observed, ...parts], observed }
}

// A cluster that says nothing of its cabling: a topology of the nodes and
// ports the modes used, one NIC per node, nothing cabled (pure).
export function observedTopology(name: string, ports: Array<{ node: string; port: string }>): Topology {
  const byNode = new Map<string, string[]>()
  for (const p of ports) {
    const l = byNode.get(p.node) ?? []
    if (!l.includes(p.port)) l.push(p.port)
    byNode.set(p.node, l)
  }
  return {
    name,
    nodes: [...byNode].map(([node, ps], index) => ({ name: node, index, labels: {}, nics: [{ name: 'ports', pci: 'cabling unknown', ports: ps }] })),
    links: [],
  }
}

export interface RecorderOptions {
  cluster: Cluster
  lab: string // the lab's name, or the cluster's
  topology?: Topology // what the lab is made of; without it observedTopology
  window: OffsetWindow
  clock: RunRecord['clock']
  command?: string
  intervalMs?: number // sampling, default the sampler's
  junitFor?: (mode: string) => FileLink | undefined
  warn?: (msg: string) => void
  now?: () => number
}

interface Current {
  parts: Part[]
  sampler: PortSampler
  tests: TestInterval[]
  events: RunEvent[]
  live?: LiveView
}

export class RunRecorder implements SuiteObserver {
  private readonly modes: ModeRecord[] = []
  private readonly used: Part[] = []
  private cur?: Current
  private readonly started: number

  constructor(private readonly o: RecorderOptions) {
    this.started = this.now()
  }

  private now(): number {
    return (this.o.now ?? Date.now)()
  }

  private topology(): Topology {
    return this.o.topology ?? observedTopology(this.o.lab, this.used)
  }

  // The handle of a node of the topology: a cluster node, the switch's
  // boundary clock or an external grandmaster; undefined where the cluster
  // has none (a topology node it does not run).
  private handle(name: string): NodeHandle | undefined {
    const w = this.o.cluster.wiring()
    if (name === this.o.topology?.switch?.name) return w?.switchClock
    const gm = w?.externalGms.find((g) => g.name === name)
    if (gm) return gm.node
    try {
      return this.o.cluster.node(name)
    } catch {
      return undefined
    }
  }

  // Sampler rounds taken so far, over every mode (the cost figure).
  rounds = 0

  modeStart(plan: ModePlan): EngineObserver {
    const { parts, observed } = planParts(plan)
    this.used.push(...parts)
    const sampler = new PortSampler({
      node: (n) => this.handle(n) ?? { metrics: async () => '' },
      ports: observed,
      ...(this.o.intervalMs !== undefined && { intervalMs: this.o.intervalMs }),
      ...(this.o.now && { now: this.o.now }),
    }).start()
    const cur: Current = { parts, sampler, tests: [], events: [] }
    this.cur = cur
    const starts = new Map<string, number>()
    return {
      testStart: (name) => void starts.set(name, this.now()),
      testEnd: async (name, status) => {
        cur.tests.push({ name, start: starts.get(name) ?? this.now(), end: this.now(), status })
        // The mode's graph: the roles and clocks while it is in sync.
        if (name === 'sync' && status === 'PASSED') cur.live = await readLiveView(this.topology(), (n) => this.handle(n), (m) => this.o.warn?.(m))
      },
      event: (e) => void cur.events.push({ t: this.now(), ...e }),
    }
  }

  async modeEnd(result: SuiteResult, logDir?: string): Promise<void> {
    const cur = this.cur
    this.cur = undefined
    const series = cur ? await cur.sampler.stop() : []
    if (cur) this.rounds += cur.sampler.rounds
    const logs = logDir ? (await readdir(logDir).catch(() => [])).sort().map((f) => ({ label: f.replace(/\.log$/, ''), path: join(logDir, f) })) : []
    const junit = this.o.junitFor?.(result.suite)
    this.modes.push({
      result,
      parts: cur?.parts ?? [],
      ...(cur?.live && { live: cur.live }),
      tests: cur?.tests ?? [],
      series,
      events: cur?.events ?? [],
      logs,
      ...(junit && { junit }),
    })
  }

  record(): RunRecord {
    return {
      version: 1,
      lab: this.o.lab,
      ...(this.o.command && { command: this.o.command }),
      topology: this.topology(),
      window: this.o.window,
      clock: this.o.clock,
      startedAt: new Date(this.started).toISOString(),
      durationMs: this.now() - this.started,
      modes: [...this.modes],
    }
  }
}
