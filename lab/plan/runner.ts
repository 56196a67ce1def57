// Runs a plan: each step is skipped when its check says it is done, else its
// actions run in order. A failing step stops the plan; then the failed
// step's undo and the undo of every step this run completed run in reverse
// (what an earlier run made, and steps marked `keep`, are left for `down`),
// and the `always` steps still run. A failing verdict step (a test) is
// counted and the plan goes on.
import { InterruptedError } from '../errors.js'
import { actionText } from './render.js'
import type { Action, Executor, PlanReport, Step, StepOutcome } from './types.js'

export interface RunPlanOptions {
  progress: (msg: string) => void
  signal?: AbortSignal
}

export class PlanFailed extends Error {
  constructor(readonly report: PlanReport) {
    super(`step "${report.failed?.step}" failed: ${report.failed?.error}`)
    this.name = 'PlanFailed'
  }
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`

async function runActions(actions: Action[], exec: Executor, signal?: AbortSignal): Promise<void> {
  for (const a of actions) {
    if (signal?.aborted) throw new InterruptedError()
    const r = await exec(a, signal)
    if (!r.ok) throw new Error(`${actionText(a)}: ${r.detail}`)
  }
}

export async function runPlan(steps: Step[], exec: Executor, o: RunPlanOptions): Promise<PlanReport> {
  const outcomes: StepOutcome[] = steps.map((s) => ({ name: s.name, status: 'not run', ms: 0 }))
  const report: PlanReport = { steps: outcomes, verdictsFailed: [], rolledBack: [], left: [], ok: false }
  const n = steps.length
  const runStep = async (i: number): Promise<'done' | 'skipped'> => {
    const s = steps[i]!
    const out = outcomes[i]!
    const t0 = Date.now()
    o.progress(`[${i + 1}/${n}] ${s.name}`)
    if (s.check) {
      if (o.signal?.aborted) throw new InterruptedError()
      const r = await exec(s.check.action, o.signal)
      if (r.ok && s.check.done(r)) {
        out.status = 'skipped'
        o.progress(`[${i + 1}/${n}] ${s.name}: skipped, already done (${s.check.what})`)
        return 'skipped'
      }
    }
    await runActions(s.actions, exec, o.signal)
    out.ms = Date.now() - t0
    out.status = 'done'
    o.progress(`[${i + 1}/${n}] ${s.name}: done (${secs(out.ms)})`)
    return 'done'
  }

  let failedAt = -1
  for (let i = 0; i < n && failedAt < 0; i++) {
    const s = steps[i]!
    try {
      await runStep(i)
    } catch (e) {
      const msg = (e as Error).message
      outcomes[i]!.status = 'failed'
      outcomes[i]!.error = msg
      o.progress(`[${i + 1}/${n}] ${s.name}: FAILED: ${msg}`)
      if (s.verdict && !(e instanceof InterruptedError)) report.verdictsFailed.push(s.name)
      else {
        failedAt = i
        report.failed = { step: s.name, error: msg }
      }
    }
  }

  if (failedAt >= 0) {
    await rollback(steps, outcomes, failedAt, exec, o, report)
    // Artifacts and the like: collected whatever happened.
    for (let i = failedAt + 1; i < n; i++) {
      if (!steps[i]!.always) continue
      try {
        await runStep(i)
      } catch (e) {
        outcomes[i]!.status = 'failed'
        outcomes[i]!.error = (e as Error).message
        o.progress(`[${i + 1}/${n}] ${steps[i]!.name}: FAILED: ${(e as Error).message}`)
      }
    }
  }
  report.ok = failedAt < 0 && report.verdictsFailed.length === 0
  return report
}

async function rollback(steps: Step[], outcomes: StepOutcome[], failedAt: number, exec: Executor, o: RunPlanOptions, report: PlanReport) {
  const undoOne = async (i: number) => {
    const s = steps[i]!
    if (!s.undo?.length) return
    o.progress(`rolling back: ${s.name}`)
    for (const a of s.undo) {
      // Undo runs even after an interrupt; one failed undo does not stop the others.
      const r = await exec(a).catch((e: unknown) => ({ ok: false, stdout: '', detail: (e as Error).message }))
      if (!r.ok) {
        report.left.push(`${s.name} (undo failed: ${actionText(a)}: ${r.detail})`)
        return
      }
    }
    if (outcomes[i]!.status === 'done') outcomes[i]!.status = 'rolled back'
    report.rolledBack.push(s.name)
  }
  await undoOne(failedAt)
  for (let i = failedAt - 1; i >= 0; i--) {
    const s = steps[i]!
    const st = outcomes[i]!.status
    if (st === 'done' && s.undo?.length && !s.keep) await undoOne(i)
    else if ((st === 'done' || st === 'skipped') && (s.keep || s.undo?.length)) report.left.push(s.keep ?? s.name)
  }
  if (report.left.length) o.progress(`left for ptplab down (or a resumed run): ${report.left.join('; ')}`)
}
