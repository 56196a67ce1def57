// The conformance suite's configuration (docs/upstream.md#suite): upstream's
// ptptestconfig.yaml (PTP_TEST_CONFIG_FILE) and the environment variables
// that choose the test mode, the offset window, log collection and so on.
// Pure except loadTestConfig/loadTestEnv, which read the file.
//
// Upstream reads the file with yaml.v3 into Go structs
// (test/conformance/config/ptptestconfig.go, cpu_utilization_config.go) and
// silently ignores unknown keys and keeps zero values for bad ones. ptplab
// refuses wrong types and values with file, line and field, and refuses
// unknown keys where a typo would silently change a verdict (top level,
// `global`, a test's `spec`); any other `soaktest` key is accepted as a test
// section shaped like upstream's ({spec{enable, duration, failure_threshold,
// custom_params}, desc}), since upstream's file carries sections its Go code
// does not read (`master_offset`) and extensions add more.
import { z } from 'zod'
import { InputError } from '../errors.js'
import { INPUTS, readInputFile } from '../input.js'
import { quote } from '../text.js'
import { schemaError } from '../yaml/schema.js'
import { parseYaml, type YamlDoc } from '../yaml/parse.js'
import { dropNulls, type Path } from '../yaml/where.js'
import { lookupMode, type AnyMode } from './modes.js'

type Env = Record<string, string | undefined>

// ---------------------------------------------------------------------------
// ptptestconfig.yaml
// ---------------------------------------------------------------------------

export const POD_TYPES = ['ptp-operator', 'linuxptp-daemon'] as const
export type PodType = (typeof POD_TYPES)[number]

// A soak test's spec. enable defaults to true when `spec` is written and to
// false when the test's section has no `spec` (upstream applies its
// `default:"true"` only while decoding a `spec` mapping). duration is in
// minutes; failure_threshold a count.
export interface SoakSpec {
  enable: boolean
  duration?: number
  failureThreshold?: number
  customParams?: Record<string, unknown> // free-form, for sections ptplab does not interpret
}

export interface SoakSection<S = SoakSpec> {
  spec: S
  desc?: string
}

export interface CpuPodThreshold {
  podType: PodType
  container?: string // absent: the sum over all containers of the pod
  cpuThresholdMcores: number
}

export interface CpuCustomParams {
  prometheusRateTimeWindow?: string // Go duration, e.g. "60s", "1m30s"
  node?: { cpuThresholdMcores: number }
  pod?: CpuPodThreshold[]
}

export interface CpuSpec extends Omit<SoakSpec, 'customParams'> {
  customParams?: CpuCustomParams
}

export interface TestConfigFile {
  global: {
    maxOffset?: number // ns
    minOffset?: number // ns
    holdoverTimeout?: number // s, profiles' ptpClockThreshold.holdOverTimeout
    disableAllSlaveRTUpdate?: boolean // upstream: slaves' phc2sys replaced by "-v"
    enableContinuous?: boolean // upstream README: gates the parallel (soak) suite
  }
  soaktest: {
    disableAll: boolean // default false
    duration?: number // minutes
    failureThreshold: number // default 1
    eventOutputFile: string // default "./event-output.csv"
    slaveClockSync?: SoakSection
    cpuUtilization?: SoakSection<CpuSpec>
    other: Record<string, SoakSection> // every other section, key as written (e.g. master_offset)
  }
}

export const DEFAULT_EVENT_OUTPUT_FILE = './event-output.csv'

// What an absent or empty file means.
export function defaultTestConfig(): TestConfigFile {
  return { global: {}, soaktest: { disableAll: false, failureThreshold: 1, eventOutputFile: DEFAULT_EVENT_OUTPUT_FILE, other: {} } }
}

// Go time.ParseDuration syntax (what upstream hands to Prometheus' rate()).
const GO_DURATION = /^([+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+|0)$/

// zod reports a string given for an integer as "expected number": say integer.
const INT = 'expected an integer'
// Only for a wrong type or a fraction: a negative count keeps its own message.
const intError = (iss: { code: string }) => (iss.code === 'invalid_type' || iss.code === 'invalid_format' ? INT : undefined)
const int = z.number({ error: intError }).int({ error: INT })
const count = int.min(0)
const minutes = z.number().min(0)
const bool = z.boolean()
const str = z.string()

const specShape = {
  enable: bool.optional(),
  duration: minutes.optional(),
  failure_threshold: count.optional(),
}
const genericSection = z.strictObject({
  spec: z.strictObject({ ...specShape, custom_params: z.record(str, z.unknown()).optional() }).optional(),
  desc: str.optional(),
})
const cpuSection = z.strictObject({
  spec: z
    .strictObject({
      ...specShape,
      custom_params: z
        .strictObject({
          prometheus_rate_time_window: str.regex(GO_DURATION, { error: 'must be a Go duration such as "60s", "1m30s" or "5m"' }).optional(),
          node: z.strictObject({ cpu_threshold_mcores: count }).optional(),
          pod: z
            .array(z.strictObject({ pod_type: z.enum(POD_TYPES), container: str.min(1).optional(), cpu_threshold_mcores: count }))
            .optional(),
        })
        .optional(),
    })
    .optional(),
  desc: str.optional(),
})
const fileSchema = z.strictObject({
  global: z
    .strictObject({
      maxoffset: int.optional(),
      minoffset: int.optional(),
      holdover_timeout: count.optional(),
      DisableAllSlaveRTUpdate: bool.optional(),
      enablecontinuous: bool.optional(),
    })
    .optional(),
  soaktest: z
    .object({
      disable_all: bool.optional(),
      duration: minutes.optional(),
      failure_threshold: count.optional(),
      event_output_file: str.min(1).optional(),
      slave_clock_sync: genericSection.optional(),
      cpu_utilization: cpuSection.optional(),
    })
    .catchall(genericSection)
    .optional(),
})
type RawFile = z.infer<typeof fileSchema>
type RawSection = z.infer<typeof genericSection>


// The one wording upstream's file needs beyond the generic one: a test
// section that is not a mapping.
const describeTestIssue = (issue: z.core.$ZodIssue, path: Path) =>
  issue.code === 'invalid_type' && path[0] === 'soaktest' && path.length === 2 && issue.expected === 'object'
    ? 'expected a test section (a mapping with spec and desc)'
    : undefined

function section(raw: RawSection): SoakSection {
  const s = raw.spec
  const spec: SoakSpec = { enable: s ? (s.enable ?? true) : false }
  if (s?.duration !== undefined) spec.duration = s.duration
  if (s?.failure_threshold !== undefined) spec.failureThreshold = s.failure_threshold
  if (s?.custom_params !== undefined) spec.customParams = s.custom_params
  return { spec, ...(raw.desc !== undefined && { desc: raw.desc }) }
}

function cpuSectionOf(raw: NonNullable<NonNullable<RawFile['soaktest']>['cpu_utilization']>): SoakSection<CpuSpec> {
  const s = raw.spec
  const spec: CpuSpec = { enable: s ? (s.enable ?? true) : false }
  if (s?.duration !== undefined) spec.duration = s.duration
  if (s?.failure_threshold !== undefined) spec.failureThreshold = s.failure_threshold
  const cp = s?.custom_params
  if (cp) {
    const out: CpuCustomParams = {}
    if (cp.prometheus_rate_time_window !== undefined) out.prometheusRateTimeWindow = cp.prometheus_rate_time_window
    if (cp.node) out.node = { cpuThresholdMcores: cp.node.cpu_threshold_mcores }
    if (cp.pod) {
      out.pod = cp.pod.map((p) => ({
        podType: p.pod_type,
        ...(p.container !== undefined && { container: p.container }),
        cpuThresholdMcores: p.cpu_threshold_mcores,
      }))
    }
    spec.customParams = out
  }
  return { spec, ...(raw.desc !== undefined && { desc: raw.desc }) }
}

const KNOWN_SOAK_KEYS = new Set(['disable_all', 'duration', 'failure_threshold', 'event_output_file', 'slave_clock_sync', 'cpu_utilization'])

// Parses one ptptestconfig.yaml document (an empty file is all defaults).
export function parseTestConfig(text: string, file: string): TestConfigFile {
  const [{ value, where }] = parseYaml(text, file, { what: 'test config file' }) as [YamlDoc]
  const raw = dropNulls(value)
  if (raw === undefined || raw === null) return defaultTestConfig()
  const r = fileSchema.safeParse(raw)
  if (!r.success) throw schemaError(r.error, raw, where, { describe: describeTestIssue })
  const { global: g = {}, soaktest: s = {} } = r.data

  if (g.minoffset !== undefined && g.maxoffset !== undefined && g.minoffset > g.maxoffset) {
    throw new InputError(`minoffset ${g.minoffset} is greater than maxoffset ${g.maxoffset}`, where(['global', 'minoffset']))
  }
  // Upstream README: with custom_params, at least one of node or pod thresholds.
  const cp = s.cpu_utilization?.spec?.custom_params
  if (cp && !cp.node && !(cp.pod && cp.pod.length > 0)) {
    throw new InputError('set at least one of node or pod cpu thresholds', where(['soaktest', 'cpu_utilization', 'spec', 'custom_params']))
  }

  const out = defaultTestConfig()
  if (g.maxoffset !== undefined) out.global.maxOffset = g.maxoffset
  if (g.minoffset !== undefined) out.global.minOffset = g.minoffset
  if (g.holdover_timeout !== undefined) out.global.holdoverTimeout = g.holdover_timeout
  if (g.DisableAllSlaveRTUpdate !== undefined) out.global.disableAllSlaveRTUpdate = g.DisableAllSlaveRTUpdate
  if (g.enablecontinuous !== undefined) out.global.enableContinuous = g.enablecontinuous
  if (s.disable_all !== undefined) out.soaktest.disableAll = s.disable_all
  if (s.duration !== undefined) out.soaktest.duration = s.duration
  if (s.failure_threshold !== undefined) out.soaktest.failureThreshold = s.failure_threshold
  if (s.event_output_file !== undefined) out.soaktest.eventOutputFile = s.event_output_file
  if (s.slave_clock_sync) out.soaktest.slaveClockSync = section(s.slave_clock_sync)
  if (s.cpu_utilization) out.soaktest.cpuUtilization = cpuSectionOf(s.cpu_utilization)
  for (const [k, v] of Object.entries(s)) {
    if (!KNOWN_SOAK_KEYS.has(k)) out.soaktest.other[k] = section(v as RawSection)
  }
  return out
}

export async function loadTestConfig(path: string): Promise<TestConfigFile> {
  return parseTestConfig(await readInputFile(path, INPUTS.testConfig, { field: 'PTP_TEST_CONFIG_FILE' }), path)
}

// ---------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------


export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'panic'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

// ptplab's default window is upstream CI's (+/-10000 ns, what its lab
// needs), not upstream's +/-100 ns default for real hardware.
export const LAB_DEFAULT_MAX_OFFSET_NS = 10000
export const LAB_DEFAULT_MIN_OFFSET_NS = -10000

export type OffsetSource = 'env' | 'file' | 'default'

export interface TestEnv {
  mode: AnyMode // any of upstream's modes; supportedMode() says whether ptplab runs it
  modeFrom: 'PTP_TEST_MODE' | 'DISCOVERY_MODE' | 'default'
  externalGM: boolean // EXTERNAL_GM
  skipInterfaces: string[] // SKIP_INTERFACES
  keepPtpConfig: boolean // KEEP_PTPCONFIG
  // The sync check window: env MIN/MAX_OFFSET_IN_NS > file global.min/maxoffset > lab default.
  offsets: { min: number; max: number; minFrom: OffsetSource; maxFrom: OffsetSource }
  configFile?: string // PTP_TEST_CONFIG_FILE
  config: TestConfigFile // the file's content, or defaultTestConfig()
  collectPodLogs: boolean // COLLECT_POD_LOGS
  logTestMarkers: boolean // LOG_TEST_MARKERS (default: COLLECT_POD_LOGS)
  logArtifactsDir: string // LOG_ARTIFACTS_DIR (default ./test-logs)
  enabledTestCases: string[] // ENABLE_TEST_CASE
  logLevel: LogLevel // PTP_LOG_LEVEL (default info)
}

const set = (v: string | undefined): v is string => v !== undefined && v.trim() !== ''

function boolEnv(env: Env, k: string, d: boolean): boolean {
  const v = env[k]
  if (!set(v)) return d
  const s = v.trim().toLowerCase()
  if (['true', '1', 'yes'].includes(s)) return true
  if (['false', '0', 'no'].includes(s)) return false
  throw new InputError(`${k}=${quote(v)} is not a boolean (true or false)`, { field: k })
}

function intEnv(env: Env, k: string): number | undefined {
  const v = env[k]
  if (!set(v)) return undefined
  if (!/^\s*[-+]?\d+\s*$/.test(v)) throw new InputError(`${k}=${quote(v)} is not an integer number of nanoseconds`, { field: k })
  const n = Number(v)
  if (!Number.isSafeInteger(n)) throw new InputError(`${k}=${quote(v)} is out of range`, { field: k })
  return n
}

function listEnv(env: Env, k: string): string[] {
  const out: string[] = []
  for (const item of (env[k] ?? '').split(',').map((x) => x.trim())) if (item && !out.includes(item)) out.push(item)
  return out
}


// DISCOVERY_MODE (legacy): "true" or "Discovery" selects Discovery and wins
// over PTP_TEST_MODE, as upstream; "false" or empty defers to PTP_TEST_MODE.
function legacyDiscovery(env: Env): boolean {
  const v = env.DISCOVERY_MODE
  if (!set(v)) return false
  if (v.trim().toLowerCase() === 'discovery') return true
  return boolEnv(env, 'DISCOVERY_MODE', false)
}

// The full test configuration from the environment. Pure: when
// PTP_TEST_CONFIG_FILE is set, pass its loadTestConfig() result as
// fileConfig (or use loadTestEnv).
export function resolveTestEnv(env: Env, fileConfig?: TestConfigFile): TestEnv {
  const configFile = set(env.PTP_TEST_CONFIG_FILE) ? env.PTP_TEST_CONFIG_FILE : undefined
  if (configFile !== undefined && fileConfig === undefined) {
    throw new Error(`PTP_TEST_CONFIG_FILE is set (${configFile}): load it with loadTestConfig() and pass it, or call loadTestEnv()`)
  }
  const config = fileConfig ?? defaultTestConfig()

  // PTP_TEST_MODE is checked even when DISCOVERY_MODE overrides it: a typo
  // there is still a mistake worth reporting.
  let mode: AnyMode = set(env.PTP_TEST_MODE) ? lookupMode(env.PTP_TEST_MODE, 'PTP_TEST_MODE') : 'oc'
  let modeFrom: TestEnv['modeFrom'] = set(env.PTP_TEST_MODE) ? 'PTP_TEST_MODE' : 'default'
  if (legacyDiscovery(env)) {
    mode = 'discovery'
    modeFrom = 'DISCOVERY_MODE'
  }

  const envMin = intEnv(env, 'MIN_OFFSET_IN_NS')
  const envMax = intEnv(env, 'MAX_OFFSET_IN_NS')
  const pick = (e: number | undefined, f: number | undefined, d: number): [number, OffsetSource] =>
    e !== undefined ? [e, 'env'] : f !== undefined ? [f, 'file'] : [d, 'default']
  const [min, minFrom] = pick(envMin, config.global.minOffset, LAB_DEFAULT_MIN_OFFSET_NS)
  const [max, maxFrom] = pick(envMax, config.global.maxOffset, LAB_DEFAULT_MAX_OFFSET_NS)
  if (min > max) {
    const name = (from: OffsetSource, env: string, key: string) =>
      from === 'env' ? env : from === 'file' ? `global.${key} in ${configFile ?? 'the test config file'}` : 'the lab default'
    const field = minFrom === 'env' ? 'MIN_OFFSET_IN_NS' : maxFrom === 'env' ? 'MAX_OFFSET_IN_NS' : 'MIN_OFFSET_IN_NS'
    throw new InputError(
      `minimum offset ${min} (${name(minFrom, 'MIN_OFFSET_IN_NS', 'minoffset')}) is greater than maximum offset ${max} (${name(maxFrom, 'MAX_OFFSET_IN_NS', 'maxoffset')})`,
      { field },
    )
  }

  const collectPodLogs = boolEnv(env, 'COLLECT_POD_LOGS', false)
  const level = (env.PTP_LOG_LEVEL ?? '').trim().toLowerCase()
  if (level !== '' && !(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new InputError(`unknown log level ${quote(env.PTP_LOG_LEVEL)} (known: ${LOG_LEVELS.join(', ')})`, { field: 'PTP_LOG_LEVEL' })
  }

  return {
    mode,
    modeFrom,
    externalGM: boolEnv(env, 'EXTERNAL_GM', false),
    skipInterfaces: listEnv(env, 'SKIP_INTERFACES'),
    keepPtpConfig: boolEnv(env, 'KEEP_PTPCONFIG', false),
    offsets: { min, max, minFrom, maxFrom },
    ...(configFile !== undefined && { configFile }),
    config,
    collectPodLogs,
    logTestMarkers: boolEnv(env, 'LOG_TEST_MARKERS', collectPodLogs),
    logArtifactsDir: set(env.LOG_ARTIFACTS_DIR) ? env.LOG_ARTIFACTS_DIR : './test-logs',
    enabledTestCases: listEnv(env, 'ENABLE_TEST_CASE'),
    logLevel: (level || 'info') as LogLevel,
  }
}

// resolveTestEnv after loading PTP_TEST_CONFIG_FILE when it is set.
export async function loadTestEnv(env: Env = process.env): Promise<TestEnv> {
  const path = env.PTP_TEST_CONFIG_FILE
  return resolveTestEnv(env, set(path) ? await loadTestConfig(path) : undefined)
}
