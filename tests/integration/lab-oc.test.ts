// The main job end to end, as a user runs it: up, OC test, status, the live
// graph, status --watch, down.
import t, { type Test } from 'tap'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { labPaths } from '../../lab/paths.js'
import type { RunJson } from '../../lab/report/json.js'
import { parseXml, type XmlElement } from '../fixtures/xml.js'
import { spawn } from 'node:child_process'
import { CLI, cli, hostLinks, leftovers, nothingLeft, skipReason, ownLab } from './helpers.js'

// Each test is skipped, with the reason, where root or the tools are missing.
const skip = await skipReason()

const LAB = 'it-oc'

const find = (el: XmlElement, pred: (e: XmlElement) => boolean): XmlElement[] => [...(pred(el) ? [el] : []), ...el.children.flatMap((c) => find(c, pred))]

// ptplab graph --name on the lab with the OC mode applied: the OC slave
// SLAVE and LOCKED, every clock with its identity, and the GM chain
// GM -> switch boundary clock -> OC slave riding the two cables.
async function liveGraph(t: Test): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'ptplab-graph-live-'))
  t.teardown(() => rm(tmp, { recursive: true, force: true }))
  const svgFile = join(tmp, 'lab.svg')
  const g = await cli(['graph', '--name', LAB, '--out', svgFile])
  t.equal(g.code, 0, g.stderr)
  t.match(g.stderr, /reading roles and clocks of lab it-oc from its daemons/)
  const root = parseXml(await readFile(svgFile, 'utf8'))
  const port = (key: string) => find(root, (e) => e.attrs.class === 'port' && e.attrs['data-port'] === key)[0]!
  t.equal(port('worker1:ens1f0').attrs['data-role'], 'SLAVE', 'the OC slave (solver: worker1:ens1f0)')
  t.equal(port('worker3:ens4f0').attrs['data-role'], 'MASTER', 'the GM port')
  t.equal(port('switch1:swp7').attrs['data-role'], 'SLAVE', "the switch's port to the GM")
  t.equal(port('switch1:swp1').attrs['data-role'], 'MASTER', "the switch's port to the OC slave")
  const sync = find(root, (e) => e.attrs.class === 'link' && e.attrs['data-sync'] === 'true').map((e) => e.attrs['data-link'])
  t.same(sync.sort(), ['l0', 'l6'], 'time flows over worker3:ens4f0 -> swp7 and swp1 -> worker1:ens1f0')
  const chain = find(root, (e) => e.attrs.class === 'chain-line').map((e) => find(e, (x) => x.name === 'text')[0]!.text)
  t.match(chain.find((l) => l.startsWith('worker1 ')), /follows switch1 \(.*\), stepsRemoved 2$/)
  t.match(chain.find((l) => l.startsWith('switch1 ')), /follows worker3 \(.*\), stepsRemoved 1$/)
  t.match(chain.find((l) => l.startsWith('worker3 ')), /grandmaster, stepsRemoved 0$/)

  const mmd = await cli(['graph', '--name', LAB, '--format', 'mermaid'])
  t.match(mmd.stdout, /n0_p0\["ens1f0<br\/>SLAVE LOCKED<br\/>-?\d+ ns"\]/)
  t.match(mmd.stdout, /sw_p0 ==>\|"vlan 1501, steps 2"\| n0_p0/)
}

// status --watch on the same lab: successive frames (stdout is a pipe),
// Ctrl-C exits 130.
async function statusWatch(t: Test): Promise<void> {
  const w = spawn(process.execPath, [CLI, 'status', '--name', LAB, '--watch', '--interval', '0.2'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const exited = new Promise<number | null>((r) => w.on('close', (c) => r(c)))
  await new Promise<void>((r) => w.stdout.on('data', (d: Buffer) => ((out += d.toString()).split('Every 0.2s: ').length > 3 ? r() : undefined)))
  w.kill('SIGINT')
  t.equal(await exited, 130, 'status --watch: Ctrl-C exits 130')
  const frames = out.split(/^Every 0\.2s: ptplab status --name it-oc {4}\S+Z\n\n/m).slice(1)
  t.ok(frames.length >= 2, `${frames.length} frames`)
  t.match(frames[0], /\n  ens1f0 +switch1 vlan 1501 +SLAVE +LOCKED +-?\d+ ns\n/, 'the OC slave in the frame')
  t.notMatch(out, /\x1b/, 'no screen clearing in a pipe')
}

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
  // KEEP_PTPCONFIG: the OC mode stays applied, so the live graph below
  // shows its roles (the configs' removal is checked in the two-labs test).
  const test = await cli(['test', '--mode', 'oc', '--name', LAB, '--junit', junit, '--json'], { KEEP_PTPCONFIG: 'true' })
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

  await liveGraph(t)
  await statusWatch(t)

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
  // The test removed its PtpConfigs: every node profile is empty again.
  for (const n of ['node1', 'node2'])
    t.equal(await readFile(join(labPaths(A).profiles, n), 'utf8'), '[]', `lab A: ${n} profile cleared`)
  t.equal((await cli(['down', '--name', A])).code, 0)
  t.same(await leftovers(A), nothingLeft)
  const other = await leftovers(B)
  t.equal(other.namespaces.length, 4, 'lab B keeps its 4 namespaces (2 nodes, switch, unplugged-port holder)')
  t.equal((await cli(['status', '--name', B, '--json'])).code, 0)
})
