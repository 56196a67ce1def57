// `ethtool -T <iface>` read as upstream's daemon reads it for NodePtpDevice:
// a NIC is PTP capable when it timestamps in hardware on transmit and
// receive and has a raw hardware clock (a PHC). Pure: text in, facts out.
// ethtool 5.x/6.x print one capability per line (with or without the
// SOF_TIMESTAMPING_ name after it); the PHC line is "PTP Hardware Clock: N"
// (ethtool >= 6.11: "Hardware timestamp provider index: N"), "none" without one.

export interface TimestampCaps {
  hardwareTransmit: boolean
  hardwareReceive: boolean
  hardwareRawClock: boolean
  phcIndex?: number
}

export function parseEthtoolT(text: string): TimestampCaps {
  const caps = new Set<string>()
  let phcIndex: number | undefined
  let inCaps = false
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    const phc = /^(?:PTP Hardware Clock|Hardware timestamp provider index):\s*(\d+)\s*$/.exec(line)
    if (phc) phcIndex = Number(phc[1])
    if (/^Capabilities:/.test(line)) {
      inCaps = true
      continue
    }
    if (/^[A-Z][^:]*:/.test(line)) inCaps = false
    else if (inCaps && line) caps.add(line.split(/\s+/)[0]!)
  }
  return { hardwareTransmit: caps.has('hardware-transmit'), hardwareReceive: caps.has('hardware-receive'), hardwareRawClock: caps.has('hardware-raw-clock'), ...(phcIndex !== undefined && { phcIndex }) }
}

// What the daemon learns about one interface (sysfs and ethtool).
export interface NicFacts {
  name: string
  ethtoolT: string
  pciAddress?: string // the device's sysfs name when it sits on PCI, e.g. 0000:3b:00.0
  vendorID?: string // sysfs "0x8086" -> "8086"
  deviceID?: string
  operstate?: string // sysfs operstate: up, down, ...
}

export interface NodePtpDeviceEntry {
  name: string
  hardwareInfo: { pciAddress?: string; vendorID?: string; deviceID?: string; linkStatus?: string; phcIndex?: number }
}

export const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/

// NodePtpDevice status.devices: the PTP-capable NICs, by name. Upstream
// lists only NICs with a PCI address; ptplab also lists other hardware
// clocks (netdevsim on a VM has real PHCs and no PCI address).
export function ptpDevices(nics: NicFacts[]): NodePtpDeviceEntry[] {
  const out: NodePtpDeviceEntry[] = []
  for (const n of [...nics].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const c = parseEthtoolT(n.ethtoolT)
    if (!c.hardwareTransmit || !c.hardwareReceive || !c.hardwareRawClock) continue
    const hex = (v?: string) => v?.trim().replace(/^0x/i, '') || undefined
    const info: NodePtpDeviceEntry['hardwareInfo'] = {}
    if (n.pciAddress && PCI_ADDRESS.test(n.pciAddress)) info.pciAddress = n.pciAddress
    const vendorID = hex(n.vendorID)
    const deviceID = hex(n.deviceID)
    if (vendorID) info.vendorID = vendorID
    if (deviceID) info.deviceID = deviceID
    if (n.operstate) info.linkStatus = n.operstate.trim() === 'up' ? 'up' : 'down'
    if (c.phcIndex !== undefined) info.phcIndex = c.phcIndex
    out.push({ name: n.name, hardwareInfo: info })
  }
  return out
}
