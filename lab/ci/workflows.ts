// GitHub Actions workflow files as data: parsed once with line numbers, so
// the project's own rules (lab/ci/workflow-rules.ts) and the shell check of
// `run:` steps can point at the spot.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import { InputError } from '../errors.js'
import { fieldPath, lineFinder, type Path } from '../yaml/where.js'

export type Obj = Record<string, unknown>

export interface Step {
  path: Path // jobs.<id>.steps[i]
  uses?: string
  run?: string
  shell?: string
  with: Obj
  if?: string
  name?: string
}

export interface Job {
  id: string
  path: Path
  raw: Obj
  needs: string[]
  steps: Step[]
  uses?: string // a reusable-workflow call
}

export interface Workflow {
  file: string // path as given
  name: string // base name, e.g. ec2.yml
  raw: Obj
  events: string[]
  jobs: Job[]
  lineOf: (path: Path) => number | undefined
  where: (path: Path) => string // "file:line: field"
}

const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {})
const list = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.map(String) : [])

export function parseWorkflow(file: string, text: string): Workflow {
  const lc = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lc })
  if (doc.errors.length) throw new InputError(doc.errors[0]!.message, { file })
  const raw = obj(doc.toJS())
  const lineOf = lineFinder(doc, lc)
  // YAML 1.1 readers turn a bare `on:` key into true; `yaml` keeps "on".
  const on = raw.on ?? raw.true
  const events = typeof on === 'string' ? [on] : Array.isArray(on) ? on.map(String) : Object.keys(obj(on))
  const jobs = Object.entries(obj(raw.jobs)).map(([id, j]): Job => {
    const jr = obj(j)
    const steps = (Array.isArray(jr.steps) ? jr.steps : []).map((s, i): Step => {
      const sr = obj(s)
      return {
        path: ['jobs', id, 'steps', i],
        uses: typeof sr.uses === 'string' ? sr.uses : undefined,
        run: typeof sr.run === 'string' ? sr.run : undefined,
        shell: typeof sr.shell === 'string' ? sr.shell : undefined,
        with: obj(sr.with),
        if: sr.if === undefined ? undefined : String(sr.if),
        name: typeof sr.name === 'string' ? sr.name : undefined,
      }
    })
    return { id, path: ['jobs', id], raw: jr, needs: list(jr.needs), steps, uses: typeof jr.uses === 'string' ? jr.uses : undefined }
  })
  const name = file.split('/').pop() ?? file
  const where = (path: Path) => [[file, lineOf(path)].filter((x) => x !== undefined).join(':'), fieldPath(path)].filter(Boolean).join(': ')
  return { file, name, raw, events, jobs, lineOf, where }
}

export const WORKFLOW_DIR = '.github/workflows'

// Every workflow file of a project, sorted.
export function loadWorkflows(root: string): Workflow[] {
  const dir = join(root, WORKFLOW_DIR)
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => parseWorkflow(join(WORKFLOW_DIR, f), readFileSync(join(dir, f), 'utf8')))
}

// Jobs a job depends on, directly or through others.
export function ancestors(wf: Workflow, job: Job): Set<string> {
  const byId = new Map(wf.jobs.map((j) => [j.id, j]))
  const seen = new Set<string>()
  const todo = [...job.needs]
  while (todo.length) {
    const id = todo.pop()!
    if (seen.has(id)) continue
    seen.add(id)
    todo.push(...(byId.get(id)?.needs ?? []))
  }
  return seen
}
