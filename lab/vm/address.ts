// ptplab opens SSH and rsync connections to an instance's public address
// only: never to a private, loopback, link-local or otherwise non-public
// range (the lab's rule for IP traffic). The instance's private address is
// only passed to run-on-vm.sh, which uses it on the instance itself.
const NON_PUBLIC: Array<[string, number, string]> = [
  ['0.0.0.0', 8, '"this network" (RFC 1122)'],
  ['10.0.0.0', 8, 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'shared address space (RFC 6598)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private (RFC 1918)'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.168.0.0', 16, 'private (RFC 1918)'],
  ['198.18.0.0', 15, 'benchmarking (RFC 2544)'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
]

export function ipv4ToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip)
  if (!m) return undefined
  const parts = m.slice(1).map(Number)
  if (parts.some((p) => p > 255)) return undefined
  return parts.reduce((a, p) => a * 256 + p, 0)
}

// Why an address may not be connected to (undefined: it is a public IPv4).
export function nonPublicReason(ip: string): string | undefined {
  const n = ipv4ToInt(ip)
  if (n === undefined) return 'not an IPv4 address'
  for (const [base, bits, what] of NON_PUBLIC) {
    const size = 2 ** (32 - bits)
    const b = ipv4ToInt(base)!
    if (n >= b && n < b + size) return `${what} range ${base}/${bits}`
  }
  return undefined
}
