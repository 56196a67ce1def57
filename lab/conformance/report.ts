// Reports: a short human summary and JUnit XML, both pure.
import { escapeXml } from '../text.js'
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
  servo?: ServoFigures[] // independent clocks: per slave clock, over the settle window
}

import { servoTable, type ServoFigures } from './servo.js'

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
  if (r.servo?.length) lines.push(servoTable(r.servo))
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

const esc = escapeXml

// The JUnit class of a check: ptplab.<mode>.<named test>, the test name made
// of [A-Za-z0-9_-] so viewers that split classnames at dots (Jenkins:
// package.class) or put them in URLs keep it whole.
export const junitClassName = (suite: string, test: string | undefined) =>
  `ptplab.${suite}.${(test ?? 'other').replace(/[^A-Za-z0-9_]+/g, '-').replace(/^-|-$/g, '')}`

const seconds = (ms: number | undefined) => (ms === undefined ? '0' : (Math.max(0, ms) / 1000).toFixed(3))

// JUnit XML as CI viewers read it (jenkinsci/xunit-plugin junit-10.xsd, the
// shape GitHub Actions test reporters parse too): one testsuite per mode,
// one testcase per check with its named test as the class; the named
// test's time on its first check (0 when the engine did not time it). A failure carries measured and
// expected in its message and its body, which is what viewers show.
export function junitXml(r: SuiteResult): string {
  const failures = r.checks.filter((c) => !c.pass).length
  const errors = r.error ? 1 : 0
  const secs = seconds(r.durationMs)
  // A check carries the duration of its named test: the test's first
  // testcase gets it, so the testcases add up to the suite's time.
  const timed = new Set<string | undefined>()
  const cases = r.checks.map((c) => {
    const first = !timed.has(c.test)
    timed.add(c.test)
    const head = `    <testcase classname="${esc(junitClassName(r.suite, c.test))}" name="${esc(c.name)}" time="${seconds(first ? c.durationMs : 0)}">`
    const body = c.pass
      ? `      <system-out>${esc(`measured: ${c.measured}`)}</system-out>`
      : `      <failure message="${esc(`measured ${c.measured}, expected ${c.expected}`)}" type="check">${esc(`measured: ${c.measured}\nexpected: ${c.expected}`)}</failure>`
    return `${head}\n${body}\n    </testcase>`
  })
  if (r.error)
    cases.push(
      `    <testcase classname="${esc(junitClassName(r.suite, 'setup'))}" name="setup" time="${secs}">\n      <error message="${esc(r.error)}" type="setup"/>\n    </testcase>`,
    )
  // timestamp without zone and fraction, as the schema's viewers expect; the
  // exact start is kept as a property.
  const timestamp = r.startedAt.replace(/(\.\d+)?Z$/, '')
  const counts = `tests="${cases.length}" failures="${failures}" errors="${errors}"`
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="ptplab" ${counts} time="${secs}">`,
    `  <testsuite name="ptplab-${esc(r.suite)}" ${counts} skipped="0" time="${secs}" timestamp="${esc(timestamp)}" hostname="localhost" id="0" package="ptplab.${esc(r.suite)}">`,
    '    <properties>',
    `      <property name="target" value="${esc(r.target)}"/>`,
    `      <property name="description" value="${esc(r.description)}"/>`,
    `      <property name="startedAt" value="${esc(r.startedAt)}"/>`,
    '    </properties>',
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n')
}
