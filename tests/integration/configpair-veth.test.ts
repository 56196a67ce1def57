// configpair for real: veth links between two network namespaces made
// here (ptplab-itcp.a / ptplab-itcp.b), addressed by the pid of a process
// inside, by ip-netns name and by path; names, MACs, link state, raw frames
// both ways (AF_PACKET, ethertype 0x88b5, nothing leaves the namespaces),
// nothing in the host namespace. Then real Docker containers (no pull: a
// tiny image imported from host files), the netdevsim refusal on a kernel
// without netdevsim (nothing changed), and scripts/reset-devices' exit 3
// on a kernel without modules. Needs root; skips with the reason otherwise.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { cmdConfigpair } from '../../cli/configpair-command.js'
import { configPair, type NsRef } from '../../lab/links/configpair.js'
import { projectRoot } from '../../lab/paths.js'
import { missingPrograms, run } from '../../lab/sys/run.js'
import { addNetns, deleteNetns } from '../../lab/sys/netns.js'
import { until } from './helpers.js'

const NS_A = 'ptplab-itcp.a'
const NS_B = 'ptplab-itcp.b'
const IMAGE = 'ptplab-itcp-sleep:test'
const CONTAINERS = ['ptplab-itcp-c1', 'ptplab-itcp-c2']

async function skipReason(): Promise<string | false> {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, veth); CI runs as root'
  const missing = await missingPrograms(['ip', 'nsenter', 'python3'])
  if (missing.length) return `missing programs: ${missing.join(', ')} (run scripts/setup.sh)`
  return false
}
const skip = await skipReason()

const sleepers: ChildProcess[] = []
const pids: Record<string, number> = {}

t.before(async () => {
  if (skip) return
  for (const ns of [NS_A, NS_B]) {
    await deleteNetns(ns)
    await addNetns(ns)
    // A process living in the namespace: configpair addresses it by pid.
    const p = spawn('ip', ['netns', 'exec', ns, 'sleep', '300'], { stdio: 'ignore' })
    sleepers.push(p)
    pids[ns] = p.pid!
  }
  // `ip netns exec` execs sleep in place: wait until the pid is in the namespace.
  for (const ns of [NS_A, NS_B])
    await until(`pid in ${ns}`, 5000, async () => (await run('ip', ['netns', 'pids', ns])).stdout.split('\n').includes(String(pids[ns])))
})

t.teardown(async () => {
  if (skip) return
  for (const p of sleepers) p.kill('SIGKILL')
  for (const ns of [NS_A, NS_B]) await deleteNetns(ns)
  await run('docker', ['rm', '-f', ...CONTAINERS], { allowFail: true }).catch(() => undefined)
  await run('docker', ['rmi', IMAGE], { allowFail: true }).catch(() => undefined)
})

interface Link {
  ifname: string
  ifindex: number
  address: string
  operstate: string
  flags: string[]
  link_type?: string
}

const nsPath = (ref: NsRef) => ('pid' in ref ? `/proc/${ref.pid}/ns/net` : 'netns' in ref ? `/run/netns/${ref.netns}` : ref.path)

async function linkIn(ref: NsRef, ifname: string): Promise<Link> {
  const r = await run('nsenter', [`--net=${nsPath(ref)}`, 'ip', '-j', 'link', 'show', 'dev', ifname])
  return (JSON.parse(r.stdout) as Link[])[0]!
}

async function hostLinkNames(): Promise<string[]> {
  const r = await run('ip', ['-j', 'link', 'show'])
  return (JSON.parse(r.stdout) as Link[]).map((l) => l.ifname)
}

// Raw frames with python3's AF_PACKET (the lab's tool for raw frames):
// `recv` waits for a 0x88b5 frame from SRC carrying TOKEN, `send` sends a
// few broadcast ones.
const FRAMES_PY = `
import socket, sys, time
role, ifname, src, token = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3].replace(':', '')), sys.argv[4].encode()
ETH = 0x88b5
if role == 'recv':
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH))
    s.bind((ifname, 0))
    s.settimeout(0.2)
    print('ready', flush=True)
    end = time.time() + 5
    while time.time() < end:
        try:
            f = s.recv(2048)
        except socket.timeout:
            continue
        if f[6:12] == src and token in f[14:]:
            print('got', flush=True)
            sys.exit(0)
    sys.exit(1)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
frame = b'\\xff' * 6 + src + ETH.to_bytes(2, 'big') + token.ljust(46, b'\\0')
for _ in range(5):
    s.send(frame)
    time.sleep(0.1)
`

// Does `to`'s interface receive a frame sent from `from`'s interface?
async function frameCrosses(from: { ns: NsRef; ifname: string; mac: string }, to: { ns: NsRef; ifname: string }): Promise<boolean> {
  const token = `ptplab-itcp-${Math.random().toString(36).slice(2, 10)}`
  const recv = spawn('nsenter', [`--net=${nsPath(to.ns)}`, 'python3', '-c', FRAMES_PY, 'recv', to.ifname, from.mac, token], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const done = new Promise<number>((r) => recv.on('close', (c) => r(c ?? 1)))
  await new Promise<void>((resolve, reject) => {
    recv.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve())
    void done.then(() => reject(new Error('receiver exited before it was ready')))
  })
  await run('nsenter', [`--net=${nsPath(from.ns)}`, 'python3', '-c', FRAMES_PY, 'send', from.ifname, from.mac, token])
  return (await done) === 0
}

async function checkLink(
  t: Test,
  a: { ns: NsRef; ifname: string; mac: string },
  b: { ns: NsRef; ifname: string; mac: string },
) {
  for (const end of [a, b]) {
    const l = await until(`${end.ifname} up`, 5000, async () => {
      const x = await linkIn(end.ns, end.ifname)
      return x.operstate === 'UP' && x
    })
    t.equal(l.address, end.mac, `${end.ifname} has MAC ${end.mac}`)
    t.ok(l.flags.includes('UP') && l.flags.includes('LOWER_UP'), `${end.ifname} is UP with carrier`)
    t.equal(l.link_type, 'ether')
  }
  t.ok(await frameCrosses(a, b), `a frame from ${a.ifname} arrives on ${b.ifname}`)
  t.ok(await frameCrosses(b, a), `a frame from ${b.ifname} arrives on ${a.ifname}`)
}

t.test('veth between two namespaces given by pid', { skip }, async (t) => {
  const before = await hostLinkNames()
  const ns1 = { pid: pids[NS_A]! }
  const ns2 = { pid: pids[NS_B]! }
  const r = await configPair({ kind: 'veth', id1: 10, id2: 11, ifname1: 'ens1f0', ns1, ns2 })
  t.same(r.created.map((e) => [e.ifname, e.mac, e.ns]), [
    ['ens1f0', '00:11:22:33:0a:0b', `pid ${ns1.pid}`],
    ['ens1f0', '00:11:22:33:0b:0a', `pid ${ns2.pid}`],
  ])
  // The pid's namespace is the named one.
  t.equal((await run('ip', ['-n', NS_A, '-j', 'link', 'show', 'dev', 'ens1f0'])).exitCode, 0, 'end 1 is in ptplab-itcp.a')
  t.equal((await run('ip', ['-n', NS_B, '-j', 'link', 'show', 'dev', 'ens1f0'])).exitCode, 0, 'end 2 is in ptplab-itcp.b')
  await checkLink(t, { ns: ns1, ifname: 'ens1f0', mac: '00:11:22:33:0a:0b' }, { ns: ns2, ifname: 'ens1f0', mac: '00:11:22:33:0b:0a' })
  const after = await hostLinkNames()
  t.same(after.filter((n) => !before.includes(n) && (n === 'ens1f0' || n.startsWith('cp'))), [], 'nothing new in the host namespace')
  t.notOk(after.includes('ens1f0'), 'no ens1f0 in the host namespace')
})

t.test('veth between namespaces given by ip-netns name and by path, ifname2', { skip }, async (t) => {
  const before = await hostLinkNames()
  const r = await configPair({ kind: 'veth', id1: 12, id2: 13, ifname1: 'ens2f0', ifname2: 'swp2', ns1: { netns: NS_A }, ns2: { netns: NS_B } })
  t.same(r.created.map((e) => [e.ifname, e.ns]), [
    ['ens2f0', `netns ${NS_A}`],
    ['swp2', `netns ${NS_B}`],
  ])
  await checkLink(t, { ns: { netns: NS_A }, ifname: 'ens2f0', mac: '00:11:22:33:0c:0d' }, { ns: { netns: NS_B }, ifname: 'swp2', mac: '00:11:22:33:0d:0c' })
  await configPair({ kind: 'veth', id1: 14, id2: 15, ifname1: 'ens3f0', ns1: { path: `/run/netns/${NS_A}` }, ns2: { path: `/proc/${pids[NS_B]}/ns/net` } })
  await checkLink(t, { ns: { netns: NS_A }, ifname: 'ens3f0', mac: '00:11:22:33:0e:0f' }, { ns: { netns: NS_B }, ifname: 'ens3f0', mac: '00:11:22:33:0f:0e' })
  t.same((await hostLinkNames()).filter((n) => !before.includes(n)), [], 'no new link in the host namespace')
})

t.test('veth: a name already taken is refused and nothing is made', { skip }, async (t) => {
  const snap = async () => [await run('ip', ['-n', NS_A, '-j', 'link', 'show']), await run('ip', ['-n', NS_B, '-j', 'link', 'show'])].map((r) => r.stdout)
  const before = await snap()
  await t.rejects(configPair({ kind: 'veth', id1: 20, id2: 21, ifname1: 'ens9f0', ifname2: 'swp2' /* taken in b */, ns1: { netns: NS_A }, ns2: { netns: NS_B } }), {
    name: 'InputError',
    field: 'ifname2',
  })
  t.same(await snap(), before)
})

t.test('netdevsim on a kernel without it: clear refusal, nothing changed', { skip: skip || (existsSync('/sys/bus/netdevsim') && 'this kernel has netdevsim') }, async (t) => {
  const snap = async () => [await run('ip', ['-j', 'link', 'show']), await run('ip', ['-n', NS_A, '-j', 'link', 'show']), await run('ip', ['-n', NS_B, '-j', 'link', 'show'])].map((r) => r.stdout)
  const before = await snap()
  await t.rejects(configPair({ kind: 'netdevsim', id1: 30, id2: 31, ifname1: 'ens4f0', ns1: { netns: NS_A }, ns2: { netns: NS_B } }), {
    message: 'this kernel has no netdevsim (load the module: modprobe netdevsim; needs a VM kernel with CONFIG_NETDEVSIM)',
  })
  t.same(await snap(), before, 'host and lab namespaces unchanged')
  t.notOk(existsSync('/sys/bus/netdevsim'))
})

// The built program, as users call it.
const SCRIPT = join(projectRoot(), 'scripts', 'configpair')
const built = existsSync(join(projectRoot(), 'dist', 'scripts', 'configpair.js'))
function script(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(SCRIPT, args, { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    ),
  )
}

t.test('scripts/configpair: help, exit 2 on bad input, exit 1 for netdevsim here, veth works', { skip: skip || (!built && 'not built (npm run build)') }, async (t) => {
  const help = await script(['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /usage: configpair \[options\] ID1 ID2 IFNAME CLK1 CLK2 CONTAINER1 CONTAINER2 \[PCI1 PCI2\]/)
  const bad = await script(['--kind', 'veth', '1', '2', 'this-name-is-too-long', '-', '-', `netns:${NS_A}`, `netns:${NS_B}`])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /configpair: error: IFNAME: invalid interface name "this-name-is-too-long"/)
  const gone = await script(['--kind', 'veth', '1', '2', 'p1', '-', '-', 'netns:ptplab-itcp.none', `netns:${NS_B}`])
  t.equal(gone.code, 2)
  t.match(gone.stderr, /CONTAINER1: network namespace "ptplab-itcp.none" does not exist/)
  if (!existsSync('/sys/bus/netdevsim')) {
    const nd = await script(['40', '41', 'ens5f0', '-', '-', `netns:${NS_A}`, `netns:${NS_B}`])
    t.equal(nd.code, 1)
    t.match(nd.stderr, /this kernel has no netdevsim/)
  }
  const ok = await script(['--kind', 'veth', '--json', '42', '43', 'ens6f0', '1', '2', `netns:${NS_A}`, `pid:${pids[NS_B]}`, '0000:1f:06.0', '0000:1f:09.2'])
  t.equal(ok.code, 0, ok.stderr)
  t.same((JSON.parse(ok.stdout) as { created: Array<{ mac: string }> }).created.map((e) => e.mac), ['00:11:22:33:2a:2b', '00:11:22:33:2b:2a'])
  t.equal((await linkIn({ netns: NS_A }, 'ens6f0')).address, '00:11:22:33:2a:2b')
})

// Real containers without a registry: an image of three host files
// (sleep and its libc), imported, run with --network none.
const IMAGE_FILES = ['usr/bin/sleep', 'lib/x86_64-linux-gnu/libc.so.6', 'lib64/ld-linux-x86-64.so.2']
async function dockerSkip(): Promise<string | false> {
  if (skip) return skip
  if ((await missingPrograms(['docker', 'tar'])).length) return 'no docker CLI'
  if (!IMAGE_FILES.every((f) => existsSync(`/${f}`))) return 'host files for the test image not found (x86-64 Debian layout expected)'
  const v = await run('docker', ['version', '--format', '{{.Server.Version}}'], { allowFail: true, timeoutMs: 10_000 }).catch(() => undefined)
  if (!v || v.exitCode !== 0) return 'no Docker engine answers'
  try {
    await import('dockerode' as string)
  } catch {
    return 'dockerode is not installed'
  }
  return false
}
const dockerWhy = await dockerSkip()

t.test('veth between two Docker containers, named as upstream does', { skip: dockerWhy }, async (t) => {
  await run('docker', ['rm', '-f', ...CONTAINERS], { allowFail: true })
  // tar -h stores the files behind the symlinks (merged /usr).
  await run('bash', ['-c', `set -o pipefail; tar -C / -ch ${IMAGE_FILES.join(' ')} | docker import - ${IMAGE}`], { timeoutMs: 60_000 })
  for (const c of CONTAINERS) await run('docker', ['run', '-d', '--network', 'none', '--name', c, IMAGE, '/usr/bin/sleep', '300'])
  let out = ''
  const code = await cmdConfigpair(['--kind', 'veth', '16', '17', 'ens1f0', '-', '-', ...CONTAINERS], { out: (s) => void (out += s) })
  t.equal(code, 0)
  t.match(out, /end 1: ens1f0 00:11:22:33:10:11 in pid \d+/)
  const pid = async (c: string) => Number((await run('docker', ['inspect', '--format', '{{.State.Pid}}', c])).stdout.trim())
  const c1 = { pid: await pid(CONTAINERS[0]!) }
  const c2 = { pid: await pid(CONTAINERS[1]!) }
  await checkLink(t, { ns: c1, ifname: 'ens1f0', mac: '00:11:22:33:10:11' }, { ns: c2, ifname: 'ens1f0', mac: '00:11:22:33:11:10' })
  await t.rejects(cmdConfigpair(['--kind', 'veth', '18', '19', 'ens2f0', '-', '-', 'ptplab-itcp-none', CONTAINERS[1]!], { out: () => {} }), {
    name: 'InputError',
    field: 'CONTAINER1',
    message: /no such Docker container "ptplab-itcp-none"/,
  })
  await run('docker', ['rm', '-f', ...CONTAINERS])
})

t.test('scripts/reset-devices on a kernel without modules: exit 3 and why', { skip: skip || (existsSync('/proc/modules') && 'this kernel supports modules') }, async (t) => {
  const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
    execFile(join(projectRoot(), 'scripts', 'reset-devices'), [], (err, _o, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr }),
    ),
  )
  t.equal(r.code, 3)
  t.match(r.stderr, /reset-devices: cannot reload netdevsim and openvswitch: this kernel has no loadable module support \(\/proc\/modules is absent\)/)
  t.match(r.stderr, /need a VM kernel with module support/)
})
