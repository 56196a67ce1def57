// Reports: a short human summary and JUnit XML, both pure.
import type { CheckResult } from './checks.js'

export interface SuiteResult {
  suite: string // e.g. "oc"
  target: string // what was tested on: "lab ptplab (netns)", "cluster kind (context kind-kind)"
  description: string // the roles tested, one line
  checks: CheckResult[]
  startedAt: string
  durationMs: number
  syncedAfterMs?: number // from config applied to all checks passing
  error?: string // the suite could not run at all
}

export const suitePassed = (r: SuiteResult) => !r.error && r.checks.length > 0 && r.checks.every((c) => c.pass)

export function humanReport(r: SuiteResult): string {
  const lines = [`${r.suite.toUpperCase()} test on ${r.target}: ${r.description}`]
  const w = Math.max(10, ...r.checks.map((c) => c.name.length))
  const grouped = r.checks.some((c) => c.test)
  let group: string | undefined | null = null // null: no header yet, so an untagged first check still gets '(other)'
  for (const c of r.checks) {
    if (grouped && c.test !== group) {
      group = c.test
      lines.push(`  ${group ?? '(other)'}`)
    }
    const ind = grouped ? '    ' : '  '
    lines.push(`${ind}${c.pass ? 'PASS' : 'FAIL'}  ${c.name.padEnd(w)}  ${c.measured}${c.pass ? '' : `  (expected ${c.expected})`}`)
  }
  if (r.error) lines.push(`  ERROR ${r.error}`)
  const passed = r.checks.filter((c) => c.pass).length
  const sync = r.syncedAfterMs !== undefined ? `, in sync ${(r.syncedAfterMs / 1000).toFixed(1)} s after the config was applied` : ''
  lines.push(`verdict: ${suitePassed(r) ? 'PASS' : 'FAIL'} (${passed}/${r.checks.length} checks${sync}; ${(r.durationMs / 1000).toFixed(1)} s)`)
  return lines.join('\n')
}

// One line per mode, for runs of several modes.
export function summaryTable(rs: SuiteResult[]): string {
  const rows = rs.map((r) => [
    r.suite,
    suitePassed(r) ? 'PASS' : 'FAIL',
    `${r.checks.filter((c) => c.pass).length}/${r.checks.length}`,
    r.syncedAfterMs === undefined ? '-' : `${(r.syncedAfterMs / 1000).toFixed(1)} s`,
    `${(r.durationMs / 1000).toFixed(1)} s`,
    r.error ?? r.description,
  ])
  const head = ['mode', 'verdict', 'checks', 'sync', 'time', 'roles']
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ')
  return ['summary:', fmt(head), ...rows.map(fmt)].join('\n')
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')

export function junitXml(r: SuiteResult): string {
  const failures = r.checks.filter((c) => !c.pass).length
  const secs = (r.durationMs / 1000).toFixed(3)
  const cases = r.checks.map((c) => {
    const name = c.test ? `${c.test}: ${c.name}` : c.name
    const head = `    <testcase classname="ptplab.${esc(r.suite)}" name="${esc(name)}" time="0">`
    const body = c.pass
      ? `      <system-out>${esc(`measured: ${c.measured}`)}</system-out>`
      : `      <failure message="${esc(`measured ${c.measured}, expected ${c.expected}`)}" type="check"/>`
    return `${head}\n${body}\n    </testcase>`
  })
  if (r.error) cases.push(`    <testcase classname="ptplab.${esc(r.suite)}" name="setup" time="0">\n      <error message="${esc(r.error)}"/>\n    </testcase>`)
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${cases.length}" failures="${failures}" errors="${r.error ? 1 : 0}" time="${secs}">`,
    `  <testsuite name="ptplab-${esc(r.suite)}" tests="${cases.length}" failures="${failures}" errors="${r.error ? 1 : 0}" time="${secs}" timestamp="${esc(r.startedAt)}">`,
    `    <properties><property name="target" value="${esc(r.target)}"/><property name="description" value="${esc(r.description)}"/></properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n')
}
