// Scale and dead components on real labs: a generated 64-worker lab (every
// port's L2 report complete, the reports --out writes included), a daemon
// killed and restarted by the lab's supervisor, a deleted port and a dead
// switch named by status and by test before anything runs; two labs tested
// at the same time. Figures are measured by the benchmark, not asserted here.
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { cmdDiscover } from '../../cli/discover-command.js'
import { collectStatus } from '../../cli/lab-commands.js'
import { NetnsBackend } from '../../lab/backends/netns/backend.js'
import { DAEMON_HOST } from '../../lab/backends/netns/daemon-host.js'
import { findSupervisors, readSupervisor } from '../../lab/backends/netns/supervisor.js'
import { LabCluster } from '../../lab/cluster/lab.js'
import { ETHERTYPE_PROBE, loadL2Dir } from '../../lab/discovery/report.js'
import { labPaths, netnsName } from '../../lab/paths.js'
import { missingPrograms, run } from '../../lab/sys/run.js'
import { scaleTopologyYaml } from '../../lab/topology/generate.js'
import { allPorts, linkOf, macFor, parseTopology } from '../../lab/topology/index.js'
import { cli, leftovers, nothingLeft, ownLab, skipReason, until } from './helpers.js'

const skip =
  (await skipReason()) ||
  ((await missingPrograms(['python3'])).length ? 'missing python3 (the L2 probe agent runs on it)' : false)

// cmdDiscover prints on stdout, this test's TAP stream: captured.
async function quietly<T>(f: () => Promise<T>): Promise<T> {
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = (() => true) as typeof process.stdout.write
  try {
    return await f()
  } finally {
    process.stdout.write = write
  }
}

const BIG = 'scale-it64'
const WORKERS = 64

t.test(`${WORKERS} workers: discovery complete; dead daemon restarted and counted; deleted port and dead switch named`, { skip }, async (t) => {
  await ownLab(t, BIG)
  const topo = parseTopology(scaleTopologyYaml(BIG, WORKERS))
  const backend = new NetnsBackend()
  await backend.up({ topology: topo, progress: () => {} })
  const cluster = new LabCluster(BIG, topo, backend)
  t.same(await cluster.health(), { problems: [], warnings: [] }, 'a fresh lab is healthy')

  // Every port hears every other port of its VLAN, nothing else, in the
  // upstream-format files `discover --out` writes.
  const out = await mkdtemp(join(tmpdir(), 'ptplab-scale-l2-'))
  t.teardown(() => rm(out, { recursive: true, force: true }))
  t.equal(await quietly(() => cmdDiscover({ name: BIG, out })), 0, 'discover --out exits 0')
  const reports = await loadL2Dir(out)
  t.equal(reports.size, WORKERS, 'one report per worker')
  const ports = allPorts(topo)
  const vlanOf = (p: (typeof ports)[number]) => linkOf(topo, p.node, p.name)!.vlan
  const wrong: string[] = []
  for (const p of ports) {
    const want = ports.filter((q) => q !== p && vlanOf(q) === vlanOf(p)).map((q) => macFor(topo, q.node, q.index).toUpperCase()).sort()
    const heard = Object.keys(reports.get(p.node)?.[ETHERTYPE_PROBE][p.name]?.Remote ?? {}).sort()
    if (JSON.stringify(heard) !== JSON.stringify(want)) wrong.push(`${p.node}:${p.name} heard ${heard.length} of ${want.length}`)
  }
  t.same(wrong, [], `each of the ${ports.length} ports heard exactly its LAN peers`)

  // The daemon host killed outright (every node's daemon is in it): named
  // while dead (nodes asked late may already see the restarted host), then
  // restarted and counted for every node.
  const victim = 'worker7'
  const before = readSupervisor(BIG)!.daemons[DAEMON_HOST]!
  process.kill(before.pid, 'SIGKILL')
  // Gone for good (its sockets closed), well before the supervisor's 1 s back-off ends.
  await until('the daemon host to be gone', 5000, async () => !existsSync(`/proc/${before.pid}`))
  const dead = await cluster.health()
  t.ok(dead.problems.some((p) => new RegExp(`^${victim}: the daemon does not answer`).test(p)), 'the dead daemon is named')
  await until('the supervisor to restart the daemon host', 30_000, async () => (await backend.restarts(BIG))[victim] === 1 && (await cluster.labNode(victim).ready()).reason !== undefined)
  t.not(readSupervisor(BIG)!.daemons[DAEMON_HOST]!.pid, before.pid, 'a new daemon host process')
  await until('every daemon to answer again', 30_000, async () => (await cluster.health()).problems.length === 0)
  const st = await collectStatus(BIG)
  t.equal(st.healthy, true, 'healthy again')
  t.equal(st.nodes.find((n) => n.node === victim)?.restarts, 1, 'status counts the restart')
  t.ok(st.warnings.includes(`${victim}: the daemon was restarted 1 time by the lab's supervisor`), 'and warns of it')

  // A deleted port (deleting one end of a veth deletes both).
  const gone = { node: 'worker9', port: 'ens1f1' }
  const swp = linkOf(topo, gone.node, gone.port)!.switchPort!
  await run('ip', ['-n', netnsName(BIG, gone.node), 'link', 'del', gone.port])
  t.same((await cluster.health()).problems, [`switch1: ports missing: ${swp}`, `${gone.node}: ports missing: ${gone.port}`], 'both ends named')

  // A dead switch: status and test name it; test changes nothing.
  const vswitchd = Number((await import('node:fs')).readFileSync(join(labPaths(BIG).switchDir, 'ovs-vswitchd.pid'), 'utf8'))
  process.kill(vswitchd, 'SIGKILL')
  const s = await cli(['status', '--name', BIG])
  t.equal(s.code, 1, 'status exits 1')
  t.match(s.stdout, /NOT HEALTHY:\n {2}switch1: ovs-vswitchd is not running/)
  const r = await cli(['test', '--name', BIG, '--mode', 'oc'])
  t.equal(r.code, 1, 'test exits 1 before any test runs')
  t.match(r.stderr, /is not healthy:[\s\S]*switch1: ovs-vswitchd is not running[\s\S]*worker9: ports missing: ens1f1/)
  t.notMatch(r.stderr, /L2 discovery/, 'nothing was probed or applied')

  // State, logs and configs are root's alone; down as another user refuses
  // before it changes anything.
  const { statSync } = await import('node:fs')
  const mode = (f: string) => (statSync(f).mode & 0o777).toString(8)
  t.same(
    [labPaths(BIG).dir, labPaths(BIG).state, labPaths(BIG).nodeLog(victim), join(labPaths(BIG).nodeRun('switch1'), 'ptp4l.0.config')].map(mode),
    ['700', '600', '600', '600'],
    'lab dir 0700; state, a log and a ptp4l config 0600',
  )
  const nobody = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(process.cwd(), 'bin', 'ptplab.js'), 'down', '--name', BIG], { allowFail: true })
  t.equal(nobody.exitCode, 1, 'down as non-root exits 1')
  t.match(nobody.stderr, /ptplab down needs root.*nothing was changed/)
  t.equal((await leftovers(BIG)).dir, true, 'the lab is still there')

  const d = await cli(['down', '--name', BIG])
  t.equal(d.code, 0)
  t.same(await findSupervisors(BIG), [], 'the supervisor is gone')
  t.same(await leftovers(BIG), nothingLeft, 'nothing left')
})

// Two labs tested at the same time: each passes its OC tests (port down/up
// recovery included), and no switch port of either stays FAULTY for long
// after a link flap (it did for fault_reset_interval, 16 s, when a send
// failed after ptp4l had seen the link come back): measured in ptp4l's own
// log times, not in this test's wall time.
t.test('two labs tested at once both pass; switch ports recover from FAULTY at once', { skip }, async (t) => {
  const labs = ['scale-it-a', 'scale-it-b']
  const backend = new NetnsBackend()
  const text = (await import('node:fs')).readFileSync(join(process.cwd(), 'topologies', 'default.yaml'), 'utf8')
  for (const lab of labs) await ownLab(t, lab)
  await Promise.all(labs.map((lab) => backend.up({ topology: parseTopology(text.replace(/^name: .*$/m, `name: ${lab}`)), progress: () => {} })))
  const rs = await Promise.all(labs.map((lab) => cli(['test', '--name', lab, '--mode', 'oc'])))
  for (const [i, r] of rs.entries()) t.equal(r.code, 0, `${labs[i]} passes: ${r.stdout.split('\n').filter((l) => /FAIL|verdict/.test(l)).join('; ')}`)
  for (const lab of labs) {
    const log = (await import('node:fs')).readFileSync(labPaths(lab).nodeLog('switch1'), 'utf8')
    const faulty = new Map<string, number>()
    const long: string[] = []
    for (const m of log.matchAll(/ptp4l\[(\d+\.\d+)\]: \[[^\]]+\] port (\d+): (\w+) to (\w+)/g)) {
      const [at, port, from, to] = [Number(m[1]), m[2]!, m[3], m[4]]
      if (to === 'FAULTY') faulty.set(port, at)
      else if (from === 'FAULTY' && faulty.has(port)) {
        if (at - faulty.get(port)! > 8) long.push(`port ${port} FAULTY for ${(at - faulty.get(port)!).toFixed(1)} s`)
        faulty.delete(port)
      }
    }
    t.same(long, [], `${lab}: no switch port FAULTY for more than 8 s`)
    t.same([...faulty.keys()], [], `${lab}: no switch port left FAULTY`)
  }
  for (const lab of labs) t.equal((await cli(['down', '--name', lab])).code, 0)
})
