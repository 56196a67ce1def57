// Which profiles a node gets, as the operator computes it for the daemon's
// ConfigMap (docs/upstream.md#operator; upstream controllers/recommend.go).
import { InputError } from '../errors.js'
import type { PtpProfile } from '../ptp/types.js'
import { whereIs, type PtpConfig, type PtpRecommend } from './ptpconfig.js'
import { quote } from '../text.js'

export interface NodeInfo {
  name: string
  labels: Record<string, string>
}

export interface ResolveResult {
  profiles: PtpProfile[]
  matches: Array<{ config: string; profile: string; priority: number }>
}

// The daemon sees profiles as "<cr>_<profile>" so names stay unique across CRs.
export const qualifiedName = (cr: string, profile: string): string => `${cr}_${profile}`

// nodeName equal to the node's name, or nodeLabel equal to a label key the
// node has (the label's value is ignored, as upstream does).
function nodeMatches(node: NodeInfo, match: NonNullable<PtpRecommend['match']>): boolean {
  return match.some((m) => m.nodeName === node.name || (m.nodeLabel !== undefined && Object.hasOwn(node.labels, m.nodeLabel)))
}

const byName = (a: PtpProfile, b: PtpProfile) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

// Upstream rewrites haProfiles/controllingProfile to qualified names so the
// daemon can find the renamed profiles: a value already "<cr>_<profile>" of an
// existing profile is kept, else the defining CR is prefixed (own CR first).
function qualifyRef(value: string, ownCr: string, configs: PtpConfig[]): string {
  const defines = (c: PtpConfig, name: string) => c.spec.profile.some((p) => p.name === name)
  if (configs.some((c) => value.startsWith(`${c.metadata.name}_`) && defines(c, value.slice(c.metadata.name.length + 1)))) return value
  const own = configs.find((c) => c.metadata.name === ownCr && defines(c, value))
  const cr = own ?? configs.find((c) => defines(c, value))
  return cr ? qualifiedName(cr.metadata.name, value) : value
}

export function resolveNodeProfiles(configs: PtpConfig[], node: NodeInfo): ResolveResult {
  // All recommend entries of all CRs, lowest priority number first; the sort
  // is stable, so ties keep input order.
  const entries = configs
    .flatMap((c) => c.spec.recommend.map((r, i) => ({ c, r, i })))
    .sort((a, b) => a.r.priority - b.r.priority)
  const matches: ResolveResult['matches'] = []
  let chosen: number | undefined
  for (const { c, r } of entries) {
    if (r.profile === undefined || !r.match?.length || !nodeMatches(node, r.match)) continue
    if (chosen === undefined) chosen = r.priority
    else if (r.priority !== chosen) break // sorted: every later entry has a higher number
    if (!matches.some((m) => m.config === c.metadata.name && m.profile === r.profile)) {
      matches.push({ config: c.metadata.name, profile: r.profile, priority: r.priority })
    }
  }

  // Like upstream, a recommended name is looked up in the spec.profile of
  // every PtpConfig, not only the recommending one, and each CR defining it
  // contributes its own copy.
  const wanted = new Set(matches.map((m) => m.profile))
  const found = new Set<string>()
  const profiles = new Map<string, PtpProfile>()
  for (const c of configs) {
    for (const p of c.spec.profile) {
      if (!wanted.has(p.name)) continue
      found.add(p.name)
      const copy: PtpProfile = { ...structuredClone(p), name: qualifiedName(c.metadata.name, p.name) }
      const s = copy.ptpSettings
      if (s?.controllingProfile) s.controllingProfile = qualifyRef(s.controllingProfile, c.metadata.name, configs)
      if (s?.haProfiles) s.haProfiles = s.haProfiles.split(',').map((x) => qualifyRef(x.trim(), c.metadata.name, configs)).join(',')
      profiles.set(copy.name, copy)
    }
  }
  const missing = matches.find((m) => !found.has(m.profile))
  if (missing) {
    const e = entries.find(({ c, r }) => c.metadata.name === missing.config && r.profile === missing.profile)
    const where = e ? whereIs(e.c, ['spec', 'recommend', e.i, 'profile']) : {}
    throw new InputError(`node ${quote(node.name)}: recommended profile ${quote(missing.profile)} is defined in no PtpConfig`, where)
  }
  return { profiles: [...profiles.values()].sort(byName), matches }
}

// The ConfigMap ptp-configmap's data: node name -> JSON array of profiles.
export function buildConfigMap(configs: PtpConfig[], nodes: NodeInfo[]): Record<string, string> {
  return Object.fromEntries(nodes.map((n) => [n.name, JSON.stringify(resolveNodeProfiles(configs, n).profiles)]))
}
