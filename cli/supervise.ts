#!/usr/bin/env node
// Entry of a lab's supervisor. Namespace lab (started by `up`, stopped by
// `down`): supervise.js --lab NAME. Container node (its main process):
// supervise.js --lab NAME --node NODE -- DAEMON ARGV...
// Logic: lab/backends/supervise-loop.ts, lab/backends/netns/supervisor.ts.
import { runChildSupervisor } from '../lab/backends/supervise-loop.js'
import { validLabName } from '../lab/names.js'

const arg = (k: string) => {
  const i = process.argv.indexOf(k)
  return i > 0 ? process.argv[i + 1] : undefined
}
const lab = arg('--lab')
const node = arg('--node')
const dashes = process.argv.indexOf('--')
const child = dashes > 0 ? process.argv.slice(dashes + 1) : []
if (!lab || !validLabName(lab) || (node !== undefined && !child.length)) {
  process.stderr.write('usage: supervise.js --lab NAME [--node NODE -- ARGV...]\n')
  process.exit(2)
}
const ac = new AbortController()
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => ac.abort())
// A container's supervisor loads only the loop (it runs once per node).
const work = node ? runChildSupervisor(lab, node, child, ac.signal) : import('../lab/backends/netns/supervisor.js').then((m) => m.runSupervisor(lab, ac.signal))
work.then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`supervisor of lab ${lab}: ${e.message}\n`)
    process.exit(1)
  },
)
