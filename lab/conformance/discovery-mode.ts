// Discovery mode (docs/upstream.md#suite): which kind of clock the applied
// PtpConfigs make of the node labelled ptp/clock-under-test. Pure.
//
// Follows upstream's discoverPTPConfiguration/discoverMode
// (test/pkg/testconfig) and ptpv1.GetInterfaces:
// - only PtpConfigs with a recommend match whose nodeLabel is
//   ptp/clock-under-test count (matches by nodeName do not);
// - a port is a master port when its ptp4lConf section says `masterOnly 1`,
//   a slave port when it says `masterOnly 0`; a section without masterOnly
//   is neither. `masterOnly` in [global] applies to the profile's
//   `interface`. When no section is a slave port, the profile's `interface`
//   is the slave port;
// - 0 masters + 1 slave in the only config -> OC; 0 masters + 2 slaves in
//   the only config -> DualFollower; one config with masters and slaves ->
//   BC; two such -> DualNICBC.
// Where upstream is loose ptplab refuses with the reason instead of
// guessing: upstream reads a config's first profile whatever the recommend
// names (ptplab reads the profile the label's recommend entry names), lets
// the profile `interface` be both master and slave, ignores extra configs
// next to a BC, and picks any pod when several nodes carry the label.
import { InputError } from '../errors.js'
import { whereIs, type PtpConfig } from '../operator/ptpconfig.js'
import { getOption, interfacesOf, parsePtp4lConf } from '../ptp/ptp4l-conf.js'
import type { PtpProfile } from '../ptp/types.js'
import { LABEL_CUT } from '../profiles/ptpconfigs.js'

export interface DiscoveryNode {
  name: string
  labels: Record<string, string>
}

export type DiscoveredMode = 'oc' | 'dualfollower' | 'bc' | 'dualnicbc'

export interface DiscoveredClock {
  config: string // PtpConfig (CR) name
  profile: string // profile name inside it (the daemon sees "<config>_<profile>")
  slavePorts: string[]
  masterPorts: string[]
}

export interface Discovery {
  mode: DiscoveredMode
  node: string // the node carrying ptp/clock-under-test
  clocks: DiscoveredClock[] // one for OC/DualFollower/BC, two for DualNICBC
}

export interface ProfilePorts {
  masterPorts: string[]
  slavePorts: string[]
  otherPorts: string[] // interface sections without masterOnly 0/1: not counted
}

const uniq = (xs: string[]): string[] => [...new Set(xs)]

// Master and slave ports of one profile, in ptp4l port order.
export function profilePorts(p: PtpProfile): ProfilePorts {
  const conf = parsePtp4lConf(p.ptp4lConf ?? '')
  const masters: string[] = []
  const slaves: string[] = []
  const other: string[] = []
  const role = (section: string) => getOption(conf, section, 'masterOnly')?.trim()
  const g = role('global')
  if (p.interface) {
    if (g === '1') masters.push(p.interface)
    if (g === '0') slaves.push(p.interface)
  }
  for (const iface of interfacesOf(conf)) {
    const r = role(iface)
    if (r === '1') masters.push(iface)
    else if (r === '0') slaves.push(iface)
    else other.push(iface)
  }
  if (slaves.length === 0 && p.interface && !masters.includes(p.interface)) slaves.push(p.interface)
  const m = uniq(masters)
  const s = uniq(slaves).filter((x) => !m.includes(x))
  return { masterPorts: m, slavePorts: s, otherPorts: uniq(other).filter((x) => !m.includes(x) && !s.includes(x)) }
}

const show = JSON.stringify

// Upstream isTelcoBoundaryClockConfig: a tbc-tr/tbc-tt profile pair, or clockType T-BC.
function isTelcoBC(c: PtpConfig): boolean {
  if (c.spec.profile.length !== 2) return false
  let tr = false
  let tt = false
  for (const p of c.spec.profile) {
    if (p.ptpSettings?.clockType?.toUpperCase() === 'T-BC') return true
    if (p.name === 'tbc-tr' || p.name.endsWith('-tr')) tr = true
    if (p.name === 'tbc-tt' || p.name.endsWith('-tt')) tt = true
  }
  return tr && tt
}

// Upstream ConfigIsPhc2SysHa: a profile naming more than one haProfiles.
const isPhc2sysHA = (c: PtpConfig): boolean =>
  c.spec.profile.some((p) => (p.ptpSettings?.haProfiles ?? '').split(',').filter((x) => x.trim()).length > 1)

const describe = (c: DiscoveredClock): string =>
  `${c.config} (profile ${c.profile}: master ports [${c.masterPorts.join(', ')}], slave ports [${c.slavePorts.join(', ')}])`

export function classifyDiscovery(configs: PtpConfig[], nodes: DiscoveryNode[]): Discovery {
  const labelled = nodes.filter((n) => Object.hasOwn(n.labels, LABEL_CUT)).map((n) => n.name)
  if (labelled.length === 0) {
    throw new InputError(`Discovery mode: no node carries label ${show(LABEL_CUT)}; label the node that holds the clock under test`)
  }
  if (labelled.length > 1) {
    throw new InputError(`Discovery mode: ${labelled.length} nodes carry label ${show(LABEL_CUT)} (${labelled.join(', ')}); label exactly one`)
  }
  const node = labelled[0]!

  const isCut = (c: PtpConfig) => c.spec.recommend.some((r) => r.match?.some((m) => m.nodeLabel === LABEL_CUT))
  const cut = configs.filter(isCut).filter((c, i, all) => all.indexOf(c) === i)
  cut.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0))
  if (cut.length === 0) {
    throw new InputError(`Discovery mode: no PtpConfig is recommended to label ${show(LABEL_CUT)} (a recommend match with nodeLabel: ${LABEL_CUT})`)
  }

  const clocks: Array<DiscoveredClock & { phc2sys: boolean; other: string[] }> = []
  for (const c of cut) {
    const name = c.metadata.name
    if (isTelcoBC(c)) throw new InputError(`Discovery mode: PtpConfig ${show(name)} is a T-BC (TBC), not supported by ptplab yet`, whereIs(c, ['spec', 'profile']))
    if (isPhc2sysHA(c)) {
      throw new InputError(`Discovery mode: PtpConfig ${show(name)} is a phc2sys HA config (DualNICBCHA), not supported by ptplab yet`, whereIs(c, ['spec', 'profile']))
    }
    // The profile(s) the label's recommend entries name.
    const names = uniq(
      c.spec.recommend.filter((r) => r.profile !== undefined && r.match?.some((m) => m.nodeLabel === LABEL_CUT)).map((r) => r.profile!),
    )
    const ri = c.spec.recommend.findIndex((r) => r.match?.some((m) => m.nodeLabel === LABEL_CUT))
    if (names.length === 0) {
      throw new InputError(`Discovery mode: PtpConfig ${show(name)}: its recommend entry for ${LABEL_CUT} names no profile`, whereIs(c, ['spec', 'recommend', ri]))
    }
    if (names.length > 1) {
      throw new InputError(
        `Discovery mode: PtpConfig ${show(name)} recommends ${names.length} profiles (${names.join(', ')}) to ${LABEL_CUT}; ptplab tests one clock per PtpConfig`,
        whereIs(c, ['spec', 'recommend', ri]),
      )
    }
    const pi = c.spec.profile.findIndex((p) => p.name === names[0])
    const p = c.spec.profile[pi]
    if (!p) {
      throw new InputError(`Discovery mode: PtpConfig ${show(name)} recommends profile ${show(names[0])}, which it does not define`, whereIs(c, ['spec', 'recommend', ri, 'profile']))
    }
    const ports = profilePorts(p)
    if (ports.masterPorts.length >= 2 && ports.slavePorts.length === 0 && p.ts2phcConf) {
      throw new InputError(`Discovery mode: PtpConfig ${show(name)} is a T-GM (TGM), not supported by ptplab yet`, whereIs(c, ['spec', 'profile', pi]))
    }
    clocks.push({ config: name, profile: p.name, ...ports, phc2sys: p.phc2sysOpts !== undefined, other: ports.otherPorts })
  }

  const fail = (why: string): never => {
    const list = clocks.map((k) => `${describe(k)}${k.other.length ? `, without masterOnly: [${k.other.join(', ')}]` : ''}`).join('; ')
    throw new InputError(
      `Discovery mode: ${why}. PtpConfigs recommended to ${LABEL_CUT}: ${list}. Expected one config with no master port and 1 slave port (OC) or 2 (DualFollower), ` +
        'or one or two configs each with master and slave ports (BC, DualNICBC); a port counts only with masterOnly 0 (slave) or 1 (master)',
    )
  }
  const out = (mode: DiscoveredMode, ks: typeof clocks): Discovery => ({
    mode,
    node,
    clocks: ks.map(({ config, profile, slavePorts, masterPorts }) => ({ config, profile, slavePorts, masterPorts })),
  })

  const bcs = clocks.filter((k) => k.masterPorts.length > 0 && k.slavePorts.length > 0)
  if (clocks.length === 1) {
    const k = clocks[0]!
    if (k.masterPorts.length === 0 && k.slavePorts.length === 1) return out('oc', clocks)
    if (k.masterPorts.length === 0 && k.slavePorts.length === 2) return out('dualfollower', clocks)
    if (bcs.length === 1) return out('bc', clocks)
    if (k.slavePorts.length === 0 && k.masterPorts.length === 0) fail('the clock under test has no port')
    if (k.slavePorts.length === 0) fail('the clock under test has master ports only (a grandmaster is not a clock Discovery tests)')
    fail(`${k.slavePorts.length} slave ports and no master port is not a supported clock`)
  }
  if (bcs.length !== clocks.length) fail(`${clocks.length} PtpConfigs, not all boundary clocks`)
  if (bcs.length > 2) fail(`${bcs.length} boundary clock PtpConfigs (at most 2, a dual-NIC BC)`)
  const [a, b] = [bcs[0]!, bcs[1]!]
  const shared = [...a.masterPorts, ...a.slavePorts].filter((x) => b.masterPorts.includes(x) || b.slavePorts.includes(x))
  if (shared.length > 0) fail(`the two boundary clocks share ports ${shared.join(', ')}`)
  // Upstream's primary BC is the one that runs phc2sys (IsSecondaryBc: no phc2sysOpts).
  const ordered = !a.phc2sys && b.phc2sys ? [b, a] : [a, b]
  return out('dualnicbc', ordered)
}
