// ptptestconfig.yaml parsing and the conformance environment
// (lab/conformance/testconfig.ts, docs/upstream.md#suite).
import { inputError } from '../fixtures/errors.js'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ALL_MODES, MODES, parseMode } from '../../lab/conformance/modes.js'
import { InputError } from '../../lab/errors.js'
import {
  defaultTestConfig,
  loadTestConfig,
  loadTestEnv,
  parseTestConfig,
  resolveTestEnv,
  type TestConfigFile,
} from '../../lab/conformance/testconfig.js'

const F = 'ptptestconfig.yaml'
const TMP = mkdtempSync(join(tmpdir(), 'ptplab-testconfig-'))
t.teardown(() => rmSync(TMP, { recursive: true, force: true }))


async function inputErrorAsync(p: Promise<unknown>): Promise<InputError> {
  try {
    await p
  } catch (e) {
    if (e instanceof InputError) return e
    throw e
  }
  throw new Error('expected an InputError')
}

// Upstream's file as its CI writes it (test/conformance/config/ptptestconfig.yaml
// plus the cpu_utilization custom_params of its README).
const UPSTREAM = `---
global:
 maxoffset: 100
 minoffset: -100
soaktest:
  disable_all: false
  event_output_file: "./event-output.csv"
  duration: 10
  failure_threshold: 2
  master_offset:
    spec:
      enable: true
      duration: 10
      failure_threshold: 20
    desc: "This test measures the master offset check"
  slave_clock_sync:
    spec:
      enable: true
      duration: 5
      failure_threshold: 1
    desc: "The test measures number of PTP time sync faults, and fails if > failure_threshold"
  cpu_utilization:
    spec:
      enable: true
      duration: 5
      failure_threshold: 3
      custom_params:
        prometheus_rate_time_window: "70s"
        node:
          cpu_threshold_mcores: 100
        pod:
          - pod_type: "ptp-operator"
            cpu_threshold_mcores: 30

          - pod_type: "linuxptp-daemon"
            cpu_threshold_mcores: 80

          - pod_type: "linuxptp-daemon"
            container: "cloud-event-proxy"
            cpu_threshold_mcores: 30
    desc: "The test measures PTP CPU usage and fails if >15mcores"
`

t.test("upstream's file", async (t) => {
  const c = parseTestConfig(UPSTREAM, F)
  t.same(c.global, { maxOffset: 100, minOffset: -100 })
  t.equal(c.soaktest.disableAll, false)
  t.equal(c.soaktest.duration, 10)
  t.equal(c.soaktest.failureThreshold, 2)
  t.equal(c.soaktest.eventOutputFile, './event-output.csv')
  t.same(c.soaktest.slaveClockSync, {
    spec: { enable: true, duration: 5, failureThreshold: 1 },
    desc: 'The test measures number of PTP time sync faults, and fails if > failure_threshold',
  })
  t.same(c.soaktest.cpuUtilization, {
    spec: {
      enable: true,
      duration: 5,
      failureThreshold: 3,
      customParams: {
        prometheusRateTimeWindow: '70s',
        node: { cpuThresholdMcores: 100 },
        pod: [
          { podType: 'ptp-operator', cpuThresholdMcores: 30 },
          { podType: 'linuxptp-daemon', cpuThresholdMcores: 80 },
          { podType: 'linuxptp-daemon', container: 'cloud-event-proxy', cpuThresholdMcores: 30 },
        ],
      },
    },
    desc: 'The test measures PTP CPU usage and fails if >15mcores',
  })
  // Sections upstream's Go code does not read are kept, checked for shape.
  t.same(c.soaktest.other, {
    master_offset: { spec: { enable: true, duration: 10, failureThreshold: 20 }, desc: 'This test measures the master offset check' },
  })
})

t.test('defaults and lenient parts', async (t) => {
  t.same(parseTestConfig('', F), defaultTestConfig())
  t.same(parseTestConfig('# nothing\n', F), defaultTestConfig())
  t.same(parseTestConfig('global:\nsoaktest:\n', F), defaultTestConfig())
  t.same(defaultTestConfig(), {
    global: {},
    soaktest: { disableAll: false, failureThreshold: 1, eventOutputFile: './event-output.csv', other: {} },
  })
  const c = parseTestConfig(
    `global:
  holdover_timeout: 5
  DisableAllSlaveRTUpdate: true
  enablecontinuous: false
soaktest:
  disable_all: true
  duration: 0.5
  slave_clock_sync:
    desc: no spec
  cpu_utilization:
    spec:
      duration: 1
  event_monitoring:
    spec:
      custom_params: { anything: [1, 2], nested: { ok: true } }
  tgm_clock_quality: {}
`,
    F,
  )
  t.same(c.global, { holdoverTimeout: 5, disableAllSlaveRTUpdate: true, enableContinuous: false })
  t.equal(c.soaktest.disableAll, true)
  t.equal(c.soaktest.duration, 0.5, 'fractional minutes are allowed')
  // spec present: enable defaults to true; no spec: the test is off (as upstream).
  t.same(c.soaktest.slaveClockSync, { spec: { enable: false }, desc: 'no spec' })
  t.same(c.soaktest.cpuUtilization, { spec: { enable: true, duration: 1 } })
  t.same(c.soaktest.other, {
    event_monitoring: { spec: { enable: true, customParams: { anything: [1, 2], nested: { ok: true } } } },
    tgm_clock_quality: { spec: { enable: false } },
  })
  // Only a pod list, or only a node threshold, is enough.
  const pod = parseTestConfig(
    'soaktest:\n  cpu_utilization:\n    spec:\n      custom_params:\n        pod:\n          - pod_type: linuxptp-daemon\n            cpu_threshold_mcores: 80\n',
    F,
  )
  t.same(pod.soaktest.cpuUtilization?.spec.customParams, { pod: [{ podType: 'linuxptp-daemon', cpuThresholdMcores: 80 }] })
})

t.test('rejections name file, line and field', async (t) => {
  const cases: Array<[string, string, string]> = [
    // [yaml, expected message, what]
    ['global:\n  maxoffset: abc\n', `${F}:2: global.maxoffset: expected an integer, got "abc"`, 'string offset'],
    ['global:\n  maxoffset: 1.5\n', `${F}:2: global.maxoffset: expected an integer, got 1.5`, 'fractional offset'],
    ['global:\n  minoffset: "-100"\n', `${F}:2: global.minoffset: expected an integer, got "-100"`, 'quoted offset'],
    ['global:\n  max_offset: 100\n', `${F}:2: global.max_offset: unknown field (value 100)`, 'typo in global'],
    ['global:\n  holdover_timeout: -5\n', `${F}:2: global.holdover_timeout: must be >= 0, got -5`, 'negative holdover'],
    ['global:\n  maxoffset: 10\n  minoffset: 20\n', `${F}:3: global.minoffset: minoffset 20 is greater than maxoffset 10`, 'min > max'],
    ['globals:\n  maxoffset: 10\n', `${F}:1: globals: unknown field (value {"maxoffset":10})`, 'unknown top-level key'],
    ['global: 5\n', `${F}:1: global: expected a mapping, got 5`, 'global not a mapping'],
    ['- a\n- b\n', `${F}:1: expected a mapping, got ["a","b"]`, 'document is a list'],
    ['soaktest:\n  duration: -1\n', `${F}:2: soaktest.duration: must be >= 0, got -1`, 'negative duration'],
    ['soaktest:\n  duration: ten\n', `${F}:2: soaktest.duration: expected a number, got "ten"`, 'string duration'],
    ['soaktest:\n  disable_all: "yes"\n', `${F}:2: soaktest.disable_all: expected true or false, got "yes"`, 'string bool'],
    ['soaktest:\n  failure_threshold: 1.5\n', `${F}:2: soaktest.failure_threshold: expected an integer, got 1.5`, 'fractional threshold'],
    ['soaktest:\n  event_output_file: 3\n', `${F}:2: soaktest.event_output_file: expected a string, got 3`, 'file name type'],
    [
      'soaktest:\n  slave_clock_sync:\n    spec:\n      enable: 1\n',
      `${F}:4: soaktest.slave_clock_sync.spec.enable: expected true or false, got 1`,
      'enable type',
    ],
    [
      'soaktest:\n  slave_clock_sync:\n    spec:\n      duration: 5\n      failure_threshhold: 1\n',
      `${F}:5: soaktest.slave_clock_sync.spec.failure_threshhold: unknown field (value 1)`,
      'typo in spec',
    ],
    [
      'soaktest:\n  slave_clock_sync:\n    spec:\n      failure_threshold: -2\n',
      `${F}:4: soaktest.slave_clock_sync.spec.failure_threshold: must be >= 0, got -2`,
      'negative failure threshold',
    ],
    [
      'soaktest:\n  slave_clock_sync:\n    desc: 5\n',
      `${F}:3: soaktest.slave_clock_sync.desc: expected a string, got 5`,
      'desc type',
    ],
    ['soaktest:\n  master_offset: 5\n', `${F}:2: soaktest.master_offset: expected a test section (a mapping with spec and desc), got 5`, 'scalar section'],
    [
      'soaktest:\n  master_offset:\n    spec:\n      duration: ten\n',
      `${F}:4: soaktest.master_offset.spec.duration: expected a number, got "ten"`,
      'bad type in an extra section',
    ],
    [
      'soaktest:\n  master_offset:\n    spec: {}\n    enabled: true\n',
      `${F}:4: soaktest.master_offset.enabled: unknown field (value true)`,
      'unknown key in an extra section',
    ],
    [
      'soaktest:\n  cpu_utilization:\n    spec:\n      custom_params:\n        pod:\n          - pod_type: ptp-operator\n            cpu_threshold_mcores: 30\n          - pod_type: cloud-event-proxy\n            cpu_threshold_mcores: 30\n',
      `${F}:8: soaktest.cpu_utilization.spec.custom_params.pod[1].pod_type: must be one of "ptp-operator", "linuxptp-daemon", got "cloud-event-proxy"`,
      'pod_type',
    ],
    [
      'soaktest:\n  cpu_utilization:\n    spec:\n      custom_params:\n        pod:\n          - pod_type: ptp-operator\n',
      `${F}:6: soaktest.cpu_utilization.spec.custom_params.pod[0].cpu_threshold_mcores: required field missing`,
      'missing threshold',
    ],
    [
      'soaktest:\n  cpu_utilization:\n    spec:\n      custom_params:\n        node:\n          cpu_threshold_mcores: 2.5\n',
      `${F}:6: soaktest.cpu_utilization.spec.custom_params.node.cpu_threshold_mcores: expected an integer, got 2.5`,
      'fractional mcores',
    ],
    [
      'soaktest:\n  cpu_utilization:\n    spec:\n      custom_params:\n        prometheus_rate_time_window: 60 seconds\n        node: { cpu_threshold_mcores: 100 }\n',
      `${F}:5: soaktest.cpu_utilization.spec.custom_params.prometheus_rate_time_window: must be a Go duration such as "60s", "1m30s" or "5m", got "60 seconds"`,
      'rate window',
    ],
    [
      'soaktest:\n  cpu_utilization:\n    spec:\n      custom_params:\n        prometheus_rate_time_window: 60s\n',
      `${F}:4: soaktest.cpu_utilization.spec.custom_params: set at least one of node or pod cpu thresholds`,
      'no thresholds',
    ],
    ['global:\n  maxoffset: [1\n', `${F}:3:`, 'YAML syntax'],
    ['global:\n  maxoffset: 1\n  maxoffset: 2\n', `${F}:3:`, 'duplicate key'],
  ]
  for (const [yaml, msg, what] of cases) {
    const e = inputError(() => parseTestConfig(yaml, F))
    if (msg.endsWith(':')) t.ok(e.message.startsWith(msg), `${what}: ${e.message}`)
    else t.equal(e.message, msg, what)
    t.equal(e.file, F, `${what}: file`)
  }
})

t.test('loadTestConfig', async (t) => {
  const p = join(TMP, 'cfg.yaml')
  writeFileSync(p, UPSTREAM)
  t.same(await loadTestConfig(p), parseTestConfig(UPSTREAM, F))
  const e = await inputErrorAsync(loadTestConfig(join(TMP, 'missing.yaml')))
  t.equal(e.file, join(TMP, 'missing.yaml'))
  t.match(e.message, /cannot read test config file: ENOENT/)
  writeFileSync(p, 'global:\n  maxoffset: x\n')
  t.equal((await inputErrorAsync(loadTestConfig(p))).message, `${p}:2: global.maxoffset: expected an integer, got "x"`)
})

t.test('environment defaults', async (t) => {
  t.same(resolveTestEnv({}), {
    mode: 'oc',
    modeFrom: 'default',
    externalGM: false,
    skipInterfaces: [],
    keepPtpConfig: false,
    offsets: { min: -10000, max: 10000, minFrom: 'default', maxFrom: 'default' },
    config: defaultTestConfig(),
    collectPodLogs: false,
    logTestMarkers: false,
    logArtifactsDir: './test-logs',
    enabledTestCases: [],
    logLevel: 'info',
  })
  // Empty values are unset.
  const empty = Object.fromEntries(
    ['PTP_TEST_MODE', 'DISCOVERY_MODE', 'EXTERNAL_GM', 'MAX_OFFSET_IN_NS', 'MIN_OFFSET_IN_NS', 'LOG_ARTIFACTS_DIR', 'PTP_TEST_CONFIG_FILE', 'COLLECT_POD_LOGS'].map((k) => [k, '']),
  )
  t.same(resolveTestEnv(empty), resolveTestEnv({}))
})

t.test('test mode', async (t) => {
  const mode = (env: Record<string, string>) => {
    const r = resolveTestEnv(env)
    return [r.mode, r.modeFrom]
  }
  t.same(mode({ PTP_TEST_MODE: 'oc' }), ['oc', 'PTP_TEST_MODE'])
  t.same(mode({ PTP_TEST_MODE: ' bc ' }), ['bc', 'PTP_TEST_MODE'])
  t.same(mode({ PTP_TEST_MODE: 'dualnicbc' }), ['dualnicbc', 'PTP_TEST_MODE'])
  t.same(mode({ PTP_TEST_MODE: 'DUALNICBCHA' }), ['dualnicbcha', 'PTP_TEST_MODE'])
  t.same(mode({ PTP_TEST_MODE: 'dualFollower' }), ['dualfollower', 'PTP_TEST_MODE'])
  t.same(mode({ PTP_TEST_MODE: 'tgm' }), ['tgm', 'PTP_TEST_MODE'])
  t.same(mode({ PTP_TEST_MODE: 'Tbc' }), ['tbc', 'PTP_TEST_MODE'])
  t.same(mode({ PTP_TEST_MODE: 'discovery' }), ['discovery', 'PTP_TEST_MODE'])
  // DISCOVERY_MODE: legacy alias, wins over PTP_TEST_MODE.
  t.same(mode({ DISCOVERY_MODE: 'true' }), ['discovery', 'DISCOVERY_MODE'])
  t.same(mode({ DISCOVERY_MODE: 'TRUE', PTP_TEST_MODE: 'BC' }), ['discovery', 'DISCOVERY_MODE'])
  t.same(mode({ DISCOVERY_MODE: 'Discovery', PTP_TEST_MODE: 'OC' }), ['discovery', 'DISCOVERY_MODE'])
  t.same(mode({ DISCOVERY_MODE: 'false', PTP_TEST_MODE: 'BC' }), ['bc', 'PTP_TEST_MODE'])

  let e = inputError(() => resolveTestEnv({ PTP_TEST_MODE: 'GM' }))
  t.equal(e.field, 'PTP_TEST_MODE')
  t.equal(e.message, 'PTP_TEST_MODE: unknown test mode "GM" (known: OC, BC, DualNICBC, DualNICBCHA, DualFollower, TGM, TBC, Discovery)')
  e = inputError(() => resolveTestEnv({ PTP_TEST_MODE: 'BC2' , DISCOVERY_MODE: 'true' }))
  t.equal(e.field, 'PTP_TEST_MODE', 'a bad PTP_TEST_MODE is reported even when DISCOVERY_MODE overrides it')
  e = inputError(() => resolveTestEnv({ DISCOVERY_MODE: 'maybe' }))
  t.equal(e.field, 'DISCOVERY_MODE')
  t.match(e.message, /^DISCOVERY_MODE: DISCOVERY_MODE="maybe" is not a boolean/)
})

t.test('modes: one table, upstream spellings, unsupported ones refused with the reason', async (t) => {
  t.same(
    ['OC', 'BC', 'DualNICBC', 'DualFollower', 'Discovery', 'oc', ' dualFollower '].map((m) => parseMode(m, 'PTP_TEST_MODE')),
    ['oc', 'bc', 'dualnicbc', 'dualfollower', 'discovery', 'oc', 'dualfollower'],
  )
  for (const m of ['DualNICBCHA', 'TGM', 'TBC'] as const) {
    const e = inputError(() => parseMode(m, 'PTP_TEST_MODE'))
    t.equal(e.field, 'PTP_TEST_MODE')
    t.match(e.message, new RegExp(`^PTP_TEST_MODE: test mode ${m} is not supported by ptplab yet: .+ \\(supported: OC, BC, DualNICBC, DualFollower, Discovery\\)$`))
  }
  t.equal(ALL_MODES.length, 8)
  t.same(MODES, ['oc', 'bc', 'dualnicbc', 'dualfollower', 'discovery'])
  t.equal(resolveTestEnv({ DISCOVERY_MODE: 'true' }).mode, 'discovery')
})

t.test('booleans and lists', async (t) => {
  t.equal(resolveTestEnv({ EXTERNAL_GM: 'true' }).externalGM, true)
  t.equal(resolveTestEnv({ EXTERNAL_GM: 'False' }).externalGM, false)
  t.equal(resolveTestEnv({ EXTERNAL_GM: '1' }).externalGM, true)
  t.equal(inputError(() => resolveTestEnv({ EXTERNAL_GM: 'sure' })).field, 'EXTERNAL_GM')
  t.equal(resolveTestEnv({ KEEP_PTPCONFIG: 'true' }).keepPtpConfig, true)
  t.equal(resolveTestEnv({ KEEP_PTPCONFIG: 'false' }).keepPtpConfig, false)
  t.equal(inputError(() => resolveTestEnv({ KEEP_PTPCONFIG: 'keep' })).field, 'KEEP_PTPCONFIG')

  t.same(resolveTestEnv({ SKIP_INTERFACES: ' eno1, ens2f1 ,,eno1 ' }).skipInterfaces, ['eno1', 'ens2f1'])
  t.same(resolveTestEnv({ ENABLE_TEST_CASE: 'reboot, soak' }).enabledTestCases, ['reboot', 'soak'])

  // LOG_TEST_MARKERS defaults to COLLECT_POD_LOGS.
  let r = resolveTestEnv({ COLLECT_POD_LOGS: 'true' })
  t.same([r.collectPodLogs, r.logTestMarkers], [true, true])
  r = resolveTestEnv({ COLLECT_POD_LOGS: '1', LOG_TEST_MARKERS: 'false' })
  t.same([r.collectPodLogs, r.logTestMarkers], [true, false])
  r = resolveTestEnv({ LOG_TEST_MARKERS: 'true' })
  t.same([r.collectPodLogs, r.logTestMarkers], [false, true])
  t.equal(inputError(() => resolveTestEnv({ COLLECT_POD_LOGS: 'on' })).field, 'COLLECT_POD_LOGS')
  t.equal(inputError(() => resolveTestEnv({ COLLECT_POD_LOGS: 'true', LOG_TEST_MARKERS: 'x' })).field, 'LOG_TEST_MARKERS')
  t.equal(resolveTestEnv({ LOG_ARTIFACTS_DIR: '/tmp/logs' }).logArtifactsDir, '/tmp/logs')

  t.equal(resolveTestEnv({ PTP_LOG_LEVEL: 'Debug' }).logLevel, 'debug')
  t.equal(inputError(() => resolveTestEnv({ PTP_LOG_LEVEL: 'verbose' })).field, 'PTP_LOG_LEVEL')
})

t.test('offset window precedence: env > file > lab default', async (t) => {
  const file = (g: TestConfigFile['global']): TestConfigFile => ({ ...defaultTestConfig(), global: g })
  const env = (e: Record<string, string>, f?: TestConfigFile) =>
    resolveTestEnv({ ...e, ...(f && { PTP_TEST_CONFIG_FILE: 'cfg.yaml' }) }, f).offsets
  t.same(env({}), { min: -10000, max: 10000, minFrom: 'default', maxFrom: 'default' })
  t.same(env({}, file({ minOffset: -100, maxOffset: 100 })), { min: -100, max: 100, minFrom: 'file', maxFrom: 'file' })
  t.same(env({ MAX_OFFSET_IN_NS: '500' }, file({ minOffset: -100, maxOffset: 100 })), { min: -100, max: 500, minFrom: 'file', maxFrom: 'env' })
  t.same(env({ MIN_OFFSET_IN_NS: '-50', MAX_OFFSET_IN_NS: ' +50 ' }, file({ minOffset: -100, maxOffset: 100 })), {
    min: -50,
    max: 50,
    minFrom: 'env',
    maxFrom: 'env',
  })
  t.same(env({}, file({ maxOffset: 200 })), { min: -10000, max: 200, minFrom: 'default', maxFrom: 'file' })

  let e = inputError(() => env({ MAX_OFFSET_IN_NS: '1e3' }))
  t.equal(e.field, 'MAX_OFFSET_IN_NS')
  t.equal(e.message, 'MAX_OFFSET_IN_NS: MAX_OFFSET_IN_NS="1e3" is not an integer number of nanoseconds')
  t.equal(inputError(() => env({ MIN_OFFSET_IN_NS: 'abc' })).field, 'MIN_OFFSET_IN_NS')
  e = inputError(() => env({ MIN_OFFSET_IN_NS: '500' }, file({ maxOffset: 100 })))
  t.equal(e.field, 'MIN_OFFSET_IN_NS')
  t.equal(e.message, 'MIN_OFFSET_IN_NS: minimum offset 500 (MIN_OFFSET_IN_NS) is greater than maximum offset 100 (global.maxoffset in cfg.yaml)')
  e = inputError(() => env({ MAX_OFFSET_IN_NS: '-20000' }))
  t.equal(e.field, 'MAX_OFFSET_IN_NS')
  t.match(e.message, /minimum offset -10000 \(the lab default\) is greater than maximum offset -20000 \(MAX_OFFSET_IN_NS\)/)
})

t.test('PTP_TEST_CONFIG_FILE', async (t) => {
  const p = join(TMP, 'ptptestconfig.yaml')
  writeFileSync(p, UPSTREAM)
  const r = await loadTestEnv({ PTP_TEST_CONFIG_FILE: p })
  t.equal(r.configFile, p)
  t.equal(r.config.soaktest.slaveClockSync?.spec.duration, 5)
  t.same(r.offsets, { min: -100, max: 100, minFrom: 'file', maxFrom: 'file' })
  t.same((await loadTestEnv({})).config, defaultTestConfig())
  // The pure resolver does not read files: it refuses to ignore one.
  t.throws(() => resolveTestEnv({ PTP_TEST_CONFIG_FILE: p }), /PTP_TEST_CONFIG_FILE is set/)
  const e = await inputErrorAsync(loadTestEnv({ PTP_TEST_CONFIG_FILE: join(TMP, 'nope.yaml') }))
  t.equal(e.field, 'PTP_TEST_CONFIG_FILE')
})
