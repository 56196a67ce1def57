// A plan: an ordered list of steps whose effects are data (argument arrays,
// API calls, waits), so a dry run prints exactly what a real run does and
// tests assert it. Each step says how to tell it is already done (a re-run
// skips it: resumable, idempotent) and what undoes it (rollback).

// A condition a `wait` polls, as data; the executor that owns the API
// evaluates it (lab/cluster/kubernetes/plan-api.ts for Kubernetes).
export type Condition =
  | { what: 'nodes-ready'; count: number }
  | { what: 'pods-ready'; namespace?: string } // every pod Ready (all namespaces when absent)
  | { what: 'rollout'; kind: 'Deployment' | 'DaemonSet'; namespace: string; name: string; minReady?: number }
  | { what: 'certificate-ready'; namespace: string; name: string }
  | { what: 'ca-bundle'; name: string } // a ValidatingWebhookConfiguration's every webhook has one
  | { what: 'exists'; apiVersion: string; kind: string; namespace?: string; name: string }
  | { what: 'command'; argv: string[] } // exits 0

// A Kubernetes object reference; `namespace` only for namespaced kinds.
export interface ObjectRef {
  apiVersion: string
  kind: string
  namespace?: string
  name: string
}

export type Action =
  | { do: 'run'; argv: string[]; input?: string; env?: Record<string, string>; timeoutMs?: number; okExit?: number[]; stdoutTo?: string }
  | { do: 'write'; path: string; content: string; mode?: number }
  | { do: 'fetch'; url: string; to: string; sha256Url: string; mode?: number } // download, verified against the published checksum
  | { do: 'apply'; object: ObjectRef & { body: Record<string, unknown> } } // created, or replaced when it exists
  | { do: 'patch'; object: ObjectRef; patch: Record<string, unknown> } // JSON merge patch
  | { do: 'get'; object: ObjectRef } // ok when it exists
  | { do: 'wait'; for: Condition; timeoutMs: number }

export type ApiAction = Extract<Action, { do: 'apply' | 'patch' | 'get' }>

export interface ActionResult {
  ok: boolean
  stdout: string
  detail: string // why it failed, in words
}

// Runs one action. The real one acts (exec.ts); tests script answers.
export type Executor = (a: Action, signal?: AbortSignal) => Promise<ActionResult>

// Done already? The action is run; `done` reads its result.
export interface Check {
  action: Action
  done: (r: ActionResult) => boolean
  what: string // "kind get clusters lists ptplab-kl"
}

export interface Step {
  name: string
  actions: Action[]
  check?: Check // absent: the step is idempotent and always runs
  undo?: Action[] // what removes its effect; run on a later failure, and on its own
  keep?: string // not rolled back (expensive, resumable): what it leaves for `down`
  verdict?: boolean // a test: a failure is counted, the plan goes on, nothing is rolled back
  always?: boolean // runs even after a failure (artifacts)
}

export type StepStatus = 'done' | 'skipped' | 'failed' | 'rolled back' | 'not run'

export interface StepOutcome {
  name: string
  status: StepStatus
  ms: number
  error?: string
}

export interface PlanReport {
  steps: StepOutcome[]
  failed?: { step: string; error: string } // the step that stopped the plan
  verdictsFailed: string[] // verdict steps that failed
  rolledBack: string[] // undone by this run, in the order undone
  left: string[] // what is left for `down` after a failure
  ok: boolean // no failure and every verdict passed
}
