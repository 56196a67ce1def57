#!/usr/bin/env node
// Entry of a namespace lab's supervisor (started by `up`, stopped by `down`):
// node dist/cli/supervise.js --lab NAME. Logic: lab/backends/netns/supervisor.ts.
import { runSupervisor } from '../lab/backends/netns/supervisor.js'
import { validLabName } from '../lab/names.js'

const i = process.argv.indexOf('--lab')
const lab = i > 0 ? process.argv[i + 1] : undefined
if (!lab || !validLabName(lab)) {
  process.stderr.write('usage: supervise.js --lab NAME\n')
  process.exit(2)
}
const ac = new AbortController()
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => ac.abort())
runSupervisor(lab, ac.signal).then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`supervisor of lab ${lab}: ${e.message}\n`)
    process.exit(1)
  },
)
