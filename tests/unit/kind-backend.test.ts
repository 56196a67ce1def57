// The kind backend's up around its plan: the state file records the
// cluster, its provider, the switch container and the netdevsim IDs before
// anything is made; a failed step leaves the lab in phase "creating" (kept
// for a resumed up or down) and says so; the resumed up with the same
// topology skips what is done and ends in phase "up"; another topology or
// another backend under the same name is refused; the dry run writes nothing.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { KindBackend } from '../../lab/backends/kind/backend.js'
import { idBase } from '../../lab/backends/kind/names.js'
import { defaultTopologyFile, projectRoot } from '../../lab/paths.js'
import { PlanFailed } from '../../lab/plan/runner.js'
import { writeJsonAtomic, type LabState } from '../../lab/state/state.js'
import { loadTopologyFile } from '../../lab/topology/index.js'
import { scripted } from '../fixtures/plan-exec.js'

const tmp = mkdtempSync(join(tmpdir(), 'kind-backend-'))
t.teardown(() => rmSync(tmp, { recursive: true, force: true }))
process.env.PTPLAB_RUN_ROOT = tmp
const topo = async (name: string) => Object.assign(await loadTopologyFile(defaultTopologyFile()), { name })
const state = (lab: string) => JSON.parse(readFileSync(join(tmp, lab, 'state.json'), 'utf8')) as LabState

t.test('a failed up keeps the lab for a resumed up, which skips what is done', async (t) => {
  const tp = await topo('kb')
  const progress: string[] = []
  const failing = scripted((l) => (l.startsWith('$ helm upgrade') ? { ok: false, detail: 'timed out waiting for the condition' } : l.includes('ip link show') ? { ok: false, detail: 'no device' } : undefined))
  const b1 = new KindBackend({ links: 'netdevsim-patched' }, { exec: failing.exec, preflight: false })
  await t.rejects(b1.up({ topology: tp, progress: (m) => progress.push(m) }), PlanFailed)
  const st = state('kb')
  t.equal(st.backend, 'kind')
  t.equal(st.phase, 'creating')
  const b = idBase('kb')
  t.same(st.resources.slice(0, 3), [{ kind: 'dir', path: join(tmp, 'kb') }, { kind: 'cluster', name: 'ptplab-kb', provider: 'docker' }, { kind: 'container', name: 'ptplab-kb.switch1' }])
  t.same(st.resources.filter((r) => r.kind === 'netdevsim').map((r) => (r as { id: number }).id), Array.from({ length: 18 }, (_, i) => b + i), 'every netdevsim ID, before any is made')
  t.match(progress.join('\n'), /left for ptplab down \(or a resumed run\): kind cluster ptplab-kb/)
  t.match(progress.join('\n'), /up failed at "Prometheus: .*"; resume with the same ptplab up, or remove it: ptplab down --name kb/)

  const resumed = scripted((l) => (l === '$ kind get clusters' ? { stdout: 'ptplab-kb\n' } : l.includes('ip link show') ? { ok: false, detail: 'no device' } : undefined))
  const b2 = new KindBackend({ links: 'netdevsim-patched' }, { exec: resumed.exec, preflight: false })
  const p2: string[] = []
  await b2.up({ topology: tp, progress: (m) => p2.push(m) })
  t.match(p2.join('\n'), /resuming kind lab kb \(phase creating\)/)
  t.match(p2.join('\n'), /kind cluster ptplab-kb: skipped, already done/)
  t.notOk(resumed.journal.some((l) => l.startsWith('$ kind create')))
  t.equal(state('kb').phase, 'up')
  t.equal(state('kb').resources.length, st.resources.length, 'nothing recorded twice')

  const other = await topo('kb')
  other.links = other.links.slice(0, 8)
  other.nodes[2]!.nics = other.nodes[2]!.nics.slice(0, 2)
  await t.rejects(new KindBackend({}, { exec: resumed.exec, preflight: false }).up({ topology: other, progress: () => {} }), { message: /kind lab "kb" exists with another topology/ })
})

t.test('another backend under the name is refused; a dry run writes nothing', async (t) => {
  const tp = await topo('kb2')
  await writeJsonAtomic(join(tmp, 'kb2', 'state.json'), { version: 1, lab: 'kb2', backend: 'netns', phase: 'up', topology: tp, createdAt: '', resources: [] })
  const s = scripted()
  await t.rejects(new KindBackend({}, { exec: s.exec, preflight: false }).up({ topology: tp, progress: () => {} }), { message: /lab "kb2" already exists \(netns\)/ })
  t.same(s.journal, [], 'nothing ran')
  const lines: string[] = []
  await new KindBackend({ links: 'veth' }, { dryRun: true, print: (l) => lines.push(l) }).up({ topology: await topo('kb3'), progress: () => {} })
  t.match(lines[0], /^# ptplab up --backend kind: lab kb3, cluster ptplab-kb3, provider docker, links veth, kind load$/)
  t.ok(lines.includes('$ kind version   # wants kind v0.27.0'))
  t.notOk(existsSync(join(tmp, 'kb3')), 'no lab dir')
  t.ok(lines.some((l) => l.includes(`${projectRoot()}/scripts/configpair --kind veth`)))
})
