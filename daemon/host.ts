#!/usr/bin/env node
// The daemon host: the daemons of many nodes in one process, for the
// namespace lab, where a node is a network namespace on this host and a
// node process each (65 at 64 workers, ~0.2 s of CPU to start each) made
// `up` CPU-bound. Each node keeps what makes it a daemon of its own: its
// flags, profile file, run dir, sockets, log file (rotated), metrics and
// readiness; its ptp4l/phc2sys run inside its namespace (ip netns exec)
// with PDEATHSIG to this process. What it shares is the process: killed, it
// takes every node's daemon along, and the lab's supervisor starts it again.
//
//   ptplab-daemon-host --spec <file>
//   spec: {"nodes": [{"netns": "<namespace>", "argv": ["--node-name", ...]}]}
import { readFileSync } from 'node:fs'
import { limiter, mapLimit } from '../lab/limit.js'
import { netnsName } from '../lab/names.js'
import { netnsNicFacts } from './nics.js'
import { startNode, StartError, type NodeDaemon } from './node.js'
import { parseDaemonFlags, type DaemonFlags } from './options.js'

const USAGE = 'usage: ptplab-daemon-host --spec <file>   (spec: {"nodes": [{"netns": "<namespace>", "argv": [<daemon flags>]}]})'
const say = (msg: string) => process.stdout.write(`${new Date().toISOString()} daemon-host ${msg}\n`)
const fail = (msg: string, code = 2): never => {
  process.stderr.write(`error: ${msg}\n`)
  process.exit(code)
}

const args = process.argv.slice(2)
if (args[0] === '--help' || args[0] === '-h') {
  process.stdout.write(`${USAGE}\n`)
  process.exit(0)
}
if (args.length !== 2 || args[0] !== '--spec') fail(USAGE)
const specFile = args[1]!

interface HostNode {
  netns: string
  flags: DaemonFlags
}
function loadSpec(file: string): HostNode[] {
  let spec: unknown
  try {
    spec = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    return fail(`${file}: ${(e as Error).message}`)
  }
  const nodes = (spec as { nodes?: unknown })?.nodes
  if (!Array.isArray(nodes) || !nodes.length) return fail(`${file}: nodes: expected a non-empty list`)
  return nodes.map((n: { netns?: unknown; argv?: unknown }, i) => {
    const at = `${file}: nodes[${i}]`
    const bad = typeof n?.netns === 'string' ? netnsName(n.netns) : 'expected a string'
    if (bad) fail(`${at}.netns: ${bad}`)
    if (!Array.isArray(n.argv) || !n.argv.every((a) => typeof a === 'string')) fail(`${at}.argv: expected a list of strings`)
    let flags: DaemonFlags
    try {
      flags = parseDaemonFlags(n.argv as string[])
    } catch (e) {
      return fail(`${at}.argv: ${(e as Error).message.replace(/^error: /, '')}`)
    }
    // A hosted node has no stdout of its own: its file is its only log.
    if (!flags.nodeName) fail(`${at}.argv: --node-name is required in a daemon host`)
    if (!flags.logFile) fail(`${at}.argv: --log-file is required in a daemon host`)
    return { netns: n.netns as string, flags }
  })
}

const hosted = loadSpec(specFile)
const nodes: NodeDaemon[] = []
let started = false
let signalled: string | undefined // a signal that came while starting
let stopping = false
const shutdown = async (why: string, code = 0) => {
  if (stopping) return
  stopping = true
  say(`${why}: stopping ${nodes.length} nodes' daemons`)
  await Promise.all(nodes.map((n) => (n.log(`${why}, stopping children`), n.shutdown())))
  process.exit(code)
}
const onSignal = (sig: string) => void (started ? shutdown(`received ${sig}`) : (signalled = sig))
process.on('SIGTERM', () => onSignal('SIGTERM'))
process.on('SIGINT', () => onSignal('SIGINT'))

// NIC discovery spawns ethtool per port: two at a time across the nodes,
// and only once every node's daemon answers, so it never delays readiness.
let allStarted!: () => void
const ready = new Promise<void>((r) => (allStarted = r))
const nicTurn = limiter(2)

say(`starting the daemons of ${hosted.length} nodes`)
try {
  await mapLimit(hosted, 16, async (h) => {
    if (signalled) return
    try {
      nodes.push(
        await startNode(h.flags, {
          enter: ['ip', 'netns', 'exec', h.netns],
          sinks: {},
          nics: () => ready.then(() => nicTurn(() => netnsNicFacts(h.netns))),
          env: {},
        }),
      )
    } catch (e) {
      const m = `node ${h.flags.nodeName}: ${(e as Error).message}`
      throw e instanceof StartError ? new StartError(m) : new Error(m)
    }
  })
} catch (e) {
  const msg = (e as Error).message
  say(`error: ${msg}`)
  process.stderr.write(`error: ${msg}\n`)
  await shutdown('a node failed to start', e instanceof StartError ? 2 : 1)
}
started = true
allStarted()
if (signalled) await shutdown(`received ${signalled} while starting`)
say(`${nodes.length} nodes' daemons running`)
