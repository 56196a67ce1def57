// ptplab graph --name on a running lab: the OC mode left applied
// (KEEP_PTPCONFIG), then the graph read from the daemons shows the OC
// slave SLAVE and LOCKED, every clock with its identity, and the GM chain
// GM -> switch boundary clock -> OC slave riding the two cables; and
// `status --watch` on that lab until Ctrl-C.
import t from 'tap'
import { join } from 'node:path'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { spawn } from 'node:child_process'
import { CLI, cli, leftovers, nothingLeft, ownLab, skipReason } from './helpers.js'
import { parseXml, type XmlElement } from '../fixtures/xml.js'

const skip = await skipReason()
const LAB = 'it-graph'

const find = (el: XmlElement, pred: (e: XmlElement) => boolean): XmlElement[] => [...(pred(el) ? [el] : []), ...el.children.flatMap((c) => find(c, pred))]

t.test('graph of a lab in the OC mode: roles, clocks, the GM chain', { skip, timeout: 240_000 }, async (t) => {
  await ownLab(t, LAB)
  const tmp = mkdtempSync(join(tmpdir(), 'ptplab-graph-live-'))
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }))
  const run = await cli(['run', '--mode', 'oc', '--name', LAB, '--keep'], { KEEP_PTPCONFIG: 'true' })
  t.equal(run.code, 0, 'OC passes and the lab stays up', { stderr: run.stderr.slice(-2000) })

  const svgFile = join(tmp, 'lab.svg')
  const g = await cli(['graph', '--name', LAB, '--out', svgFile])
  t.equal(g.code, 0, g.stderr)
  t.match(g.stderr, /reading roles and clocks of lab it-graph from its daemons/)
  const root = parseXml(readFileSync(svgFile, 'utf8'))
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

  // status --watch on the same lab: successive frames (stdout is a pipe), Ctrl-C exits 130.
  const w = spawn(process.execPath, [CLI, 'status', '--name', LAB, '--watch', '--interval', '0.2'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const exited = new Promise<number | null>((r) => w.on('close', (c) => r(c)))
  await new Promise<void>((r) => w.stdout.on('data', (d: Buffer) => ((out += d.toString()).split('Every 0.2s: ').length > 3 ? r() : undefined)))
  w.kill('SIGINT')
  t.equal(await exited, 130, 'status --watch: Ctrl-C exits 130')
  const frames = out.split(/^Every 0\.2s: ptplab status --name it-graph {4}\S+Z\n\n/m).slice(1)
  t.ok(frames.length >= 2, `${frames.length} frames`)
  t.match(frames[0], /\n  ens1f0 +switch1 vlan 1501 +SLAVE +LOCKED +-?\d+ ns\n/, 'the OC slave in the frame')
  t.notMatch(out, /\x1b/, 'no screen clearing in a pipe')

  t.equal((await cli(['down', '--name', LAB])).code, 0)
  t.same(await leftovers(LAB), nothingLeft)
})
