// Metric label for "this NIC": ports of one NIC share a PHC, so upstream
// labels offsets by the NIC rather than the port (ens2f0, ens2f1 -> ens2fx).
// Upstream's regex replaces any trailing digits (eth0 -> ethx); we only
// touch the NIC-port pattern "<digit>f<N>" (optionally "np<N>", Mellanox)
// so names like eth0, swp1 or CLOCK_REALTIME stay readable. A VLAN suffix
// (".100") is kept.
const NIC_PORT = /^(.*\d)f\d+(?:np\d+)?(\..+)?$/

export function ifaceAlias(name: string): string {
  const m = NIC_PORT.exec(name)
  return m ? `${m[1]}fx${m[2] ?? ''}` : name
}
