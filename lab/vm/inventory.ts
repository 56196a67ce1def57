// `ptplab vm list`: ptplab's instances (and loose volumes) found by tag.
import type { Instance, Volume } from '@aws-sdk/client-ec2'
import { describeInstances, describeLooseVolumes } from './cleanup.js'
import type { Deps } from './deps.js'
import { GONE_STATES, LIVE_STATES, runFilters, TAG, tagValue } from './tags.js'

export interface VmInstance {
  id: string
  state: string
  runId: string
  owner: string
  type: string
  launchTime?: string // ISO
  publicIp?: string
}

export interface Inventory {
  instances: VmInstance[]
  looseVolumes: Array<{ id: string; runId: string; sizeGiB?: number }>
}

export const toVmInstance = (i: Instance): VmInstance => ({
  id: i.InstanceId ?? '?',
  state: i.State?.Name ?? 'unknown',
  runId: tagValue(i.Tags, TAG.run) ?? '?',
  owner: tagValue(i.Tags, TAG.owner) ?? '?',
  type: i.InstanceType ?? '?',
  launchTime: i.LaunchTime ? new Date(i.LaunchTime).toISOString() : undefined,
  publicIp: i.PublicIpAddress,
})

export async function inventory(d: Deps, o: { runId?: string; allStates?: boolean }): Promise<Inventory> {
  const states = o.allStates ? [] : [{ Name: 'instance-state-name', Values: [...LIVE_STATES, GONE_STATES[0]] }]
  const instances = (await describeInstances(d, [...runFilters(o.runId), ...states])).map(toVmInstance)
  instances.sort((a, b) => (a.launchTime ?? '').localeCompare(b.launchTime ?? '') || a.id.localeCompare(b.id))
  const vols: Volume[] = await describeLooseVolumes(d, runFilters(o.runId))
  return {
    instances,
    looseVolumes: vols.map((v) => ({ id: v.VolumeId ?? '?', runId: tagValue(v.Tags, TAG.run) ?? '?', sizeGiB: v.Size })),
  }
}

const age = (iso: string | undefined, now: number) => {
  if (!iso) return '?'
  const m = Math.max(0, Math.round((now - Date.parse(iso)) / 60_000))
  return m < 120 ? `${m}m` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}

export function formatInventory(inv: Inventory, now = Date.now()): string {
  const rows = [['INSTANCE', 'STATE', 'RUN', 'AGE', 'TYPE', 'PUBLIC IP', 'OWNER']]
  for (const i of inv.instances) rows.push([i.id, i.state, i.runId, age(i.launchTime, now), i.type, i.publicIp ?? '-', i.owner])
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  const lines = inv.instances.length ? rows.map((r) => r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]!))).join('  ')) : ['no ptplab instances']
  for (const v of inv.looseVolumes) lines.push(`loose volume ${v.id} (run ${v.runId}${v.sizeGiB ? `, ${v.sizeGiB} GiB` : ''}): attached to nothing, still billed`)
  return lines.join('\n') + '\n'
}
