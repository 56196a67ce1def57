// The lab's stand-in for the Kubernetes API: PtpConfig objects and node
// labels kept as files in the lab dir, and the operator's reconcile that
// turns them into one profile file per node (the ConfigMap data).
import { existsSync } from 'node:fs'
import { readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { InputError } from '../errors.js'
import { checkName, dns1123Label, dns1123Subdomain, labelKey, labelValue } from '../names.js'
import { buildConfigMap, type NodeInfo } from '../operator/resolve.js'
import { parsePtpConfigs, toYaml, validatePtpConfig, type PtpConfig } from '../operator/ptpconfig.js'
import { labPaths } from '../paths.js'
import { writeJsonAtomic, writeTextAtomic } from '../state/state.js'
import { clusterNodes, type Topology } from '../topology/index.js'

type LabelPatch = Record<string, Record<string, string | null>> // node -> key -> value (null: removed)

// The stored file of one object, built from validated names only: a
// namespace is a DNS-1123 label (no '.', no '/'), a name a DNS-1123
// subdomain (no '/'), so "<namespace>.<name>.yaml" is one file in the
// store dir and names one object.
function objectFile(lab: string, namespace: string, name: string): string {
  checkName(dns1123Label, namespace, 'PtpConfig namespace')
  checkName(dns1123Subdomain, name, 'PtpConfig name')
  return join(labPaths(lab).ptpConfigs, `${namespace}.${name}.yaml`)
}

export async function listPtpConfigs(lab: string): Promise<PtpConfig[]> {
  const dir = labPaths(lab).ptpConfigs
  if (!existsSync(dir)) return []
  const out: PtpConfig[] = []
  for (const f of (await readdir(dir)).filter((x) => x.endsWith('.yaml')).sort())
    out.push(...parsePtpConfigs(await readFile(join(dir, f), 'utf8'), join(dir, f)))
  return out
}

export async function nodeInfos(lab: string, t: Topology): Promise<NodeInfo[]> {
  const patch = await readLabelPatch(lab)
  return clusterNodes(t).map((n) => {
    const labels: Record<string, string> = { ...n.labels }
    for (const [k, v] of Object.entries(patch[n.name] ?? {})) {
      if (v === null) delete labels[k]
      else labels[k] = v
    }
    return { name: n.name, labels }
  })
}

async function readLabelPatch(lab: string): Promise<LabelPatch> {
  const f = labPaths(lab).labels
  return existsSync(f) ? (JSON.parse(await readFile(f, 'utf8')) as LabelPatch) : {}
}

// `oc label node N key=value` / `key-` (null removes). Like the operator
// watching nodes, a label change re-resolves every node's profiles.
export async function setNodeLabels(lab: string, t: Topology, node: string, labels: Record<string, string | null>): Promise<void> {
  if (!clusterNodes(t).some((n) => n.name === node))
    throw new InputError(`no cluster node ${JSON.stringify(node)} in lab ${lab} (nodes: ${clusterNodes(t).map((n) => n.name).join(', ')})`)
  for (const [k, v] of Object.entries(labels)) {
    checkName(labelKey, k, 'label key', { field: 'label' })
    if (v !== null) checkName(labelValue, v, `value of label ${k}`, { field: 'label' })
  }
  const patch = await readLabelPatch(lab)
  patch[node] = { ...(patch[node] ?? {}), ...labels }
  await writeJsonAtomic(labPaths(lab).labels, patch)
  await reconcile(lab, t)
}

export async function applyPtpConfigs(lab: string, t: Topology, configs: PtpConfig[]): Promise<void> {
  for (const c of configs) validatePtpConfig(c)
  // Resolve before writing anything: a config set that fails for some node
  // (e.g. a recommended profile that exists nowhere) changes nothing.
  const next = [...(await listPtpConfigs(lab)).filter((x) => !configs.some((c) => sameObject(c, x))), ...configs]
  buildConfigMap(next, await nodeInfos(lab, t))
  for (const c of configs) await writeTextAtomic(objectFile(lab, c.metadata.namespace, c.metadata.name), toYaml([c]))
  await reconcile(lab, t)
}

export async function deletePtpConfigs(lab: string, t: Topology, names: string[], namespace = 'openshift-ptp'): Promise<void> {
  for (const n of names) await rm(objectFile(lab, namespace, n), { force: true })
  await reconcile(lab, t)
}

const sameObject = (a: PtpConfig, b: PtpConfig) =>
  a.metadata.name === b.metadata.name && a.metadata.namespace === b.metadata.namespace

// The operator's reconcile: per-node profile JSON, written only when it
// changed (daemons compare bytes and restart everything on change).
export async function reconcile(lab: string, t: Topology): Promise<Record<string, string>> {
  const data = buildConfigMap(await listPtpConfigs(lab), await nodeInfos(lab, t))
  for (const [node, json] of Object.entries(data)) {
    const f = join(labPaths(lab).profiles, node)
    const cur = existsSync(f) ? await readFile(f, 'utf8') : undefined
    if (cur !== json) await writeTextAtomic(f, json)
  }
  return data
}
