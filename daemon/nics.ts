// NIC discovery at start, like upstream: `ethtool -T` per interface, and the
// ones with hardware timestamping are reported as PTP capable.
import { execFile } from 'node:child_process'
import { readdir } from 'node:fs/promises'

const ethtoolT = (iface: string) =>
  new Promise<string>((resolve) => execFile('ethtool', ['-T', iface], { timeout: 3000 }, (_e, out) => resolve(out ?? '')))

export async function discoverNics(): Promise<string[]> {
  let names: string[] = []
  try {
    names = (await readdir('/sys/class/net')).filter((n) => n !== 'lo').sort()
  } catch {
    return []
  }
  // A few at a time: the lab switch has a port per link (128 at 64 workers).
  const capable = new Set<string>()
  let next = 0
  const worker = async () => {
    for (let i = next++; i < names.length; i = next++) if (/hardware-transmit/.test(await ethtoolT(names[i]!))) capable.add(names[i]!)
  }
  await Promise.all(Array.from({ length: Math.min(8, names.length) }, worker))
  return names.filter((n) => capable.has(n))
}
