// What the daemon runs for a node's profiles (docs/upstream.md#daemon): config
// file text, argv and scheduling per process. Pure: the daemon writes the
// files and spawns; the CLI uses the same plan for dry runs.
import { InputError } from '../errors.js'
import { getOption, interfacesOf, parsePtp4lConf, renderPtp4lConf, setOption } from './ptp4l-conf.js'
import { cliInterfaces, splitOpts } from './opts.js'
import { checkProfileSafety } from './owned-options.js'
import type { PtpProfile } from './types.js'
import { excerpt, quote } from '../text.js'
import { LAB_SERVO } from './lab-servo.js'

export interface RenderOptions {
  runDir: string
  sharedClock: boolean // one-host lab: all nodes share CLOCK_REALTIME, never discipline it
  // phc2sys may steer CLOCK_REALTIME only when this is set (the daemon's
  // --discipline-system-clock): lab nodes, kind nodes included, share their
  // host's kernel clock, so by default a phc2sys that would set it is not run.
  disciplineSystemClock?: boolean
  // Independent clocks: each node's own virtual CLOCK_REALTIME (lab/clock),
  // which its ptp4l steers with the lab's servo settings; no PHC, so no phc2sys.
  virtualClock?: boolean
}

export interface PlannedProcess {
  process: 'ptp4l' | 'phc2sys'
  config: string // 'ptp4l.N.config'
  args: string[] // argv WITHOUT the program name
  sched?: { policy: 'SCHED_FIFO'; priority: number }
}

export interface PlannedProfile {
  index: number
  profileName: string
  configName: string // ptp4l.N.config
  configPath: string // runDir/ptp4l.N.config
  configText: string
  ifaces: string[] // port order
  domain: number
  udsPath: string // runDir/ptp4l.N.socket
  processes: PlannedProcess[] // ptp4l first, then phc2sys
  skipped?: string // why a configured phc2sys is not run
  warning?: string // a setting that works against the lab (logged by the daemon)
}

// With independent clocks a slave whose master steps by milliseconds (the
// switch or a BC following a new grandmaster) slews instead of stepping when
// the profile's step_threshold is above that: at up to the 10 % the tick
// allows, ringing for seconds (docs/clocks.md). The profile's value still wins.
function slewWarning(stepThreshold: string | undefined): string | undefined {
  const v = Number(stepThreshold)
  if (stepThreshold === undefined || !Number.isFinite(v) || (v > 0 && v <= 0.01)) return undefined
  const what = v > 0 ? `a master's step of up to ${v} s is slewed` : "every step of a master after the first is slewed"
  return `step_threshold ${excerpt(stepThreshold, 20)} on an independent clock: ${what}, not stepped (the lab servo settings use 0.001)`
}

const hasPhc2sys = (p: PtpProfile) => (p.phc2sysOpts ?? '').trim() !== ''

export function planProfiles(profiles: PtpProfile[], opts: RenderOptions): PlannedProfile[] {
  const seen = new Set<string>()
  profiles.forEach((p, i) => {
    if (typeof p.name !== 'string' || p.name.trim() === '') throw new InputError('profile name is missing or empty', { field: `[${i}].name` })
    if (seen.has(p.name)) throw new InputError(`duplicate profile name ${quote(p.name)}`, { field: `[${i}].name` })
    seen.add(p.name)
    // Daemon-owned options, interface and profile names (owned-options.ts).
    checkProfileSafety(p, (f) => `[${i}].${f}`)
  })
  // Upstream order: profiles without phc2sys first, then by name (byte order).
  // Errors name the field by the profile's position in the input.
  const sorted = profiles
    .map((p, at) => ({ p, at }))
    .sort(({ p: a }, { p: b }) => Number(hasPhc2sys(a)) - Number(hasPhc2sys(b)) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const runDir = opts.runDir.replace(/\/+$/, '')

  return sorted.map(({ p, at }, index) => {
    const field = (f: string) => `[${at}].${f}`
    const configName = `ptp4l.${index}.config`
    const configPath = `${runDir}/${configName}`
    const udsPath = `${runDir}/ptp4l.${index}.socket`
    const tag = `[${configName}]`

    let conf = parsePtp4lConf(p.ptp4lConf ?? '')
    const iface = p.interface?.trim() ? p.interface.trim() : undefined
    if (iface) {
      // Webhook rule (docs/upstream.md#operator): with `interface` set, only
      // [global] and [<interface>] may hold ports.
      const extra = interfacesOf(conf).filter((n) => n !== iface)
      if (extra.length) throw new InputError(`ptp4lConf has section(s) ${extra.slice(0, 3).map((n) => `[${excerpt(n, 40)}]`).join(', ')}${extra.length > 3 ? ', ...' : ''}; with interface ${quote(iface)} only [global] and [${excerpt(iface, 40)}] are allowed`, { field: field('ptp4lConf') })
      if (!conf.sections.some((s) => s.name === iface)) {
        // Port 1, as upstream puts the profile interface first.
        const at = conf.sections.findIndex((s) => s.name === 'global') + 1
        conf = { sections: [...conf.sections.slice(0, at), { name: iface, options: [] }, ...conf.sections.slice(at)] }
      }
    }

    const ptp4lUser = splitOpts(p.ptp4lOpts ?? '')
    const ifaces = [...new Set([...cliInterfaces(ptp4lUser), ...interfacesOf(conf)])]
    if (ifaces.length === 0) throw new InputError(`profile ${quote(p.name)} has no interface: set "interface" or add an [iface] section to ptp4lConf`, { field: field('interface') })

    conf = setOption(conf, 'global', 'message_tag', tag)
    conf = setOption(conf, 'global', 'uds_address', udsPath)
    // Upstream forces 1 (2^1 s) so the "rms" summary lines feed the metrics.
    // With free_running (shared clock) ptp4l takes one offset sample per
    // frequency-estimation window (1 s), so a summary of 2^(1-sync) samples
    // would come every 32 s at sync -4: there we print every sample instead
    // (summary_interval = logSyncInterval gives one "master offset" line/s).
    if (getOption(conf, 'global', 'summary_interval') === undefined && !ptp4lUser.some((a) => a.startsWith('--summary_interval'))) {
      const sync = getOption(conf, 'global', 'logSyncInterval') ?? '0'
      // Independent clocks: every sample too, for the servo figures.
      conf = setOption(conf, 'global', 'summary_interval', opts.sharedClock || opts.virtualClock ? sync : '1')
    }
    if (opts.sharedClock) conf = setOption(conf, 'global', 'free_running', '1')
    let warning: string | undefined
    if (opts.virtualClock) {
      for (const [k, v] of LAB_SERVO) if (getOption(conf, 'global', k) === undefined) conf = setOption(conf, 'global', k, v)
      warning = slewWarning(getOption(conf, 'global', 'step_threshold'))
    }

    const domainText = getOption(conf, 'global', 'domainNumber') ?? '0'
    const domain = Number(domainText)
    if (!/^\d+$/.test(domainText) || domain > 255) throw new InputError(`domainNumber ${quote(domainText)} is not 0..255`, { field: field('ptp4lConf') })

    let sched: PlannedProcess['sched']
    if (p.ptpSchedulingPolicy === 'SCHED_FIFO') {
      const priority = p.ptpSchedulingPriority ?? 65
      if (!Number.isInteger(priority) || priority < 1 || priority > 65) throw new InputError(`profile ${quote(p.name)}: SCHED_FIFO priority ${priority} is not 1..65`, { field: field('ptpSchedulingPriority') })
      sched = { policy: 'SCHED_FIFO', priority }
    }
    const withSched = (x: PlannedProcess): PlannedProcess => (sched ? { ...x, sched } : x)

    const processes: PlannedProcess[] = [
      withSched({ process: 'ptp4l', config: configName, args: ['-f', configPath, '-m', ...ptp4lUser.filter((a) => a !== '-m')] }),
    ]
    let skipped: string | undefined
    if (hasPhc2sys(p) && !opts.sharedClock && !opts.virtualClock) {
      const user = splitOpts(p.phc2sysOpts ?? '').filter((a) => a !== '-m')
      if (!opts.disciplineSystemClock && phc2sysSetsSystemClock(user))
        skipped = `phc2sys ${user.join(' ')} would set CLOCK_REALTIME, which this node shares with its host: not started (daemon flag --discipline-system-clock allows it)`
      else processes.push(withSched({ process: 'phc2sys', config: configName, args: ['-m', ...user, '-z', udsPath, '-t', tag] }))
    }

    return {
      index,
      profileName: p.name,
      configName,
      configPath,
      configText: `#profile: ${p.name}\n${renderPtp4lConf(conf)}`,
      ifaces,
      domain,
      udsPath,
      processes,
      ...(skipped ? { skipped } : {}),
      ...(warning ? { warning } : {}),
    }
  })
}

// phc2sys's options that take a value (linuxptp 3.x/4.x getopt string).
const PHC2SYS_WITH_VALUE = new Set('cdEfFiIlLMnNoOPRsStuz'.split(''))

// Whether phc2sys with these options steers CLOCK_REALTIME: -r in automatic
// mode, or a sink (-c) that is CLOCK_REALTIME, its default.
export function phc2sysSetsSystemClock(args: string[]): boolean {
  let auto = false
  let realtime = false
  let sink: string | undefined
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (!a.startsWith('-') || a.startsWith('--') || a === '-') continue
    for (let j = 1; j < a.length; j++) {
      const f = a[j]!
      if (PHC2SYS_WITH_VALUE.has(f)) {
        const v = j + 1 < a.length ? a.slice(j + 1) : args[++i]
        if (f === 'c') sink = v
        break
      }
      if (f === 'a') auto = true
      if (f === 'r') realtime = true
    }
  }
  if (auto) return realtime
  return sink === undefined || sink === 'CLOCK_REALTIME'
}

// --- profile files -------------------------------------------------------

const STRING_FIELDS = ['name', 'interface', 'ptp4lOpts', 'ptp4lConf', 'phc2sysOpts', 'phc2sysConf', 'ts2phcOpts', 'ts2phcConf', 'ptpSchedulingPolicy'] as const
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

// JSON null means "unset" (Go pointers); unknown fields are ignored like
// upstream's decoder does.
function toProfile(raw: unknown, where: string, file: string, legacy: boolean): PtpProfile {
  const at = (f: string) => (where ? `${where}.${f}` : f) // f may end in a user's key: callers excerpt it
  const bad = (f: string, want: string) => new InputError(`must be ${want}`, { file, field: at(f) })
  if (!isObject(raw)) throw new InputError('profile must be an object', { file, field: where || undefined })
  const out: Record<string, unknown> = {}
  for (const f of STRING_FIELDS) {
    const v = raw[f]
    if (v === undefined || v === null) continue
    if (typeof v !== 'string') throw bad(f, 'a string')
    out[f] = v
  }
  const prio = raw.ptpSchedulingPriority
  if (prio !== undefined && prio !== null) {
    if (typeof prio !== 'number' || !Number.isInteger(prio)) throw bad('ptpSchedulingPriority', 'an integer')
    out.ptpSchedulingPriority = prio
  }
  const th = raw.ptpClockThreshold
  if (th !== undefined && th !== null) {
    if (!isObject(th)) throw bad('ptpClockThreshold', 'an object')
    const t: Record<string, number> = {}
    for (const k of ['holdOverTimeout', 'maxOffsetThreshold', 'minOffsetThreshold'] as const) {
      const v = th[k]
      if (v === undefined || v === null) continue
      if (typeof v !== 'number') throw bad(`ptpClockThreshold.${k}`, 'a number')
      t[k] = v
    }
    out.ptpClockThreshold = t
  }
  const settings = raw.ptpSettings
  if (settings !== undefined && settings !== null) {
    if (!isObject(settings)) throw bad('ptpSettings', 'an object of strings')
    for (const [k, v] of Object.entries(settings)) if (typeof v !== 'string') throw bad(`ptpSettings.${excerpt(k, 40)}`, 'a string')
    out.ptpSettings = { ...settings }
  }
  const plugins = raw.plugins
  if (plugins !== undefined && plugins !== null) {
    if (!isObject(plugins)) throw bad('plugins', 'an object')
    out.plugins = { ...plugins }
  }
  if (out.name === undefined && legacy) out.name = 'default'
  if (typeof out.name !== 'string' || out.name.trim() === '') throw new InputError('is required', { file, field: at('name') })
  return out as unknown as PtpProfile
}

function lineOf(text: string, err: unknown): number | undefined {
  const m = /position (\d+)/.exec(err instanceof Error ? err.message : '')
  return m ? text.slice(0, Number(m[1])).split('\n').length : undefined
}

// The daemon's per-node file: a JSON array of profiles, or the oldest
// format's single object {"interface","ptp4lOpts","phc2sysOpts"} (named
// 'default'). Empty, null and [] mean "no profiles".
export function parseProfileFile(text: string, file: string): PtpProfile[] {
  if (text.trim() === '') return []
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (e) {
    throw new InputError(`invalid JSON: ${excerpt(e instanceof Error ? e.message : String(e), 200)}`, { file, line: lineOf(text, e) })
  }
  if (doc === null) return []
  if (Array.isArray(doc)) return doc.map((p, i) => toProfile(p, `[${i}]`, file, false))
  if (isObject(doc)) {
    // Upstream skips an "empty" old config such as {"name":null,"interface":null}.
    if ((doc.name === undefined || doc.name === null) && (doc.interface === undefined || doc.interface === null) && !doc.ptp4lConf) return []
    return [toProfile(doc, '', file, true)]
  }
  throw new InputError('must be a JSON array of profiles or a single profile object', { file })
}
