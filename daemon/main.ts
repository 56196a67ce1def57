#!/usr/bin/env node
// Entry of the linuxptp daemon program (one per node, run inside it: a pod,
// a container). Flags mirror upstream's daemon; see `--help`.
import { nicFacts } from './nics.js'
import { startNode, StartError, type NodeDaemon } from './node.js'
import { daemonCommand, type DaemonFlags } from './options.js'
import { stdioSink } from './output.js'

const program = daemonCommand().showHelpAfterError('(add --help for usage)')
program.parse()

let node: NodeDaemon | undefined
let stopping: string | undefined
const shutdown = async (sig: string) => {
  if (stopping) return
  stopping = sig
  if (!node) return // still starting: stopped as soon as it has
  node.log(`received ${sig}, stopping children`)
  await node.shutdown()
  process.exit(0)
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))

try {
  node = await startNode(program.opts<DaemonFlags>(), { enter: [], sinks: { stdout: stdioSink(1), stderr: stdioSink(2) }, nics: () => nicFacts(), env: process.env })
} catch (e) {
  if (!(e instanceof StartError)) throw e
  program.error(`error: ${e.message}`, { exitCode: 2 })
}
if (stopping) {
  const sig = stopping
  stopping = undefined
  await shutdown(sig)
}
