// `ptplab solve`: assign test roles to interfaces from L2 discovery reports,
// as upstream's conformance suite does before it writes PtpConfigs.
import { InputError } from '../lab/errors.js'
import { buildGraph, realLans } from '../lab/discovery/graph.js'
import { loadL2Dir } from '../lab/discovery/report.js'
import { findProblem, PROBLEM_NAMES, solveProblem } from '../lab/discovery/solver.js'
import { EXIT } from './output.js'
import { quote } from '../lab/text.js'

// SKIP_INTERFACES="eno1,ens2f1": bare interface names, skipped on every node.
export const skipInterfacesFromEnv = (env: NodeJS.ProcessEnv = process.env): string[] =>
  (env.SKIP_INTERFACES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')

export async function cmdSolve(o: { problem: string; externalGm?: boolean; l2: string }): Promise<number> {
  const problem = findProblem(o.problem, o.externalGm ?? false)
  if (!problem)
    throw new InputError(`unknown problem ${quote(o.problem)}; known: ${PROBLEM_NAMES.join(', ')}`, { field: '--problem' })
  const reports = await loadL2Dir(o.l2)
  if (reports.size === 0) throw new InputError('no L2 reports (<node>.json) in directory', { file: o.l2 })
  const graph = buildGraph(reports, { skipInterfaces: skipInterfacesFromEnv() })
  const r = solveProblem(graph, problem)
  if (!r) {
    const lans = realLans(graph)
    const ptp = graph.vertices.filter((v) => v.ptp).length
    process.stderr.write(
      `ptplab: no assignment for problem ${problem.name} (upstream ${problem.upstream}, ${problem.roles.length} roles: ` +
        `${problem.roles.join(', ')}): found ${graph.vertices.length} interfaces on ${reports.size} nodes, ` +
        `${lans.length} LANs of 2+ interfaces (${lans.map((l) => l.length).join('+') || 'none'}), ${ptp} receiving PTP` +
        (graph.skipped.length ? `, skipped ${graph.skipped.join(' ')}` : '') +
        '\n',
    )
    return EXIT.failed
  }
  process.stdout.write(JSON.stringify({ problem: r.problem, roles: r.assignment }, null, 2) + '\n')
  return EXIT.ok
}
