// The node daemon: watches <profile-path>/<node>, renders ptp4l configs,
// supervises ptp4l/phc2sys and turns their log lines into metrics. The same
// contract as upstream's linuxptp daemon (docs/upstream.md#daemon).
import { existsSync, watch, type FSWatcher } from 'node:fs'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { INPUTS, readInputFile } from '../lab/input.js'
import { PtpExporter } from '../lab/ptp/exporter.js'
import { planProfiles, parseProfileFile, type PlannedProfile } from '../lab/ptp/render-profile.js'
import { parsePmcOutput } from '../lab/ptp/pmc-parse.js'
import type { PtpProfile } from '../lab/ptp/types.js'
import { pmc } from './pmc.js'
import type { Trouble } from './output.js'
import { Supervised } from './supervisor.js'
import { TrueOffsetMetrics } from './truth.js'

export interface DaemonOptions {
  node: string
  profilePath: string
  runDir: string
  updateIntervalMs: number
  watch?: boolean // also re-read at once when the profile dir reports a change (inotify)
  sharedClock: boolean
  disciplineSystemClock?: boolean // phc2sys may set CLOCK_REALTIME
  // Independent clocks: this node's clock state file (its processes run on
  // it: childEnv) and the map clock identity -> state file for ground truth.
  clock?: { state: string; map: Record<string, string>; childEnv: Record<string, string> }
  restartDelayMs: number
  pmcIntervalMs: number
  wrapper: string[] // e.g. ['setpriv', '--pdeathsig', 'TERM', '--'] or []
  log: (msg: string) => void // daemon's own messages
  out: (line: string) => void // child output, passed through like upstream
  outputTroubles?: () => Trouble[] // destinations of those lines that fail now (disk full)
}

interface Running {
  plan: PlannedProfile
  children: Supervised[]
  seenEvent: boolean
}

export class Daemon {
  readonly exporter: PtpExporter
  private readonly truth?: TrueOffsetMetrics
  private lastBytes?: string
  private running: Running[] = []
  private lastError?: string
  private applied = false
  private timers: NodeJS.Timeout[] = []
  private applying: Promise<void> = Promise.resolve()
  private polling: Promise<void> = Promise.resolve()
  private settle?: NodeJS.Timeout
  private stopped = false

  constructor(readonly o: DaemonOptions) {
    this.exporter = new PtpExporter({ node: o.node })
    if (o.clock) this.truth = new TrueOffsetMetrics(this.exporter.registry, o.node, o.clock.state, o.clock.map)
  }

  get profileFile(): string {
    return join(this.o.profilePath, this.o.node)
  }

  async start(): Promise<void> {
    await mkdir(this.o.runDir, { recursive: true })
    await this.poll()
    this.timers.push(setInterval(() => void this.poll(), this.o.updateIntervalMs))
    if (this.o.watch) this.watchProfiles()
    this.timers.push(setInterval(() => void this.pollPmc(), this.o.pmcIntervalMs))
    if (this.truth) this.timers.push(setInterval(() => void this.truth?.refresh(), 250))
  }

  // Where the writer replaces the file (write, then rename), a change is
  // seen at once and the interval poll is only the fallback (a lost event,
  // a directory made later). Events of other nodes' files are ignored. In
  // a pod the ConfigMap volume changes by kubelet renaming a new `..data`
  // symlink over the old one (<node> -> ..data/<node> stays): that rename
  // is the change.
  private watcher?: FSWatcher
  private watchProfiles(): void {
    try {
      this.watcher = watch(this.o.profilePath, { persistent: false }, (_ev, name) => {
        // A writer that does not rename shows up as several events (the
        // truncate, then the writes): read once it has been quiet for 100 ms.
        if (name !== null && name !== this.o.node && name !== '..data') return
        clearTimeout(this.settle)
        this.settle = setTimeout(() => void this.poll(), 100)
      })
      this.watcher.on('error', () => this.watcher?.close())
    } catch (e) {
      this.o.log(`warning: cannot watch ${this.o.profilePath} (${(e as Error).message}); polling every ${this.o.updateIntervalMs / 1000} s`)
    }
  }

  // One read at a time (the interval and the watcher both call it), so an
  // older read never lands after a newer one.
  poll(): Promise<void> {
    this.polling = this.polling.then(() => this.pollOnce()).catch((e: Error) => this.reject(`cannot read the profile file: ${e.message}`))
    return this.polling
  }

  // Reads the profile file; applies it when its bytes changed. A missing file
  // means "no profiles" (the node has no entry in the ConfigMap).
  private async pollOnce(): Promise<void> {
    let bytes: string
    try {
      // Bounded like every user file: a ConfigMap's size, a regular file.
      bytes = existsSync(this.profileFile) ? await readInputFile(this.profileFile, INPUTS.profile) : '[]'
    } catch (e) {
      return this.reject((e as Error).message)
    }
    if (bytes === this.lastBytes) return
    this.lastBytes = bytes
    let plans: PlannedProfile[]
    let profiles: PtpProfile[]
    try {
      profiles = parseProfileFile(bytes, this.profileFile)
      plans = planProfiles(profiles, { runDir: this.o.runDir, sharedClock: this.o.sharedClock, virtualClock: !!this.o.clock, disciplineSystemClock: this.o.disciplineSystemClock })
    } catch (e) {
      return this.reject(`invalid profile file: ${(e as Error).message}`)
    }
    // A failed apply (e.g. the run dir is not writable, or full) is reported
    // like a bad profile, must not break the chain for the next change, and
    // is tried again at the next poll.
    this.applying = this.applying
      .then(async () => {
        await this.apply(profiles, plans)
        this.lastError = undefined
      })
      .catch((e: Error) => {
        this.lastBytes = undefined
        this.reject(`cannot apply profiles: ${e.message}`)
      })
    await this.applying
  }

  // Logged once per distinct reason (a failed apply is retried every poll).
  private reject(reason: string): void {
    const e = `${reason}; keeping the last good configuration`
    if (e !== this.lastError) this.o.log(`error: ${e}`)
    this.lastError = e
  }

  private async apply(profiles: PtpProfile[], plans: PlannedProfile[]): Promise<void> {
    if (this.stopped) return
    // The new configs are written next to the running ones first: when that
    // fails (a full disk) the running processes are left alone.
    const staged = plans.map((plan) => `${plan.configPath}.new`)
    const unstage = (e: unknown) => Promise.all(staged.map((f) => rm(f, { force: true }))).then(() => Promise.reject(e))
    await Promise.all(plans.map((plan, i) => writeFile(staged[i]!, plan.configText))).catch(unstage)
    this.o.log('in applyNodePTPProfiles')
    await this.stopAll()
    this.o.log('updating NodePTPProfiles to:')
    for (const p of profiles) {
      this.o.log('------------------------------------')
      this.o.log(`Profile Name: ${p.name}`)
      this.o.log(`Interface: ${p.interface ?? ''}`)
      this.o.log(`Ptp4lOpts: ${p.ptp4lOpts ?? ''}`)
      this.o.log(`Phc2sysOpts: ${p.phc2sysOpts ?? ''}`)
    }
    this.o.log('------------------------------------')
    for (const plan of plans) if (plan.skipped) this.o.log(`profile ${plan.profileName}: ${plan.skipped}`)
    for (const plan of plans) if (plan.warning) this.o.log(`warning: profile ${plan.profileName}: ${plan.warning}`)
    await Promise.all(plans.map((plan, i) => rename(staged[i]!, plan.configPath))).catch(unstage)
    for (const plan of plans) {
      this.exporter.registerConfig(plan.configName, plan.ifaces)
      const r: Running = { plan, children: [], seenEvent: false }
      // Independent clocks: each ptp4l instance (a NIC) its own clock.
      const env = this.truth && this.o.clock ? { ...this.o.clock.childEnv, VCLOCK_STATE: await this.truth.stateFor(plan.index) } : undefined
      if (env) this.truth!.add(plan.configName, env.VCLOCK_STATE, plan.ifaces)
      for (const pp of plan.processes) {
        const program = pp.process
        const argv = [...this.o.wrapper, ...(pp.sched ? ['chrt', '-f', String(pp.sched.priority)] : []), program, ...pp.args]
        const child: Supervised = new Supervised(
          { process: program, config: plan.configName, argv, restartDelayMs: this.o.restartDelayMs, ...(env && { env }) },
          {
            onLine: (line) => {
              this.o.out(line)
              if (this.exporter.handleLine(line, program)) r.seenEvent = true
            },
            onStart: (pid) => {
              this.o.log(`${program} started for ${plan.configName} (pid ${pid}): ${argv.join(' ')}`)
              this.exporter.setProcessStatus(program, plan.configName, true)
              if (program === 'ptp4l' && this.o.sharedClock) void this.markSynchronized(plan)
            },
            onExit: (code, signal, willRestart) => {
              this.exporter.setProcessStatus(program, plan.configName, false)
              this.o.log(
                `${program} for ${plan.configName} exited (${signal ?? `code ${code}`})` +
                  (willRestart ? `; restarting in ${this.o.restartDelayMs} ms` : ''),
              )
            },
            onRestart: () => this.exporter.incRestart(program, plan.configName),
          },
        )
        r.children.push(child)
      }
      this.running.push(r)
      for (const c of r.children) c.start()
    }
    this.applied = true
  }

  // Shared-clock mode: every node uses the one host clock, which nobody may
  // step. ptp4l runs with free_running 1; tell it the local clock is
  // synchronised by other means so its ports can reach SLAVE (docs/upstream.md#linuxptp).
  // Sent after every (re)start, retried until ptp4l's socket answers.
  private async markSynchronized(plan: PlannedProfile): Promise<void> {
    for (let i = 0; i < 50 && !this.stopped; i++) {
      try {
        const out = await pmc(plan.udsPath, plan.domain, this.o.runDir, ['SET SYNCHRONIZATION_UNCERTAIN_NP 0'])
        if (/uncertain\s+0/.test(out)) return
      } catch {
        /* socket not there yet */
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    this.o.log(`warning: could not set SYNCHRONIZATION_UNCERTAIN_NP on ${plan.configName}`)
  }

  // Clock class of each ptp4l, from its parent data set (gm.ClockClass).
  private async pollPmc(): Promise<void> {
    for (const r of this.running) {
      if (!r.children[0]?.running) continue
      try {
        const out = await pmc(r.plan.udsPath, r.plan.domain, this.o.runDir, ['GET PARENT_DATA_SET'], 3000, this.o.clock?.childEnv)
        const parent = parsePmcOutput(out).find((x) => x.id === 'PARENT_DATA_SET')?.fields
        const cls = parent?.['gm.ClockClass']
        if (parent?.grandmasterIdentity) this.truth?.setGrandmaster(r.plan.configName, parent.grandmasterIdentity)
        if (cls !== undefined) this.exporter.setClockClass('ptp4l', r.plan.configName, Number(cls))
      } catch {
        /* ptp4l busy or restarting: next round */
      }
    }
  }

  private async stopAll(): Promise<void> {
    const old = this.running
    this.running = []
    await Promise.all(old.flatMap((r) => r.children.map((c) => c.stop())))
    for (const r of old) {
      this.exporter.forgetConfig(r.plan.configName)
      this.truth?.forget(r.plan.configName)
      await rm(r.plan.configPath, { force: true })
    }
  }

  async shutdown(): Promise<void> {
    this.stopped = true
    for (const t of this.timers) clearInterval(t)
    clearTimeout(this.settle)
    this.watcher?.close()
    await this.applying
    await this.stopAll()
  }

  // Readiness: 503 with a reason until the config is applied, every process
  // is up and each ptp4l has produced at least one parsed log event. Lines
  // that cannot be written (a full disk) are a warning in the reason, not a
  // 503: PTP and the metrics are fine, and a 503 would take the node's
  // metrics out of service.
  readiness(): { ready: boolean; reason: string } {
    const r = this.ptpReadiness()
    const warnings = (this.o.outputTroubles?.() ?? []).map((t) => `cannot write ${t.sink} since ${t.since} (${t.error}; ${t.dropped} lines dropped)`)
    return warnings.length ? { ready: r.ready, reason: `${r.reason}; warning: ${warnings.join('; ')}` } : r
  }

  private ptpReadiness(): { ready: boolean; reason: string } {
    if (this.lastError) return { ready: false, reason: this.lastError }
    if (!this.applied) return { ready: false, reason: 'profile not applied yet' }
    for (const r of this.running) {
      for (const c of r.children)
        if (!c.running) return { ready: false, reason: `${c.spec.process} for ${r.plan.configName} is not running` }
      if (!r.seenEvent) return { ready: false, reason: `no metrics from ${r.plan.configName} yet` }
    }
    return { ready: true, reason: this.running.length ? 'ok' : 'ok (no profiles for this node)' }
  }

  status() {
    return {
      node: this.o.node,
      sharedClock: this.o.sharedClock,
      clock: this.truth?.status() ?? null,
      readiness: this.readiness(),
      lastError: this.lastError ?? null,
      output: this.o.outputTroubles?.() ?? [],
      profiles: this.running.map((r) => ({
        name: r.plan.profileName,
        config: r.plan.configName,
        configPath: r.plan.configPath,
        uds: r.plan.udsPath,
        domain: r.plan.domain,
        ifaces: r.plan.ifaces,
        processes: r.children.map((c) => ({
          process: c.spec.process,
          pid: c.pid ?? null,
          running: c.running,
          restarts: c.restarts,
        })),
      })),
    }
  }
}
