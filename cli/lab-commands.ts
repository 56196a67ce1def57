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
import { InputError, InterruptedError } from '../lab/errors.js'
import { defaultTopologyFile } from '../lab/paths.js'
import { parsePromText } from '../lab/ptp/prom-text.js'
import { clockStateOf, offsetOf, roleOf } from '../lab/conformance/checks.js'
import { labNodeNames } from '../lab/backends/assemble.js'
import { switchPorts } from '../lab/switch/profile.js'
import { ClockState, enumName, PortRole } from '../lab/ptp/types.js'
import { testSettings, type TestSettings } from '../lab/conformance/settings.js'
import { checkLabName, listLabs, loadRunningLab, pickLab } from '../lab/state/labs.js'
import { runJson } from '../lab/report/json.js'
import { RunRecorder } from '../lab/report/recorder.js'
import { writeRunReport } from '../lab/report/write.js'
import { readState } from '../lab/state/state.js'
import { linkOf, loadTopologyFile, type Topology } from '../lab/topology/index.js'
import { EXIT, progress, UsageError } from './output.js'
import type { KindFlags } from './kind.js'
import { openTarget, wantsKube, type TargetFlags } from './target.js'
import { parseInterval, watch } from './watch.js'

export function parseBackend(v: string | undefined): BackendKind {
  const b = v ?? 'netns'
  if (!(BACKENDS as readonly string[]).includes(b)) throw new InputError(`unknown backend ${JSON.stringify(b)} (known: ${BACKENDS.join(', ')})`, { field: '--backend' })
  return b as BackendKind
}

async function upLab(backend: LabBackend, t: Topology, file: string, signal: AbortSignal): Promise<void> {
  try {
    await backend.up({ topology: t, topologyFile: file, progress, signal })
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

// SIGINT/SIGTERM during `fn` aborts its signal: the running step ends, up
// rolls back, run tears down. Once aborted, the command ends as interrupted
// (exit 130) whatever it then returns or throws (a step that failed because
// of the interruption, an error thrown as `new Error('interrupted')`).
export async function interruptibly<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController()
  const onSig = () => {
    progress(ac.signal.aborted ? 'interrupted again: still cleaning up' : 'interrupted: cleaning up')
    ac.abort()
  }
  process.on('SIGINT', onSig)
  process.on('SIGTERM', onSig)
  try {
    const r = await fn(ac.signal)
    if (ac.signal.aborted) throw new InterruptedError()
    return r
  } catch (e) {
    if (ac.signal.aborted && !(e instanceof InterruptedError)) throw new InterruptedError('interrupted', { cause: e })
    throw e
  } finally {
    process.off('SIGINT', onSig)
    process.off('SIGTERM', onSig)
  }
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

export async function cmdUp(o: { topology?: string; name?: string; backend?: string } & KindFlags): Promise<number> {
  const kind = parseBackend(o.backend)
  const { t, file } = await loadTopology(o.topology, o.name)
  const backend = await upBackend(kind, t.name, o)
  if (o.dryRun) {
    await backend.up({ topology: t, topologyFile: file, progress })
    return EXIT.ok
  }
  const started = Date.now()
  await interruptibly(async (signal) => {
    progress(`bringing up lab ${t.name} (${kind}) from ${file}: ${t.nodes.length} nodes, ${t.links.length} links${t.switch ? `, switch ${t.switch.name}` : ''}`)
    await upLab(backend, t, file, signal)
  })
  progress(`lab ${t.name} is up (${((Date.now() - started) / 1000).toFixed(2)} s)`)
  return EXIT.ok
}

export async function cmdDown(o: { name?: string }): Promise<number> {
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
}

const nameOf = (o: Record<string, number>, v: number | undefined) => (v === undefined ? undefined : (enumName(o, v) ?? String(v)))

export async function collectStatus(lab: string) {
  const st = await readState(lab)
  if (!st) throw new UsageError(`lab "${lab}" is not up; run: ptplab up`)
  const t = st.topology
  const nodes = []
  for (const n of labNodeNames(t)) {
    let ds, samples
    try {
      ds = await daemonStatus(lab, n)
      samples = parsePromText(await daemonMetrics(lab, n))
    } catch (e) {
      nodes.push({ node: n, daemon: `unreachable: ${(e as Error).message}`, profiles: [], ports: [] })
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
      }
    })
    nodes.push({
      node: n,
      daemon: ds.readiness.ready ? 'ready' : `not ready: ${ds.readiness.reason}`,
      profiles: ds.profiles.map((p) => ({ name: p.name, config: p.config, ifaces: p.ifaces, processes: p.processes })),
      ports,
    })
  }
  // Daemons, the switch's OVS and every port: what `test` checks first.
  const health = st.phase === 'up' ? await new LabCluster(lab, t, await backendByKind(st.backend)).health() : { problems: [`phase ${st.phase}`], warnings: [] }
  return { lab, phase: st.phase, createdAt: st.createdAt, topologyFile: st.topologyFile, healthy: health.problems.length === 0, problems: health.problems, nodes }
}

export function statusText(s: Awaited<ReturnType<typeof collectStatus>>): string {
  const out = [`lab ${s.lab} (${s.phase}, since ${s.createdAt})`]
  for (const n of s.nodes) {
    out.push(`${n.node}: daemon ${n.daemon}; profiles: ${n.profiles.map((p) => `${p.name} (${p.config})`).join(', ') || 'none'}`)
    for (const p of n.ports)
      out.push(
        `  ${p.port.padEnd(15)} ${p.link.padEnd(22)} ${(p.role ?? '-').padEnd(10)} ${(p.clockState ?? '').padEnd(9)} ${p.offsetNs !== undefined ? `${p.offsetNs} ns` : ''}`.trimEnd(),
      )
  }
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
  const settings = report && !s.logs ? { ...s, logs: { dir: join(report, 'logs'), markers: true } } : s
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

export async function cmdTest(o: TargetFlags & { mode?: string } & RunOutputs): Promise<number> {
  const settings = await testSettings(o.mode)
  const cluster = await openTarget(o, progress)
  try {
    let target: RunTarget = { cluster, lab: cluster.description, clock: 'independent' }
    if (!wantsKube(o)) {
      const lab = await pickLab(o.name)
      target = { cluster, lab, topology: await loadRunningLab(lab), clock: 'shared' }
    }
    const rs = await interruptibly((signal) => runSuites(target, settings, o, signal))
    return rs.every(suitePassed) ? EXIT.ok : EXIT.failed
  } finally {
    await cluster.close()
  }
}

export async function cmdRun(o: { mode?: string; topology?: string; name?: string; keep?: boolean; backend?: string } & RunOutputs & KindFlags): Promise<number> {
  const kind = parseBackend(o.backend)
  const settings = await testSettings(o.mode)
  const { modes } = settings
  const { t, file } = await loadTopology(o.topology, o.name)
  const started = Date.now()
  const rs = await interruptibly(async (signal) => {
    progress(`bringing up lab ${t.name} (${kind}) from ${file}`)
    // A failed up rolls itself back; only a lab we brought up is torn down.
    const backend = await upBackend(kind, t.name, { ...o, dryRun: undefined })
    await upLab(backend, t, file, signal)
    progress(`lab ${t.name} is up`)
    try {
      const cluster = await clusterOfLab(t.name, t, backend)
      try {
        return await runSuites({ cluster, lab: t.name, topology: t, clock: 'shared' }, settings, o, signal)
      } finally {
        await cluster.close()
      }
    } finally {
      if (!o.keep) await backend.down(t.name, progress)
      else progress(`--keep: lab ${t.name} left running; remove it with: ptplab down --name ${t.name}`)
    }
  })
  const ok = rs.length === modes.length && rs.every(suitePassed)
  ;(o.json ? process.stderr : process.stdout).write(`ptplab run: ${ok ? 'PASS' : 'FAIL'} (${modes.join(',')}, ${((Date.now() - started) / 1000).toFixed(1)} s total)\n`)
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
