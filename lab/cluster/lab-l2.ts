// L2 discovery on a lab: the probe agent runs in every cluster node's
// namespace or container at once, behind a start barrier. Each agent opens
// its sockets, says "armed" (a file in a per-run dir under the lab dir, which
// containers see at the same path), and waits; once every agent is armed the
// coordinator writes "go" and all send within the same window. So every
// port hears every LAN peer however far apart the agents started (64 nodes
// on 2 cores start seconds apart).
import { existsSync } from 'node:fs'
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { LabBackend } from '../backends/types.js'
import { agentPath, buildReport, parseAgentOutput, probedNodes } from '../discovery/discover.js'
import { ETHERTYPE_PROBE, ETHERTYPE_PTP, type L2Report } from '../discovery/report.js'
import { labPaths } from '../paths.js'
import { pollUntil } from '../sys/poll.js'
import { allPorts, type Topology } from '../topology/index.js'
import type { L2Options } from './types.js'

const WINDOW_MS = 1500
let runs = 0

export async function labL2Discover(lab: string, t: Topology, backend: Pick<LabBackend, 'nodeExec' | 'python'>, o: L2Options & { windowMs?: number }): Promise<Map<string, L2Report>> {
  const agent = agentPath()
  if (!existsSync(agent)) throw new Error(`probe agent missing: ${agent}`)
  const windowMs = o.windowMs ?? WINDOW_MS
  const skip = o.skipInterfaces.filter(Boolean)
  const nodes = probedNodes(t)
  // -I -S: the standard library only, no user site or PYTHON* settings (and a faster start).
  const python = [(await backend.python?.()) ?? 'python3', '-I', '-S']
  const ports = allPorts(t)
  const dir = join(labPaths(lab).tmp, `l2-${process.pid}-${runs++}`)
  await mkdir(dir, { recursive: true })
  o.progress(`L2 discovery: arming ${nodes.length} probe agents, then probing for ${(windowMs / 1000).toFixed(1)} s` + (skip.length ? ` (skipping ${skip.join(', ')})` : ''))
  try {
    const failed: string[] = []
    const agents = nodes.map(async (node) => {
      const args = [...python, agent, '--node', node, '--duration', String(windowMs / 1000), '--armed-file', join(dir, `${node}.armed`), '--go-file', join(dir, 'go')]
      if (skip.length) args.push('--skip', skip.join(','))
      const r = await backend.nodeExec(lab, node, args, { timeoutMs: windowMs + 150_000 })
      if (r.exitCode !== 0) {
        failed.push(node)
        throw new Error(`L2 probe agent failed on node ${node} (exit ${r.exitCode}): ${r.stderr.trim() || '(no message)'}`)
      }
      return [node, parseAgentOutput(r.stdout, `node ${node}`)] as const
    })
    // Every agent listening (or one already failed: no point waiting), then go.
    const armed = async () => (await readdir(dir)).filter((f) => f.endsWith('.armed')).length
    const waitArmed = pollUntil(async () => failed.length > 0 || (await armed()) === nodes.length, 120_000, 'the probe agents to arm', {
      intervalMs: 10,
      signal: o.signal,
    })
    try {
      await Promise.race([waitArmed, Promise.all(agents)])
    } finally {
      await writeFile(join(dir, 'go'), '') // also after a failure: the others finish and exit
    }
    const outputs = await Promise.all(agents)
    const reports = new Map<string, L2Report>()
    for (const [node, out] of outputs) {
      const missing = ports.filter((p) => p.node === node && !skip.includes(p.name) && !(p.name in out)).map((p) => p.name)
      if (missing.length) o.progress(`warning: node ${node}: topology ports not found in it: ${missing.join(', ')}`)
      const rep = buildReport(node, out, ports, { skipInterfaces: skip })
      const ifs = Object.values(rep[ETHERTYPE_PROBE])
      o.progress(`node ${node}: ${ifs.length} ports, ${ifs.filter((i) => Object.keys(i.Remote).length).length} hear probes, ${Object.keys(rep[ETHERTYPE_PTP]).length} receive PTP`)
      reports.set(node, rep)
    }
    return reports
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
