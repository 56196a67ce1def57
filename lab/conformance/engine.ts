// Runs one mode plan against a cluster: apply its labels and PtpConfigs,
// wait for sync, then the mode's named tests (a table: failover, port
// down/up, process restart, profile priority, soak), then clean up. All
// node work goes through the cluster's node handles.
import type { Cluster, NodeHandle, Wiring } from '../cluster/types.js'
import { InterruptedError } from '../errors.js'
import { qualifiedName } from '../operator/resolve.js'
import { PTP_NAMESPACE, type PtpConfig } from '../operator/ptpconfig.js'
import { LABEL_CUT, LABEL_GM, LABEL_SLAVE1, LABEL_SLAVE2 } from '../profiles/ptpconfigs.js'
import { findSample, parsePromText } from '../ptp/prom-text.js'
import { ClockState, PortRole } from '../ptp/types.js'
import { poll, sleep } from '../sys/poll.js'
import { clockStateOf, roleOf, type CheckResult, type Observation, type OffsetWindow, type PortRef } from './checks.js'
import { clockAt, observe } from './observe.js'
import { planPorts, type ModePlan } from './plan.js'
import type { SuiteResult } from './report.js'
import { syncChecks, type Upstream } from './sync-checks.js'
import { LockWatch, servoChecks, servoFigures, type ServoFigures } from './servo.js'

// What the engine tells an observer (log markers, the run report) as it
// runs: each named test's start and end, and the actions it takes on the
// cluster. Awaited, so an observer can look at the cluster in between (the
// report reads the roles the moment sync passed); it must not act on it.
export interface EngineObserver {
  testStart?(name: string): void | Promise<void>
  testEnd?(name: string, status: 'PASSED' | 'FAILED' | 'SKIPPED', durationMs: number): void | Promise<void>
  event?(e: EngineEvent): void
}
export type TestHooks = EngineObserver

// An action of the engine, or what it saw happen because of one.
export interface EngineEvent {
  kind: 'config-applied' | 'config-removed' | 'port-down' | 'port-up' | 'sigterm' | 'process-exit' | 'process-start' | 'profile-applied'
  node?: string
  port?: string
  detail?: string
}

// Several observers as one, called in order.
export function observers(...os: Array<EngineObserver | undefined>): EngineObserver {
  const xs = os.filter((o): o is EngineObserver => !!o)
  return {
    testStart: async (n) => {
      for (const o of xs) await o.testStart?.(n)
    },
    testEnd: async (n, st, ms) => {
      for (const o of xs) await o.testEnd?.(n, st, ms)
    },
    event: (e) => {
      for (const o of xs) o.event?.(e)
    },
  }
}

export interface SoakSpec {
  durationMs: number
  failureThreshold: number
}

export interface EngineOptions {
  cluster: Cluster
  window: OffsetWindow
  timeoutMs: number
  keepConfig: boolean
  progress: (msg: string) => void
  signal?: AbortSignal
  hooks?: EngineObserver
  soak?: SoakSpec // slave_clock_sync of ptptestconfig.yaml, when enabled
  syncOnly?: boolean // only the sync test (benchmark: time to LOCKED)
  pollMs?: number // between observations (default 250)
  // Independent clocks: time to first LOCKED and the servo window after sync.
  independentClocks?: boolean
  servoWindow?: { settleMs: number; windowMs: number }
  debug?: boolean // say, while waiting for sync, which checks fail (when that changes)
}

export const SERVO_WINDOW = { settleMs: 5000, windowMs: 8000 }

// Names the suite generates; only these are cleared between modes, so user
// PtpConfigs (Discovery mode) are never touched.
export const GENERATED_CONFIGS = ['test-grandmaster', 'test-slave1', 'test-slave2', 'test-bc-master1', 'test-bc-master2', 'temp']
export const GENERATED_LABELS = [LABEL_GM, LABEL_CUT, LABEL_SLAVE1, LABEL_SLAVE2]
const TEMP = 'temp'

// What one run of a plan works with: the cluster, what it knows of the
// cabling, and the handles of every node observed (including infrastructure
// like external grandmasters).
class Run {
  readonly wiring: Wiring | undefined
  readonly handles = new Map<string, NodeHandle>()
  readonly ports: PortRef[]
  lock?: LockWatch // while waiting for the first sync
  firstLock?: LockWatch
  servo?: ServoFigures[]

  constructor(
    readonly o: EngineOptions,
    readonly plan: ModePlan,
  ) {
    this.wiring = o.cluster.wiring()
    this.ports = planPorts(plan)
    for (const p of this.ports) if (!this.handles.has(p.node)) this.handles.set(p.node, o.cluster.node(p.node))
    for (const gm of this.wiring?.externalGms ?? []) {
      this.handles.set(gm.name, gm.node)
      this.ports.push({ node: gm.name, port: gm.port })
    }
  }

  node(name: string): NodeHandle {
    return this.handles.get(name) ?? this.o.cluster.node(name)
  }

  event(e: EngineEvent): void {
    this.o.hooks?.event?.(e)
  }

  look(): Promise<Observation> {
    return observe(this.handles, this.ports, this.wiring)
  }

  // Which clock every slave must call its grandmaster: the generated GM; an
  // external GM of the lab; else whatever GM the switch follows; unknown on
  // a cluster that knows no cabling (then no grandmaster check is made).
  expectedGm(obs: Observation): Upstream | undefined {
    const { plan } = this
    if (plan.gm) return { name: `grandmaster ${plan.gm.node}:${plan.gm.port}`, view: clockAt(obs, plan.gm) }
    const gm = this.wiring?.externalGms[0]
    if (gm) return { name: `external grandmaster ${gm.name}`, view: clockAt(obs, { node: gm.name, port: gm.port }) }
    if (this.wiring?.switchClock) return { name: 'the grandmaster the switch follows', view: { clockIdentity: obs.switchClock?.grandmasterIdentity } }
    return undefined
  }

  // Polls f until it yields a value, the deadline passes or the run is interrupted.
  until<T>(timeoutMs: number, f: () => Promise<T | undefined>) {
    return poll(f, { timeoutMs, intervalMs: 100, signal: this.o.signal, ignoreErrors: true })
  }

  // Polls the sync checks until all pass or the deadline.
  async waitSync(timeoutMs = this.o.timeoutMs): Promise<{ checks: CheckResult[]; ms?: number }> {
    const start = Date.now()
    let said = { names: '', at: 0 }
    for (;;) {
      if (this.o.signal?.aborted) throw new InterruptedError()
      const obs = await this.look()
      this.lock?.see(obs, this.ports, Date.now())
      const checks = syncChecks(this.wiring, this.plan, obs, this.o.window, this.expectedGm(obs))
      if (this.o.debug) said = this.sayFailing(checks, said, start)
      if (checks.every((c) => c.pass)) return { checks, ms: Date.now() - start }
      if (Date.now() - start > timeoutMs) return { checks }
      await sleep(this.o.pollMs ?? 250)
    }
  }

  // PTPLAB_DEBUG: the failing checks with what they measured, when the set
  // of failing checks changes and otherwise every 2 s.
  private sayFailing(checks: CheckResult[], said: { names: string; at: number }, start: number): { names: string; at: number } {
    const failing = checks.filter((c) => !c.pass)
    if (!failing.length) return { names: '', at: 0 }
    const names = failing.map((c) => c.name).join('\n')
    if (names === said.names && Date.now() - said.at < 2000) return said
    this.o.progress(`debug: +${secs(Date.now() - start)} not yet: ${failing.map((c) => `${c.name}: ${c.measured} (expected ${c.expected})`).join('; ')}`)
    return { names, at: Date.now() }
  }

  // In sync again: one summarising check (details only when it fails).
  async resync(test: string, what: string): Promise<CheckResult[]> {
    const r = await this.waitSync()
    const within = `within ${secs(this.o.timeoutMs)}`
    if (r.ms !== undefined) return [check(test, what, true, `after ${secs(r.ms)}`, within)]
    return [check(test, what, false, 'not in sync', within), ...r.checks.filter((c) => !c.pass).map((c) => ({ ...c, test }))]
  }

  // The ptp4l of the clock under test: its config and process.
  async cut() {
    const c = this.plan.clocks[0]!
    const inst = (await this.node(c.node).ptp4l()).find((p) => p.ifaces.includes(c.slavePorts[0]!))
    return { node: c.node, config: inst?.config, processId: inst?.processId, profile: inst?.profile }
  }

  async processStatus(node: string, config: string): Promise<number | undefined> {
    const s = parsePromText(await this.node(node).metrics())
    return findSample(s, 'openshift_ptp_process_status', { process: 'ptp4l', config })?.value
  }

  // Runs f with the port's cable pulled, plugging it back whatever happens.
  async withPortDown<T>(p: PortRef, f: () => Promise<T>): Promise<T> {
    await this.node(p.node).setCarrier(p.port, false)
    this.event({ kind: 'port-down', ...p })
    try {
      return await f()
    } finally {
      await this.node(p.node).setCarrier(p.port, true)
      this.event({ kind: 'port-up', ...p })
    }
  }
}

const check = (test: string, name: string, pass: boolean, measured: string, expected: string): CheckResult => ({ test, name, pass, measured, expected })
const secs = (ms?: number) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`)

// ---------------------------------------------------------------- named tests

async function portRecovery(r: Run): Promise<CheckResult[]> {
  const test = 'port down/up recovery'
  const p = { node: r.plan.clocks[0]!.node, port: r.plan.clocks[0]!.slavePorts[0]! }
  const left = await r.withPortDown(p, () =>
    r.until(Math.min(10_000, r.o.timeoutMs), async () => {
      const role = roleOf(await r.look(), p)
      return role !== undefined && role !== PortRole.SLAVE ? role : undefined
    }),
  )
  return [
    check(test, `${p.node}:${p.port} leaves SLAVE when its link goes down`, left.value !== undefined,
      left.value === undefined ? 'still SLAVE' : `role ${left.value} after ${secs(left.ms)}`, 'not SLAVE (FAULTY 3)'),
    ...(await r.resync(test, `in sync again after ${p.port} link up`)),
  ]
}

async function dualFollowerFailover(r: Run): Promise<CheckResult[]> {
  const test = 'dual follower failover'
  const c = r.plan.clocks.find((x) => x.kind === 'dualfollower')!
  const obs = await r.look()
  const active = c.slavePorts.find((port) => roleOf(obs, { node: c.node, port }) === PortRole.SLAVE)
  const standby = c.slavePorts.find((x) => x !== active)
  if (!active || !standby) return [check(test, 'a SLAVE port to fail over from', false, 'none', 'one port SLAVE')]
  const took = await r.withPortDown({ node: c.node, port: active }, () =>
    r.until(r.o.timeoutMs, async () => {
      const ob = await r.look()
      const p = { node: c.node, port: standby }
      return roleOf(ob, p) === PortRole.SLAVE && clockStateOf(ob, p) === ClockState.LOCKED ? true : undefined
    }),
  )
  return [
    check(test, `${standby} becomes SLAVE and LOCKED when ${active} goes down`, !!took.value,
      took.value ? `after ${secs(took.ms)}` : 'did not take over', `within ${secs(r.o.timeoutMs)}`),
    ...(await r.resync(test, `recovers after ${active} link up`)),
  ]
}

async function processRestart(r: Run): Promise<CheckResult[]> {
  const test = 'process restart'
  const cut = await r.cut()
  if (!cut.config || !cut.processId) return [check(test, 'ptp4l of the clock under test is running', false, 'not running', 'a running ptp4l')]
  const config = cut.config
  const seen: number[] = [(await r.processStatus(cut.node, config)) ?? -1]
  await r.node(cut.node).stopPtp4l(config)
  r.event({ kind: 'sigterm', node: cut.node, detail: config })
  const back = await r.until(Math.min(15_000, r.o.timeoutMs), async () => {
    const v = await r.processStatus(cut.node, config)
    if (v !== undefined && v !== seen.at(-1)) {
      seen.push(v)
      if (v === 0 || (v === 1 && seen.length > 1)) r.event({ kind: v === 0 ? 'process-exit' : 'process-start', node: cut.node, detail: config })
    }
    return seen.join(',').endsWith('1,0,1') ? true : undefined
  })
  const after = await r.cut()
  return [
    check(test, `SIGTERM ${cut.node} ptp4l: process_status 1 -> 0 -> 1`, !!back.value, seen.join(' -> '), '1 -> 0 -> 1'),
    check(test, 'a new ptp4l process runs', !!after.processId && after.processId !== cut.processId, `process ${cut.processId} -> ${after.processId ?? 'none'}`, 'a new process'),
    ...(await r.resync(test, 'in sync again after the restart')),
  ]
}

// A copy of the clock-under-test profile named temp, priority 0, matched by
// node name, must replace the node's profiles; removing it restores them.
async function profilePriority(r: Run): Promise<CheckResult[]> {
  const test = 'profile priority'
  const { cluster } = r.o
  const c = r.plan.clocks[0]!
  const applied = [...r.plan.configs, ...(await cluster.ptpConfigs())]
  const cr = applied.find((x) => x.metadata.name === c.config)
  const src = cr?.spec.profile.find((x) => x.name === c.profile) ?? cr?.spec.profile[0]
  if (!src) return [check(test, `profile of ${c.config} found`, false, 'missing', c.config)]
  const before = (await r.node(c.node).ptp4l()).map((p) => p.profile)
  const temp: PtpConfig = {
    apiVersion: 'ptp.openshift.io/v1',
    kind: 'PtpConfig',
    metadata: { name: TEMP, namespace: PTP_NAMESPACE },
    spec: { profile: [{ ...src, name: TEMP }], recommend: [{ profile: TEMP, priority: 0, match: [{ nodeName: c.node }] }] },
  }
  const want = qualifiedName(TEMP, TEMP)
  const since = await r.node(c.node).logMark()
  await cluster.applyPtpConfigs([temp])
  r.event({ kind: 'config-applied', detail: TEMP })
  const out: CheckResult[] = []
  try {
    const got = await cluster.waitProfiles(c.node, [want], { since, timeoutMs: r.o.timeoutMs, signal: r.o.signal })
    if (got.ms !== undefined) r.event({ kind: 'profile-applied', node: c.node, detail: want })
    out.push(
      check(test, `priority 0 profile ${want} replaces ${before.join(', ')} on ${c.node}`, got.ms !== undefined,
        got.ms !== undefined ? `"Profile Name: ${want}" after ${secs(got.ms)}` : `profiles: ${got.running.join(', ') || 'none'}`,
        `only ${want}, logged as "Profile Name: ${want}"`),
    )
  } finally {
    await cluster.deletePtpConfigs([TEMP])
    r.event({ kind: 'config-removed', detail: TEMP })
  }
  const restored = await cluster.waitProfiles(c.node, before, { timeoutMs: r.o.timeoutMs, signal: r.o.signal })
  if (restored.ms !== undefined) r.event({ kind: 'profile-applied', node: c.node, detail: before.join(', ') })
  out.push(check(test, `${before.join(', ')} restored after temp is removed`, restored.ms !== undefined,
    restored.ms !== undefined ? `after ${secs(restored.ms)}` : `profiles: ${restored.running.join(', ') || 'none'}`, before.join(', ')))
  out.push(...(await r.resync(test, 'in sync again with the original profile')))
  return out
}

// slave_clock_sync soak: watch the clock state; count LOCKED -> not LOCKED
// after the first LOCKED; fail at failure_threshold, and fail a clock that
// never locked at all.
export function soakVerdict(states: Array<number | undefined>, failureThreshold: number): { losses: number; locked: boolean; pass: boolean } {
  let losses = 0
  let locked = false
  let last: number | undefined
  for (const st of states) {
    if (st === ClockState.LOCKED) locked = true
    else if (locked && last === ClockState.LOCKED) losses++
    last = st
  }
  return { losses, locked, pass: locked && losses < failureThreshold }
}

// Independent clocks: let the servos settle, then observe a window and
// report per slave clock (lab/conformance/servo.ts).
async function servoWindow(r: Run, lock: LockWatch | undefined): Promise<CheckResult[]> {
  const { settleMs, windowMs } = r.o.servoWindow ?? SERVO_WINDOW
  await sleep(settleMs, r.o.signal)
  const window: Observation[] = []
  const end = Date.now() + windowMs
  while (Date.now() < end) {
    if (r.o.signal?.aborted) throw new InterruptedError()
    window.push(await r.look())
    await sleep(r.o.pollMs ?? 250, r.o.signal)
  }
  const ext = r.wiring?.externalGms[0]
  const gm = r.plan.gm ?? (ext && { node: ext.name, port: ext.port })
  const last = window[window.length - 1]!
  const slaves = r.plan.clocks.map((c) => {
    const kind = c.kind === 'dualfollower' ? 'DualFollower' : c.kind.toUpperCase()
    const port = c.slavePorts.find((p) => roleOf(last, { node: c.node, port: p }) === PortRole.SLAVE) ?? c.slavePorts[0]!
    return { node: c.node, port, part: `${kind} slave` }
  })
  for (const d of r.plan.downstream) slaves.push({ node: d.node, port: d.port, part: 'downstream slave' })
  r.servo = slaves.map((s) => servoFigures(s, gm, window, lock?.of(s)))
  return servoChecks(r.servo, r.o.window).map((c) => ({ ...c, test: 'servo' }))
}

async function soakSlaveClockSync(r: Run): Promise<CheckResult[]> {
  const test = 'soak: slave_clock_sync'
  const s = r.o.soak!
  const c = r.plan.clocks[0]!
  const end = Date.now() + s.durationMs
  const states: Array<number | undefined> = []
  while (Date.now() < end && soakVerdict(states, s.failureThreshold).losses < s.failureThreshold) {
    if (r.o.signal?.aborted) throw new InterruptedError()
    const obs = await r.look()
    const port = c.slavePorts.find((p) => roleOf(obs, { node: c.node, port: p }) === PortRole.SLAVE) ?? c.slavePorts[0]!
    states.push(clockStateOf(obs, { node: c.node, port }))
    await sleep(1000)
  }
  const v = soakVerdict(states, s.failureThreshold)
  return [
    check(test, `${c.node} LOCKED -> not LOCKED transitions in ${secs(s.durationMs)}`, v.pass,
      v.locked ? String(v.losses) : `never LOCKED (${states.length} samples)`, `LOCKED, then < ${s.failureThreshold} losses`),
  ]
}

// The named tests after sync, in order, as data: which plans each applies to.
interface NamedTest {
  name: string
  applies(plan: ModePlan, o: EngineOptions): boolean
  run(r: Run): Promise<CheckResult[]>
}

const isDual = (plan: ModePlan) => plan.clocks.some((c) => c.kind === 'dualfollower')

export const NAMED_TESTS: NamedTest[] = [
  { name: 'dual follower failover', applies: isDual, run: dualFollowerFailover },
  { name: 'port down/up recovery', applies: (p) => !isDual(p), run: portRecovery },
  { name: 'process restart', applies: () => true, run: processRestart },
  { name: 'profile priority', applies: () => true, run: profilePriority },
  { name: 'soak: slave_clock_sync', applies: (_, o) => !!o.soak, run: soakSlaveClockSync },
]

// ---------------------------------------------------------------- plans

// Leftovers of an earlier mode (KEEP_PTPCONFIG, an interrupted run): its
// configs, and its role labels, which would steer the new configs wrongly.
async function clearGenerated(cluster: Cluster): Promise<void> {
  const ours = (await cluster.ptpConfigs()).map((c) => c.metadata.name).filter((n) => GENERATED_CONFIGS.includes(n))
  if (ours.length) await cluster.deletePtpConfigs(ours)
  const unset = Object.fromEntries(GENERATED_LABELS.map((k) => [k, null]))
  for (const n of await cluster.nodes()) if (GENERATED_LABELS.some((k) => k in n.labels)) await cluster.setNodeLabels(n.name, unset)
}

const configNames = (plan: ModePlan) => plan.configs.map((c) => c.metadata.name)

async function applyPlan(r: Run): Promise<void> {
  const { cluster } = r.o
  for (const l of r.plan.labels) await cluster.setNodeLabels(l.node, { [l.key]: '' })
  if (r.plan.configs.length) {
    await cluster.applyPtpConfigs(r.plan.configs)
    r.event({ kind: 'config-applied', detail: configNames(r.plan).join(', ') })
  }
}

async function removePlan(r: Run): Promise<void> {
  const { cluster } = r.o
  if (r.plan.configs.length) {
    await cluster.deletePtpConfigs(configNames(r.plan))
    r.event({ kind: 'config-removed', detail: configNames(r.plan).join(', ') })
  }
  for (const l of r.plan.labels) await cluster.setNodeLabels(l.node, { [l.key]: null })
}

export async function runPlan(o: EngineOptions, plan: ModePlan): Promise<SuiteResult> {
  const started = Date.now()
  const base = { suite: plan.mode, target: o.cluster.description, startedAt: new Date(started).toISOString(), description: plan.description }
  const checks: CheckResult[] = []
  let syncedAfterMs: number | undefined
  const generated = plan.configs.length > 0
  const run = new Run(o, plan)
  const runTest = async (name: string, fn: () => Promise<CheckResult[]>) => {
    const t0 = Date.now()
    await o.hooks?.testStart?.(name)
    o.progress(`${plan.mode}: ${name}`)
    let got: CheckResult[]
    try {
      got = await fn()
    } catch (e) {
      if (e instanceof InterruptedError) throw e
      got = [check(name, 'ran to completion', false, (e as Error).message, 'no error')]
    }
    const ms = Date.now() - t0
    checks.push(...got.map((c) => ({ ...c, durationMs: ms })))
    const ok = got.every((c) => c.pass)
    await o.hooks?.testEnd?.(name, ok ? 'PASSED' : 'FAILED', ms)
    return ok
  }
  if (generated) await clearGenerated(o.cluster)
  if (generated) await applyPlan(run)
  try {
    const synced = await runTest('sync', async () => {
      if (o.independentClocks) run.lock = new LockWatch(Date.now())
      const r = await run.waitSync()
      run.firstLock = run.lock
      run.lock = undefined
      syncedAfterMs = r.ms
      return r.checks
    })
    // The servo window first, before other tests disturb the clocks; also
    // in sync-only runs (the benchmark's figures).
    if (synced && o.independentClocks) await runTest('servo', () => servoWindow(run, run.firstLock))
    if (synced && !o.syncOnly) for (const t of NAMED_TESTS) if (t.applies(plan, o)) await runTest(t.name, () => t.run(run))
  } finally {
    if (generated && !o.keepConfig) await removePlan(run)
  }
  return { ...base, checks, durationMs: Date.now() - started, syncedAfterMs, ...(run.servo && { servo: run.servo }) }
}
