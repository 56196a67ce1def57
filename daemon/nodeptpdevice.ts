// In a pod: the node's PTP-capable NICs into status.devices of its
// NodePtpDevice (named as the node; the operator creates it), through
// @kubernetes/client-node. The daemon's RBAC allows get on the object and
// update on its status only. Until the object exists (the operator may
// start later) or while the API server does not answer, it tries again.
import * as k8s from '@kubernetes/client-node'
import type { NodePtpDeviceEntry } from '../lab/ptp/ethtool.js'

export interface DeviceReportOptions {
  kc: k8s.KubeConfig
  namespace: string
  node: string
  devices: NodePtpDeviceEntry[]
}

const G = { group: 'ptp.openshift.io', version: 'v1', plural: 'nodeptpdevices' }

// Writes status.devices once; true when written (or already so).
export async function reportDevices(o: DeviceReportOptions): Promise<boolean> {
  const custom = o.kc.makeApiClient(k8s.CustomObjectsApi)
  const cur = (await custom.getNamespacedCustomObject({ ...G, namespace: o.namespace, name: o.node })) as { status?: { devices?: unknown } }
  if (JSON.stringify(cur.status?.devices ?? []) === JSON.stringify(o.devices)) return true
  await custom.replaceNamespacedCustomObjectStatus({ ...G, namespace: o.namespace, name: o.node, body: { ...cur, status: { ...cur.status, devices: o.devices } } })
  return true
}

// reportDevices until it succeeds (every retryMs) or the signal aborts.
export async function reportDevicesUntilDone(o: DeviceReportOptions & { retryMs: number; signal?: AbortSignal; log: (m: string) => void }): Promise<void> {
  let last = ''
  while (!o.signal?.aborted) {
    try {
      await reportDevices(o)
      o.log(`NodePtpDevice ${o.namespace}/${o.node}: ${o.devices.length} device(s) reported`)
      return
    } catch (e) {
      const code = (e as { code?: unknown }).code
      const msg = typeof code === 'number' ? `HTTP ${code}` : (e as Error).message
      if (msg !== last) o.log(`NodePtpDevice ${o.namespace}/${o.node}: cannot report yet (${msg}); retrying every ${o.retryMs / 1000} s`)
      last = msg
    }
    await new Promise<void>((r) => {
      const t = setTimeout(r, o.retryMs)
      o.signal?.addEventListener('abort', () => (clearTimeout(t), r()), { once: true })
    })
  }
}
