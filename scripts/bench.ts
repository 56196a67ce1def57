// Benchmark of the default lab (topologies/default.yaml): up time, time to
// first LOCKED, daemon CPU/RSS at steady state, down time and a whole OC run.
// Prints a table and one `BENCH_JSON {...}` line. Targets are reported, not
// asserted: the exit code is non-zero only when something fails.
import { spawn, execFileSync } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { buildImages, dockerAvailable } from '../lab/images/images.js'
import { testSettings } from '../lab/conformance/settings.js'
import { runSuite } from '../lab/conformance/suite.js'
import { openLabCluster } from '../lab/cluster/index.js'
import { suitePassed, humanReport } from '../lab/conformance/report.js'
import { labPaths, projectRoot } from '../lab/paths.js'
import { labNodeNames } from '../lab/backends/assemble.js'
import { DAEMON_HOST } from '../lab/backends/netns/daemon-host.js'
import { listLabs } from '../lab/state/labs.js'
import { readState } from '../lab/state/state.js'
import { hostClockChanges, readHostClock } from '../lab/clock/guard.js'
import type { ServoFigures } from '../lab/conformance/servo.js'
import { scaleBench, scaleTable } from './bench-scale.js'

const HELP = `usage: node dist/scripts/bench.js [options]   (npm run bench)

Benchmarks the default topology on a dedicated lab (needs root):
  1. up time          wall time of \`ptplab up --name <lab>\`
  2. time to LOCKED   the OC mode through the library (L2 discovery, solver,
                      configs applied and kept, sync test only): "config
                      applied -> in sync" and "up finished -> first LOCKED"
  3. steady state     daemon CPU (millicores) and RSS per node over a window
                      from /proc, ptp4l children reported separately
  4. down time        wall time of \`ptplab down --name <lab>\`
  5. whole OC run     wall time of \`ptplab run --mode oc --name <lab>\`
Figures are medians over --runs. Targets are printed, never enforced: the
exit code is 1 only if a step fails (e.g. the OC test).

options:
  --runs <n>      repetitions (default 1)
  --name <lab>    lab name (default bench; never the default lab "ptplab")
  --settle <s>    wait after LOCKED before sampling (default 3)
  --window <s>    CPU sampling window (default 10)
  --clock <mode>  shared (default: the figures above) or independent: every
                  node its own clock (the clock models in the topology);
                  per mode and slave clock: time to first LOCKED, ptp4l's
                  and the true offset rms/max over the servo window, the
                  servo's frequency error against the injected error; the
                  host clock checked before and after
  --scale <list>  instead: generated labs of these worker counts (e.g.
                  8,16,32,64): up / discover / run --mode oc / down and
                  memory per node (scripts/bench-scale.ts)
  -h, --help      this text`

const TARGETS = { upS: 2, upToLockedS: 5, ocRunS: 20, fourModesS: 180, daemonCpuMcores: 10, daemonRssMb: 80 }

interface NodeFigures {
  node: string
  daemonMcores: number
  daemonRssMb: number
  ptp4lMcores?: number // undefined: the node runs no ptp4l
}
interface RunFigures {
  upS?: number
  configToLockedS?: number
  upToLockedS?: number
  downS?: number
  ocRunS?: number
  fourModesS?: number
  dockerUpS?: number
  dockerOcRunS?: number
  nodes?: NodeFigures[]
}

// ---- pure helpers ----------------------------------------------------------

function median(xs: number[]): number | undefined {
  if (!xs.length) return undefined
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

// CPU ticks (utime+stime) used over a window -> millicores.
const millicores = (ticks: number, clkTck: number, windowS: number) => (ticks / clkTck / windowS) * 1000

interface ProcStat {
  comm: string
  ppid: number
  ticks: number // utime + stime, own threads only (children are not included)
  start: string // starttime: pid + start identify a process
}

// /proc/<pid>/stat: comm may hold spaces and parens, so split after the last ')'.
// Fields after it start at field 3 (state): field n is at index n - 3.
function parseStat(s: string): ProcStat {
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
  return { comm: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), start: f[19]! }
}

const fix = (v: number | undefined, d: number, unit = '') => (v === undefined ? '-' : `${v.toFixed(d)}${unit && ` ${unit}`}`)

// ---- processes -------------------------------------------------------------

async function procStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseStat(await readFile(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return undefined
  }
}

async function rssMb(pid: number): Promise<number | undefined> {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''))
  return m ? Number(m[1]) / 1024 : undefined
}

// Every process whose parent is one of `parents`: pid -> stat.
async function childrenOf(parents: Set<number>): Promise<Map<number, ProcStat>> {
  const out = new Map<number, ProcStat>()
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue
    const st = await procStat(Number(d))
    if (st && parents.has(st.ppid)) out.set(Number(d), st)
  }
  return out
}

// Samples the lab's daemon host (every node's daemon in one process) and
// its ptp4l children at the start and end of the window; the host's CPU
// and RSS are shared out evenly, each ptp4l goes to the node whose run dir
// its config is in. A process must exist at both ends.
async function sampleDaemons(lab: string, windowS: number, clkTck: number, signal: AbortSignal): Promise<NodeFigures[]> {
  const st = await readState(lab)
  const host = (st?.resources ?? []).find((r) => r.kind === 'process' && r.name === DAEMON_HOST)
  if (!st || host?.kind !== 'process') throw new Error(`no daemon host recorded in the state of lab ${lab}`)
  const nodes = labNodeNames(st.topology)
  const pid = host.pid
  const snap = async () => ({ at: performance.now(), host: await procStat(pid), kids: await childrenOf(new Set([pid])) })
  const a = await snap()
  await sleep(windowS * 1000, undefined, { signal })
  const b = await snap()
  const secs = (b.at - a.at) / 1000
  if (!a.host || !b.host || a.host.start !== b.host.start) throw new Error(`the daemon host (pid ${pid}) died during the sampling window`)
  const rss = (await rssMb(pid)) ?? NaN
  const ptp4l = new Map<string, number>()
  for (const [cpid, c1] of b.kids) {
    const c0 = a.kids.get(cpid)
    if (c1.ppid !== pid || c1.comm !== 'ptp4l' || !c0 || c0.start !== c1.start) continue
    const cmd = await readFile(`/proc/${cpid}/cmdline`, 'utf8').catch(() => '')
    const node = nodes.find((n) => cmd.includes(`${labPaths(lab).nodeRun(n)}/`))
    if (node) ptp4l.set(node, (ptp4l.get(node) ?? 0) + millicores(c1.ticks - c0.ticks, clkTck, secs))
  }
  const each = millicores(b.host.ticks - a.host.ticks, clkTck, secs) / nodes.length
  return nodes.map((node) => ({ node, daemonMcores: each, daemonRssMb: rss / nodes.length, ptp4lMcores: ptp4l.get(node) }))
}

// ---- the CLI as a child process ---------------------------------------------

const CLI = join(projectRoot(), 'bin', 'ptplab.js')

async function ptplab(args: string[], signal?: AbortSignal): Promise<{ s: number; code: number; output: string }> {
  const t0 = performance.now()
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], signal, killSignal: 'SIGTERM' })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const code = await new Promise<number>((res) => {
    child.on('error', () => {}) // an abort: 'close' still follows
    child.on('close', (c) => res(c ?? 1))
  })
  return { s: (performance.now() - t0) / 1000, code, output }
}

async function ptplabOk(what: string, args: string[], signal?: AbortSignal): Promise<number> {
  const r = await ptplab(args, signal)
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${r.output.trimEnd()}`)
  return r.s
}

// ---- one run ---------------------------------------------------------------

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`)

async function oneRun(lab: string, o: { settleS: number; windowS: number; clkTck: number }, r: RunFigures, signal: AbortSignal): Promise<void> {
  let up = false
  try {
    log(`ptplab up --name ${lab}`)
    up = true // a failed or interrupted up rolls itself back; down is harmless then
    r.upS = await ptplabOk('ptplab up', ['up', '--name', lab], signal)
    const upEnd = performance.now()

    log('OC mode through the library (discovery, solver, configs kept), sync test only')
    const settings = { ...(await testSettings('oc')), keepConfig: true } // kept for the steady-state sample; down removes them
    const [res] = await runSuite({ cluster: await openLabCluster(lab), settings, progress: () => {}, signal, syncOnly: true })
    if (!res) throw new Error('OC suite returned no result')
    // With keepConfig the suite returns right after its last (passing) poll.
    const synced = performance.now()
    if (!suitePassed(res) || res.syncedAfterMs === undefined) throw new Error(`OC sync failed:\n${humanReport(res)}`)
    r.configToLockedS = res.syncedAfterMs / 1000
    r.upToLockedS = (synced - upEnd) / 1000

    log(`steady state: settling ${o.settleS} s, sampling daemons for ${o.windowS} s`)
    await sleep(o.settleS * 1000, undefined, { signal })
    r.nodes = await sampleDaemons(lab, o.windowS, o.clkTck, signal)

    log(`ptplab down --name ${lab}`)
    r.downS = await ptplabOk('ptplab down', ['down', '--name', lab], signal)
    up = false
  } finally {
    if (up) await ptplab(['down', '--name', lab]) // never leave the lab running
  }

  r.ocRunS = await timedThenDown(lab, ['run', '--mode', 'oc', '--name', lab], signal)
  if (!(await dockerAvailable())) {
    await buildImages({ progress: (m) => log(`images: ${m}`) }) // not timed: a one-off
    r.dockerUpS = await timedThenDown(lab, ['up', '--backend', 'docker', '--name', lab], signal)
    r.dockerOcRunS = await timedThenDown(lab, ['run', '--backend', 'docker', '--mode', 'oc', '--name', lab], signal)
  } else log('no Docker engine answers: docker backend not measured')
  r.fourModesS = await timedThenDown(lab, ['run', '--mode', 'oc,bc,dualnicbc,dualfollower', '--name', lab], signal)
}

// Wall time of a `ptplab ARGS` that must pass; whatever happens, the lab is
// gone afterwards.
async function timedThenDown(lab: string, args: string[], signal: AbortSignal): Promise<number> {
  log(`ptplab ${args.join(' ')}`)
  try {
    return await ptplabOk(`ptplab ${args.join(' ')}`, args, signal)
  } finally {
    if ((await listLabs()).includes(lab)) await ptplab(['down', '--name', lab])
  }
}

// ---- report ----------------------------------------------------------------

function summarize(runs: RunFigures[]) {
  const med = (f: (r: RunFigures) => number | undefined) => median(runs.map(f).filter((v): v is number => v !== undefined && !Number.isNaN(v)))
  const maxOf = (r: RunFigures, k: 'daemonMcores' | 'daemonRssMb') => (r.nodes ? Math.max(...r.nodes.map((n) => n[k])) : undefined)
  const nodeNames = [...new Set(runs.flatMap((r) => r.nodes?.map((n) => n.node) ?? []))]
  return {
    upS: med((r) => r.upS),
    upToLockedS: med((r) => r.upToLockedS),
    configToLockedS: med((r) => r.configToLockedS),
    downS: med((r) => r.downS),
    ocRunS: med((r) => r.ocRunS),
    fourModesS: med((r) => r.fourModesS),
    dockerUpS: med((r) => r.dockerUpS),
    dockerOcRunS: med((r) => r.dockerOcRunS),
    daemonCpuMcores: med((r) => maxOf(r, 'daemonMcores')),
    daemonRssMb: med((r) => maxOf(r, 'daemonRssMb')),
    nodes: nodeNames.map((node) => {
      const at = (r: RunFigures) => r.nodes?.find((n) => n.node === node)
      return {
        node,
        daemonMcores: med((r) => at(r)?.daemonMcores),
        daemonRssMb: med((r) => at(r)?.daemonRssMb),
        ptp4lMcores: med((r) => at(r)?.ptp4lMcores),
      }
    }),
  }
}

type Summary = ReturnType<typeof summarize>
const verdict = (v: number | undefined, target: number) => (v === undefined ? '-' : v <= target ? 'OK' : 'OVER')

// Columns listed in `right` are right-aligned (numbers), the rest left-aligned.
function table(rows: string[][], right: number[]): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows.map((r) => r.map((c, i) => (right.includes(i) ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ').trimEnd()).join('\n')
}

function report(s: Summary, n: number, lab: string, windowS: number, clkTck: number): string {
  const T = TARGETS
  const main = [
    ['metric', 'value', 'target', 'verdict'],
    ['up (ptplab up, wall)', fix(s.upS, 2, 's'), `<= ${T.upS} s`, verdict(s.upS, T.upS)],
    ['up finished -> first LOCKED', fix(s.upToLockedS, 2, 's'), `<= ${T.upToLockedS} s`, verdict(s.upToLockedS, T.upToLockedS)],
    ['config applied -> in sync (LOCKED, offset in window)', fix(s.configToLockedS, 2, 's'), '', ''],
    ['down (ptplab down, wall)', fix(s.downS, 2, 's'), '', ''],
    ['whole OC run (ptplab run --mode oc, wall)', fix(s.ocRunS, 2, 's'), `<= ${T.ocRunS} s`, verdict(s.ocRunS, T.ocRunS)],
    ['four modes (run --mode oc,bc,dualnicbc,dualfollower)', fix(s.fourModesS, 1, 's'), `<= ${T.fourModesS} s`, verdict(s.fourModesS, T.fourModesS)],
    ['docker backend: up (ptplab up --backend docker)', fix(s.dockerUpS, 2, 's'), '', ''],
    ['docker backend: whole OC run (run --backend docker --mode oc)', fix(s.dockerOcRunS, 2, 's'), '', ''],
    ['daemon CPU, max over nodes', fix(s.daemonCpuMcores, 1, 'mcores'), `<= ${T.daemonCpuMcores} mcores`, verdict(s.daemonCpuMcores, T.daemonCpuMcores)],
    ['daemon RSS, max over nodes', fix(s.daemonRssMb, 1, 'MB'), `<= ${T.daemonRssMb} MB`, verdict(s.daemonRssMb, T.daemonRssMb)],
  ]
  const nodes = [
    ['node', 'daemon mcores', 'daemon RSS MB', 'ptp4l mcores'],
    ...s.nodes.map((x) => [x.node, fix(x.daemonMcores, 1), fix(x.daemonRssMb, 1), x.ptp4lMcores === undefined ? 'no ptp4l' : fix(x.ptp4lMcores, 1)]),
  ]
  return [
    `ptplab bench: topology default.yaml, lab ${lab}, ${n} run(s), medians`,
    table(main, [1]),
    '',
    `steady state per node (OC configs applied, ${windowS} s window):`,
    table(nodes, [1, 2, 3]),
    `(ptp4l: the daemon's child processes, not included in the daemon figures; resolution 1 clock tick = ${fix(millicores(1, clkTck, windowS), 1)} mcores)`,
  ].join('\n')
}

// ---- independent clocks ------------------------------------------------------

const MODES_ALL = 'oc,bc,dualnicbc,dualfollower'

async function independentBench(lab: string, runs: number, signal: AbortSignal): Promise<number> {
  const rows: Array<{ run: number; mode: string; pass: boolean; syncS?: number; servo: ServoFigures[] }> = []
  let failure: string | undefined
  const before = await readHostClock()
  for (let i = 0; i < runs && !failure; i++) {
    log(`run ${i + 1}/${runs}: ptplab up --clock independent --name ${lab}`)
    try {
      await ptplabOk('ptplab up', ['up', '--clock', 'independent', '--name', lab], signal)
      const settings = { ...(await testSettings(MODES_ALL)), clock: 'independent' as const }
      const rs = await runSuite({ cluster: await openLabCluster(lab), settings, progress: (m) => log(m), signal, syncOnly: true })
      for (const r of rs) rows.push({ run: i + 1, mode: r.suite, pass: suitePassed(r), syncS: r.syncedAfterMs === undefined ? undefined : r.syncedAfterMs / 1000, servo: r.servo ?? [] })
      const bad = rs.filter((r) => !suitePassed(r))
      if (bad.length) failure = bad.map((r) => humanReport(r)).join('\n')
    } catch (e) {
      failure = signal.aborted ? 'interrupted' : (e as Error).message
    } finally {
      if ((await listLabs()).includes(lab)) await ptplab(['down', '--name', lab])
    }
  }
  const changes = hostClockChanges(before, await readHostClock())
  if (changes.length) failure = `host clock changed: ${changes.join('; ')}`
  const f = (v: number | undefined, d = 0) => (v === undefined ? '-' : v.toFixed(d))
  const body = rows.flatMap((r) =>
    r.servo.map((x) => [String(r.run), r.mode, `${x.part} ${x.node}:${x.port}`, f(x.timeToLockMs && x.timeToLockMs / 1000, 1), f(x.ptp4lRmsNs), f(x.ptp4lMaxNs), f(x.trueRmsNs), f(x.trueMaxNs), f(x.injectedPpm), f(x.freqErrorPpb), f(x.freqErrorPct, 2)]),
  )
  process.stdout.write(
    [
      `ptplab bench --clock independent: topology default.yaml (its clock: models), lab ${lab}, ${runs} run(s), modes ${MODES_ALL}, sync + servo window`,
      table([['run', 'mode', 'slave clock', 'lock s', 'ptp4l rms', 'ptp4l max', 'true rms', 'true max', 'inj ppm', 'freq err ppb', 'freq err %'], ...body], [3, 4, 5, 6, 7, 8, 9, 10]),
      `modes in sync: ${rows.filter((r) => r.pass).length}/${rows.length}; host clock ${changes.length ? `CHANGED: ${changes.join('; ')}` : 'untouched'}`,
      `linuxptp-testsuite limits (software timestamps): rms <= 1000 ns, max <= 2000 ns`,
    ].join('\n') + '\n',
  )
  const round = (_k: string, v: unknown) => (typeof v === 'number' ? Math.round(v * 1000) / 1000 : v)
  process.stdout.write(`BENCH_JSON ${JSON.stringify({ topology: 'default', clock: 'independent', lab, runs, rows, hostClockChanges: changes, ...(failure ? { failure } : {}) }, round)}\n`)
  if (failure) process.stderr.write(`bench: FAILED: ${failure}\n`)
  return failure ? 1 : 0
}

// ---- main ------------------------------------------------------------------

async function main(): Promise<number> {
  const { values: a } = parseArgs({
    options: {
      runs: { type: 'string', default: '1' },
      name: { type: 'string', default: 'bench' },
      settle: { type: 'string', default: '3' },
      window: { type: 'string', default: '10' },
      clock: { type: 'string', default: 'shared' },
      scale: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (a.help) {
    process.stdout.write(HELP + '\n')
    return 0
  }
  const num = (k: string, v: string, int: boolean) => {
    const n = Number(v)
    if (!(n > 0) || (int && !Number.isInteger(n))) throw new Error(`--${k} must be a positive ${int ? 'integer' : 'number'}, got ${JSON.stringify(v)}`)
    return n
  }
  const runs = num('runs', a.runs, true)
  const o = { settleS: num('settle', a.settle, false), windowS: num('window', a.window, false), clkTck: 100 }
  const lab = a.name
  if (lab === 'ptplab') throw new Error('refusing lab name "ptplab" (the default lab other work uses); pick another --name')
  try {
    o.clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    /* keep 100 */
  }

  if (a.scale !== undefined) {
    const sizes = a.scale.split(',').map((v) => num('scale', v.trim(), true))
    const r = await scaleBench(sizes, lab, (what, args) => ptplabOk(`ptplab ${what}`, args), log)
    process.stdout.write(scaleTable(r) + '\n')
    process.stdout.write(`BENCH_SCALE_JSON ${JSON.stringify(r)}\n`)
    return 0
  }

  const ac = new AbortController()
  const onSig = () => {
    log('interrupted: cleaning up')
    ac.abort()
  }
  process.on('SIGINT', onSig)
  process.on('SIGTERM', onSig)

  if ((await listLabs()).includes(lab)) {
    log(`lab ${lab} exists (left over from an earlier bench?): removing it`)
    await ptplabOk('ptplab down', ['down', '--name', lab])
  }

  if (a.clock === 'independent') return independentBench(lab, runs, ac.signal)
  if (a.clock !== 'shared') throw new Error(`--clock must be shared or independent, got ${JSON.stringify(a.clock)}`)

  const results: RunFigures[] = []
  let failure: string | undefined
  for (let i = 0; i < runs && !failure; i++) {
    log(`run ${i + 1}/${runs}`)
    const r: RunFigures = {}
    results.push(r)
    try {
      await oneRun(lab, o, r, ac.signal)
    } catch (e) {
      failure = ac.signal.aborted ? 'interrupted' : (e as Error).message
    }
  }

  const s = summarize(results)
  process.stdout.write(report(s, results.length, lab, o.windowS, o.clkTck) + '\n')
  const json = {
    topology: 'default',
    lab,
    runs: results.length,
    clkTck: o.clkTck,
    windowS: o.windowS,
    median: s,
    targets: TARGETS,
    verdict: {
      upS: verdict(s.upS, TARGETS.upS),
      upToLockedS: verdict(s.upToLockedS, TARGETS.upToLockedS),
      ocRunS: verdict(s.ocRunS, TARGETS.ocRunS),
      fourModesS: verdict(s.fourModesS, TARGETS.fourModesS),
      daemonCpuMcores: verdict(s.daemonCpuMcores, TARGETS.daemonCpuMcores),
      daemonRssMb: verdict(s.daemonRssMb, TARGETS.daemonRssMb),
    },
    perRun: results,
    ...(failure ? { failure } : {}),
  }
  const round = (_k: string, v: unknown) => (typeof v === 'number' ? Math.round(v * 1000) / 1000 : v)
  process.stdout.write(`BENCH_JSON ${JSON.stringify(json, round)}\n`)
  if (failure) process.stderr.write(`bench: FAILED: ${failure}\n`)
  return failure ? 1 : 0
}

try {
  process.exitCode = await main()
} catch (e) {
  process.stderr.write(`bench: error: ${(e as Error).message}\n`)
  process.exitCode = 1
}
