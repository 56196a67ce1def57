// Pod log collection in upstream's format (docs/upstream.md#suite; upstream's
// README "Pod Log Collection" and test/pkg/logging/collector.go): one run
// directory per suite, one file per log source, every line prefixed with its
// pod and a timestamp, test start/end marker blocks between them.
//
// The marker builders and runDirName are pure. LogCollector is the effectful
// part: it drains the cluster's log sources (files on a lab, the pod log API
// on Kubernetes) and writes the run directory.
//
// Differences from upstream, on purpose:
// - the run directory's timestamp is UTC (upstream: the runner's local time),
//   so names sort and compare the same on every machine;
// - every timestamp is ISO 8601 UTC with milliseconds as in upstream's README's
//   example (upstream's code writes RFC 3339 seconds);
// - the TEST END header is padded to the same 52 columns as every other
//   marker line, as upstream's README shows it (upstream's code writes 50);
// - "# File:" is left out when the test's location is unknown (upstream
//   writes "unknown:0").
import { appendFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { LogFollower, LogSource } from '../cluster/types.js'
import { InputError } from '../errors.js'

export type TestStatus = 'PASSED' | 'FAILED' | 'SKIPPED'

const TEST_HEADER = '####################' // 20
const TEST_LINE = '#'.repeat(52)
const SUITE_LINE = '#'.repeat(50)
const STREAM_LINE = '=========='

const pad2 = (n: number) => String(n).padStart(2, '0')

// run_<YYYY-MM-DD_HH-MM-SS>_<suite>, the time in UTC. An empty suite is "default" (as upstream).
export function runDirName(date: Date, suite: string): string {
  const s = suite === '' ? 'default' : suite
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s)) {
    throw new InputError(`suite name ${JSON.stringify(suite)} must be letters, digits, '.', '_' or '-'`, { field: 'suite' })
  }
  const d = `${date.getUTCFullYear()}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}`
  const t = `${pad2(date.getUTCHours())}-${pad2(date.getUTCMinutes())}-${pad2(date.getUTCSeconds())}`
  return `run_${d}_${t}_${s}`
}

// Go's time.Duration.String() for a duration given in milliseconds:
// "0s", "750µs", "150ms", "2.5s", "1m30s", "1h0m0.5s".
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`duration ${ms} is not finite`)
  let ns = Math.round(ms * 1e6)
  const sign = ns < 0 ? '-' : ''
  ns = Math.abs(ns)
  const frac = (v: number, unit: number): string => {
    const whole = Math.floor(v / unit)
    const rest = v % unit
    if (rest === 0) return String(whole)
    const digits = String(unit).length - 1
    return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`
  }
  if (ns === 0) return '0s'
  if (ns < 1e3) return `${sign}${ns}ns`
  if (ns < 1e6) return `${sign}${frac(ns, 1e3)}µs`
  if (ns < 1e9) return `${sign}${frac(ns, 1e6)}ms`
  const h = Math.floor(ns / 3600e9)
  const m = Math.floor((ns % 3600e9) / 60e9)
  const s = frac(ns % 60e9, 1e9)
  return `${sign}${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s}s`
}

const oneLine = (s: string) => s.replace(/\r?\n/g, ' ')

// Each builder returns the block's lines, each ending in "\n". The collector
// writes a blank line before and after a block, as upstream does.
export function testStartMarker(t: { name: string; started: Date; file?: string }): string {
  return [
    `${TEST_HEADER} TEST START ${TEST_HEADER}`,
    `# Test: ${oneLine(t.name)}`,
    `# Started: ${t.started.toISOString()}`,
    ...(t.file ? [`# File: ${oneLine(t.file)}`] : []),
    TEST_LINE,
  ].join('\n') + '\n'
}

export function testEndMarker(t: { name: string; status: TestStatus; durationMs: number; ended: Date }): string {
  const head = `${TEST_HEADER} TEST END `
  return [
    head.padEnd(TEST_LINE.length, '#'),
    `# Test: ${oneLine(t.name)}`,
    `# Status: ${t.status}`,
    `# Duration: ${formatDuration(t.durationMs)}`,
    `# Ended: ${t.ended.toISOString()}`,
    TEST_LINE,
  ].join('\n') + '\n'
}

export function suiteStartMarker(s: { suite: string; time: Date }): string {
  return [SUITE_LINE, '# TEST SUITE STARTED', `# Suite: ${oneLine(s.suite)}`, `# Time: ${s.time.toISOString()}`, SUITE_LINE].join('\n') + '\n'
}

export function suiteEndMarker(s: { time: Date }): string {
  return [SUITE_LINE, '# TEST SUITE ENDED', `# Time: ${s.time.toISOString()}`, SUITE_LINE].join('\n') + '\n'
}

// One line each, without newline.
export function streamStartMarker(s: { pod: string; container: string; time: Date }): string {
  return `${STREAM_LINE} [${s.time.toISOString()}] Starting stream from pod: ${s.pod}, container: ${s.container} ${STREAM_LINE}`
}

export function streamEndMarker(s: { pod: string; container: string; time: Date }): string {
  return `${STREAM_LINE} [${s.time.toISOString()}] Stream ended for pod: ${s.pod}, container: ${s.container} ${STREAM_LINE}`
}

export function stepMarker(step: string, time: Date): string {
  return `>>>>>>>>>> STEP [${time.toISOString()}]: ${oneLine(step)} <<<<<<<<<<`
}

// "[<source>] <ISO time> <line>", without newline.
export function prefixLine(source: string, line: string, time: Date = new Date()): string {
  return `[${source}] ${time.toISOString()} ${line}`
}

// ---------------------------------------------------------------------------
// LogCollector
// ---------------------------------------------------------------------------

// Sources (lab/cluster/types.ts LogSource): `name` is the output file base
// name (<run dir>/<name>.log; several sources may share one), `prefix` the
// "[pod]" of each line, `container`, when set, is named by stream start/end
// markers (upstream writes them for daemon containers only).
export interface LogCollectorOptions {
  dir: string // LOG_ARTIFACTS_DIR
  suite: string // run_<time>_<suite>
  sources: LogSource[]
  markers: boolean // LOG_TEST_MARKERS: suite and test marker blocks
  title?: string // "# Suite:" of the suite markers (default: suite)
  pollMs?: number // default 250
  now?: () => Date // clock for names and timestamps (tests)
}

interface Follow {
  src: LogSource
  follower: LogFollower
  out: string
  partial: string
  streaming: boolean // the source exists and its stream start marker is written
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

// Follows each source from start(): lines logged later are copied, prefixed,
// to the source's output file. A source that starts over (a truncated or
// replaced file, a restarted container) gets, with a container, stream
// end/start markers, like a restarted pod. A source missing at start() is
// read from its beginning once it appears. All writes go through one queue, so lines and markers
// land in the order the calls were made; testStart/testEnd/step first copy
// what the sources have so far, so a marker follows the lines logged before it.
export class LogCollector {
  private readonly o: Required<Omit<LogCollectorOptions, 'title'>> & { title: string }
  private follows: Follow[] = []
  private outputs: string[] = []
  private timer: NodeJS.Timeout | undefined
  private queue: Promise<void> = Promise.resolve()
  private tickPending = false
  private state: 'new' | 'running' | 'stopped' = 'new'
  private dir_: string | undefined
  // The last error of a timer-driven poll (explicit calls reject instead).
  lastError: Error | undefined

  constructor(opts: LogCollectorOptions) {
    opts.sources.forEach((s, i) => {
      if (!NAME.test(s.name)) throw new InputError(`log file name ${JSON.stringify(s.name)} must be letters, digits, '.', '_' or '-'`, { field: `sources[${i}].name` })
    })
    const pollMs = opts.pollMs ?? 250
    if (!(pollMs > 0)) throw new InputError(`poll interval must be positive, got ${pollMs}`, { field: 'pollMs' })
    this.o = { ...opts, title: opts.title ?? opts.suite, pollMs, now: opts.now ?? (() => new Date()) }
    runDirName(new Date(0), opts.suite) // validates the suite name now
  }

  // The run directory (after start()).
  get dir(): string | undefined {
    return this.dir_
  }

  // Creates the run directory and the output files, writes the suite start
  // marker, and starts following. Returns the run directory.
  async start(): Promise<string> {
    if (this.state !== 'new') throw new Error(`LogCollector.start: already ${this.state}`)
    this.state = 'running'
    try {
      return await this.begin()
    } catch (e) {
      this.state = 'stopped'
      throw e
    }
  }

  private async begin(): Promise<string> {
    const dir = join(this.o.dir, runDirName(this.o.now(), this.o.suite))
    await mkdir(dir, { recursive: true })
    this.dir_ = dir
    for (const src of this.o.sources) {
      const out = join(dir, `${src.name}.log`)
      if (!this.outputs.includes(out)) this.outputs.push(out)
      const follower = src.follow()
      const present = (await follower.drain()).present // the baseline: from now on
      this.follows.push({ src, follower, out, partial: '', streaming: present })
    }
    for (const out of this.outputs) await appendFile(out, '')
    if (this.o.markers) await this.writeAll(`\n${suiteStartMarker({ suite: this.o.title, time: this.o.now() })}\n`)
    for (const f of this.follows) if (f.streaming) await this.writeStreamStart(f)
    this.timer = setInterval(() => this.tick(), this.o.pollMs)
    this.timer.unref()
    return dir
  }

  testStart(name: string, opts: { file?: string; started?: Date } = {}): Promise<void> {
    return this.marker(() => testStartMarker({ name, started: opts.started ?? this.o.now(), ...(opts.file && { file: opts.file }) }))
  }

  testEnd(name: string, status: TestStatus, durationMs: number, ended?: Date): Promise<void> {
    return this.marker(() => testEndMarker({ name, status, durationMs, ended: ended ?? this.o.now() }))
  }

  // A step line in every file (markers on only), as upstream's WriteStep.
  step(text: string): Promise<void> {
    return this.enqueue(async () => {
      await this.pollAll()
      if (this.o.markers) await this.writeAll(`${stepMarker(text, this.o.now())}\n`)
    })
  }

  // Copies what the sources have now.
  poll(): Promise<void> {
    return this.enqueue(() => this.pollAll())
  }

  // Copies the rest, ends unterminated last lines, writes the stream end and
  // suite end markers, and stops the timer. Safe to call twice.
  async stop(): Promise<void> {
    if (this.state !== 'running') {
      this.state = 'stopped'
      return this.queue
    }
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    const last = this.enqueue(async () => {
      await this.pollAll()
      for (const f of this.follows) await this.streamEnd(f)
      if (this.o.markers) await this.writeAll(`\n${suiteEndMarker({ time: this.o.now() })}\n`)
      for (const f of this.follows) await f.follower.close()
    })
    this.state = 'stopped' // later calls are refused; the queued work still runs
    await last
  }

  private marker(block: () => string): Promise<void> {
    return this.enqueue(async () => {
      await this.pollAll()
      if (this.o.markers) await this.writeAll(`\n${block()}\n`)
    })
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    if (this.state !== 'running') return Promise.reject(new Error(`LogCollector: not running (${this.state})`))
    const p = this.queue.then(job)
    this.queue = p.catch(() => {})
    return p
  }

  private tick(): void {
    if (this.tickPending || this.state !== 'running') return
    this.tickPending = true
    this.enqueue(() => this.pollAll())
      .catch((e: unknown) => {
        this.lastError = e instanceof Error ? e : new Error(String(e))
      })
      .finally(() => {
        this.tickPending = false
      })
  }

  private async writeAll(text: string): Promise<void> {
    for (const out of this.outputs) await appendFile(out, text)
  }

  private async streamStart(f: Follow): Promise<void> {
    f.streaming = true
    await this.writeStreamStart(f)
  }

  private async writeStreamStart(f: Follow): Promise<void> {
    const c = f.src.container
    if (c) await appendFile(f.out, `\n${streamStartMarker({ pod: f.src.prefix, container: c, time: this.o.now() })}\n`)
  }

  // Ends the unterminated last line, then the stream.
  private async streamEnd(f: Follow): Promise<void> {
    await this.flushPartial(f)
    if (!f.streaming) return
    f.streaming = false
    const c = f.src.container
    if (c) await appendFile(f.out, `\n${streamEndMarker({ pod: f.src.prefix, container: c, time: this.o.now() })}\n\n`)
  }

  private async flushPartial(f: Follow): Promise<void> {
    const rest = f.partial
    f.partial = ''
    if (rest !== '') await appendFile(f.out, `${prefixLine(f.src.prefix, rest.replace(/\r$/, ''), this.o.now())}\n`)
  }

  private async pollAll(): Promise<void> {
    for (const f of this.follows) await this.pollOne(f)
  }

  private async pollOne(f: Follow): Promise<void> {
    const c = await f.follower.drain()
    if (!c.present) {
      // Gone (deleted, or not there yet): whatever appears next is new.
      if (c.text) f.partial += c.text
      await this.streamEnd(f)
      return
    }
    if (c.restarted) await this.streamEnd(f)
    if (!f.streaming) await this.streamStart(f)
    if (c.text === '') return
    const lines = (f.partial + c.text).split('\n')
    f.partial = lines.pop() ?? ''
    if (lines.length === 0) return
    const now = this.o.now()
    await appendFile(f.out, lines.map((l) => `${prefixLine(f.src.prefix, l.replace(/\r$/, ''), now)}\n`).join(''))
  }
}
