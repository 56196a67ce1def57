// How a conformance suite reaches the PTP operator and its daemons on a
// cluster, as upstream's suite does (openshift/ptp-operator test/pkg/:
// consts.go, pods/, ptphelper/, metrics/): as data, and the pure readers of
// what the daemon pods answer. The same contract holds for upstream's
// operator and linuxptp-daemon and for ptplab's.
import { parsePmcOutput, type PmcResponse } from '../../ptp/pmc-parse.js'
import { getOption, interfacesOf, parsePtp4lConf } from '../../ptp/ptp4l-conf.js'
import type { Ptp4lInstance } from '../types.js'

export const CONTRACT = {
  namespace: 'openshift-ptp',
  daemonSelector: 'app=linuxptp-daemon',
  daemonContainer: 'linuxptp-daemon-container',
  operatorSelector: 'name=ptp-operator',
  configMap: 'ptp-configmap',
  group: 'ptp.openshift.io',
  version: 'v1',
  ptpConfigs: 'ptpconfigs',
  runDir: '/var/run',
  // Executed in the daemon pod's first container (upstream: metrics from
  // the pod's first container, which serves 127.0.0.1:9091 in every layout).
  metrics: ['curl', '-s', '127.0.0.1:9091/metrics'],
  ready: ['curl', '-v', 'localhost:8081/ready'],
} as const

const CONFIG_RE = /^ptp4l\.\d+\.config$/
export const isDaemonConfig = (c: string) => CONFIG_RE.test(c)

export const pmcCommand = (config: string, ids: string[]) => ['pmc', '-b', '0', '-u', '-f', `${CONTRACT.runDir}/${config}`, ...ids.map((i) => `GET ${i}`)]
// pkill's pattern matches ptp4l's command line "ptp4l -f /var/run/ptp4l.N.config ..."
// (and no phc2sys, which upstream's daemon gives its own phc2sys.N.config).
export const stopCommand = (config: string) => ['pkill', '-TERM', '-f', '--', `ptp4l -f ${CONTRACT.runDir}/${config.replace(/\./g, '\\.')}`]

// Lists the daemon's ptp4l configs with the pid of the ptp4l using each: a
// fixed script (nothing from input), one exec per observation.
export const LIST_CONFIGS = [
  'sh',
  '-c',
  `for f in ${CONTRACT.runDir}/ptp4l.*.config; do [ -f "$f" ] || continue; ` +
    `echo "==> $f $(pgrep -o -f -- "ptp4l -f $f" || echo -)"; cat "$f"; echo; done`,
]

// The output of LIST_CONFIGS: one instance per config file.
export function parseConfigListing(text: string): Ptp4lInstance[] {
  const out: Ptp4lInstance[] = []
  for (const block of text.split(/^==> /m).slice(1)) {
    const nl = block.indexOf('\n')
    const [path = '', pid = '-'] = block.slice(0, nl < 0 ? undefined : nl).trim().split(/\s+/)
    const config = path.slice(path.lastIndexOf('/') + 1)
    if (!isDaemonConfig(config)) continue
    const body = nl < 0 ? '' : block.slice(nl + 1)
    const profile = /^#profile:\s*(.*)$/m.exec(body)?.[1]?.trim() ?? ''
    const conf = parsePtp4lConf(body)
    out.push({
      config,
      profile,
      ifaces: interfacesOf(conf),
      domain: Number(getOption(conf, 'global', 'domainNumber') ?? '0'),
      processId: /^\d+$/.test(pid) ? pid : undefined,
    })
  }
  return out.sort((a, b) => (a.config < b.config ? -1 : 1))
}

// curl -v: the status line is on stderr ("< HTTP/1.1 200 OK"), the reason in the body.
export function parseReady(r: { stdout: string; stderr: string; exitCode: number }): { ready: boolean; reason: string } {
  const status = /^< HTTP\/[\d.]+ (\d{3})/m.exec(r.stderr)?.[1]
  if (!status) return { ready: false, reason: `no answer on :8081/ready (curl exit ${r.exitCode})` }
  return { ready: status === '200', reason: r.stdout.trim() || `HTTP ${status}` }
}

export const parsePmc = (stdout: string): PmcResponse[] => parsePmcOutput(stdout)

export { profileLogged } from '../../ptp/profile-log.js'

// The profile names in a ptp-configmap entry (the operator's JSON array).
export function configMapProfiles(json: string | undefined): string[] {
  if (!json) return []
  try {
    const v = JSON.parse(json) as unknown
    return Array.isArray(v) ? v.map((p) => (p as { name?: unknown }).name).filter((n): n is string => typeof n === 'string') : []
  } catch {
    return []
  }
}
