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
  const capable: string[] = []
  for (const n of names) if (/hardware-transmit/.test(await ethtoolT(n))) capable.push(n)
  return capable
}
