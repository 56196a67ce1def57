// Generated lab topologies of any size (benchmark, scale tests): N workers,
// each with one two-port NIC, every port cabled to the switch, ports spread
// round-robin over three VLANs (the default lab's 1500..1502), so each LAN
// holds about 2N/3 ports. Returned as YAML text: it goes through the loader
// like any user's file.
import { stringify } from 'yaml'

export const SCALE_VLANS = [1500, 1501, 1502]

export function scaleTopologyYaml(name: string, workers: number): string {
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer, got ${workers}`)
  const nodes: Record<string, unknown> = {}
  const links: Array<{ endpoints: string[]; vlan: number }> = []
  for (let i = 1; i <= workers; i++) {
    const w = `worker${i}`
    nodes[w] = { labels: { 'node-role.kubernetes.io/worker': '' }, nics: [{ name: 'ens1', ports: ['ens1f0', 'ens1f1'] }] }
    for (const [j, port] of ['ens1f0', 'ens1f1'].entries())
      links.push({ endpoints: [`${w}:${port}`, 'switch1'], vlan: SCALE_VLANS[(2 * (i - 1) + j) % SCALE_VLANS.length]! })
  }
  return stringify({ name, nodes, switch: { name: 'switch1' }, links })
}
