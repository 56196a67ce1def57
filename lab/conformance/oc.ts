// The ordinary-clock sync test: pick a GM port and a slave port on different
// nodes of one LAN, label the nodes, apply the test PtpConfigs through the
// operator logic, then poll the checks until they all pass or time runs out.
import { applyPtpConfigs, deletePtpConfigs, setNodeLabels } from '../cluster/store.js'
import { readState } from '../state/state.js'
import { sleep } from '../sys/proc.js'
import type { Topology } from '../topology/index.js'
import { checkIdentityChain, checkRole, checkSlaveSync, type CheckResult, type OffsetWindow } from './checks.js'
import { chooseOcPorts, type OcRoles } from './lans.js'
import { clockAt, observe } from './observe.js'
import { grandmasterConfig, LABEL_CUT, LABEL_GM, ocSlaveConfig } from './ptpconfigs.js'
import type { SuiteResult } from './report.js'

export interface SuiteOptions {
  lab: string
  window: OffsetWindow
  timeoutMs: number
  keepConfig: boolean
  progress: (msg: string) => void
  signal?: AbortSignal
}

export async function loadRunningLab(lab: string): Promise<Topology> {
  const st = await readState(lab)
  if (!st) throw new Error(`lab "${lab}" is not up (no state in /run/ptplab/${lab}); run: ptplab up`)
  if (st.phase !== 'up') throw new Error(`lab "${lab}" is in phase "${st.phase}", not up; run: ptplab down --name ${lab}`)
  return st.topology
}

export function ocChecks(t: Topology, roles: OcRoles, obs: Awaited<ReturnType<typeof observe>>, w: OffsetWindow): CheckResult[] {
  const viaSwitch = roles.lan.viaSwitch && !!t.switch
  return [
    ...checkSlaveSync('slave', obs, roles.slave, w),
    checkRole(`grandmaster port ${roles.gm.node}:${roles.gm.port}`, obs, roles.gm, 'MASTER'),
    ...checkIdentityChain(
      'slave',
      clockAt(obs, roles.slave),
      clockAt(obs, roles.gm),
      viaSwitch
        ? { name: `switch boundary clock ${t.switch!.name}`, view: obs.switchClock }
        : { name: 'grandmaster', view: clockAt(obs, roles.gm) },
    ),
  ]
}

export async function runOcSuite(o: SuiteOptions): Promise<SuiteResult> {
  const started = Date.now()
  const startedAt = new Date(started).toISOString()
  const t = await loadRunningLab(o.lab)
  const roles = chooseOcPorts(t)
  const base = { suite: 'oc', lab: o.lab, startedAt }
  if (!roles)
    return { ...base, description: 'no OC assignment', checks: [], durationMs: 0, error: 'no two ports on different nodes share a LAN' }
  const description =
    `slave ${roles.slave.node}:${roles.slave.port}, grandmaster ${roles.gm.node}:${roles.gm.port}, ` +
    `LAN ${roles.lan.id}${roles.lan.viaSwitch && t.switch ? ` via ${t.switch.name}` : ''}`
  o.progress(`OC: ${description}`)

  const gen = { softwareTimestamps: true }
  const configs = [grandmasterConfig(roles.gm.port, gen), ocSlaveConfig(roles.slave.port, gen)]
  await setNodeLabels(o.lab, t, roles.gm.node, { [LABEL_GM]: '' })
  await setNodeLabels(o.lab, t, roles.slave.node, { [LABEL_CUT]: '' })
  await applyPtpConfigs(o.lab, t, configs)
  const applied = Date.now()
  o.progress('OC: PtpConfigs applied, waiting for sync')

  const nodes = [...new Set([roles.slave.node, roles.gm.node])]
  let checks: CheckResult[] = []
  let syncedAfterMs: number | undefined
  try {
    for (;;) {
      if (o.signal?.aborted) throw new Error('interrupted')
      const obs = await observe(o.lab, nodes, [roles.slave, roles.gm], t.switch?.name)
      checks = ocChecks(t, roles, obs, o.window)
      if (checks.every((c) => c.pass)) {
        syncedAfterMs = Date.now() - applied
        break
      }
      if (Date.now() - applied > o.timeoutMs) break
      await sleep(250)
    }
  } finally {
    if (!o.keepConfig) {
      await deletePtpConfigs(o.lab, t, configs.map((c) => c.metadata.name))
      await setNodeLabels(o.lab, t, roles.gm.node, { [LABEL_GM]: null })
      await setNodeLabels(o.lab, t, roles.slave.node, { [LABEL_CUT]: null })
    }
  }
  return { ...base, description, checks, durationMs: Date.now() - started, syncedAfterMs }
}
