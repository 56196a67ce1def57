// An external grandmaster node of a topology: a machine outside the cluster
// that only runs a GM ptp4l on its first cabled port, with the same profile
// the suite would generate for a grandmaster.
import type { PtpProfile } from '../ptp/types.js'
import { linkOf, type Node, type Topology } from '../topology/index.js'
import { grandmasterConfig } from './ptpconfigs.js'

export function externalGmPort(t: Topology, gm: Node): string | undefined {
  return gm.nics.flatMap((n) => n.ports).find((p) => linkOf(t, gm.name, p))
}

export function externalGmProfiles(t: Topology, gm: Node): PtpProfile[] {
  const port = externalGmPort(t, gm)
  if (!port) return []
  const profile = grandmasterConfig(port, { softwareTimestamps: true }).spec.profile[0]!
  return [{ ...profile, name: `${gm.name}-gm` }]
}
