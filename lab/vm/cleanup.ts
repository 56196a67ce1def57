// Terminating what ptplab started and proving nothing is left: the ids a
// run knows are terminated first (one call, before any lookup), then the
// tag lookup finds anything else (an instance whose RunInstances answer
// never arrived), terminates it too, and deletes unattached volumes, until
// every instance is shutting down or gone.
import {
  DeleteVolumeCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  TerminateInstancesCommand,
  type DescribeInstancesCommandOutput,
  type DescribeVolumesCommandOutput,
  type Filter,
  type Instance,
  type Volume,
} from '@aws-sdk/client-ec2'
import { pollUntil } from '../sys/poll.js'
import { deadline, explainAwsError } from './aws.js'
import type { Deps } from './deps.js'
import { isGone, runFilters } from './tags.js'

export interface Leftover {
  kind: 'instance' | 'volume'
  id: string
  state: string
}

export interface CleanupResult {
  terminated: string[] // ids TerminateInstances was called for
  leftovers: Leftover[] // what is still there, as far as known
  verified: boolean // the lookup ran to the end: leftovers is the truth
  error?: string
}

// What to clean: one run, or all of ptplab's (optionally only the old).
export interface Scope {
  what: string
  filters: Filter[]
  keep?: (i: Instance) => boolean
}

export const runScope = (runId: string): Scope => ({ what: `run ${runId}`, filters: runFilters(runId) })
export const allScope = (olderThanMs?: number, now = Date.now()): Scope => ({
  what: olderThanMs === undefined ? "all of ptplab's instances" : `ptplab's instances older than ${Math.round(olderThanMs / 60_000)} min`,
  filters: runFilters(),
  keep: olderThanMs === undefined ? undefined : (i) => i.LaunchTime !== undefined && now - new Date(i.LaunchTime).getTime() >= olderThanMs,
})

export async function describeInstances(d: Deps, filters: Filter[], signal?: AbortSignal): Promise<Instance[]> {
  const out: Instance[] = []
  let NextToken: string | undefined
  do {
    const r = await d.aws.send<DescribeInstancesCommandOutput>('ec2', new DescribeInstancesCommand({ Filters: filters, NextToken }), signal)
    for (const res of r.Reservations ?? []) out.push(...(res.Instances ?? []))
    NextToken = r.NextToken
  } while (NextToken)
  return out
}

// Volumes of the scope that are attached to nothing (a root volume is
// deleted with its instance; one left "available" would cost money).
export async function describeLooseVolumes(d: Deps, filters: Filter[], signal?: AbortSignal): Promise<Volume[]> {
  const out: Volume[] = []
  let NextToken: string | undefined
  do {
    const r = await d.aws.send<DescribeVolumesCommandOutput>('ec2', new DescribeVolumesCommand({ Filters: [...filters, { Name: 'status', Values: ['available'] }], NextToken }), signal)
    out.push(...(r.Volumes ?? []))
    NextToken = r.NextToken
  } while (NextToken)
  return out
}

export async function terminateScope(d: Deps, scope: Scope, knownIds: string[], o: { settleMs?: number; timeoutMs?: number } = {}): Promise<CleanupResult> {
  const timeoutMs = o.timeoutMs ?? d.timing.cleanupTimeoutMs
  // Its own deadline: cleanup runs after an interrupt or a timeout too.
  const dl = deadline(timeoutMs + 5000, `cleaning up ${scope.what}`)
  const signal = dl.signal
  const terminated = new Set<string>()
  const errors = new Set<string>()
  const terminate = async (ids: string[]) => {
    if (ids.length === 0) return
    const fresh = ids.filter((id) => !terminated.has(id))
    if (fresh.length) d.progress(`terminating ${fresh.join(', ')} (${scope.what})`)
    try {
      await d.aws.send('ec2', new TerminateInstancesCommand({ InstanceIds: ids }), signal)
      for (const id of ids) terminated.add(id)
    } catch (e) {
      // Not fatal: the lookup below tries again while anything is there.
      errors.add(explainAwsError(e))
    }
  }
  await terminate(knownIds)
  const settleUntil = Date.now() + (o.settleMs ?? 0)
  let leftovers: Leftover[] = []
  let verified = false
  try {
    await pollUntil(
      async () => {
        const lookLive = async () => (await describeInstances(d, scope.filters, signal)).filter((i) => !isGone(i.State?.Name) && (scope.keep?.(i) ?? true))
        let live = await lookLive()
        if (live.length) {
          // EC2 shows them shutting down at once: look again right away.
          await terminate(live.map((i) => i.InstanceId!))
          live = await lookLive()
        }
        let vols = await describeLooseVolumes(d, scope.filters, signal)
        for (const v of vols) await d.aws.send('ec2', new DeleteVolumeCommand({ VolumeId: v.VolumeId! }), signal).catch((e: unknown) => errors.add(explainAwsError(e)))
        if (vols.length) vols = await describeLooseVolumes(d, scope.filters, signal)
        leftovers = [
          ...live.map((i): Leftover => ({ kind: 'instance', id: i.InstanceId!, state: i.State?.Name ?? 'unknown' })),
          ...vols.map((v): Leftover => ({ kind: 'volume', id: v.VolumeId!, state: v.State ?? 'unknown' })),
        ]
        return leftovers.length === 0 && Date.now() >= settleUntil
      },
      timeoutMs,
      () => `nothing of ${scope.what} to be left (still: ${leftovers.map((l) => `${l.id} ${l.state}`).join(', ') || 'looking'})`,
      { intervalMs: d.timing.pollMs, signal },
    )
    verified = true
  } catch (e) {
    errors.add(explainAwsError(e))
    // Unverified: whatever we knew of may still be there.
    const seen = new Set(leftovers.map((l) => l.id))
    for (const id of knownIds) if (!seen.has(id)) leftovers.push({ kind: 'instance', id, state: terminated.has(id) ? 'terminate sent, unverified' : 'unknown' })
  }
  if (verified) errors.clear() // retried until clean: earlier errors did no harm
  dl.clear()
  return { terminated: [...terminated], leftovers, verified, error: errors.size ? [...errors].join('; ') : undefined }
}
