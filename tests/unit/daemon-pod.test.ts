// The daemon as a pod: profiles from a ConfigMap volume that kubelet
// updates by swapping its `..data` symlink, and the NodePtpDevice report
// (ethtool -T outputs, sysfs, written through client-node to the fake API
// server under the daemon's RBAC).
import t from 'tap'
import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { Daemon } from '../../daemon/daemon.js'
import { nicFacts } from '../../daemon/nics.js'
import { reportDevicesUntilDone } from '../../daemon/nodeptpdevice.js'
import { parseEthtoolT, ptpDevices } from '../../lab/ptp/ethtool.js'
import { poll } from '../../lab/sys/poll.js'
import { startFakeApiServer } from '../fixtures/k8s/fake-apiserver.js'
import { ptpCrds } from '../fixtures/ptp-crds.js'
import { deniedRequests } from '../fixtures/rbac-fit.js'

const recorded = (f: string) => readFileSync(new URL(`../fixtures/ethtool/${f}`, import.meta.url), 'utf8')

async function tmp(t: { teardown(f: () => unknown): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'ptplab-daemon-pod-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

// kubelet's ConfigMap volume: <dir>/..<timestamp>/<key> files, ..data ->
// that dir, and <dir>/<key> -> ..data/<key>; an update writes a new
// timestamped dir and renames a new ..data symlink over the old one.
async function kubeletVolume(dir: string, data: Record<string, string>, gen: number, first: boolean) {
  const ts = `..2026_12_02_06_00_0${gen}.000000000`
  await mkdir(join(dir, ts))
  for (const [k, v] of Object.entries(data)) await writeFile(join(dir, ts, k), v)
  await symlink(ts, join(dir, '..data_tmp'))
  await rename(join(dir, '..data_tmp'), join(dir, '..data'))
  if (first) for (const k of Object.keys(data)) await symlink(join('..data', k), join(dir, k))
}

t.test('pod mode: a ConfigMap volume updated by a ..data symlink swap is applied', async (t) => {
  const dir = await tmp(t)
  const volume = join(dir, 'etc-linuxptp')
  const run = join(dir, 'var-run')
  await mkdir(volume)
  // The interface does not exist: ptp4l exits at once (restarted every hour), nothing is disciplined.
  const prof = (name: string) => JSON.stringify([{ name, interface: 'ptplab-none0', ptp4lOpts: '-2' }])
  await kubeletVolume(volume, { worker1: prof('cfg_a'), worker2: prof('other') }, 1, true)
  const logs: string[] = []
  const d = new Daemon({ node: 'worker1', profilePath: volume, runDir: run, updateIntervalMs: 3_600_000, sharedClock: false, restartDelayMs: 3_600_000, pmcIntervalMs: 3_600_000, wrapper: [], log: (m) => logs.push(m), out: () => {} })
  t.teardown(() => d.shutdown())
  await d.start()
  t.same(d.status().profiles.map((p) => p.name), ['cfg_a'])
  t.match(await readFile(join(run, 'ptp4l.0.config'), 'utf8'), /^#profile: cfg_a\n/)
  t.match(await readFile(join(run, 'ptp4l.0.config'), 'utf8'), new RegExp(`uds_address ${run}/ptp4l\\.0\\.socket`))

  await kubeletVolume(volume, { worker1: prof('cfg_b'), worker2: prof('other') }, 2, false)
  await d.poll()
  t.same(d.status().profiles.map((p) => p.name), ['cfg_b'], 'the swapped-in data is applied')
  t.match(await readFile(join(run, 'ptp4l.0.config'), 'utf8'), /^#profile: cfg_b\n/)
  t.ok(logs.includes('Profile Name: cfg_b'))
  t.notOk(d.status().sharedClock, 'no --shared-clock: a real clock per node')
})

t.test('pod mode with --watch: the ..data rename is seen at once, no poll needed', async (t) => {
  const dir = await tmp(t)
  const volume = join(dir, 'etc-linuxptp')
  await mkdir(volume)
  const prof = (name: string) => JSON.stringify([{ name, interface: 'ptplab-none0', ptp4lOpts: '-2' }])
  await kubeletVolume(volume, { worker1: prof('cfg_a') }, 1, true)
  const d = new Daemon({ node: 'worker1', profilePath: volume, runDir: join(dir, 'run'), updateIntervalMs: 3_600_000, watch: true, sharedClock: false, restartDelayMs: 3_600_000, pmcIntervalMs: 3_600_000, wrapper: [], log: () => {}, out: () => {} })
  t.teardown(() => d.shutdown())
  await d.start()
  t.same(d.status().profiles.map((p) => p.name), ['cfg_a'])
  await kubeletVolume(volume, { worker1: prof('cfg_b') }, 2, false)
  const r = await poll(() => d.status().profiles[0]?.name === 'cfg_b', { timeoutMs: 3000 })
  t.ok(r.value, 'applied from the inotify event of the swap')
})

t.test('ethtool -T: hardware timestamping and the PHC index, old and new formats', async (t) => {
  t.same(parseEthtoolT(recorded('ice-5.16.txt')), { hardwareTransmit: true, hardwareReceive: true, hardwareRawClock: true, phcIndex: 1 })
  t.same(parseEthtoolT(recorded('netdevsim-6.1.txt')), { hardwareTransmit: true, hardwareReceive: true, hardwareRawClock: true, phcIndex: 0 })
  t.same(parseEthtoolT(recorded('igb-6.11.txt')), { hardwareTransmit: true, hardwareReceive: true, hardwareRawClock: true, phcIndex: 2 })
  t.same(parseEthtoolT(recorded('lo-6.1.txt')), { hardwareTransmit: false, hardwareReceive: false, hardwareRawClock: false })
  t.same(parseEthtoolT(recorded('rx-only-phc.txt')), { hardwareTransmit: false, hardwareReceive: false, hardwareRawClock: true, phcIndex: 3 })
  t.same(parseEthtoolT(''), { hardwareTransmit: false, hardwareReceive: false, hardwareRawClock: false }, 'ethtool failed: nothing')
})

t.test('NICs from sysfs and ethtool: PTP-capable ones with PCI address, IDs, link and PHC', async (t) => {
  const dir = await tmp(t)
  const sys = join(dir, 'sys')
  const net = join(sys, 'class', 'net')
  await mkdir(net, { recursive: true })
  // As sysfs links them: class/net/<if>/device -> the bus device's directory.
  const nic = async (name: string, device: string | undefined, operstate: string, ids?: [string, string]) => {
    const devDir = join(sys, 'devices', device ?? `virtual-${name}`)
    await mkdir(devDir, { recursive: true })
    if (ids) {
      await writeFile(join(devDir, 'vendor'), `${ids[0]}\n`)
      await writeFile(join(devDir, 'device'), `${ids[1]}\n`)
    }
    await mkdir(join(net, name))
    if (device) await symlink(devDir, join(net, name, 'device'))
    await writeFile(join(net, name, 'operstate'), `${operstate}\n`)
  }
  await nic('ens1f0', '0000:3b:00.0', 'up', ['0x8086', '0x1593'])
  await nic('ens1f1', '0000:3b:00.1', 'down', ['0x8086', '0x1593'])
  await nic('eni0np1', 'netdevsim0', 'up')
  await nic('enp0s3', '0000:00:03.0', 'up', ['0x8086', '0x100e'])
  await nic('veth0', undefined, 'up')
  await mkdir(join(net, 'lo'))
  const outputs: Record<string, string> = { ens1f0: 'ice-5.16.txt', ens1f1: 'ice-5.16.txt', eni0np1: 'netdevsim-6.1.txt', enp0s3: 'rx-only-phc.txt', veth0: 'lo-6.1.txt' }
  const asked: string[] = []
  const facts = await nicFacts(net, async (i) => (asked.push(i), recorded(outputs[i]!)))
  t.same(asked.sort(), ['eni0np1', 'enp0s3', 'ens1f0', 'ens1f1', 'veth0'], 'every interface but lo')
  t.same(ptpDevices(facts), [
    { name: 'eni0np1', hardwareInfo: { linkStatus: 'up', phcIndex: 0 } },
    { name: 'ens1f0', hardwareInfo: { pciAddress: '0000:3b:00.0', vendorID: '8086', deviceID: '1593', linkStatus: 'up', phcIndex: 1 } },
    { name: 'ens1f1', hardwareInfo: { pciAddress: '0000:3b:00.1', vendorID: '8086', deviceID: '1593', linkStatus: 'down', phcIndex: 1 } },
  ])
  t.same(await nicFacts(join(dir, 'nowhere')), [], 'no sysfs: no NICs')
})

t.test('NodePtpDevice status written through client-node, waiting for the operator to create it', async (t) => {
  const api = await startFakeApiServer({ objects: [...ptpCrds(), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'openshift-ptp' } }] })
  t.teardown(() => api.close())
  const kc = new k8s.KubeConfig()
  kc.loadFromFile(api.kubeconfigFile)
  const devices = ptpDevices([{ name: 'ens1f0', ethtoolT: recorded('ice-5.16.txt'), pciAddress: '0000:3b:00.0', vendorID: '0x8086', deviceID: '0x1593', operstate: 'up' }])
  const logs: string[] = []
  const ac = new AbortController()
  t.teardown(() => ac.abort())
  const done = reportDevicesUntilDone({ kc, namespace: 'openshift-ptp', node: 'worker1', devices, retryMs: 20, signal: ac.signal, log: (m) => logs.push(m) })
  // Not there yet: 404, retried.
  while (!api.requests.some((r) => r.status === 404)) await new Promise((r) => setTimeout(r, 5))
  api.create({ apiVersion: 'ptp.openshift.io/v1', kind: 'NodePtpDevice', metadata: { name: 'worker1', namespace: 'openshift-ptp' }, spec: {} })
  await done
  t.same(api.get('ptp.openshift.io', 'nodeptpdevices', 'openshift-ptp', 'worker1')?.status, { devices })
  t.match(logs, [/cannot report yet \(HTTP 404\)/, /1 device\(s\) reported/], 'the wait logged once')
  const writes = api.requests.filter((r) => r.method !== 'GET')
  t.same(writes.map((r) => `${r.method} ${r.path}`), ['PUT /apis/ptp.openshift.io/v1/namespaces/openshift-ptp/nodeptpdevices/worker1/status'], 'only the status subresource')
  t.same(deniedRequests(api.requests, 'linuxptp-daemon', 'openshift-ptp'), [], 'within the daemon RBAC of manifests/rbac/daemon.yaml')
  const list = { method: 'GET', path: '/apis/ptp.openshift.io/v1/namespaces/openshift-ptp/nodeptpdevices', query: {}, watch: false, exec: false, log: false }
  t.same(deniedRequests([list], 'linuxptp-daemon', 'openshift-ptp'), ['list ptp.openshift.io nodeptpdevices in openshift-ptp'], 'the check refuses what the Role lacks')
})
