// Ctrl-C at any point of `up` and `run`: the terminal sends SIGINT to the
// whole foreground process group. Commands the CLI runs are in sessions of
// their own and finish their step (tests/unit/run-signal.test.ts), except
// one being forked at that very instant: Linux hands a group signal that
// arrives during fork() to the new child as well, before it can leave the
// group. Either way the CLI rolls everything back and exits 130, never 1.
import t from 'tap'
import { cliUntil, hostLinks, leftovers, nothingLeft, ownLab, skipReason, sleep } from './helpers.js'

const skip = await skipReason()
const LAB = 'it-intr'

// [command, progress line to interrupt at, delay after it (ms): lands inside the step]
const CASES: Array<[string[], RegExp, number]> = [
  [['up'], /creating \d+ nodes/, 0],
  [['up'], /starting switch/, 100],
  [['up'], /waiting for daemons/, 0],
  [['run', '--topology', 'topologies/two-node.yaml'], /L2 discovery: probing/, 300],
  [['run', '--topology', 'topologies/two-node.yaml'], /oc: sync/, 500],
]

for (const [args, marker, delay] of CASES) {
  t.test(`Ctrl-C during ${args[0]} at "${marker.source}" (+${delay} ms): exit 130, nothing left`, { skip }, async (t) => {
    await ownLab(t, LAB)
    const linksBefore = await hostLinks()
    const job = cliUntil([...args, '--name', LAB], marker, { job: true })
    await job.seen
    await sleep(delay)
    process.kill(-job.child.pid!, 'SIGINT')
    const code = await job.exited
    t.equal(code, 130, 'interrupted exit status', { stderr: job.stderr() })
    t.match(job.stderr(), /interrupted: cleaning up/)
    t.match(job.stderr(), /ptplab: error: interrupted\n$/, 'ends with the one error line')
    if (/command failed \(SIGINT\)/.test(job.stderr())) t.comment('a command forked as the signal came died of it too')
    t.same(await leftovers(LAB), nothingLeft, 'no namespace, process or file left')
    t.same(await hostLinks(), linksBefore, 'no link left in the host namespace')
  })
}
