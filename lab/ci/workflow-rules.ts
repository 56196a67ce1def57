// The project's own rules for its workflow files, on top of actionlint:
// what upstream's workflows got wrong (unpinned actions, timeouts raised
// again and again, untrusted code checked out under pull_request_target)
// and what the WebAssembly actionlint cannot see (the inputs of local
// reusable workflows). A rule is one table row plus its function.
import type { Path } from '../yaml/where.js'
import { ancestors, type Job, type Obj, type Workflow } from './workflows.js'

export interface Problem {
  path: Path
  message: string
}

export interface Rule {
  id: string
  what: string
  check: (wf: Workflow, all: Workflow[]) => Problem[]
}

// A full version tag (v1.2.3) or a commit SHA: a moving major tag (v4) can
// change under a workflow without any commit here.
const PINNED = /^[\w.-]+\/[\w.-]+(\/[^@]+)?@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/
// Leave cleanup and artifact steps this many minutes after a timed-out step.
export const CLEANUP_MINUTES = 5

const isCheckout = (uses?: string) => uses?.startsWith('actions/checkout@') ?? false
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {})

function pinned(wf: Workflow): Problem[] {
  const out: Problem[] = []
  for (const job of wf.jobs) {
    if (job.uses && !job.uses.startsWith('./') && !PINNED.test(job.uses))
      out.push({ path: [...job.path, 'uses'], message: `reusable workflow ${job.uses} is not pinned to a full version tag or commit SHA` })
    for (const s of job.steps) {
      if (!s.uses || s.uses.startsWith('./') || s.uses.startsWith('docker://')) continue
      if (!PINNED.test(s.uses)) out.push({ path: [...s.path, 'uses'], message: `action ${s.uses} is not pinned to a full version tag (vX.Y.Z) or commit SHA` })
    }
  }
  return out
}

function timeouts(wf: Workflow): Problem[] {
  const out: Problem[] = []
  for (const job of wf.jobs) {
    if (job.uses) continue // a reusable-workflow call: its jobs carry their own
    const jt = job.raw['timeout-minutes']
    if (typeof jt !== 'number') {
      out.push({ path: job.path, message: 'job has no timeout-minutes (the default is 6 hours)' })
      continue
    }
    job.steps.forEach((s, i) => {
      const st = obj((job.raw.steps as unknown[])[i])['timeout-minutes']
      if (typeof st === 'number' && st > jt - CLEANUP_MINUTES)
        out.push({ path: [...s.path, 'timeout-minutes'], message: `step timeout ${st} min leaves less than ${CLEANUP_MINUTES} min of the job's ${jt} min for cleanup` })
    })
  }
  return out
}

function permissions(wf: Workflow): Problem[] {
  return 'permissions' in wf.raw ? [] : [{ path: [], message: 'no top-level permissions: the token gets the repository default (often write-all)' }]
}

// Under pull_request_target the workflow has secrets and a write token while
// the pull request's code is untrusted: a job named `gate` decides (from the
// event alone: no checkout), every job with steps waits for it, and a
// checkout takes exactly the commit the gate let through.
export const GATE_JOB = 'gate'
const GATED_SHA = /needs\.gate\.outputs\.sha/
const OTHER_EVENT_ONLY = /github\.event_name\s*==\s*'(?!pull_request_target')[a-z_]+'/

function pullRequestTargetGate(wf: Workflow): Problem[] {
  if (!wf.events.includes('pull_request_target')) return []
  const gate = wf.jobs.find((j) => j.id === GATE_JOB)
  if (!gate) return [{ path: ['jobs'], message: `pull_request_target workflow has no "${GATE_JOB}" job` }]
  const out: Problem[] = []
  for (const s of gate.steps)
    if (isCheckout(s.uses)) out.push({ path: s.path, message: 'the gate job must not check out code (it runs before anything is vouched for)' })
  for (const job of wf.jobs) {
    if (job === gate || (job.steps.length === 0 && !job.uses)) continue
    const cond = String(job.raw.if ?? '')
    if (OTHER_EVENT_ONLY.test(cond)) continue // e.g. schedule only: base-branch code
    if (!ancestors(wf, job).has(GATE_JOB) || !/needs\.gate\.outputs\./.test(cond)) {
      out.push({ path: job.path, message: `job runs under pull_request_target without waiting for the gate (needs: ${GATE_JOB} and an if: on needs.gate.outputs)` })
      continue
    }
    for (const s of job.steps)
      if (isCheckout(s.uses) && !GATED_SHA.test(String(s.with.ref ?? '')))
        out.push({ path: [...s.path, 'with', 'ref'], message: 'checkout must take the commit the gate let through (ref: ${{ needs.gate.outputs.sha }})' })
  }
  return out
}

function concurrency(wf: Workflow): Problem[] {
  if (!wf.events.some((e) => e === 'pull_request' || e === 'pull_request_target')) return []
  if ('concurrency' in wf.raw) return []
  // Without a workflow-wide group, every long job needs its own.
  return wf.jobs
    .filter((j: Job) => !j.uses && typeof j.raw['timeout-minutes'] === 'number' && (j.raw['timeout-minutes'] as number) > 15 && !('concurrency' in j.raw))
    .map((j) => ({ path: j.path, message: 'long job of a pull-request workflow without a concurrency group: every push would start another run' }))
}

// actionlint in WebAssembly cannot open the called file: check local
// workflow_call inputs here.
function localReusableInputs(wf: Workflow, all: Workflow[]): Problem[] {
  const out: Problem[] = []
  for (const job of wf.jobs) {
    if (!job.uses?.startsWith('./')) continue
    const target = all.find((w) => `./${w.file}` === job.uses)
    if (!target) {
      out.push({ path: [...job.path, 'uses'], message: `no workflow file ${job.uses}` })
      continue
    }
    const call = obj(obj(target.raw.on)['workflow_call'])
    if (!target.events.includes('workflow_call')) {
      out.push({ path: [...job.path, 'uses'], message: `${target.file} has no workflow_call trigger` })
      continue
    }
    const inputs = obj(call.inputs)
    const given = obj(job.raw.with)
    for (const k of Object.keys(given))
      if (!(k in inputs)) out.push({ path: [...job.path, 'with', k], message: `input "${k}" is not declared by ${target.file} (declared: ${Object.keys(inputs).join(', ')})` })
    for (const [k, spec] of Object.entries(inputs))
      if (obj(spec).required === true && !(k in given)) out.push({ path: [...job.path, 'with'], message: `required input "${k}" of ${target.file} is not given` })
  }
  return out
}

export const WORKFLOW_RULES: readonly Rule[] = [
  { id: 'pinned-actions', what: 'actions and reusable workflows pinned to a full version or SHA', check: pinned },
  { id: 'timeouts', what: 'every job has a timeout; step timeouts leave room for cleanup', check: timeouts },
  { id: 'permissions', what: 'token permissions declared at the top', check: permissions },
  { id: 'pull-request-target-gate', what: 'no untrusted checkout before the gate under pull_request_target', check: pullRequestTargetGate },
  { id: 'concurrency', what: 'pull-request workflows cancel superseded runs', check: concurrency },
  { id: 'local-reusable-inputs', what: 'inputs given to local reusable workflows exist', check: localReusableInputs },
]

// Every problem of every rule, as "file:line: field: message [rule]".
export function checkWorkflows(all: Workflow[], rules: readonly Rule[] = WORKFLOW_RULES): string[] {
  const out: string[] = []
  for (const wf of all) for (const r of rules) for (const p of r.check(wf, all)) out.push(`${wf.where(p.path)}: ${p.message} [${r.id}]`)
  return out
}
