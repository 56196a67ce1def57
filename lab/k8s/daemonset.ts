// The linuxptp-daemon DaemonSet the operator renders from PtpOperatorConfig
// (spec.daemonNodeSelector), and the Service and ServiceMonitor that expose
// its metrics, as upstream's operator renders them (openshift/ptp-operator
// bindata/linuxptp/ptp-daemon.yaml), minus what ptplab does not run: no
// kube-rbac-proxy or cloud-event-proxy sidecar, so the daemon serves its
// metrics itself on 0.0.0.0:9091 and is the pod's first container (the
// conformance suite execs curl there). Pure: objects in, objects out.
import type { V1DaemonSet, V1Service } from '@kubernetes/client-node'
import { InputError } from '../errors.js'
import { checkName, dns1123Label, imageReference, labelKey, labelValue, type NameRule } from '../names.js'
import { PTP_NAMESPACE } from '../operator/ptpconfig.js'
import { quote } from '../text.js'

export const DAEMONSET_NAME = 'linuxptp-daemon'
export const DAEMON_CONTAINER = 'linuxptp-daemon-container'
export const DAEMON_SERVICE_ACCOUNT = 'linuxptp-daemon'
export const CONFIGMAP_NAME = 'ptp-configmap'
export const METRICS_PORT = 9091
export const READY_PORT = 8081
export const MONITOR_SERVICE = 'ptp-monitor-service'
export const SERVICE_MONITOR = 'monitor-ptp'
// The suite selects daemon pods by app=linuxptp-daemon (test/pkg/ of upstream).
export const DAEMON_LABELS = { app: 'linuxptp-daemon', role: 'ptp' } as const

// Where the pod puts what the daemon reads and writes: the ConfigMap of
// per-node profiles, and the host's /var/run/ptp for ptp4l.N.config and
// sockets (pmc in the pod finds them at /var/run as upstream's suite expects).
const PROFILE_PATH = '/etc/linuxptp'
const RUN_DIR = '/var/run'
const HOST_RUN_DIR = '/var/run/ptp'

// Flags the renderer sets itself; extra args may not set them again (the
// daemon would take the last one, silently moving an endpoint the Service,
// the suite or the mounts rely on).
const OWNED_FLAGS = ['--node-name', '--profile-path', '--run-dir', '--metrics-listen', '--ready-listen', '--shared-clock', '--log-file']

export interface DaemonSetOptions {
  image: string // e.g. localhost/ptplab:lptpd (the operator's LINUXPTP_DAEMON_IMAGE)
  nodeSelector: Record<string, string> // PtpOperatorConfig spec.daemonNodeSelector
  namespace?: string // default openshift-ptp
  // All nodes share one CLOCK_REALTIME (the lab's nodes on one host): never
  // discipline it. Off on a real cluster.
  sharedClock?: boolean
  extraArgs?: string[] // more daemon flags, e.g. ['--update-interval', '5']
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never'
}

const fail = (field: string, detail: string): never => {
  throw new InputError(detail, { field })
}

const checked = (rule: NameRule, v: string, what: string, field: string) => checkName(rule, v, what, { field })

function validate(o: DaemonSetOptions): string {
  checked(imageReference, o.image, 'image', 'image')
  const namespace = o.namespace ?? PTP_NAMESPACE
  checked(dns1123Label, namespace, 'namespace', 'namespace')
  for (const [k, v] of Object.entries(o.nodeSelector)) {
    checked(labelKey, k, 'node selector key', `nodeSelector[${JSON.stringify(k)}]`)
    checked(labelValue, v, 'node selector value', `nodeSelector[${JSON.stringify(k)}]`)
  }
  ;(o.extraArgs ?? []).forEach((a, i) => {
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(a)) fail(`extraArgs[${i}]`, `control characters in ${quote(a)}`)
    const flag = a.split('=')[0]!
    if (OWNED_FLAGS.includes(flag)) fail(`extraArgs[${i}]`, `${flag} is set by the renderer (${OWNED_FLAGS.join(', ')})`)
  })
  return namespace
}

// The daemon's command line inside the pod (the image's entrypoint is the
// daemon): endpoints and paths of the upstream daemon contract.
export function daemonArgs(o: Pick<DaemonSetOptions, 'sharedClock' | 'extraArgs'>): string[] {
  return [
    '--profile-path',
    PROFILE_PATH,
    '--run-dir',
    RUN_DIR,
    '--metrics-listen',
    `0.0.0.0:${METRICS_PORT}`,
    '--ready-listen',
    `:${READY_PORT}`,
    ...(o.sharedClock ? ['--shared-clock'] : []),
    ...(o.extraArgs ?? []),
  ]
}

export function renderDaemonSet(o: DaemonSetOptions): V1DaemonSet {
  const namespace = validate(o)
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: DAEMONSET_NAME, namespace },
    spec: {
      selector: { matchLabels: { app: DAEMON_LABELS.app } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '33%' } },
      template: {
        metadata: { labels: { ...DAEMON_LABELS } },
        spec: {
          hostNetwork: true,
          hostPID: true,
          dnsPolicy: 'ClusterFirstWithHostNet',
          nodeSelector: { ...o.nodeSelector },
          tolerations: [{ operator: 'Exists' }],
          serviceAccountName: DAEMON_SERVICE_ACCOUNT,
          priorityClassName: 'system-node-critical',
          containers: [
            {
              name: DAEMON_CONTAINER,
              image: o.image,
              imagePullPolicy: o.imagePullPolicy ?? 'IfNotPresent',
              args: daemonArgs(o),
              securityContext: { privileged: true },
              resources: { requests: { cpu: '20m', memory: '50Mi' } },
              ports: [
                { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
                { name: 'ready', containerPort: READY_PORT, protocol: 'TCP' },
              ],
              env: [
                { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'NAME_SPACE', value: namespace },
              ],
              volumeMounts: [
                { name: 'config-volume', mountPath: PROFILE_PATH },
                { name: 'socket-dir', mountPath: RUN_DIR },
              ],
            },
          ],
          volumes: [
            { name: 'config-volume', configMap: { name: CONFIGMAP_NAME } },
            { name: 'socket-dir', hostPath: { path: HOST_RUN_DIR, type: 'DirectoryOrCreate' } },
          ],
        },
      },
    },
  }
}

// monitoring.coreos.com/v1 ServiceMonitor: only the fields used here (the
// prometheus-operator CRD is not a built-in type).
export interface ServiceMonitor {
  apiVersion: 'monitoring.coreos.com/v1'
  kind: 'ServiceMonitor'
  metadata: { name: string; namespace: string; labels?: Record<string, string> }
  spec: {
    endpoints: Array<{ port: string; path: string; scheme: 'http' | 'https'; interval: string }>
    namespaceSelector: { matchNames: string[] }
    selector: { matchLabels: Record<string, string> }
  }
}

// A headless Service over every daemon pod's metrics port, and the
// ServiceMonitor that has Prometheus scrape it (plain http: the daemon
// serves /metrics itself; upstream fronts it with kube-rbac-proxy on 8443).
// manifests/monitoring/ ships exactly these for namespace openshift-ptp.
export function renderDaemonMonitoring(namespace = PTP_NAMESPACE): [V1Service, ServiceMonitor] {
  checked(dns1123Label, namespace, 'namespace', 'namespace')
  const service: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: MONITOR_SERVICE, namespace, labels: { name: MONITOR_SERVICE } },
    spec: {
      selector: { app: DAEMON_LABELS.app },
      clusterIP: 'None',
      ports: [{ name: 'metrics', port: METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' }],
      type: 'ClusterIP',
    },
  }
  const monitor: ServiceMonitor = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: SERVICE_MONITOR, namespace, labels: { name: SERVICE_MONITOR } },
    spec: {
      endpoints: [{ port: 'metrics', path: '/metrics', scheme: 'http', interval: '30s' }],
      namespaceSelector: { matchNames: [namespace] },
      selector: { matchLabels: { name: MONITOR_SERVICE } },
    },
  }
  return [service, monitor]
}

// What the operator applies for the daemon: the DaemonSet, and with
// monitoring also its Service and ServiceMonitor.
export function renderDaemonObjects(o: DaemonSetOptions & { monitoring?: boolean }): Array<V1DaemonSet | V1Service | ServiceMonitor> {
  const ds = renderDaemonSet(o)
  return o.monitoring ? [ds, ...renderDaemonMonitoring(ds.metadata!.namespace)] : [ds]
}
