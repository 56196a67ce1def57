// The main job end to end, as a user runs it: up, OC test, status, down.
import t from 'tap'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { labPaths } from '../../lab/paths.js'
import type { RunJson } from '../../lab/report/json.js'
import { cli, cliUntil, hostLinks, leftovers, nothingLeft, skipReason, ownLab } from './helpers.js'

// Each test is skipped, with the reason, where root or the tools are missing.
const skip = await skipReason()

const LAB = 'it-oc'

t.test('default topology: up -> OC passes -> down leaves nothing', { skip }, async (t) => {
  const linksBefore = await hostLinks()
  await ownLab(t, LAB)
  const up = await cli(['up', '--name', LAB])
  t.equal(up.code, 0, 'up', { stderr: up.stderr })

  const st = await cli(['status', '--name', LAB, '--json'])
  t.equal(st.code, 0)
  const status = JSON.parse(st.stdout) as { nodes: Array<{ node: string; daemon: string; ports: unknown[] }> }
  t.same(status.nodes.map((n) => n.node), ['worker1', 'worker2', 'worker3', 'switch1'])
  t.same(status.nodes.map((n) => n.ports.length), [4, 2, 3, 9], 'every topology port and switch port exists')

  const junit = join(tmpdir(), `ptplab-it-oc-${process.pid}.xml`)
  t.teardown(() => rm(junit, { force: true }))
  const test = await cli(['test', '--mode', 'oc', '--name', LAB, '--junit', junit, '--json'])
  t.equal(test.code, 0, 'OC test passes', { stdout: test.stdout, stderr: test.stderr })
  const doc = JSON.parse(test.stdout) as RunJson
  t.equal(doc.verdict, 'PASS')
  const [oc] = doc.modes
  const check = (name: string | RegExp) => oc!.checks.find((c) => (typeof name === 'string' ? c.name === name : name.test(c.name)))
  t.match(check('OC worker1:ens1f0 (slave port) clock state'), { pass: true, measured: 'LOCKED (1)' })
  t.match(check(/^OC worker1:ens1f0 \(slave port\) parent is switch boundary clock switch1/), { pass: true })
  t.match(check('grandmaster worker3:ens4f0 role'), { pass: true, measured: 'MASTER (2)' })
  t.match(test.stderr, /verdict: PASS \(\d+\/\d+ checks/, 'the human report on stderr')
  t.match(oc!.samples, [{ node: 'worker1', port: 'ens1f0', part: 'OC slave' }], 'the OC slave port sampled')
  t.ok(oc!.samples[0]!.samples > 0 && oc!.samples[0]!.lockedPct! > 0)
  const xml = await readFile(junit, 'utf8')
  t.match(xml, /<testsuite name="ptplab-oc" tests="\d+" failures="0" errors="0"/)

  // The test removed its PtpConfigs: every node profile is empty again.
  for (const n of ['worker1', 'worker2', 'worker3'])
    t.equal(await readFile(join(labPaths(LAB).profiles, n), 'utf8'), '[]', `${n} profile cleared`)

  const down = await cli(['down', '--name', LAB])
  t.equal(down.code, 0)
  t.same(await leftovers(LAB), nothingLeft, 'no namespace, process or file left')
  t.same(await hostLinks(), linksBefore, 'no link left in the host namespace')
})

t.test('a second up of the same lab is refused and changes nothing', { skip }, async (t) => {
  await ownLab(t, LAB)
  t.equal((await cli(['up', '--name', LAB, '--topology', 'topologies/two-node.yaml'])).code, 0)
  const again = await cli(['up', '--name', LAB, '--topology', 'topologies/two-node.yaml'])
  t.equal(again.code, 2)
  t.match(again.stderr, /already exists; run: ptplab down --name it-oc/)
  const st = await cli(['status', '--name', LAB, '--json'])
  t.equal(st.code, 0, 'the first lab still answers')
})

t.test('SIGINT during up rolls back everything', { skip }, async (t) => {
  await ownLab(t, LAB)
  const run = cliUntil(['up', '--name', LAB], /starting switch/)
  await run.seen
  run.child.kill('SIGINT')
  t.equal(await run.exited, 130, 'interrupted exit status')
  t.match(run.stderr(), /rolling back/)
  t.same(await leftovers(LAB), nothingLeft)
})

t.test('down cleans up after a crash that lost the state file', { skip }, async (t) => {
  await ownLab(t, LAB)
  t.equal((await cli(['up', '--name', LAB, '--topology', 'topologies/two-node.yaml'])).code, 0)
  // A crash mid-write: the state file is torn.
  await writeFile(labPaths(LAB).state, '{"version":1,"lab":')
  const down = await cli(['down', '--name', LAB])
  t.equal(down.code, 0, 'down', { stderr: down.stderr })
  t.same(await leftovers(LAB), nothingLeft)
})

t.test('two labs side by side, each passes OC, down removes only its own', { skip }, async (t) => {
  const A = 'it-side-a'
  const B = 'it-side-b'
  t.teardown(async () => {
    await cli(['down', '--name', A])
    await cli(['down', '--name', B])
  })
  t.equal((await cli(['up', '--name', A, '--topology', 'topologies/two-node.yaml'])).code, 0)
  t.equal((await cli(['up', '--name', B, '--topology', 'topologies/two-node.yaml'])).code, 0)
  const ls = JSON.parse((await cli(['list', '--json'])).stdout) as Array<{ lab: string; backend: string; phase: string; nodes: number }>
  for (const lab of [A, B]) t.match(ls.find((r) => r.lab === lab), { backend: 'netns', phase: 'up', nodes: 2 }, `list shows ${lab}`)
  const [ra, rb] = await Promise.all([cli(['test', '--name', A]), cli(['test', '--name', B])])
  t.equal(ra.code, 0, 'lab A passes', { stdout: ra.stdout })
  t.equal(rb.code, 0, 'lab B passes', { stdout: rb.stdout })
  t.equal((await cli(['down', '--name', A])).code, 0)
  t.same(await leftovers(A), nothingLeft)
  const other = await leftovers(B)
  t.equal(other.namespaces.length, 4, 'lab B keeps its 4 namespaces (2 nodes, switch, unplugged-port holder)')
  t.equal((await cli(['status', '--name', B, '--json'])).code, 0)
})
