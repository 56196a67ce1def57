// PtpConfigs the conformance suite creates for the roles it assigned
// (docs/upstream.md#suite), modelled on upstream test/pkg/testconfig.
import { InputError } from '../errors.js'
import { checkName, ifName } from '../names.js'
import type { PtpProfile } from '../ptp/types.js'
import { PTP_NAMESPACE, type PtpConfig } from '../operator/ptpconfig.js'

export interface GenOptions {
  domain?: number // default 24, the switch's domain
  softwareTimestamps: boolean
  fastIntervals?: boolean // default true
  // Every node its own clock (docs/clocks.md): the step thresholds are left
  // to the lab's servo settings. Upstream's step_threshold 2.0 would make a
  // slave slew rather than step when its master steps by milliseconds (a BC
  // or the switch following a new grandmaster), at up to the 10 % the tick
  // allows, then ring for seconds; with a shared clock (free_running) and on
  // real clusters upstream's value stays.
  independentClocks?: boolean
}

export const LABEL_GM = 'ptp/test-grandmaster'
export const LABEL_CUT = 'ptp/clock-under-test'
export const LABEL_SLAVE1 = 'ptp/test-slave1'
export const LABEL_SLAVE2 = 'ptp/test-slave2'

const RECOMMEND_PRIORITY = 5
const SCHED_PRIORITY = 65 // upstream sets it on every test profile (used only with SCHED_FIFO)

function domainOf(o: GenOptions): number {
  const d = o.domain ?? 24
  if (!Number.isInteger(d) || d < 0 || d > 127) throw new InputError(`PTP domain must be an integer 0-127 (ptp4l's range), got ${d}`)
  return d
}

const checkIface = (name: string) => checkName(ifName, name, 'interface name')

// [global] of upstream's BasePtp4lConfig, minus what the lab cannot take:
// clock_class_threshold (unknown to linuxptp 3.1, ptp4l refuses the file),
// uds_address/summary_interval/free_running (the daemon owns them) and
// cosmetic defaults. Upstream itself uses the G.8275.x dataset comparison.
function globalLines(o: GenOptions, roleLines: string[]): string[] {
  const fast = o.fastIntervals ?? true
  return [
    '[global]',
    'twoStepFlag 1',
    `domainNumber ${domainOf(o)}`,
    'clockAccuracy 0xFE',
    'offsetScaledLogVariance 0xFFFF',
    `freq_est_interval ${fast ? 0 : 1}`,
    'dataset_comparison G.8275.x',
    'G.8275.defaultDS.localPriority 128',
    ...roleLines,
    'logAnnounceInterval -3',
    'logSyncInterval -4',
    'logMinDelayReqInterval -4',
    `announceReceiptTimeout ${fast ? 3 : 6}`,
    'syncReceiptTimeout 0',
    'fault_reset_interval -4',
    'G.8275.portDS.localPriority 128',
    'logging_level 6',
    'tx_timestamp_timeout 50',
    'clock_servo pi',
    ...(o.independentClocks ? [] : ['step_threshold 2.0', 'first_step_threshold 0.00002']),
    'network_transport L2',
    'delay_mechanism E2E',
    'ptp_dst_mac 01:1B:19:00:00:00',
    'p2p_dst_mac 01:80:C2:00:00:0E',
    `time_stamping ${o.softwareTimestamps ? 'software' : 'hardware'}`,
    'tsproc_mode filter',
    'delay_filter moving_median',
    'delay_filter_length 10',
  ]
}

// ports: [interface, masterOnly] in the order ptp4l should number them.
function ptp4lConf(o: GenOptions, roleLines: string[], ports: Array<[string, 0 | 1]>): string {
  const lines = globalLines(o, roleLines)
  for (const [iface, masterOnly] of ports) lines.push(`[${iface}]`, `masterOnly ${masterOnly}`)
  return lines.join('\n') + '\n'
}

function config(name: string, label: string, profile: Omit<PtpProfile, 'name'>, o: GenOptions): PtpConfig {
  return {
    apiVersion: 'ptp.openshift.io/v1',
    kind: 'PtpConfig',
    metadata: { name, namespace: PTP_NAMESPACE },
    spec: {
      profile: [
        {
          name,
          ...profile,
          // The lab's shared-clock daemon does not start phc2sys; kept for fidelity.
          phc2sysOpts: `-a -r -n ${domainOf(o)}`,
          ptpSchedulingPolicy: 'SCHED_OTHER',
          ptpSchedulingPriority: SCHED_PRIORITY,
        },
      ],
      recommend: [{ profile: name, priority: RECOMMEND_PRIORITY, match: [{ nodeLabel: label }] }],
    },
  }
}

export function grandmasterConfig(iface: string, o: GenOptions): PtpConfig {
  checkIface(iface)
  const conf = ptp4lConf(o, ['priority1 0', 'priority2 0', 'clockClass 6'], [[iface, 1]])
  return config('test-grandmaster', LABEL_GM, { interface: iface, ptp4lOpts: '-2', ptp4lConf: conf }, o)
}

// An OC slave port: masterOnly 0 plus -s (slaveOnly) as upstream's CreatePtpConfigOC.
function ocSlave(name: string, label: string, iface: string, o: GenOptions): PtpConfig {
  checkIface(iface)
  return config(name, label, { interface: iface, ptp4lOpts: '-2 -s', ptp4lConf: ptp4lConf(o, [], [[iface, 0]]) }, o)
}

export function ocSlaveConfig(iface: string, o: GenOptions): PtpConfig {
  return ocSlave('test-slave1', LABEL_CUT, iface, o)
}

// No profile interface: a BC's ports are all [iface] sections, slave first.
// boundary_clock_jbod only with hardware clocks: without a PHC it makes the
// BC ports FAULTY (docs/upstream.md#linuxptp).
export function bcConfig(
  name: 'test-bc-master1' | 'test-bc-master2',
  slaveIface: string,
  masterIfaces: string[],
  o: GenOptions,
): PtpConfig {
  const all = [slaveIface, ...masterIfaces]
  all.forEach(checkIface)
  if (masterIfaces.length === 0) throw new InputError(`${name}: a boundary clock needs at least one master port`)
  if (new Set(all).size !== all.length) throw new InputError(`${name}: ports repeat: ${all.join(', ')}`)
  const role = o.softwareTimestamps ? ['gmCapable 0'] : ['boundary_clock_jbod 1', 'gmCapable 0']
  const ports: Array<[string, 0 | 1]> = [[slaveIface, 0], ...masterIfaces.map((m): [string, 0 | 1] => [m, 1])]
  return config(name, LABEL_CUT, { ptp4lOpts: '-2', ptp4lConf: ptp4lConf(o, role, ports) }, o)
}

// Downstream slaves of a BC are OCs too (upstream uses CreatePtpConfigOC for them).
export function downstreamSlaveConfig(name: 'test-slave1' | 'test-slave2', label: string, iface: string, o: GenOptions): PtpConfig {
  return ocSlave(name, label, iface, o)
}

// DualFollower: one slave-only clock on two ports of one NIC; ptp4l keeps
// one port SLAVE and the other LISTENING, and fails over between them.
export function dualFollowerConfig(ifaces: [string, string], o: GenOptions): PtpConfig {
  ifaces.forEach(checkIface)
  if (ifaces[0] === ifaces[1]) throw new InputError(`test-slave1: dual follower ports repeat: ${ifaces[0]}`)
  const ports: Array<[string, 0 | 1]> = ifaces.map((i): [string, 0 | 1] => [i, 0])
  return config('test-slave1', LABEL_CUT, { ptp4lOpts: '-2 -s', ptp4lConf: ptp4lConf(o, [], ports) }, o)
}
