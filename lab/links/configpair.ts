// configpair, upstream's link tool, as a library: one point-to-point link
// between two network namespaces (lab nodes, containers), either
//
//   - `veth`: a veth pair created with each end directly inside its
//     namespace, under its final name and MAC (one netlink request: nothing
//     ever appears in the host namespace, so a failure or a crash cannot
//     leave a stray link there), then brought up; or
//   - `netdevsim`: two netdevsim devices (`new_device`), each renamed and
//     moved into its namespace, MAC set, up, then tied together with
//     `link_device` ("NETNSFD:IFINDEX NETNSFD:IFINDEX", the fds open in this
//     process). Needs a kernel with netdevsim and `link_device` (Linux >= 6.9
//     or upstream's out-of-tree DKMS module); this is detected, and refused
//     with a clear message, before anything is changed.
//
// Every command and every sysfs access goes through PairDeps so the
// netdevsim path is tested against a fake sysfs tree (docs/upstream.md#kernel).
import { access, open, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { InputError } from '../errors.js'
import { checkName, ifName } from '../names.js'
import { run as realRun } from '../sys/run.js'
import { mapLimit } from '../limit.js'

// A network namespace: a process's (`pid`), an `ip netns` name, or a path
// (only /proc/PID/ns/net and /run/netns/NAME, mapped to pid and name).
export type NsRef = { pid: number } | { netns: string } | { path: string }

export type LinkKind = 'veth' | 'netdevsim'

// How new_device is written: mainline netdevsim takes "ID [PORT_COUNT
// [NUM_QUEUES]]"; upstream's patched (DKMS) module takes "ID PCI CLK ...".
export type NetdevsimFormat = 'auto' | 'mainline' | 'patched'

export interface PairSpec {
  kind: LinkKind
  id1: number // 0..255: netdevsim device ID and a byte of the default MACs
  id2: number
  ifname1: string
  ifname2?: string // default ifname1 (upstream's configpair.sh uses one IFNAME for both ends)
  clk1?: number // netdevsim clock ID (patched module only)
  clk2?: number
  ns1: NsRef
  ns2: NsRef
  pci1?: string // netdevsim PCI address DDDD:BB:DD.F (patched module only)
  pci2?: string
  mac1?: string // default 00:11:22:33:ID1:ID2 (IDs as two hex digits)
  mac2?: string // default 00:11:22:33:ID2:ID1
  netdevsimFormat?: NetdevsimFormat // default auto: patched when PCI/CLK are given
  end2Down?: boolean // veth: leave end 2 down, so end 1 has no carrier (an unplugged cable)
}

export interface OpenNs {
  fd: number
  close(): Promise<void>
}

export interface PairDeps {
  sysfs: string // sysfs mount point, default /sys
  run: typeof realRun
  // Open a namespace file in THIS process: link_device resolves the fds in
  // the writer's fd table.
  openNs: (ref: { pid: number } | { netns: string }) => Promise<OpenNs>
  // Writes to sysfs attributes (new_device, del_device, link_device).
  writeSysfs: (path: string, data: string) => Promise<void>
  procDir: string // default /proc
  netnsDir: string // default /run/netns (where `ip netns` keeps its names)
  ifaceTimeoutMs: number // how long to wait for a new netdevsim interface (default 5000)
  log: (msg: string) => void // progress (default: silent)
}

// One end of a configured link.
export interface CreatedEnd {
  end: 1 | 2
  kind: LinkKind
  ifname: string
  mac: string
  ns: string // "pid 1234" or "netns NAME"
  nsPath: string // /proc/PID/ns/net or /run/netns/NAME
  ifindex?: number // inside the namespace
  netdevsimId?: number
  newDevice?: string // the line written to new_device
  kernelName?: string // the name netdevsim gave the interface before the rename
}

export interface PairResult {
  kind: LinkKind
  created: CreatedEnd[]
  linkDevice?: string // the line written to link_device
}

const NETDEVSIM_MISSING =
  'this kernel has no netdevsim (load the module: modprobe netdevsim; needs a VM kernel with CONFIG_NETDEVSIM)'
const LINK_DEVICE_MISSING = "netdevsim without link_device: Linux >= 6.9 or upstream's DKMS module needed"

const defaultOpenNs =
  (procDir: string, netnsDir: string) =>
  async (ref: { pid: number } | { netns: string }): Promise<OpenNs> => {
    const fh = await open('pid' in ref ? `${procDir}/${ref.pid}/ns/net` : `${netnsDir}/${ref.netns}`, 'r')
    return { fd: fh.fd, close: () => fh.close() }
  }

// Like `echo DATA > FILE`: O_WRONLY|O_CREAT|O_TRUNC, one write.
const defaultWriteSysfs = (path: string, data: string) => writeFile(path, data, { flag: 'w' })

export function pairDeps(over: Partial<PairDeps> = {}): PairDeps {
  const procDir = over.procDir ?? '/proc'
  const netnsDir = over.netnsDir ?? '/run/netns'
  return {
    sysfs: over.sysfs ?? '/sys',
    run: over.run ?? realRun,
    openNs: over.openNs ?? defaultOpenNs(procDir, netnsDir),
    writeSysfs: over.writeSysfs ?? defaultWriteSysfs,
    procDir,
    netnsDir,
    ifaceTimeoutMs: over.ifaceTimeoutMs ?? 5000,
    log: over.log ?? (() => {}),
  }
}

// ---------------------------------------------------------------- validation

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i
const PCI_RE = /^[0-9a-f]{4}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]$/i
const NETNS_NAME_RE = /^[A-Za-z0-9_.-]{1,255}$/

export const hex2 = (n: number) => n.toString(16).padStart(2, '0')
export const defaultMac = (a: number, b: number) => `00:11:22:33:${hex2(a)}:${hex2(b)}`

export const checkIfname = (name: unknown, field: string): string => checkName(ifName, name, 'interface name', { field })

function checkId(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255)
    throw new InputError(`invalid ID ${JSON.stringify(v)}: an integer 0..255 (it is a byte of the MAC addresses)`, {
      field,
    })
  return v
}

function checkMac(v: unknown, field: string): string {
  if (typeof v !== 'string' || !MAC_RE.test(v))
    throw new InputError(`invalid MAC address ${JSON.stringify(v)}: six hex bytes like 00:11:22:33:01:02`, { field })
  const first = Number.parseInt(v.slice(0, 2), 16)
  if (first & 1) throw new InputError(`MAC address ${v} is a multicast address: an interface needs a unicast one`, { field })
  if (/^(00:){5}00$/.test(v)) throw new InputError(`MAC address ${v} is all zeros`, { field })
  return v.toLowerCase()
}

function checkPci(v: unknown, field: string): string {
  if (typeof v !== 'string' || !PCI_RE.test(v))
    throw new InputError(`invalid PCI address ${JSON.stringify(v)}: DOMAIN:BUS:DEVICE.FUNCTION like 0000:1f:01.0`, {
      field,
    })
  return v.toLowerCase()
}

function checkClk(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0x7fffffff)
    throw new InputError(`invalid clock ID ${JSON.stringify(v)}: a non-negative integer`, { field })
  return v
}

// Where a namespace lives and how iproute2 names it.
interface ResolvedNs {
  ref: { pid: number } | { netns: string }
  target: string // argument of `ip link ... netns`: a pid or an ip-netns name
  path: string // for nsenter --net= and open()
  label: string
}

function normalizeNs(ref: unknown, field: string): { pid: number } | { netns: string } {
  const r = ref as Record<string, unknown> | null
  if (r && typeof r === 'object') {
    if ('pid' in r) {
      if (typeof r.pid !== 'number' || !Number.isInteger(r.pid) || r.pid <= 0)
        throw new InputError(`invalid pid ${JSON.stringify(r.pid)}: a positive integer`, { field })
      return { pid: r.pid }
    }
    if ('netns' in r) {
      if (typeof r.netns !== 'string' || !NETNS_NAME_RE.test(r.netns) || r.netns === '.' || r.netns === '..')
        throw new InputError(`invalid network namespace name ${JSON.stringify(r.netns)}`, { field })
      return { netns: r.netns }
    }
    if ('path' in r && typeof r.path === 'string') {
      const p = r.path
      const m1 = /^\/proc\/([1-9][0-9]*)\/ns\/net$/.exec(p)
      if (m1) return { pid: Number(m1[1]) }
      const m2 = /^(?:\/var)?\/run\/netns\/([^/]+)$/.exec(p)
      if (m2 && NETNS_NAME_RE.test(m2[1]!)) return { netns: m2[1]! }
      throw new InputError(
        `unsupported namespace path ${JSON.stringify(p)}: use /proc/PID/ns/net or /run/netns/NAME (or a pid / an ip netns name)`,
        { field },
      )
    }
  }
  throw new InputError(`invalid namespace reference ${JSON.stringify(ref)}: {pid}, {netns} or {path}`, { field })
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p)
    return true
  } catch {
    return false
  }
}

async function resolveNs(ref: NsRef, field: string, deps: PairDeps): Promise<ResolvedNs> {
  const n = normalizeNs(ref, field)
  if ('pid' in n) {
    const path = `${deps.procDir}/${n.pid}/ns/net`
    if (!(await exists(path))) throw new InputError(`process ${n.pid} does not exist (no ${path})`, { field })
    return { ref: n, target: String(n.pid), path, label: `pid ${n.pid}` }
  }
  const path = `${deps.netnsDir}/${n.netns}`
  if (!(await exists(path)))
    throw new InputError(`network namespace ${JSON.stringify(n.netns)} does not exist (no ${path})`, { field })
  return { ref: n, target: n.netns, path, label: `netns ${n.netns}` }
}

interface Normalized {
  kind: LinkKind
  id1: number
  id2: number
  ifname1: string
  ifname2: string
  mac1: string
  mac2: string
  clk1?: number
  clk2?: number
  pci1?: string
  pci2?: string
  format: NetdevsimFormat
}

// Checks everything that needs no system access; throws InputError naming
// the field.
export function validatePairSpec(spec: PairSpec): Normalized {
  if (spec.kind !== 'veth' && spec.kind !== 'netdevsim')
    throw new InputError(`invalid link kind ${JSON.stringify(spec.kind)}: veth or netdevsim`, { field: 'kind' })
  const id1 = checkId(spec.id1, 'id1')
  const id2 = checkId(spec.id2, 'id2')
  if (id1 === id2) throw new InputError(`id1 and id2 are both ${id1}: the two ends need different IDs`, { field: 'id2' })
  const ifname1 = checkIfname(spec.ifname1, 'ifname1')
  const ifname2 = checkIfname(spec.ifname2 ?? spec.ifname1, 'ifname2')
  const mac1 = checkMac(spec.mac1 ?? defaultMac(id1, id2), 'mac1')
  const mac2 = checkMac(spec.mac2 ?? defaultMac(id2, id1), 'mac2')
  if (mac1 === mac2) throw new InputError(`mac1 and mac2 are both ${mac1}`, { field: 'mac2' })
  normalizeNs(spec.ns1, 'ns1')
  normalizeNs(spec.ns2, 'ns2')
  const format = spec.netdevsimFormat ?? 'auto'
  if (!['auto', 'mainline', 'patched'].includes(format))
    throw new InputError(`invalid netdevsim format ${JSON.stringify(format)}: auto, mainline or patched`, {
      field: 'netdevsimFormat',
    })
  const out: Normalized = { kind: spec.kind, id1, id2, ifname1, ifname2, mac1, mac2, format }
  const extra = (['clk1', 'clk2', 'pci1', 'pci2'] as const).filter((k) => spec[k] !== undefined)
  if (spec.kind === 'veth') {
    if (extra.length)
      throw new InputError(`${extra.join(', ')}: PCI addresses and clock IDs exist only for netdevsim links`, {
        field: extra[0],
      })
    if (spec.netdevsimFormat !== undefined)
      throw new InputError('a netdevsim format means nothing for a veth link', { field: 'netdevsimFormat' })
    return out
  }
  for (const e of [1, 2] as const) {
    const pci = spec[`pci${e}`]
    const clk = spec[`clk${e}`]
    if (pci !== undefined) out[`pci${e}`] = checkPci(pci, `pci${e}`)
    if (clk !== undefined) out[`clk${e}`] = checkClk(clk, `clk${e}`)
  }
  if (extra.length && extra.length !== 4)
    throw new InputError(
      `give PCI addresses and clock IDs for both ends or for none (got only ${extra.join(', ')}): ` +
        "upstream's patched netdevsim takes \"ID PCI CLK\", mainline netdevsim takes neither",
      { field: (['clk1', 'clk2', 'pci1', 'pci2'] as const).find((k) => spec[k] === undefined) },
    )
  if (format === 'patched' && !extra.length)
    throw new InputError("the patched netdevsim format needs PCI addresses and clock IDs for both ends", {
      field: 'pci1',
    })
  if (format === 'mainline' && extra.length)
    throw new InputError('mainline netdevsim takes no PCI address or clock ID: leave them out', { field: 'pci1' })
  return out
}

// ---------------------------------------------------------------- helpers

const nsIp = (ns: ResolvedNs, args: string[]) => ['nsenter', `--net=${ns.path}`, 'ip', ...args] as const

async function runArgv(deps: PairDeps, argv: readonly string[], opts: { allowFail?: boolean } = {}) {
  const [cmd, ...args] = argv
  return deps.run(cmd!, [...args], opts)
}

interface IpLink {
  ifname: string
  ifindex: number
  address?: string
}

async function nsLinks(deps: PairDeps, ns: ResolvedNs): Promise<IpLink[]> {
  const r = await runArgv(deps, nsIp(ns, ['-j', 'link', 'show']))
  return JSON.parse(r.stdout || '[]') as IpLink[]
}

async function nsIfindex(deps: PairDeps, ns: ResolvedNs, ifname: string): Promise<number> {
  const r = await runArgv(deps, nsIp(ns, ['-j', 'link', 'show', 'dev', ifname]))
  const l = (JSON.parse(r.stdout || '[]') as IpLink[])[0]
  if (!l || !Number.isInteger(l.ifindex)) throw new Error(`no ifindex for ${ifname} in ${ns.label}`)
  return l.ifindex
}

// Same namespace? Compare the namespace files (nsfs inode); fall back to
// the paths when they cannot be read.
async function sameNs(a: ResolvedNs, b: ResolvedNs): Promise<boolean> {
  if (a.path === b.path) return true
  try {
    const [sa, sb] = await Promise.all([stat(a.path), stat(b.path)])
    return sa.dev === sb.dev && sa.ino === sb.ino
  } catch {
    return false
  }
}

async function resolveBoth(spec: PairSpec, n: Normalized, deps: PairDeps): Promise<[ResolvedNs, ResolvedNs]> {
  const ns1 = await resolveNs(spec.ns1, 'ns1', deps)
  const ns2 = await resolveNs(spec.ns2, 'ns2', deps)
  if (n.ifname1 === n.ifname2 && (await sameNs(ns1, ns2)))
    throw new InputError(
      `both ends are in the same namespace (${ns1.label}, ${ns2.label}) with the same name ${n.ifname1}: give ifname2`,
      { field: 'ifname2' },
    )
  // Interface names already taken in the target namespaces: refuse now, so
  // nothing is half made.
  for (const [ns, ifname, field] of [
    [ns1, n.ifname1, 'ifname1'],
    [ns2, n.ifname2, 'ifname2'],
  ] as const) {
    if ((await nsLinks(deps, ns)).some((l) => l.ifname === ifname))
      throw new InputError(`${ns.label} already has an interface named ${ifname}`, { field })
  }
  return [ns1, ns2]
}

const errMsg = (e: unknown) => (e instanceof Error ? e.message : String(e))

// ---------------------------------------------------------------- veth

async function configVeth(spec: PairSpec, n: Normalized, deps: PairDeps): Promise<PairResult> {
  const [ns1, ns2] = await resolveBoth(spec, n, deps)
  // One request creates both ends in place: atomic in the kernel (a failure
  // leaves nothing), and no temporary name ever exists in the host namespace.
  await runArgv(deps, [
    'ip', 'link', 'add', 'name', n.ifname1, 'netns', ns1.target, 'address', n.mac1, 'type', 'veth',
    'peer', 'name', n.ifname2, 'netns', ns2.target, 'address', n.mac2,
  ])
  deps.log(`veth ${n.ifname1} (${ns1.label}) <-> ${n.ifname2} (${ns2.label}) created`)
  try {
    await runArgv(deps, nsIp(ns1, ['link', 'set', 'dev', n.ifname1, 'up']))
    if (!spec.end2Down) await runArgv(deps, nsIp(ns2, ['link', 'set', 'dev', n.ifname2, 'up']))
    const end = async (e: 1 | 2, ns: ResolvedNs, ifname: string, mac: string): Promise<CreatedEnd> => ({
      end: e,
      kind: 'veth',
      ifname,
      mac,
      ns: ns.label,
      nsPath: ns.path,
      ifindex: await nsIfindex(deps, ns, ifname),
    })
    return { kind: 'veth', created: [await end(1, ns1, n.ifname1, n.mac1), await end(2, ns2, n.ifname2, n.mac2)] }
  } catch (e) {
    // Deleting one end deletes the pair.
    const r = await runArgv(deps, nsIp(ns1, ['link', 'del', 'dev', n.ifname1]), { allowFail: true }).catch((x) => ({
      exitCode: -1,
      stderr: errMsg(x),
    }))
    if (r.exitCode !== 0) throw new Error(`${errMsg(e)}\ncleanup: deleting veth ${n.ifname1} in ${ns1.label} failed: ${r.stderr.trim()}`)
    throw e
  }
}

// ---------------------------------------------------------------- netdevsim

export interface NetdevsimSupport {
  newDevice: string
  delDevice: string
  linkDevice: string
  patched: boolean // upstream's out-of-tree module (module parameter pci_bus_nr present)
}

// What this kernel's netdevsim offers; throws the clear refusal when it
// lacks netdevsim or link_device. Reads only.
export async function detectNetdevsim(deps: Partial<PairDeps> = {}): Promise<NetdevsimSupport> {
  const d = pairDeps(deps)
  const bus = join(d.sysfs, 'bus', 'netdevsim')
  const s: NetdevsimSupport = {
    newDevice: join(bus, 'new_device'),
    delDevice: join(bus, 'del_device'),
    linkDevice: join(bus, 'link_device'),
    patched: await exists(join(d.sysfs, 'module', 'netdevsim', 'parameters', 'pci_bus_nr')),
  }
  if (!(await exists(s.newDevice)) || !(await exists(s.delDevice))) throw new Error(NETDEVSIM_MISSING)
  if (!(await exists(s.linkDevice))) throw new Error(LINK_DEVICE_MISSING)
  return s
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// The directories where a new netdevsim device's interface shows up: under
// its bus device (mainline), or for the patched module possibly under its
// fake PCI device.
function interfaceDirs(deps: PairDeps, id: number, pci: string | undefined): string[] {
  const dirs = [join(deps.sysfs, 'bus', 'netdevsim', 'devices', `netdevsim${id}`, 'net')]
  if (pci) dirs.push(join(deps.sysfs, 'bus', 'pci', 'devices', pci, 'net'))
  return dirs
}

const listDir = (dir: string) => readdir(dir).catch(() => [] as string[])

// The interface the new device made. Names seen before the new_device write
// (`before`) are never taken: a PCI address shared with a real device must
// not hand us that device's NIC.
async function waitInterface(deps: PairDeps, id: number, dirs: string[], before: Set<string>): Promise<string> {
  const end = Date.now() + deps.ifaceTimeoutMs
  for (;;) {
    for (const dir of dirs) {
      const names = (await listDir(dir)).filter((x) => !before.has(x))
      if (names.length === 1) return names[0]!
      if (names.length > 1) throw new Error(`netdevsim device ${id} has ${names.length} interfaces (${names.join(', ')}); expected one`)
    }
    if (Date.now() > end)
      throw new Error(`netdevsim device ${id} was created but no interface appeared under ${dirs.join(' or ')} within ${deps.ifaceTimeoutMs} ms`)
    await sleep(50)
  }
}

async function configNetdevsim(spec: PairSpec, n: Normalized, deps: PairDeps): Promise<PairResult> {
  // Detect first: nothing is touched on a kernel that cannot do this.
  const sup = await detectNetdevsim(deps)
  const patchedArgs = n.pci1 !== undefined
  if (patchedArgs && n.format === 'auto' && !sup.patched)
    throw new Error(
      "PCI addresses and clock IDs need upstream's out-of-tree netdevsim (its module parameter pci_bus_nr is not in " +
        `${join(deps.sysfs, 'module', 'netdevsim', 'parameters')}); mainline netdevsim would read "ID PCI CLK" as a device ` +
        'without ports. Leave PCI and CLK out for mainline netdevsim, or force the patched format if the module has no visible parameter.',
    )
  for (const [id, field] of [
    [n.id1, 'id1'],
    [n.id2, 'id2'],
  ] as const) {
    if (await exists(join(deps.sysfs, 'bus', 'netdevsim', 'devices', `netdevsim${id}`)))
      throw new InputError(`netdevsim device ${id} already exists: pick another ID or delete it first`, { field })
  }
  const [ns1, ns2] = await resolveBoth(spec, n, deps)

  const createdIds: number[] = []
  const created: CreatedEnd[] = []
  try {
    for (const e of [1, 2] as const) {
      const id = e === 1 ? n.id1 : n.id2
      const ns = e === 1 ? ns1 : ns2
      const ifname = e === 1 ? n.ifname1 : n.ifname2
      const mac = e === 1 ? n.mac1 : n.mac2
      const pci = e === 1 ? n.pci1 : n.pci2
      const clk = e === 1 ? n.clk1 : n.clk2
      const line = patchedArgs ? `${id} ${pci} ${clk}` : `${id} 1`
      const dirs = interfaceDirs(deps, id, pci)
      const before = new Set((await Promise.all(dirs.map(listDir))).flat())
      await deps.writeSysfs(sup.newDevice, line)
      createdIds.push(id)
      deps.log(`netdevsim${id} created (new_device "${line}")`)
      // udev may rename the new interface: let it finish first.
      await runArgv(deps, ['udevadm', 'settle', '--timeout=10'], { allowFail: true }).catch(() => undefined)
      const kernelName = await waitInterface(deps, id, dirs, before)
      // Move and rename in one request (the kernel moves first, so neither
      // the host nor the target namespace sees a clash on the old name).
      await runArgv(deps, ['ip', 'link', 'set', 'dev', kernelName, 'netns', ns.target, 'name', ifname])
      await runArgv(deps, nsIp(ns, ['link', 'set', 'dev', ifname, 'address', mac]))
      await runArgv(deps, nsIp(ns, ['link', 'set', 'dev', ifname, 'up']))
      created.push({ end: e, kind: 'netdevsim', ifname, mac, ns: ns.label, nsPath: ns.path, netdevsimId: id, newDevice: line, kernelName })
    }
    const idx1 = await nsIfindex(deps, ns1, n.ifname1)
    const idx2 = await nsIfindex(deps, ns2, n.ifname2)
    created[0]!.ifindex = idx1
    created[1]!.ifindex = idx2
    const fds: OpenNs[] = []
    let linkLine: string
    try {
      fds.push(await deps.openNs(ns1.ref))
      fds.push(await deps.openNs(ns2.ref))
      linkLine = `${fds[0]!.fd}:${idx1} ${fds[1]!.fd}:${idx2}`
      await deps.writeSysfs(sup.linkDevice, linkLine)
    } finally {
      for (const f of fds) await f.close().catch(() => undefined)
    }
    deps.log(`netdevsim${n.id1} ${n.ifname1} linked to netdevsim${n.id2} ${n.ifname2} (link_device "${linkLine}")`)
    return { kind: 'netdevsim', created, linkDevice: linkLine }
  } catch (e) {
    const problems: string[] = []
    for (const id of [...createdIds].reverse()) {
      try {
        await deps.writeSysfs(sup.delDevice, String(id))
      } catch (x) {
        problems.push(`del_device ${id}: ${errMsg(x)}`)
      }
    }
    if (problems.length) throw new Error(`${errMsg(e)}\ncleanup failed: ${problems.join('; ')}`)
    throw e
  }
}

// ---------------------------------------------------------------- API

// Configure one link. Input is checked first (InputError naming the field),
// then the system; on a failure everything made so far is removed again
// and the error is rethrown. Nothing is recorded anywhere: the result says
// what was made.
export async function configPair(spec: PairSpec, deps: Partial<PairDeps> = {}): Promise<PairResult> {
  const n = validatePairSpec(spec)
  const d = pairDeps(deps)
  return n.kind === 'veth' ? configVeth(spec, n, d) : configNetdevsim(spec, n, d)
}

// Remove netdevsim devices (`del_device`); devices that do not exist are
// reported as absent. Their interfaces go with them, in whatever namespace.
export async function deleteNetdevsim(
  ids: number[],
  deps: Partial<PairDeps> = {},
): Promise<{ deleted: number[]; absent: number[] }> {
  for (const [i, id] of ids.entries())
    if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff)
      throw new InputError(`invalid netdevsim ID ${JSON.stringify(id)}`, { field: `ids[${i}]` })
  const d = pairDeps(deps)
  const bus = join(d.sysfs, 'bus', 'netdevsim')
  if (!(await exists(join(bus, 'del_device')))) throw new Error(NETDEVSIM_MISSING)
  const out = { deleted: [] as number[], absent: [] as number[] }
  for (const id of ids) {
    if (!(await exists(join(bus, 'devices', `netdevsim${id}`)))) {
      out.absent.push(id)
      continue
    }
    await d.writeSysfs(join(bus, 'del_device'), String(id))
    out.deleted.push(id)
  }
  return out
}

// ---------------------------------------------------------------- containers

// The network namespace of a running Docker container, through dockerode
// (imported on demand so the rest works without it).
export async function dockerContainerNs(container: string, field = 'container'): Promise<{ pid: number }> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(container))
    throw new InputError(`invalid Docker container name or ID ${JSON.stringify(container)}`, { field })
  const modName = 'dockerode'
  let Docker: new () => { getContainer(id: string): { inspect(): Promise<{ State?: { Pid?: number; Running?: boolean } }> } }
  try {
    const mod = (await import(modName)) as { default: typeof Docker }
    Docker = mod.default
  } catch {
    throw new Error(
      `${container} looks like a Docker container, but the dockerode package is not installed (run npm ci); ` +
        'or give the namespace as pid:PID or netns:NAME',
    )
  }
  let info: { State?: { Pid?: number; Running?: boolean } }
  try {
    info = await new Docker().getContainer(container).inspect()
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404)
      throw new InputError(`no such Docker container ${JSON.stringify(container)}`, { field })
    throw new Error(`cannot inspect Docker container ${container}: ${errMsg(e)} (is the Docker engine running?)`)
  }
  const pid = info.State?.Pid
  if (!info.State?.Running || !pid) throw new Error(`Docker container ${container} is not running`)
  return { pid }
}

// ---------------------------------------------------------------- many veths at once
// A lab's links in a few commands instead of five per link: one `ip -batch`
// creates every pair in place (each line one atomic request, as configVeth
// makes them), then one `ip -batch` per namespace brings its ends up. Names
// and MACs are checked as configPair checks them before anything is made.
export interface VethPair {
  ifname1: string
  ifname2: string
  ns1: NsRef
  ns2: NsRef
  mac1: string
  mac2: string
  end2Down?: boolean
}

export function vethBatchLines(pairs: Array<VethPair & { target1: string; target2: string }>): string {
  return pairs
    .map((p, i) => {
      const f = `pairs[${i}]`
      const [a, b] = [checkIfname(p.ifname1, `${f}.ifname1`), checkIfname(p.ifname2, `${f}.ifname2`)]
      const [m1, m2] = [checkMac(p.mac1, `${f}.mac1`), checkMac(p.mac2, `${f}.mac2`)]
      return `link add name ${a} netns ${p.target1} address ${m1} type veth peer name ${b} netns ${p.target2} address ${m2}\n`
    })
    .join('')
}

export async function vethPairs(pairs: VethPair[], over: Partial<PairDeps> & { concurrency?: number } = {}): Promise<void> {
  if (!pairs.length) return
  const deps = pairDeps(over)
  const resolved = new Map<string, ResolvedNs>()
  const res = async (ref: NsRef, field: string) => {
    const key = JSON.stringify(ref)
    let r = resolved.get(key)
    if (!r) resolved.set(key, (r = await resolveNs(ref, field, deps)))
    return r
  }
  const ups = new Map<string, { ns: ResolvedNs; ifs: string[] }>()
  const full = []
  for (const [i, p] of pairs.entries()) {
    const [n1, n2] = [await res(p.ns1, `pairs[${i}].ns1`), await res(p.ns2, `pairs[${i}].ns2`)]
    full.push({ ...p, target1: n1.target, target2: n2.target })
    for (const [ns, ifname, up] of [[n1, p.ifname1, true], [n2, p.ifname2, !p.end2Down]] as const) {
      if (!up) continue
      if (!ups.has(ns.path)) ups.set(ns.path, { ns, ifs: [] })
      ups.get(ns.path)!.ifs.push(ifname)
    }
  }
  await deps.run('ip', ['-batch', '-'], { input: vethBatchLines(full) })
  await mapLimit([...ups.values()], over.concurrency ?? 6, ({ ns, ifs }) =>
    deps.run('nsenter', [`--net=${ns.path}`, 'ip', '-batch', '-'], { input: ifs.map((x) => `link set dev ${x} up\n`).join('') }),
  )
}
