// How ptplab finds what it started: every instance, volume and network
// interface carries `ptplab:run` (this run) and `ptplab:owner` (who), set
// at launch (TagSpecifications), so even an instance whose RunInstances
// answer never arrived is found and terminated.
import type { Filter, ResourceType, Tag, TagSpecification } from '@aws-sdk/client-ec2'
import type { VmRunConfig } from './config.js'

export const TAG = { run: 'ptplab:run', owner: 'ptplab:owner' } as const

// States that still exist and may cost money. Billing stops at
// shutting-down, and terminated instances vanish within the hour.
export const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'] as const
export const GONE_STATES = ['shutting-down', 'terminated'] as const
export const isGone = (state: string | undefined) => (GONE_STATES as readonly string[]).includes(state ?? '')

export const instanceName = (runId: string) => `ptplab-${runId}`

export function runTags(cfg: Pick<VmRunConfig, 'runId' | 'extraTags'>, owner: string): Tag[] {
  return [
    { Key: 'Name', Value: instanceName(cfg.runId) },
    { Key: TAG.run, Value: cfg.runId },
    { Key: TAG.owner, Value: owner },
    ...cfg.extraTags,
  ]
}

const TAGGED: ResourceType[] = ['instance', 'volume', 'network-interface']
export const tagSpecifications = (tags: Tag[]): TagSpecification[] => TAGGED.map((ResourceType) => ({ ResourceType, Tags: tags }))

// Filters for one run, or (no run) for everything ptplab tagged.
export const runFilters = (runId?: string): Filter[] =>
  runId === undefined ? [{ Name: 'tag-key', Values: [TAG.run] }] : [{ Name: `tag:${TAG.run}`, Values: [runId] }]

export const tagValue = (tags: Tag[] | undefined, key: string) => tags?.find((t) => t.Key === key)?.Value
