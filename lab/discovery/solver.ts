// Upstream's backtracking role solver (redhat-cne/l2discovery-lib,
// pkg/graphsolver/graphsolver.go: PermutationsWithConstraints, applyStep),
// mirrored so the first solution is the one upstream configures
// (testconfig.go uses solutions[FirstSolution]):
//
// - The vertex list l = [0..n-1] is permuted in place by swapping: at depth
//   s, for i = s..n-1, swap l[i] into slot s, check step s, recurse, swap
//   back. So the k-th variable p_k = l[k], every vertex is used at most once,
//   and candidates are tried in this swap order, which is NOT lexicographic
//   (after p0 = 2 the array is [2,1,0,3,...], so p1 tries 1 before 0).
// - Step s is checked once p0..ps are chosen; a failed step prunes the subtree.
// - Fewer vertices than variables: no solution.
// - Steps that name a variable not chosen yet (only upstream's
//   DualNicBCWithSlavesExtGM does: step 3 tests p4, step 5 tests p6) are
//   checked here at the depth where their last variable is chosen. Upstream
//   evaluates them early against whatever vertex happens to sit in that slot
//   of the array, and never again once the variable is really chosen, so its
//   solutions can violate them (BC2Slave on another node, not receiving PTP).
//   `{ lookahead: 'upstream' }` reproduces that behaviour exactly.
//   For every other problem both modes are identical.
import { isPtp, sameLan, sameNic, sameNode, type L2Graph } from './graph.js'
import {
  NEGATIVE,
  PROBLEMS,
  type Constraint,
  type Problem,
  type ProblemBase,
  type ProblemName,
  type ProblemSemantics,
  type Step,
} from './problems.js'

export {
  checkProblem,
  findProblem,
  PROBLEM_NAMES,
  PROBLEMS,
  type Constraint,
  type Problem,
  type ProblemBase,
  type ProblemName,
  type ProblemSemantics,
  type Step,
} from './problems.js'

export interface SolveOptions {
  // 'defer' (default): check a constraint once all its variables are chosen.
  // 'upstream': check it at the step it is listed in, reading unchosen slots.
  lookahead?: 'defer' | 'upstream'
}

const paramsOf = (c: Constraint): number[] => c.slice(2, 2 + c[1]) as number[]

function holds(g: L2Graph, c: Constraint, l: readonly number[]): boolean {
  const v = paramsOf(c).map((p) => l[p]!)
  let r: boolean
  switch (c[0]) {
    case 'Nil':
      r = true
      break
    case 'IsPTP':
      r = isPtp(g, v[0]!)
      break
    case 'SameLan':
      r = sameLan(g, v[0]!, v[1]!)
      break
    case 'SameNic':
      r = sameNic(g, v[0]!, v[1]!)
      break
    case 'SameNode':
      r = sameNode(g, v[0]!, v[1]!)
      break
  }
  return c[2 + c[1]] === NEGATIVE ? !r : r
}

// The constraints to check at each depth.
function plan(steps: readonly Step[], mode: 'defer' | 'upstream'): Constraint[][] {
  const at: Constraint[][] = steps.map(() => [])
  steps.forEach((step, k) => {
    for (const c of step) at[mode === 'upstream' ? k : Math.max(k, ...paramsOf(c))]!.push(c)
  })
  return at
}

// Every solution, in upstream's order (lazily: stop whenever you like).
export function* solutions(g: L2Graph, problem: Pick<Problem, 'steps'>, opts: SolveOptions = {}): Generator<number[]> {
  const n = g.vertices.length
  const e = problem.steps.length
  if (n < e) return
  const at = plan(problem.steps, opts.lookahead ?? 'defer')
  const l = Array.from({ length: n }, (_, i) => i)
  const swap = (i: number, j: number) => {
    const t = l[i]!
    l[i] = l[j]!
    l[j] = t
  }
  function* rec(s: number): Generator<number[]> {
    if (s === e) {
      yield l.slice(0, e)
      return
    }
    for (let i = s; i < n; i++) {
      swap(i, s)
      if (at[s]!.every((c) => holds(g, c, l))) yield* rec(s + 1)
      swap(i, s)
    }
  }
  yield* rec(0)
}

// First solution (vertex index per variable p0..pn), or undefined.
export function solve(g: L2Graph, problem: Pick<Problem, 'steps'>, opts: SolveOptions = {}): number[] | undefined {
  for (const s of solutions(g, problem, opts)) return s
  return undefined
}

export interface RolePort {
  node: string
  iface: string
}

export interface SolveResult {
  problem: ProblemName
  upstream: string
  indices: number[] // vertex per variable
  assignment: Record<string, RolePort> // role -> port
  semantics: ProblemSemantics
}

export function assignmentOf(g: L2Graph, problem: Pick<Problem, 'roles'>, indices: readonly number[]): Record<string, RolePort> {
  const out: Record<string, RolePort> = {}
  problem.roles.forEach((role, k) => {
    const v = g.vertices[indices[k]!]!
    out[role] = { node: v.node, iface: v.iface }
  })
  return out
}

export function solveProblem(g: L2Graph, p: Problem, opts: SolveOptions = {}): SolveResult | undefined {
  const indices = solve(g, p, opts)
  if (!indices) return undefined
  return { problem: p.name, upstream: p.upstream, indices, assignment: assignmentOf(g, p, indices), semantics: p.semantics }
}

// Upstream's choice for a test mode: the ...WithSlaves problem when it has a
// solution (BC, DualNicBC), else the plain one (PtpConfigBC/PtpConfigDualNicBC).
export function solveBest(g: L2Graph, base: ProblemBase, externalGm: boolean, opts: SolveOptions = {}): SolveResult | undefined {
  const candidates = Object.values(PROBLEMS)
    .filter((p) => p.base === base && p.externalGm === externalGm)
    .sort((a, b) => Number(b.withSlaves) - Number(a.withSlaves))
  for (const p of candidates) {
    const r = solveProblem(g, p, opts)
    if (r) return r
  }
  return undefined
}
