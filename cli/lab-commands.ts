// up / down / status / test / run: thin shells over lab/.
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { backendByKind, downLab } from '../lab/backends/index.js'
import { LabCluster } from '../lab/cluster/lab.js'
import type { Cluster } from '../lab/cluster/types.js'
import { BACKENDS, LabExistsError, type BackendKind, type LabBackend } from '../lab/backends/types.js'
import { daemonMetrics, daemonStatus } from '../lab/backends/daemon-client.js'
import { runSuite } from '../lab/conformance/suite.js'
import { humanReport, junitXml, suitePassed, summaryTable, type SuiteResult } from '../lab/conformance/report.js'
import { InputError } from '../lab/errors.js'
import { interruptibly } from './interrupt.js'
import { defaultTopologyFile, runRoot } from '../lab/paths.js'
import { parsePromText } from '../lab/ptp/prom-text.js'
import { clockStateOf, offsetOf, roleOf } from '../lab/conformance/checks.js'
import { trueOffsetOf } from '../lab/conformance/servo.js'
import { labNodeNames } from '../lab/backends/assemble.js'
import { switchPorts } from '../lab/switch/profile.js'
import { ClockState, enumName, PortRole } from '../lab/ptp/types.js'
import { testSettings, type TestSettings } from '../lab/conformance/settings.js'
import { checkLabName, listLabs, loadRunningLab, pickLab } from '../lab/state/labs.js'
import { runJson } from '../lab/report/json.js'
import { RunRecorder } from '../lab/report/recorder.js'
import { writeRunReport } from '../lab/report/write.js'
import { readState } from '../lab/state/state.js'
import { clockModelOf, linkOf, loadTopologyFile, type Topology } from '../lab/topology/index.js'
import { CLOCK_MODES, describeClock, type ClockMode } from '../lab/clock/model.js'
import { assertIndependentClocks } from '../lab/clock/launch.js'
import { hostClockChanges, readHostClock, type HostClock } from '../lab/clock/guard.js'
import { EXIT, progress, UsageError } from './output.js'
import type { KindFlags } from './kind.js'
import { openTarget, wantsKube, type TargetFlags } from './target.js'
import { parseInterval, watch } from './watch.js'

export function parseBackend(v: string | undefined): BackendKind {
  const b = v ?? 'netns'
  if (!(BACKENDS as readonly string[]).includes(b)) throw new InputError(`unknown backend ${JSON.stringify(b)} (known: ${BACKENDS.join(', ')})`, { field: '--backend' })
  return b as BackendKind
}

export function parseClock(v: string | undefined, backend: BackendKind): ClockMode {
  const c = v ?? 'shared'
  if (!(CLOCK_MODES as readonly string[]).includes(c)) throw new InputError(`unknown clock mode ${JSON.stringify(c)} (known: ${CLOCK_MODES.join(', ')})`, { field: '--clock' })
  if (c === 'independent' && backend !== 'netns') throw new UsageError(`--clock independent needs --backend netns (the ${backend} backend has no clock library wiring yet)`)
  return c as ClockMode
}

async function upLab(backend: LabBackend, t: Topology, file: string, signal: AbortSignal, clock: ClockMode = 'shared'): Promise<void> {
  try {
    await backend.up({ topology: t, topologyFile: file, progress, signal, clock })
  } catch (e) {
    if (e instanceof LabExistsError) throw new UsageError(e.message)
    throw e
  }
}

export async function loadTopology(file: string | undefined, name: string | undefined): Promise<{ t: Topology; file: string }> {
  const f = file ?? defaultTopologyFile()
  const t = await loadTopologyFile(f)
  if (name !== undefined) t.name = checkLabName(name)
  return { t, file: f }
}


// The backend that brings a lab up: the kind backend with its executor.
async function upBackend(kind: BackendKind, lab: string, o: KindFlags): Promise<LabBackend> {
  if (kind !== 'kind') {
    for (const [flag, v] of [['--dry-run', o.dryRun], ['--registry', o.registry], ['--provider', o.provider], ['--links', o.links]] as const)
      if (v !== undefined && v !== false) throw new UsageError(`${flag} is for --backend kind only`)
    return backendByKind(kind)
  }
  const { kindBackend } = await import('./kind.js')
  return kindBackend(lab, o, (l) => void process.stdout.write(l + '\n'))
}

// The cluster `test` works on for a lab: a kind lab's is its Kubernetes cluster.
async function clusterOfLab(lab: string, t: Topology, backend: LabBackend): Promise<Cluster> {
  if (backend.name !== 'kind') return new LabCluster(lab, t, backend)
  const { openKindCluster } = await import('./kind.js')
  return openKindCluster(lab, t, progress)
}

export async function cmdUp(o: { topology?: string; name?: string; backend?: string; clock?: string } & KindFlags): Promise<number> {
  const kind = parseBackend(o.backend)
  const clock = parseClock(o.clock, kind)
  const { t, file } = await loadTopology(o.topology, o.name)
  const backend = await upBackend(kind, t.name, o)
  if (o.dryRun) {
    await backend.up({ topology: t, topologyFile: file, progress })
    return EXIT.ok
  }
  const started = Date.now()
  await interruptibly(async (signal) => {
    progress(`bringing up lab ${t.name} (${kind}, ${clock} clock) from ${file}: ${t.nodes.length} nodes, ${t.links.length} links${t.switch ? `, switch ${t.switch.name}` : ''}`)
    await upLab(backend, t, file, signal, clock)
  })
  progress(`lab ${t.name} is up (${((Date.now() - started) / 1000).toFixed(2)} s)`)
  return EXIT.ok
}

export async function cmdDown(o: { name?: string }): Promise<number> {
  // Before anything: a lab's namespaces, processes and run dir are root's.
  if (process.getuid?.() !== 0) throw new Error(`ptplab down needs root: a lab's namespaces, processes and ${runRoot()} belong to root; nothing was changed (run it with sudo)`)
  const lab = await pickLab(o.name)
  const r = await downLab(lab, progress)
  const nothing = !r.processes && !r.containers && !r.namespaces.length && !r.removedDir
  const what = [r.containers ? `${r.containers} containers` : '', `${r.namespaces.length} namespaces`, `${r.processes} processes`].filter(Boolean)
  progress(nothing ? `lab ${lab}: nothing to remove` : `lab ${lab} removed (${what.join(', ')})`)
  return EXIT.ok
}

interface PortStatus {
  node: string
  port: string
  link: string
  role?: string
  clockState?: string
  offsetNs?: number
  trueOffsetNs?: number // independent clocks: ground truth against the GM
}

const nameOf = (o: Record<string, number>, v: number | undefined) => (v === undefined ? undefined : (enumName(o, v) ?? String(v)))

export async function collectStatus(lab: string) {
  const st = await readState(lab)
  if (!st) throw new UsageError(`lab "${lab}" is not up; run: ptplab up`)
  const t = st.topology
  const backend = await backendByKind(st.backend)
  const restarts = (await backend.restarts?.(lab)) ?? {}
  const nodes = []
  for (const n of labNodeNames(t)) {
    let ds, samples
    try {
      ds = await daemonStatus(lab, n)
      samples = parsePromText(await daemonMetrics(lab, n))
    } catch (e) {
      nodes.push({ node: n, daemon: `unreachable: ${(e as Error).message}`, restarts: restarts[n] ?? 0, profiles: [], ports: [] })
      continue
    }
    const obs = { metrics: { [n]: samples }, clocks: {} }
    const portNames =
      n === t.switch?.name
        ? switchPorts(t).map((sp) => ({ port: sp.port, link: `vlan ${sp.vlan}` }))
        : (t.nodes.find((x) => x.name === n)?.nics.flatMap((c) => c.ports) ?? []).map((port) => {
            const l = linkOf(t, n, port)
            return { port, link: !l ? 'unplugged' : l.b.kind === 'switch' ? `${t.switch?.name} vlan ${l.vlan ?? 1}` : 'direct' }
          })
    const ports: PortStatus[] = portNames.map(({ port, link }) => {
      const p = { node: n, port }
      const role = roleOf(obs, p)
      const slave = role === PortRole.SLAVE
      return {
        node: n,
        port,
        link,
        role: nameOf(PortRole, role),
        clockState: slave ? nameOf(ClockState, clockStateOf(obs, p)) : undefined,
        offsetNs: slave ? offsetOf(obs, p) : undefined,
        trueOffsetNs: slave ? trueOffsetOf(obs, p) : undefined,
      }
    })
    nodes.push({
      node: n,
      daemon: ds.readiness.ready ? 'ready' : `not ready: ${ds.readiness.reason}`,
      restarts: restarts[n] ?? 0,
      profiles: ds.profiles.map((p) => ({ name: p.name, config: p.config, ifaces: p.ifaces, processes: p.processes })),
      clock: st.clock === 'independent' ? { model: clockModelOf(t, n), servoPpb: samples.find((x) => x.name === 'ptplab_clock_servo_ppb')?.value, steps: samples.find((x) => x.name === 'ptplab_clock_steps')?.value } : undefined,
      ports,
    })
  }
  // Daemons, the switch's OVS and every port: what `test` checks first.
  const health = st.phase === 'up' ? await new LabCluster(lab, t, backend).health() : { problems: [`phase ${st.phase}`], warnings: [] }
  return { lab, phase: st.phase, clock: st.clock ?? 'shared', createdAt: st.createdAt, topologyFile: st.topologyFile, healthy: health.problems.length === 0, problems: health.problems, warnings: health.warnings, nodes }
}

export function statusText(s: Awaited<ReturnType<typeof collectStatus>>): string {
  const out = [`lab ${s.lab} (${s.phase}, ${s.clock} clock, since ${s.createdAt})`]
  for (const n of s.nodes) {
    out.push(`${n.node}: daemon ${n.daemon}${n.restarts ? ` (restarted ${n.restarts}x)` : ''}; profiles: ${n.profiles.map((p) => `${p.name} (${p.config})`).join(', ') || 'none'}`)
    if (n.clock) out.push(`  clock ${describeClock(n.clock.model)}; servo ${n.clock.servoPpb !== undefined ? `${Math.round(n.clock.servoPpb)} ppb` : '-'}, ${n.clock.steps ?? 0} steps`)
    for (const p of n.ports)
      out.push(
        `  ${p.port.padEnd(15)} ${p.link.padEnd(22)} ${(p.role ?? '-').padEnd(10)} ${(p.clockState ?? '').padEnd(9)} ${p.offsetNs !== undefined ? `${p.offsetNs} ns` : ''}${p.trueOffsetNs !== undefined ? ` (true ${Math.round(p.trueOffsetNs)} ns)` : ''}`.trimEnd(),
      )
  }
  for (const w of s.warnings) out.push(`warning: ${w}`)
  out.push(s.healthy ? 'healthy' : `NOT HEALTHY:\n  ${s.problems.join('\n  ')}`)
  return out.join('\n') + '\n'
}

export async function cmdStatus(o: { name?: string; json?: boolean; watch?: boolean; interval?: string }): Promise<number> {
  if (o.interval !== undefined && !o.watch) throw new UsageError('--interval is for --watch')
  const lab = await pickLab(o.name)
  if (o.watch) {
    const intervalMs = parseInterval(o.interval)
    return interruptibly((signal) =>
      watch({
        title: `ptplab status --name ${lab}`,
        frame: async () => {
          const s = await collectStatus(lab)
          return o.json ? JSON.stringify({ at: new Date().toISOString(), ...s }) : statusText(s)
        },
        intervalMs,
        tty: !!process.stdout.isTTY && !o.json,
        bare: o.json,
        write: (x) => void process.stdout.write(x),
        signal,
      }),
    )
  }
  const s = await collectStatus(lab)
  process.stdout.write(o.json ? JSON.stringify(s, null, 2) + '\n' : statusText(s))
  return s.healthy ? EXIT.ok : EXIT.failed
}

// What `test` and `run` make besides the exit code: JUnit files, the run
// report (--report DIR) and the JSON document (--json).
export interface RunOutputs {
  junit?: string
  report?: string // directory
  json?: boolean // one JSON document on stdout; the human text goes to stderr
}

const junitFile = (junit: string, mode: string, several: boolean) => (several ? junit.replace(/(\.xml)?$/, `-${mode}.xml`) : junit)

// The target as the report sees it: the lab's topology (none for a
// cluster, whose cabling is unknown) and whether its nodes share one clock.
export interface RunTarget {
  cluster: Cluster
  lab: string
  topology?: Topology
  clock: 'shared' | 'independent'
}

export async function runSuites(target: RunTarget, s: TestSettings, out: RunOutputs, signal?: AbortSignal): Promise<SuiteResult[]> {
  const { cluster } = target
  const { modes, window } = s
  const several = modes.length > 1
  const human = (text: string) => void (out.json ? process.stderr : process.stdout).write(text + '\n')
  const report = out.report ? resolve(out.report) : undefined
  // A report links its logs: collected into DIR/logs unless COLLECT_POD_LOGS chose a place.
  const logged = report && !s.logs ? { ...s, logs: { dir: join(report, 'logs'), markers: true } } : s
  // Ground truth and the servo window exist on a lab's own clocks only.
  const settings = target.topology && target.clock === 'independent' ? { ...logged, clock: target.clock } : logged
  if (report) await mkdir(report, { recursive: true })
  const recorder =
    report || out.json
      ? new RunRecorder({
          cluster,
          lab: target.lab,
          topology: target.topology,
          window,
          clock: target.clock,
          command: commandLine(),
          junitFor: (mode) => (report ? { label: `junit-${mode}.xml`, path: join(report, `junit-${mode}.xml`) } : undefined),
          warn: progress,
        })
      : undefined
  progress(`running ${modes.join(', ')} on ${cluster.description} (offset window [${window.min}, ${window.max}] ns)`)
  const results: SuiteResult[] = []
  let reportFailed: Error | undefined
  try {
    await runSuite({
      cluster,
      settings,
      progress,
      signal,
      observer: recorder,
      onResult: async (r) => {
        results.push(r)
        human(humanReport(r))
        const files = [...(out.junit ? [junitFile(out.junit, r.suite, several)] : []), ...(report ? [join(report, `junit-${r.suite}.xml`)] : [])]
        for (const f of files) {
          await writeFile(f, junitXml(r))
          progress(`JUnit report written to ${f}`)
        }
      },
    })
  } finally {
    // Also after an interruption: the report of the modes that ran.
    if (recorder) {
      const rec = recorder.record()
      let files
      if (report && rec.modes.length) {
        const t0 = Date.now()
        // A report that cannot be written fails the command afterwards (exit 1)
        // and never hides why an interrupted or failed run ended.
        files = await writeRunReport(report, rec).catch((e: Error) => void (reportFailed = e))
        if (files) progress(`run report written to ${files.index} (${recorder.rounds} sampling rounds; written in ${((Date.now() - t0) / 1000).toFixed(1)} s)`)
      }
      if (out.json) process.stdout.write(JSON.stringify(runJson(rec, files), null, 2) + '\n')
    }
  }
  if (results.length > 1) human(summaryTable(results))
  if (reportFailed) throw new Error(`run report not written to ${report}: ${reportFailed.message}`)
  return results
}

// How the run was started, for the report's reader.
const commandLine = () => ['ptplab', ...process.argv.slice(2)].map((a) => (/^[\w./:=,@+-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')

const sayer = (o: RunOutputs) => (text: string) => void (o.json ? process.stderr : process.stdout).write(text)

// The host clock guard's verdict (docs/clocks.md): printed, false on a change.
async function hostClockVerdict(before: HostClock | undefined, say: (text: string) => void): Promise<boolean> {
  if (!before) return true
  const changes = hostClockChanges(before, await readHostClock())
  say(changes.length === 0 ? 'host clock untouched (timex frequency, tick, status and CLOCK_REALTIME - CLOCK_MONOTONIC_RAW as before)\n' : `HOST CLOCK CHANGED: ${changes.join('; ')}\n`)
  return changes.length === 0
}

export async function cmdTest(o: TargetFlags & { mode?: string } & RunOutputs): Promise<number> {
  const settings = await testSettings(o.mode)
  const cluster = await openTarget(o, progress)
  try {
    let target: RunTarget = { cluster, lab: cluster.description, clock: 'independent' }
    let hostBefore: HostClock | undefined
    if (!wantsKube(o)) {
      const lab = await pickLab(o.name)
      target = { cluster, lab, topology: await loadRunningLab(lab), clock: (await readState(lab))?.clock ?? 'shared' }
      // A lab's independent clocks: the host clock's state before and after, always.
      if (target.clock === 'independent') hostBefore = await readHostClock()
    }
    const rs = await interruptibly((signal) => runSuites(target, settings, o, signal))
    const hostOk = await hostClockVerdict(hostBefore, sayer(o))
    return hostOk && rs.every(suitePassed) ? EXIT.ok : EXIT.failed
  } finally {
    await cluster.close()
  }
}

export async function cmdRun(o: { mode?: string; topology?: string; name?: string; keep?: boolean; backend?: string; clock?: string } & RunOutputs & KindFlags): Promise<number> {
  const kind = parseBackend(o.backend)
  const clock = parseClock(o.clock, kind)
  const settings = await testSettings(o.mode)
  const { modes } = settings
  const { t, file } = await loadTopology(o.topology, o.name)
  const started = Date.now()
  let hostBefore: HostClock | undefined
  const rs = await interruptibly(async (signal) => {
    progress(`bringing up lab ${t.name} (${kind}, ${clock} clock) from ${file}`)
    // A failed up rolls itself back; only a lab we brought up is torn down.
    const backend = await upBackend(kind, t.name, { ...o, dryRun: undefined })
    // Independent clocks: the host clock's state before and after, always.
    if (clock === 'independent') await assertIndependentClocks()
    hostBefore = clock === 'independent' ? await readHostClock() : undefined
    await upLab(backend, t, file, signal, clock)
    progress(`lab ${t.name} is up`)
    try {
      const cluster = await clusterOfLab(t.name, t, backend)
      try {
        return await runSuites({ cluster, lab: t.name, topology: t, clock }, settings, o, signal)
      } finally {
        await cluster.close()
      }
    } finally {
      if (!o.keep) await backend.down(t.name, progress)
      else progress(`--keep: lab ${t.name} left running; remove it with: ptplab down --name ${t.name}`)
    }
  })
  const say = sayer(o)
  const hostOk = await hostClockVerdict(hostBefore, say)
  const ok = hostOk && rs.length === modes.length && rs.every(suitePassed)
  say(`ptplab run: ${ok ? 'PASS' : 'FAIL'} (${modes.join(',')}, ${((Date.now() - started) / 1000).toFixed(1)} s total)\n`)
  return ok ? EXIT.ok : EXIT.failed
}

// Like `kind get clusters`: every lab on this host, also half-made ones.
export async function cmdList(o: { json?: boolean }): Promise<number> {
  const rows = []
  for (const lab of await listLabs()) {
    const st = await readState(lab).catch(() => undefined)
    rows.push({
      lab,
      backend: st?.backend ?? 'unknown',
      phase: st?.phase ?? 'no state (crashed? run: ptplab down --name ' + lab + ')',
      nodes: st ? st.topology.nodes.length : 0,
      since: st?.createdAt ?? '',
      topology: st?.topologyFile ?? '',
    })
  }
  if (o.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n')
  else if (!rows.length) process.stdout.write('no labs\n')
  else
    for (const r of rows)
      process.stdout.write(`${r.lab}\t${r.backend}\t${r.phase}\t${r.nodes} nodes\t${r.since}\t${r.topology}\n`)
  return EXIT.ok
}
