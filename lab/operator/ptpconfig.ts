// The PtpConfig custom resource (docs/upstream.md#operator): parsing from YAML
// files, the operator webhook's validation rules, and YAML output.
import { stringify } from 'yaml'
import { dropNulls, fieldPath, type Path } from '../yaml/where.js'
import { schemaError } from '../yaml/schema.js'
import { parseYaml } from '../yaml/parse.js'
import { z } from 'zod'
import { InputError, type InputErrorWhere } from '../errors.js'
import { INPUTS, readInputFile } from '../input.js'
import { dns1123Label, dns1123Subdomain, labelKey, labelValue, type NameRule } from '../names.js'
import { profileSafetyProblem } from '../ptp/owned-options.js'
import type { PtpProfile } from '../ptp/types.js'
import { quote } from '../text.js'

export const PTP_NAMESPACE = 'openshift-ptp'
const API_VERSION = 'ptp.openshift.io/v1'

export interface PtpRecommend {
  profile?: string
  priority: number
  match?: Array<{ nodeLabel?: string; nodeName?: string }>
}

export interface PtpConfig {
  apiVersion: 'ptp.openshift.io/v1'
  kind: 'PtpConfig'
  metadata: { name: string; namespace: string; labels?: Record<string, string> }
  spec: { profile: PtpProfile[]; recommend: PtpRecommend[] }
  status?: { matchList?: Array<{ nodeName: string; profile: string }> }
}

// Where each parsed config came from, so errors found later (webhook rules,
// profile resolution) can still name the file and line.
const origins = new WeakMap<PtpConfig, { file: string; line: (path: Path) => number | undefined }>()

export { fieldPath }

// File, line and field for a path inside a config; file/line only if the
// config came from parsePtpConfigs.
export function whereIs(c: PtpConfig, path: Path, file?: string): InputErrorWhere {
  const o = origins.get(c)
  return { file: file ?? o?.file, line: o?.line(path), field: fieldPath(path) }
}

const show = (v: unknown): string => (v === undefined ? 'nothing' : quote(v))

// Strict schemas (CRD v1 fields the lab models): a typo in a profile must not
// silently drop an option. The CRD's chronyd*/synce4l*/ptpSecretName fields
// are rejected as unknown: ptplab does not run those processes.
const str = z.string()
const int = z.number().int()
const matchSchema = z.strictObject({ nodeLabel: str.optional(), nodeName: str.optional() })
const recommendSchema = z.strictObject({
  profile: str.min(1).optional(),
  priority: int.min(0),
  match: z.array(matchSchema).optional(),
})
const profileSchema = z.strictObject({
  name: str.min(1),
  interface: str.optional(),
  ptp4lOpts: str.optional(),
  ptp4lConf: str.optional(),
  phc2sysOpts: str.optional(),
  phc2sysConf: str.optional(),
  ts2phcOpts: str.optional(),
  ts2phcConf: str.optional(),
  ptpSchedulingPolicy: str.optional(),
  ptpSchedulingPriority: int.optional(),
  ptpClockThreshold: z
    .strictObject({ holdOverTimeout: int.optional(), maxOffsetThreshold: int.optional(), minOffsetThreshold: int.optional() })
    .optional(),
  ptpSettings: z.record(str, str).optional(),
  plugins: z.record(str, z.unknown()).optional(),
})
// metadata/status are loose: `kubectl get -o yaml` output carries uid, annotations, conditions...
const configSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('PtpConfig'),
  metadata: z.object({ name: str.min(1), namespace: str.min(1).optional(), labels: z.record(str, str).optional() }),
  spec: z.strictObject({ profile: z.array(profileSchema), recommend: z.array(recommendSchema) }),
  status: z.object({ matchList: z.array(z.object({ nodeName: str, profile: str })).optional() }).optional(),
})

// As an API server returns it: fields ptplab does not model (other
// processes' options, managedFields, conditions) are dropped, not refused.
const looseConfigSchema = configSchema.extend({
  metadata: z.object({ name: str.min(1), namespace: str.min(1).optional(), labels: z.record(str, str).optional() }),
  spec: z.object({ profile: z.array(z.object(profileSchema.shape)), recommend: z.array(z.object(recommendSchema.shape)) }),
  status: z.unknown().optional(),
})

// A PtpConfig object read from a cluster (`what` names it in errors). The
// fields ptplab uses are checked as in a file; the webhook rules are not
// applied: the cluster accepted it, and a check of it reports what it does.
export function ptpConfigFromObject(raw: unknown, what: string): PtpConfig {
  const r = looseConfigSchema.safeParse(dropNulls(raw))
  if (!r.success) throw schemaError(r.error, raw, (path) => ({ file: what, field: fieldPath(path) }))
  const { metadata: m, spec } = r.data
  return {
    apiVersion: API_VERSION,
    kind: 'PtpConfig',
    metadata: { name: m.name, namespace: m.namespace ?? PTP_NAMESPACE, ...(m.labels && { labels: m.labels }) },
    spec: { profile: spec.profile, recommend: spec.recommend },
  }
}

// What the operator's validating webhook and its reconcile check on a
// PtpConfig from the API server: the fields ptplab uses, then the same
// rules (validatePtpConfig) a file gets. Throws an InputError naming `what`
// and the field.
export function checkPtpConfigObject(raw: unknown, what: string): PtpConfig {
  const c = ptpConfigFromObject(raw, what)
  validatePtpConfig(c, what)
  origins.set(c, { file: what, line: () => undefined }) // later errors (resolve) name it too
  return c
}

// Parses every PtpConfig document of a YAML stream, applies the CRD schema
// and the webhook rules (validatePtpConfig). Empty documents are skipped.
export function parsePtpConfigs(text: string, file: string): PtpConfig[] {
  const out: PtpConfig[] = []
  const seen = new Map<string, number | undefined>()
  for (const { value, line, where } of parseYaml(text, file, { what: 'PtpConfig file', multi: true })) {
    const raw = dropNulls(value)
    if (raw === undefined || raw === null) continue
    const obj = raw as { kind?: unknown; apiVersion?: unknown }
    if (typeof raw !== 'object' || Array.isArray(raw) || obj.kind !== 'PtpConfig' || obj.apiVersion !== API_VERSION) {
      const got = typeof raw === 'object' && !Array.isArray(raw) ? `kind ${show(obj.kind)} apiVersion ${show(obj.apiVersion)}` : show(raw)
      throw new InputError(`expected kind "PtpConfig" apiVersion "${API_VERSION}", got ${got}`, where(['kind']))
    }
    const r = configSchema.safeParse(raw)
    if (!r.success) throw schemaError(r.error, raw, where)
    const { metadata: m, spec, status } = r.data
    const c: PtpConfig = {
      apiVersion: API_VERSION,
      kind: 'PtpConfig',
      metadata: { name: m.name, namespace: m.namespace ?? PTP_NAMESPACE, ...(m.labels && { labels: m.labels }) },
      spec: { profile: spec.profile, recommend: spec.recommend },
      ...(status && { status }),
    }
    const key = `${c.metadata.namespace}/${c.metadata.name}`
    if (seen.has(key)) {
      throw new InputError(`duplicate PtpConfig ${show(key)} (first at line ${seen.get(key)})`, where(['metadata', 'name']))
    }
    seen.set(key, line(['metadata', 'name']))
    origins.set(c, { file, line })
    validatePtpConfig(c, file)
    out.push(c)
  }
  return out
}

// Loads several files; a PtpConfig name may appear only once overall, since
// profile names are qualified by it.
export async function loadPtpConfigFiles(paths: string[]): Promise<PtpConfig[]> {
  const out: PtpConfig[] = []
  const seen = new Map<string, string>()
  for (const p of paths) {
    for (const c of parsePtpConfigs(await readInputFile(p, INPUTS.ptpConfig), p)) {
      const key = `${c.metadata.namespace}/${c.metadata.name}`
      const first = seen.get(key)
      if (first !== undefined) {
        throw new InputError(`duplicate PtpConfig ${show(key)} (also in ${first})`, whereIs(c, ['metadata', 'name']))
      }
      seen.set(key, p)
      out.push(c)
    }
  }
  return out
}

// Section names of a ptp4l config, e.g. ["global", "eth0"]. Lines are
// trimmed; '#' starts a comment line.
export function ptp4lSections(conf: string): string[] {
  const out: string[] = []
  for (const raw of conf.split('\n')) {
    const line = raw.trim()
    if (!line.startsWith('[')) continue
    const end = line.indexOf(']')
    if (end < 0) throw new Error(`section header ${quote(line)} has no closing ']'`)
    out.push(line.slice(1, end).trim())
  }
  return out
}

// ptpSettings keys and value checks mirror upstream's webhook
// (api/v1/ptpconfig_webhook.go). Upstream accepts any key *containing*
// "clockId" (e.g. "clockId[ens1f0]"); it has no "unmanaged" key.
const CLOCK_TYPES = ['T-GM', 'T-BC']
const uint32 = (v: string) => /^\d+$/.test(v) && Number(v) <= 0xffffffff
const uint64 = (v: string, hex: boolean) =>
  (hex ? /^[0-9a-fA-F]+$/ : /^\d+$/).test(v) && BigInt(hex ? `0x${v}` : v) <= 0xffffffffffffffffn
const DURATION = /^([+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+|0)$/ // Go time.ParseDuration
const PROFILE_LIST = /^([\w-]+)(,\s*([\w-]+))*$/

function settingProblem(key: string, v: string): string | undefined {
  switch (key) {
    case 'stdoutFilter': // upstream compiles Go RE2; JS RegExp is close enough here
      try {
        new RegExp(v)
        return undefined
      } catch (e) {
        return `not a valid regular expression: ${(e as Error).message}`
      }
    case 'logReduce': {
      const [mode = 'false', time, threshold] = v.trim().split(/\s+/).filter(Boolean)
      const m = mode.toLowerCase()
      if (!['true', 'false', 'basic', 'enhanced'].includes(m)) return 'mode must be true, false, basic or enhanced'
      if (m === 'enhanced' && time !== undefined && !DURATION.test(time)) return `time ${show(time)} is not a duration (e.g. 30s)`
      if (m === 'enhanced' && threshold !== undefined && !/^\+?\d+$/.test(threshold)) return 'threshold must be a non-negative integer'
      return undefined
    }
    case 'haProfiles':
      return PROFILE_LIST.test(v) ? undefined : 'must be comma-separated profile names'
    case 'clockType':
      return CLOCK_TYPES.includes(v) ? undefined : `must be one of ${CLOCK_TYPES.join(', ')}`
    case 'inSyncConditionTimes':
    case 'inSyncConditionThreshold':
      return uint32(v) ? undefined : 'must be an unsigned integer'
    case 'controllingProfile':
    case 'upstreamPort':
    case 'leadingInterface':
      return undefined
  }
  if (key.includes('clockId')) return uint64(v, false) || uint64(v, true) ? undefined : 'must be an unsigned integer (decimal or hex)'
  return 'not a configurable setting'
}

// The webhook rules of docs/upstream.md#operator, plus what the CRD schema
// enforces (names, priorities, scheduling enum), for configs built in code.
export function validatePtpConfig(c: PtpConfig, file?: string): void {
  const fail = (path: Path, detail: string): never => {
    throw new InputError(detail, whereIs(c, path, file))
  }
  // Names become object keys, file names in the lab's store and label
  // selectors: the API server's own rules (lab/names.ts).
  const named = (rule: NameRule, v: string, what: string, path: Path) => {
    const problem = rule(v)
    if (problem) fail(path, `invalid ${what} ${quote(v)}: ${problem}`)
  }
  if (!c.metadata.name) fail(['metadata', 'name'], 'required field missing')
  named(dns1123Subdomain, c.metadata.name, 'name', ['metadata', 'name'])
  named(dns1123Label, c.metadata.namespace, 'namespace', ['metadata', 'namespace'])
  for (const [k, v] of Object.entries(c.metadata.labels ?? {})) {
    named(labelKey, k, 'label key', ['metadata', 'labels', k])
    named(labelValue, v, 'label value', ['metadata', 'labels', k])
  }
  const names = new Set<string>()
  c.spec.profile.forEach((p, i) => {
    const at = (...rest: Path): Path => ['spec', 'profile', i, ...rest]
    if (!p.name) fail(at('name'), `profile name required, got ${show(p.name)}`)
    if (names.has(p.name)) fail(at('name'), `duplicate profile name ${show(p.name)} in this PtpConfig`)
    names.add(p.name)
    const unsafe = profileSafetyProblem(p)
    if (unsafe) fail(at(unsafe.field), unsafe.problem)
    if (p.interface && p.ptp4lConf !== undefined) {
      let sections: string[] = []
      try {
        sections = ptp4lSections(p.ptp4lConf)
      } catch (e) {
        fail(at('ptp4lConf'), (e as Error).message)
      }
      const extra = sections.find((s) => s !== 'global' && s !== p.interface)
      if (extra !== undefined) {
        fail(at('ptp4lConf'), `section [${extra}] not allowed with interface ${show(p.interface)}: only [global] and [${p.interface}]`)
      }
    }
    const policy = p.ptpSchedulingPolicy
    if (policy !== undefined && policy !== 'SCHED_OTHER' && policy !== 'SCHED_FIFO') {
      fail(at('ptpSchedulingPolicy'), `must be SCHED_OTHER or SCHED_FIFO, got ${show(policy)}`)
    }
    const prio = p.ptpSchedulingPriority
    if (policy === 'SCHED_FIFO' && prio === undefined) fail(at('ptpSchedulingPriority'), 'required (1-65) with SCHED_FIFO')
    if (prio !== undefined && !(Number.isInteger(prio) && prio >= 1 && prio <= 65)) {
      fail(at('ptpSchedulingPriority'), `must be an integer 1-65, got ${show(prio)}`)
    }
    for (const [k, v] of Object.entries(p.ptpSettings ?? {})) {
      const problem = settingProblem(k, v)
      if (problem) fail(at('ptpSettings', k), `${problem}, got ${show(v)}`)
    }
  })
  c.spec.recommend.forEach((r, i) => {
    if (!Number.isInteger(r.priority) || r.priority < 0) {
      fail(['spec', 'recommend', i, 'priority'], `must be an integer >= 0, got ${show(r.priority)}`)
    }
    r.match?.forEach((m, j) => {
      if (m.nodeLabel !== undefined) named(labelKey, m.nodeLabel, 'node label key', ['spec', 'recommend', i, 'match', j, 'nodeLabel'])
      if (m.nodeName !== undefined) named(dns1123Subdomain, m.nodeName, 'node name', ['spec', 'recommend', i, 'match', j, 'nodeName'])
    })
  })
}

// Multi-document YAML, each document in apiVersion/kind/metadata/spec order.
export function toYaml(configs: PtpConfig[]): string {
  return configs
    .map((c) => stringify({ apiVersion: c.apiVersion, kind: c.kind, metadata: c.metadata, spec: c.spec, ...(c.status && { status: c.status }) }, { lineWidth: 0 }))
    .join('---\n')
}
