// The daemon host (every namespace-lab node's daemon in one process): its
// spec as the lab writes it, each node's flags parsed without exiting, NIC
// facts read from outside the node's namespace, the shared NIC-discovery
// turn, and the host program refusing a bad spec by file and field.
import t from 'tap'
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { daemonHostSpec } from '../../lab/backends/netns/daemon-host.js'
import { limiter } from '../../lab/limit.js'
import { daemonHostEntry, labPaths, netnsName } from '../../lab/paths.js'
import { parseEthtoolT } from '../../lab/ptp/ethtool.js'
import { scaleTopologyYaml } from '../../lab/topology/generate.js'
import { parseTopology } from '../../lab/topology/index.js'
import { linksOfIpJson, netnsNicFacts } from '../../daemon/nics.js'
import { parseDaemonFlags } from '../../daemon/options.js'
import { DaemonOutput, type Sink } from '../../daemon/output.js'

// `ip -j link show` in a lab node: lo, a veth with carrier, one without.
const IP_JSON = JSON.stringify([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP'], operstate: 'UNKNOWN' },
  { ifindex: 5, link_index: 4, ifname: 'ens1f1', flags: ['BROADCAST', 'UP', 'LOWER_UP'], operstate: 'UP', link_netnsid: 0 },
  { ifindex: 3, link_index: 2, ifname: 'ens1f0', flags: ['NO-CARRIER', 'BROADCAST', 'UP'], operstate: 'LOWERLAYERDOWN' },
])

t.test('links from ip -j: no lo, sorted, operstate as sysfs spells it; garbage gives none', async (t) => {
  t.same(linksOfIpJson(IP_JSON), [
    { name: 'ens1f0', operstate: 'lowerlayerdown' },
    { name: 'ens1f1', operstate: 'up' },
  ])
  for (const bad of ['', 'not json', '{}', '[1, null, {"ifname": 3}]']) t.same(linksOfIpJson(bad), [], JSON.stringify(bad))
})

t.test('NIC facts from outside the namespace: one ip call, then ethtool -T per port inside it', async (t) => {
  const asked: string[][] = []
  const ethtool = readFileSync(new URL('../fixtures/ethtool/lo-6.1.txt', import.meta.url), 'utf8')
  const facts = await netnsNicFacts('ptplab-x.w1', async (argv) => (asked.push(argv), argv[1] === '-n' ? IP_JSON : ethtool))
  t.same(asked[0], ['ip', '-n', 'ptplab-x.w1', '-j', 'link', 'show'])
  t.same(asked.slice(1).sort(), [
    ['ip', 'netns', 'exec', 'ptplab-x.w1', 'ethtool', '-T', 'ens1f0'],
    ['ip', 'netns', 'exec', 'ptplab-x.w1', 'ethtool', '-T', 'ens1f1'],
  ])
  t.same(facts.map((f) => [f.name, f.operstate]), [['ens1f0', 'lowerlayerdown'], ['ens1f1', 'up']])
  t.equal(parseEthtoolT(facts[0]!.ethtoolT).hardwareTransmit, false, 'a software-only port has no hardware clock')
})

t.test('the spec the lab writes: every node, its namespace, its own flags and log file', async (t) => {
  const topo = parseTopology(scaleTopologyYaml('hs', 4))
  const nodes = [...topo.nodes.map((n) => n.name), topo.switch!.name]
  const spec = daemonHostSpec(topo, nodes, 'shared')
  t.equal(spec.nodes.length, nodes.length)
  for (const [i, n] of nodes.entries()) {
    const f = parseDaemonFlags(spec.nodes[i]!.argv)
    t.equal(spec.nodes[i]!.netns, netnsName('hs', n))
    t.equal(f.nodeName, n)
    t.equal(f.logFile, labPaths('hs').nodeLog(n))
    t.equal(f.readyListen, `unix:${labPaths('hs').readySock(n)}`)
    t.equal(f.nicDiscovery, n !== topo.switch!.name, `${n}: NIC discovery only on cluster nodes`)
    t.equal(f.sharedClock, true)
  }
  const ind = parseDaemonFlags(daemonHostSpec(topo, ['worker1'], 'independent').nodes[0]!.argv)
  t.equal(ind.sharedClock, false)
  t.match(ind.clockState, /nodes\/worker1\//)
})

t.test('flags for one node: defaults, and errors thrown instead of exiting', async (t) => {
  const f = parseDaemonFlags(['--node-name', 'a'])
  t.same([f.updateInterval, f.pmcInterval, f.logMaxBytes, f.nicDiscovery, f.watch], [30, 5, 10 * 1024 ** 2, true, false])
  t.equal(parseDaemonFlags(['--log-max-bytes', '512Ki']).logMaxBytes, 512 * 1024)
  t.throws(() => parseDaemonFlags(['--bogus']), /unknown option '--bogus'/)
  t.throws(() => parseDaemonFlags(['--update-interval', '0']), /positive number of seconds/)
  t.throws(() => parseDaemonFlags(['--log-max-bytes', '1T']), /size in bytes/)
})

t.test('limiter: never more than its limit at once, every call done', async (t) => {
  const turn = limiter(2)
  let active = 0
  let most = 0
  const done = await Promise.all(
    Array.from({ length: 7 }, (_, i) =>
      turn(async () => {
        most = Math.max(most, ++active)
        await new Promise((r) => setTimeout(r, 2))
        active--
        return i
      }),
    ),
  )
  t.same(done, [0, 1, 2, 3, 4, 5, 6])
  t.equal(most, 2)
})

t.test('a hosted node has only its file: both kinds of lines go there', async (t) => {
  const lines: string[] = []
  const file: Sink = { name: 'file', write: (s) => void lines.push(s) }
  const out = new DaemonOutput({ file }, (m) => `stamp ${m}`)
  out.out('ptp4l[1.0]: line')
  out.log('own message')
  t.same(lines, ['ptp4l[1.0]: line\n', 'own message\n'])
  t.same(out.troubles(), [])
})

const host = (spec: string) =>
  new Promise<{ code: number; stderr: string }>((resolve) =>
    execFile(process.execPath, [daemonHostEntry(), '--spec', spec], { timeout: 10_000 }, (e, _o, stderr) => resolve({ code: (e as { code?: number } | null)?.code ?? 0, stderr })),
  )
const skip = existsSync(daemonHostEntry()) ? false : 'daemon host not built (npx tsc -p tsconfig.json)'

t.test('the host refuses a bad spec with exit 2, naming the file and field, and starts nothing', { skip }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ptplab-host-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const spec = join(dir, 'spec.json')
  const cases: Array<[unknown, RegExp]> = [
    [{ nodes: [] }, /spec\.json: nodes: expected a non-empty list/],
    [{ nodes: [{ netns: '../etc', argv: [] }] }, /nodes\[0\]\.netns: must be letters/],
    [{ nodes: [{ netns: 'ns1', argv: ['--node-name', 'a', '--bogus'] }] }, /nodes\[0\]\.argv: unknown option '--bogus'/],
    [{ nodes: [{ netns: 'ns1', argv: ['--node-name', 'a'] }] }, /nodes\[0\]\.argv: --log-file is required/],
  ]
  for (const [body, want] of cases) {
    await writeFile(spec, JSON.stringify(body))
    const r = await host(spec)
    t.equal(r.code, 2, JSON.stringify(body))
    t.match(r.stderr, want)
    t.notOk(existsSync(join(dir, 'a')), 'nothing made')
  }
  await writeFile(spec, '{ not json')
  t.match((await host(spec)).stderr, /spec\.json: /)
})
