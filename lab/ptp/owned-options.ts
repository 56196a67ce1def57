// Options the daemon owns and a profile may not set: ptp4l's config file,
// its management socket and message tag (and phc2sys's views of them), and
// every other option that names a socket path. A profile setting one could
// make a root ptp4l unlink and bind any host file, or steal another
// instance's socket; such a profile is refused with the reason.
//
// The option grammars are linuxptp 3.1's: getopt short options (clusters
// like "-2mf FILE" included) and getopt_long config options ("--NAME=V" or
// "--NAME V"), which getopt_long also accepts abbreviated.
import { InputError } from '../errors.js'
import { ifName, profileName } from '../names.js'
import { excerpt, quote } from '../text.js'
import { interfacesOf, parsePtp4lConf, type Ptp4lConf } from './ptp4l-conf.js'
import { cliInterfaces, PHC2SYS_WITH_ARG, PTP4L_WITH_ARG, scanOptions, splitOpts } from './opts.js'
import type { PtpProfile } from './types.js'

interface Grammar {
  withArg: string // short options that take an argument
  ownedShort: Record<string, string> // option -> what the daemon uses it for
  ownedLong: Record<string, string>
}

const SOCKET = "the daemon's own management socket"
const TAG = "the daemon's message tag (metrics are keyed by it)"

const OWNED_CONF: Record<string, string> = {
  uds_address: SOCKET,
  message_tag: TAG,
  slave_event_monitor: 'a socket path on the host',
}

const GRAMMARS: Record<'ptp4l' | 'phc2sys', Grammar> = {
  ptp4l: { withArg: PTP4L_WITH_ARG, ownedShort: { f: 'the config file the daemon writes' }, ownedLong: OWNED_CONF },
  phc2sys: {
    withArg: PHC2SYS_WITH_ARG,
    ownedShort: { f: 'a config file on the host', z: SOCKET, t: TAG },
    ownedLong: { uds_address: SOCKET, message_tag: TAG },
  },
}

export type OptionProgram = keyof typeof GRAMMARS

// The first daemon-owned option in argv, as a sentence; undefined if none.
export function ownedOptionProblem(program: OptionProgram, argv: string[]): string | undefined {
  const g = GRAMMARS[program]
  for (const o of scanOptions(argv, g.withArg)) {
    if (o.short !== undefined && g.ownedShort[o.short])
      return `${program} option -${o.short} (in ${quote(o.word)}) is ${g.ownedShort[o.short]}`
    // getopt_long takes any unambiguous prefix of an option name.
    const owned = o.long ? Object.keys(g.ownedLong).find((n) => n.startsWith(o.long!)) : undefined
    if (owned) return `${program} option ${quote(o.word)} sets ${owned}, which is ${g.ownedLong[owned]}`
  }
  return undefined
}

// The first daemon-owned option set in a ptp4l config, in any section.
export function ownedConfProblem(conf: Ptp4lConf): string | undefined {
  for (const s of conf.sections)
    for (const [key] of s.options)
      if (OWNED_CONF[key]) return `ptp4lConf [${excerpt(s.name, 40)}] sets ${key}, which is ${OWNED_CONF[key]}`
  return undefined
}

// What the daemon refuses to run from a profile, checked by the webhook
// rules (ptplab apply, the operator's webhook) and by the daemon itself:
// the field (a PtpProfile key) and the problem; undefined when it is safe.
export function profileSafetyProblem(p: PtpProfile): { field: keyof PtpProfile; problem: string } | undefined {
  const name = profileName(p.name ?? '')
  if (name) return { field: 'name', problem: `profile name ${quote(p.name)} ${name}` }
  if (p.interface !== undefined && p.interface.trim() !== '') {
    const bad = ifName(p.interface.trim())
    if (bad) return { field: 'interface', problem: `interface ${quote(p.interface)} ${bad}` }
  }
  let conf: Ptp4lConf
  try {
    conf = parsePtp4lConf(p.ptp4lConf ?? '')
  } catch (e) {
    return { field: 'ptp4lConf', problem: (e as Error).message }
  }
  for (const port of interfacesOf(conf)) {
    const bad = ifName(port)
    if (bad) return { field: 'ptp4lConf', problem: `section [${excerpt(port)}] is no valid interface name: it ${bad}` }
  }
  const inConf = ownedConfProblem(conf)
  if (inConf) return { field: 'ptp4lConf', problem: `${inConf}; remove it from the profile` }
  for (const [field, program] of [['ptp4lOpts', 'ptp4l'], ['phc2sysOpts', 'phc2sys']] as const) {
    let argv: string[]
    try {
      argv = splitOpts(p[field] ?? '')
    } catch (e) {
      return { field, problem: (e as Error).message }
    }
    const owned = ownedOptionProblem(program, argv)
    if (owned) return { field, problem: `${owned}; remove it from the profile` }
    if (program === 'ptp4l') {
      const bad = cliInterfaces(argv).map((i) => [i, ifName(i)] as const).find(([, b]) => b)
      if (bad) return { field, problem: `interface -i ${quote(bad[0])} ${bad[1]}` }
    }
  }
  return undefined
}

export function checkProfileSafety(p: PtpProfile, fieldOf: (f: string) => string): void {
  const bad = profileSafetyProblem(p)
  if (bad) throw new InputError(bad.problem, { field: fieldOf(bad.field) })
}
