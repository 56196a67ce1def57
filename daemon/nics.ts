// NIC discovery: every interface in sysfs with its `ethtool -T` output, PCI
// address, vendor/device IDs and link state; lab/ptp/ethtool.ts decides
// which are PTP capable. The sysfs root and the ethtool runner are
// parameters so recorded outputs can stand in.
import { execFile } from 'node:child_process'
import { readdir, readFile, readlink } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { mapLimit } from '../lab/limit.js'
import type { NicFacts } from '../lab/ptp/ethtool.js'

export type EthtoolT = (iface: string) => Promise<string>

// A program's stdout, or '' when it fails or takes over 3 s.
export type Runner = (argv: string[]) => Promise<string>
export const runOut: Runner = (argv) =>
  new Promise<string>((resolve) => execFile(argv[0]!, argv.slice(1), { timeout: 3000 }, (_e, out) => resolve(out ?? '')))

export const ethtoolT: EthtoolT = (iface) => runOut(['ethtool', '-T', iface])

const read = (p: string) => readFile(p, 'utf8').then((s) => s.trim(), () => undefined)

export async function nicFacts(sysClassNet = '/sys/class/net', run: EthtoolT = ethtoolT): Promise<NicFacts[]> {
  let names: string[]
  try {
    names = (await readdir(sysClassNet)).filter((n) => n !== 'lo').sort()
  } catch {
    return []
  }
  const facts = async (name: string): Promise<NicFacts> => {
    const dir = join(sysClassNet, name)
    // .../device -> ../../../0000:3b:00.0 for a PCI function; netdevsim's is netdevsimN.
    const device = await readlink(join(dir, 'device')).then(basename, () => undefined)
    const [vendorID, deviceID, operstate, ethtool] = await Promise.all([read(join(dir, 'device', 'vendor')), read(join(dir, 'device', 'device')), read(join(dir, 'operstate')), run(name)])
    const f: NicFacts = { name, ethtoolT: ethtool }
    if (device) f.pciAddress = device
    if (vendorID) f.vendorID = vendorID
    if (deviceID) f.deviceID = deviceID
    if (operstate) f.operstate = operstate
    return f
  }
  // A few at a time: the lab switch has a port per link (128 at 64 workers).
  return mapLimit(names, 8, facts)
}

// From outside a node (the daemon host): its interfaces from `ip -n <ns>
// -j link` (name, operstate) and `ethtool -T` run inside it. The node's
// sysfs is not visible from outside its namespace, so there are no PCI
// facts (the lab's veths have none; nor do netdevsim ports).

export function linksOfIpJson(text: string): Array<{ name: string; operstate?: string }> {
  let links: unknown
  try {
    links = JSON.parse(text)
  } catch {
    return []
  }
  if (!Array.isArray(links)) return []
  return links
    .filter((l): l is { ifname: string; operstate?: unknown } => typeof l?.ifname === 'string' && l.ifname !== 'lo')
    .map((l) => ({ name: l.ifname, ...(typeof l.operstate === 'string' && { operstate: l.operstate.toLowerCase() }) }))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
}

export async function netnsNicFacts(netns: string, run: Runner = runOut): Promise<NicFacts[]> {
  const links = linksOfIpJson(await run(['ip', '-n', netns, '-j', 'link', 'show']))
  return mapLimit(links, 2, async (l) => ({ ...l, ethtoolT: await run(['ip', 'netns', 'exec', netns, 'ethtool', '-T', l.name]) }))
}
