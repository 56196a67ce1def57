// The switch's boundary clock as a daemon profile: the base config from
// switch/ptp4l.conf plus one section per switch port.
import type { PtpProfile } from '../ptp/types.js'
import type { Topology } from '../topology/index.js'

export function switchPorts(t: Topology): Array<{ port: string; vlan: number }> {
  return t.links.filter((l) => l.b.kind === 'switch').map((l) => ({ port: l.switchPort!, vlan: l.vlan ?? 1 }))
}

export function switchProfile(t: Topology, baseConf: string): PtpProfile {
  const sections = switchPorts(t).map((p) => `[${p.port}]\n`)
  return {
    name: `${t.switch?.name ?? 'switch'}-bc`,
    ptp4lOpts: '-2',
    ptp4lConf: `${baseConf.trimEnd()}\n${sections.join('')}`,
    ptpSchedulingPolicy: 'SCHED_OTHER',
    ptpSettings: { clockType: 'T-BC' },
  }
}
