// Runs one mode plan against a running lab: apply its labels and
// PtpConfigs, wait for sync, then the mode's named tests (failover, port
// down/up, process restart, profile priority, soak), then clean up.
import { readFile } from 'node:fs/promises'
import type { LabBackend } from '../backends/types.js'
import { daemonMetrics, daemonStatus } from '../backends/daemon-client.js'
import { applyPtpConfigs, deletePtpConfigs, listPtpConfigs, nodeInfos, setNodeLabels } from '../cluster/store.js'
import { qualifiedName } from '../operator/resolve.js'
import type { PtpConfig } from '../operator/ptpconfig.js'
import { labPaths } from '../paths.js'
import { findSample, parsePromText } from '../ptp/prom-text.js'
import { PortRole } from '../ptp/types.js'
import { sleep } from '../sys/proc.js'
import { clusterNodes, grandmasterNodes, type Topology } from '../topology/index.js'
import { clockStateOf, roleOf, type CheckResult, type Observation, type OffsetWindow } from './checks.js'
import { externalGmPort } from './external-gm.js'
import type { PortRef } from './checks.js'
import { clockAt, observe } from './observe.js'
import { planPorts, type ModePlan } from './plan.js'
import { LABEL_CUT, LABEL_GM, LABEL_SLAVE1, LABEL_SLAVE2 } from './ptpconfigs.js'
import type { SuiteResult } from './report.js'
import { syncChecks, type Upstream } from './sync-checks.js'

export interface TestHooks {
  testStart(name: string): void
  testEnd(name: string, status: 'PASSED' | 'FAILED' | 'SKIPPED', durationMs: number): void
}

export interface SoakSpec {
  durationMs: number
  failureThreshold: number
}

export interface EngineOptions {
  lab: string
  t: Topology
  backend: LabBackend
  window: OffsetWindow
  timeoutMs: number
  keepConfig: boolean
  progress: (msg: string) => void
  signal?: AbortSignal
  hooks?: TestHooks
  soak?: SoakSpec // slave_clock_sync of ptptestconfig.yaml, when enabled
  syncOnly?: boolean // only the sync test (benchmark: time to LOCKED)
}

// Names the suite generates; only these are cleared between modes, so user
// PtpConfigs (Discovery mode) are never touched.
export const GENERATED_CONFIGS = ['test-grandmaster', 'test-slave1', 'test-slave2', 'test-bc-master1', 'test-bc-master2', 'temp']

export const GENERATED_LABELS = [LABEL_GM, LABEL_CUT, LABEL_SLAVE1, LABEL_SLAVE2]

const TEMP = 'temp'

// The ports whose ptp4l data sets the checks read, plus external GMs.
function observedPorts(o: EngineOptions, plan: ModePlan): PortRef[] {
  const ports = planPorts(plan)
  for (const gm of grandmasterNodes(o.t)) {
    const port = externalGmPort(o.t, gm)
    if (port) ports.push({ node: gm.name, port })
  }
  return ports
}

async function look(o: EngineOptions, plan: ModePlan): Promise<Observation> {
  const ports = observedPorts(o, plan)
  return observe(o.lab, [...new Set(ports.map((p) => p.node))], ports, o.t.switch?.name)
}

// Which clock every slave must call its grandmaster: the generated GM; an
// external GM node of the topology; else whatever GM the switch follows.
function expectedGm(o: EngineOptions, plan: ModePlan, obs: Observation): Upstream {
  if (plan.gm) return { name: `grandmaster ${plan.gm.node}:${plan.gm.port}`, view: clockAt(obs, plan.gm) }
  const gm = grandmasterNodes(o.t)[0]
  const port = gm && externalGmPort(o.t, gm)
  if (gm && port) return { name: `external grandmaster ${gm.name}`, view: clockAt(obs, { node: gm.name, port }) }
  return { name: 'the grandmaster the switch follows', view: { clockIdentity: obs.switchClock?.grandmasterIdentity } }
}

const check = (test: string, name: string, pass: boolean, measured: string, expected: string): CheckResult => ({
  test,
  name,
  pass,
  measured,
  expected,
})

// Polls the sync checks until all pass or the deadline.
async function waitSync(o: EngineOptions, plan: ModePlan, timeoutMs = o.timeoutMs): Promise<{ checks: CheckResult[]; ms?: number }> {
  const start = Date.now()
  for (;;) {
    if (o.signal?.aborted) throw new Error('interrupted')
    const obs = await look(o, plan)
    const checks = syncChecks(o.t, plan, obs, o.window, expectedGm(o, plan, obs))
    if (checks.every((c) => c.pass)) return { checks, ms: Date.now() - start }
    if (Date.now() - start > timeoutMs) return { checks }
    await sleep(250)
  }
}

async function waitFor<T>(o: EngineOptions, timeoutMs: number, f: () => Promise<T | undefined>): Promise<{ value?: T; ms: number }> {
  const start = Date.now()
  for (;;) {
    if (o.signal?.aborted) throw new Error('interrupted')
    const v = await f().catch(() => undefined)
    if (v !== undefined) return { value: v, ms: Date.now() - start }
    if (Date.now() - start > timeoutMs) return { ms: Date.now() - start }
    await sleep(100)
  }
}

const secs = (ms?: number) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`)

// In sync again: one summarising check (details only when it fails).
async function resync(o: EngineOptions, plan: ModePlan, test: string, what: string): Promise<CheckResult[]> {
  const r = await waitSync(o, plan)
  if (r.ms !== undefined) return [check(test, what, true, `after ${secs(r.ms)}`, `within ${secs(o.timeoutMs)}`)]
  return [check(test, what, false, 'not in sync', `within ${secs(o.timeoutMs)}`), ...r.checks.filter((c) => !c.pass).map((c) => ({ ...c, test }))]
}

async function portRecovery(o: EngineOptions, plan: ModePlan, p: PortRef): Promise<CheckResult[]> {
  const test = 'port down/up recovery'
  const out: CheckResult[] = []
  await o.backend.setPortLink(o.lab, p.node, p.port, false)
  try {
    const left = await waitFor(o, 10_000, async () => {
      const r = roleOf(await look(o, plan), p)
      return r !== undefined && r !== PortRole.SLAVE ? r : undefined
    })
    out.push(
      check(test, `${p.node}:${p.port} leaves SLAVE when its link goes down`, left.value !== undefined,
        left.value === undefined ? 'still SLAVE' : `role ${left.value} after ${secs(left.ms)}`, 'not SLAVE (FAULTY 3)'),
    )
  } finally {
    await o.backend.setPortLink(o.lab, p.node, p.port, true)
  }
  out.push(...(await resync(o, plan, test, `in sync again after ${p.port} link up`)))
  return out
}

async function dualFollowerFailover(o: EngineOptions, plan: ModePlan): Promise<CheckResult[]> {
  const test = 'dual follower failover'
  const c = plan.clocks.find((x) => x.kind === 'dualfollower')!
  const obs = await look(o, plan)
  const active = c.slavePorts.find((port) => roleOf(obs, { node: c.node, port }) === PortRole.SLAVE)
  const standby = c.slavePorts.find((x) => x !== active)
  if (!active || !standby) return [check(test, 'a SLAVE port to fail over from', false, 'none', 'one port SLAVE')]
  const out: CheckResult[] = []
  await o.backend.setPortLink(o.lab, c.node, active, false)
  try {
    const took = await waitFor(o, o.timeoutMs, async () => {
      const ob = await look(o, plan)
      const p = { node: c.node, port: standby }
      return roleOf(ob, p) === PortRole.SLAVE && clockStateOf(ob, p) === 1 ? true : undefined
    })
    out.push(
      check(test, `${standby} becomes SLAVE and LOCKED when ${active} goes down`, !!took.value,
        took.value ? `after ${secs(took.ms)}` : 'did not take over', `within ${secs(o.timeoutMs)}`),
    )
  } finally {
    await o.backend.setPortLink(o.lab, c.node, active, true)
  }
  out.push(...(await resync(o, plan, test, `recovers after ${active} link up`)))
  return out
}

async function cutProcess(o: EngineOptions, plan: ModePlan) {
  const c = plan.clocks[0]!
  const st = await daemonStatus(o.lab, c.node)
  const prof = st.profiles.find((p) => p.ifaces.includes(c.slavePorts[0]!))
  const ptp4l = prof?.processes.find((x) => x.process === 'ptp4l')
  return { node: c.node, config: prof?.config, pid: ptp4l?.pid ?? undefined }
}

async function processStatus(lab: string, node: string, config: string): Promise<number | undefined> {
  const s = parsePromText(await daemonMetrics(lab, node))
  return findSample(s, 'openshift_ptp_process_status', { process: 'ptp4l', config })?.value
}

async function processRestart(o: EngineOptions, plan: ModePlan): Promise<CheckResult[]> {
  const test = 'process restart'
  const cut = await cutProcess(o, plan)
  if (!cut.pid || !cut.config) return [check(test, 'ptp4l of the clock under test is running', false, 'no pid', 'a running ptp4l')]
  const seen: number[] = [(await processStatus(o.lab, cut.node, cut.config)) ?? -1]
  process.kill(cut.pid, 'SIGTERM')
  const back = await waitFor(o, 15_000, async () => {
    const v = await processStatus(o.lab, cut.node, cut.config!)
    if (v !== undefined && v !== seen.at(-1)) seen.push(v)
    return seen.join(',').endsWith('1,0,1') ? true : undefined
  })
  const after = await cutProcess(o, plan)
  return [
    check(test, `SIGTERM ${cut.node} ptp4l: process_status 1 -> 0 -> 1`, !!back.value, seen.join(' -> '), '1 -> 0 -> 1'),
    check(test, 'a new ptp4l process runs', !!after.pid && after.pid !== cut.pid, `pid ${cut.pid} -> ${after.pid ?? 'none'}`, 'a new pid'),
    ...(await resync(o, plan, test, 'in sync again after the restart')),
  ]
}

// A copy of the clock-under-test profile named temp, priority 0, matched by
// node name, must replace the node's profiles; removing it restores them.
async function profilePriority(o: EngineOptions, plan: ModePlan): Promise<CheckResult[]> {
  const test = 'profile priority'
  const c = plan.clocks[0]!
  const applied = [...plan.configs, ...(await listPtpConfigs(o.lab))]
  const cr = applied.find((x) => x.metadata.name === c.config)
  const src = cr?.spec.profile.find((x) => x.name === c.profile) ?? cr?.spec.profile[0]
  if (!src) return [check(test, `profile of ${c.config} found`, false, 'missing', c.config)]
  const before = (await daemonStatus(o.lab, c.node)).profiles.map((p) => p.name)
  const temp: PtpConfig = {
    apiVersion: 'ptp.openshift.io/v1',
    kind: 'PtpConfig',
    metadata: { name: TEMP, namespace: 'openshift-ptp' },
    spec: { profile: [{ ...src, name: TEMP }], recommend: [{ profile: TEMP, priority: 0, match: [{ nodeName: c.node }] }] },
  }
  const want = qualifiedName(TEMP, TEMP)
  const logFile = labPaths(o.lab).nodeLog(c.node)
  const logFrom = (await readFile(logFile, 'utf8')).length
  await applyPtpConfigs(o.lab, o.t, [temp])
  const out: CheckResult[] = []
  try {
    const got = await waitFor(o, o.timeoutMs, async () => {
      const names = (await daemonStatus(o.lab, c.node)).profiles.map((p) => p.name)
      const log = (await readFile(logFile, 'utf8')).slice(logFrom)
      return names.length === 1 && names[0] === want && log.includes(`Profile Name: ${want}`) ? names : undefined
    })
    out.push(
      check(test, `priority 0 profile ${want} replaces ${before.join(', ')} on ${c.node}`, !!got.value,
        got.value ? `"Profile Name: ${want}" after ${secs(got.ms)}` : `profiles: ${(await daemonStatus(o.lab, c.node)).profiles.map((p) => p.name).join(', ')}`,
        `only ${want}, logged as "Profile Name: ${want}"`),
    )
  } finally {
    await deletePtpConfigs(o.lab, o.t, [TEMP])
  }
  const restored = await waitFor(o, o.timeoutMs, async () => {
    const names = (await daemonStatus(o.lab, c.node)).profiles.map((p) => p.name)
    return names.join(',') === before.join(',') ? true : undefined
  })
  out.push(check(test, `${before.join(', ')} restored after temp is removed`, !!restored.value, restored.value ? `after ${secs(restored.ms)}` : 'not restored', before.join(', ')))
  out.push(...(await resync(o, plan, test, 'in sync again with the original profile')))
  return out
}

// slave_clock_sync soak: watch the clock state; count LOCKED -> not LOCKED
// after the first LOCKED; fail at failure_threshold.
async function soakSlaveClockSync(o: EngineOptions, plan: ModePlan, s: SoakSpec): Promise<CheckResult[]> {
  const test = 'soak: slave_clock_sync'
  const c = plan.clocks[0]!
  const end = Date.now() + s.durationMs
  let last: number | undefined
  let locked = false
  let losses = 0
  while (Date.now() < end && losses < s.failureThreshold) {
    if (o.signal?.aborted) throw new Error('interrupted')
    const obs = await look(o, plan)
    const port = c.slavePorts.find((p) => roleOf(obs, { node: c.node, port: p }) === PortRole.SLAVE) ?? c.slavePorts[0]!
    const st = clockStateOf(obs, { node: c.node, port })
    if (st === 1) locked = true
    else if (locked && last === 1) losses++
    last = st
    await sleep(1000)
  }
  return [
    check(test, `${c.node} LOCKED -> not LOCKED transitions in ${secs(s.durationMs)}`, losses < s.failureThreshold, String(losses), `< ${s.failureThreshold}`),
  ]
}

// Leftovers of an earlier mode (KEEP_PTPCONFIG, an interrupted run): its
// configs, and its role labels, which would steer the new configs wrongly.
async function clearGenerated(o: EngineOptions): Promise<void> {
  const ours = (await listPtpConfigs(o.lab)).map((c) => c.metadata.name).filter((n) => GENERATED_CONFIGS.includes(n))
  if (ours.length) await deletePtpConfigs(o.lab, o.t, ours)
  const unset = Object.fromEntries(GENERATED_LABELS.map((k) => [k, null]))
  for (const n of clusterNodes(o.t)) {
    const labels = (await nodeInfos(o.lab, o.t)).find((x) => x.name === n.name)?.labels ?? {}
    if (GENERATED_LABELS.some((k) => k in labels)) await setNodeLabels(o.lab, o.t, n.name, unset)
  }
}

async function applyPlan(o: EngineOptions, plan: ModePlan): Promise<void> {
  for (const l of plan.labels) await setNodeLabels(o.lab, o.t, l.node, { [l.key]: '' })
  if (plan.configs.length) await applyPtpConfigs(o.lab, o.t, plan.configs)
}

async function removePlan(o: EngineOptions, plan: ModePlan): Promise<void> {
  if (plan.configs.length) await deletePtpConfigs(o.lab, o.t, plan.configs.map((c) => c.metadata.name))
  for (const l of plan.labels) await setNodeLabels(o.lab, o.t, l.node, { [l.key]: null })
}

export async function runPlan(o: EngineOptions, plan: ModePlan): Promise<SuiteResult> {
  const started = Date.now()
  const base = { suite: plan.mode, lab: o.lab, startedAt: new Date(started).toISOString(), description: plan.description }
  const checks: CheckResult[] = []
  let syncedAfterMs: number | undefined
  const generated = plan.configs.length > 0
  const runTest = async (name: string, fn: () => Promise<CheckResult[]>) => {
    const t0 = Date.now()
    o.hooks?.testStart(name)
    o.progress(`${plan.mode}: ${name}`)
    let got: CheckResult[]
    try {
      got = await fn()
    } catch (e) {
      if ((e as Error).message === 'interrupted') throw e
      got = [check(name, 'ran to completion', false, (e as Error).message, 'no error')]
    }
    checks.push(...got)
    const ok = got.every((c) => c.pass)
    o.hooks?.testEnd(name, ok ? 'PASSED' : 'FAILED', Date.now() - t0)
    return ok
  }
  if (generated) await clearGenerated(o)
  if (generated) await applyPlan(o, plan)
  try {
    const synced = await runTest('sync', async () => {
      const r = await waitSync(o, plan)
      syncedAfterMs = r.ms
      return r.checks
    })
    if (synced && !o.syncOnly) {
      const dual = plan.clocks.some((c) => c.kind === 'dualfollower')
      if (dual) await runTest('dual follower failover', () => dualFollowerFailover(o, plan))
      else await runTest('port down/up recovery', () => portRecovery(o, plan, { node: plan.clocks[0]!.node, port: plan.clocks[0]!.slavePorts[0]! }))
      await runTest('process restart', () => processRestart(o, plan))
      await runTest('profile priority', () => profilePriority(o, plan))
      if (o.soak) await runTest('soak: slave_clock_sync', () => soakSlaveClockSync(o, plan, o.soak!))
    }
  } finally {
    if (generated && !o.keepConfig) await removePlan(o, plan)
  }
  return { ...base, checks, durationMs: Date.now() - started, syncedAfterMs }
}
