// A plan as text: one line per action, in the shape the dry run prints and
// tests compare. Commands are shell-quoted with zx's quote so a line can be
// pasted into a shell; the plan itself never goes through one.
import { quote } from 'zx/core'
import type { Action, Condition, Step } from './types.js'

const q = (argv: string[]) => argv.map((a) => quote(a)).join(' ')

const refText = (o: { apiVersion: string; kind: string; namespace?: string; name: string }) =>
  `${o.apiVersion} ${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`

export function conditionText(c: Condition): string {
  switch (c.what) {
    case 'nodes-ready':
      return `${c.count} nodes Ready`
    case 'pods-ready':
      return `every pod Ready${c.namespace ? ` in namespace ${c.namespace}` : ' (all namespaces)'}`
    case 'rollout':
      return `rollout of ${c.kind} ${c.namespace}/${c.name}${c.minReady ? ` (at least ${c.minReady} pods)` : ''}`
    case 'certificate-ready':
      return `Certificate ${c.namespace}/${c.name} Ready`
    case 'ca-bundle':
      return `caBundle injected into ValidatingWebhookConfiguration ${c.name}`
    case 'exists':
      return `${refText(c)} exists`
    case 'command':
      return `$ ${q(c.argv)} succeeds`
  }
}

export function actionText(a: Action): string {
  switch (a.do) {
    case 'run': {
      const env = Object.entries(a.env ?? {}).map(([k, v]) => `${k}=${quote(v)} `).join('')
      const ok = a.okExit && a.okExit.join(',') !== '0' ? `  (exit ${a.okExit.join(' or ')} is fine)` : ''
      return `$ ${env}${q(a.argv)}${a.input !== undefined ? ` < (${Buffer.byteLength(a.input)} bytes)` : ''}${a.stdoutTo ? ` > ${a.stdoutTo}` : ''}${ok}`
    }
    case 'write':
      return `write ${a.path} (${Buffer.byteLength(a.content)} bytes${a.mode !== undefined ? `, mode ${a.mode.toString(8).padStart(4, '0')}` : ''})`
    case 'fetch':
      return `fetch ${a.url} -> ${a.to} (sha256 from ${a.sha256Url})`
    case 'apply':
      return `api apply ${refText(a.object)} ${JSON.stringify(a.object.body)}`
    case 'patch':
      return `api merge-patch ${refText(a.object)} ${JSON.stringify(a.patch)}`
    case 'get':
      return `api get ${refText(a.object)}`
    case 'wait':
      return `wait ${conditionText(a.for)} (up to ${Math.round(a.timeoutMs / 1000)} s)`
  }
}

// The dry run's text: every step with its check, actions and undo.
export function planLines(steps: Step[]): string[] {
  const out: string[] = []
  steps.forEach((s, i) => {
    const tags = [s.verdict ? 'test' : '', s.always ? 'always' : ''].filter(Boolean)
    out.push(`[${i + 1}/${steps.length}] ${s.name}${tags.length ? ` (${tags.join(', ')})` : ''}`)
    if (s.check) out.push(`  skip when: ${s.check.what}`, `    ${actionText(s.check.action)}`)
    for (const a of s.actions) out.push(`  ${actionText(a)}`)
    for (const a of s.undo ?? []) out.push(`  undo: ${actionText(a)}`)
    if (s.keep) out.push(`  kept on failure (for down): ${s.keep}`)
  })
  return out
}

// Only the commands and API calls, in order: what tests compare.
export const planActions = (steps: Step[]) => steps.flatMap((s) => s.actions.map(actionText))
