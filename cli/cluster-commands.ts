// kubectl-like verbs on a cluster (a running lab's stand-in API, or a
// Kubernetes cluster with --kubeconfig): apply PtpConfigs (with the webhook
// rules checked first), label nodes, delete PtpConfigs, list what is applied.
import { InputError } from '../lab/errors.js'
import { loadPtpConfigFiles } from '../lab/operator/ptpconfig.js'
import { EXIT, progress } from './output.js'
import { parseLabelArgs } from './options.js'
import { openTarget, type TargetFlags } from './target.js'

// --label NODE:KEY[=VALUE], repeatable: node labels applied with the configs.

export async function cmdApply(files: string[], o: TargetFlags & { label?: Array<[string, string]> }): Promise<number> {
  const configs = await loadPtpConfigFiles(files)
  const cluster = await openTarget(o, progress)
  // Labels first: the configs are then resolved against the labelled nodes.
  for (const [node, label] of o.label ?? []) {
    await cluster.setNodeLabels(node, parseLabelArgs([label]))
    progress(`node ${node} labelled ${label}`)
  }
  await cluster.applyPtpConfigs(configs)
  for (const c of configs) progress(`ptpconfig ${c.metadata.namespace}/${c.metadata.name} applied`)
  return EXIT.ok
}

export async function cmdDelete(names: string[], o: TargetFlags): Promise<number> {
  const cluster = await openTarget(o, progress)
  const have = new Set((await cluster.ptpConfigs()).map((c) => c.metadata.name))
  const missing = names.filter((n) => !have.has(n))
  if (missing.length) throw new InputError(`no such PtpConfig: ${missing.join(', ')} (applied: ${[...have].join(', ') || 'none'})`)
  await cluster.deletePtpConfigs(names)
  for (const n of names) progress(`ptpconfig ${n} deleted`)
  return EXIT.ok
}


export async function cmdLabel(node: string, labels: string[], o: TargetFlags): Promise<number> {
  const patch = parseLabelArgs(labels)
  await (await openTarget(o, progress)).setNodeLabels(node, patch)
  progress(`node ${node} labelled`)
  return EXIT.ok
}

export async function cmdGet(o: TargetFlags): Promise<number> {
  const cluster = await openTarget(o, progress)
  const out = ['PTPCONFIGS']
  for (const c of await cluster.ptpConfigs())
    out.push(`  ${c.metadata.name}: profiles ${c.spec.profile.map((p) => p.name).join(', ')}; recommend ${c.spec.recommend.map((r) => `${r.profile}@${r.priority}`).join(', ')}`)
  out.push('NODES')
  for (const n of await cluster.nodes()) out.push(`  ${n.name}: ${Object.entries(n.labels).map(([k, v]) => (v ? `${k}=${v}` : k)).join(' ') || '(no labels)'}`)
  process.stdout.write(out.join('\n') + '\n')
  return EXIT.ok
}
