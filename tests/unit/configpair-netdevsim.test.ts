// configpair's netdevsim path against a fake sysfs tree (this kernel has no
// netdevsim): the exact sysfs writes and commands and their order, mainline
// vs patched new_device formats, refusal before any change without
// netdevsim or link_device, cleanup (del_device) on failure; input
// validation; the veth command sequence; argument parsing of the CLI; and
// scripts/reset-devices with fake module tools.
import { execFile } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { cmdConfigpair, parseConfigpairArgs } from '../../cli/configpair-command.js'
import { configPair, deleteNetdevsim, type PairDeps, type PairSpec } from '../../lab/links/configpair.js'
import { projectRoot } from '../../lab/paths.js'
import { CommandError, type RunResult } from '../../lab/sys/run.js'

const TMP = mkdtempSync(join(tmpdir(), 'ptplab-configpair-'))
t.teardown(() => rmSync(TMP, { recursive: true, force: true }))

let n = 0
// A fresh fake system: sysfs, /proc/4242/ns/net, /run/netns/w1.
function fakeSystem(opts: { netdevsim?: boolean; linkDevice?: boolean; patched?: boolean } = {}) {
  const root = join(TMP, `sys${++n}`)
  const sysfs = join(root, 'sys')
  const bus = join(sysfs, 'bus', 'netdevsim')
  mkdirSync(sysfs, { recursive: true })
  mkdirSync(join(root, 'proc', '4242', 'ns'), { recursive: true })
  writeFileSync(join(root, 'proc', '4242', 'ns', 'net'), '')
  mkdirSync(join(root, 'netns'), { recursive: true })
  writeFileSync(join(root, 'netns', 'w1'), '')
  if (opts.netdevsim !== false) {
    mkdirSync(join(bus, 'devices'), { recursive: true })
    for (const f of ['new_device', 'del_device', ...(opts.linkDevice === false ? [] : ['link_device', 'unlink_device'])])
      writeFileSync(join(bus, f), '')
  }
  if (opts.patched) {
    mkdirSync(join(sysfs, 'module', 'netdevsim', 'parameters'), { recursive: true })
    writeFileSync(join(sysfs, 'module', 'netdevsim', 'parameters', 'pci_bus_nr'), '31\n')
  }
  const ns1 = `${root}/proc/4242/ns/net`
  const ns2 = `${root}/netns/w1`
  const events: string[] = []
  // Every event with the temp root shown as ROOT.
  const log = (s: string) => events.push(s.split(root).join('ROOT'))
  // ifindex of each interface inside each namespace.
  const ifindex: Record<string, number> = { [`${ns1} ens1f0`]: 7, [`${ns2} ens1f0`]: 9, [`${ns2} swp1`]: 9 }
  let failOn: ((argv: string[]) => boolean) | undefined
  let failWrite: ((file: string) => boolean) | undefined
  let makeInterfaces = true
  const taken: Record<string, string[]> = {}

  const run = (async (cmd: string, args: string[], o: { allowFail?: boolean } = {}): Promise<RunResult> => {
    const argv = [cmd, ...args]
    log(`run ${argv.join(' ')}`)
    if (failOn?.(argv)) {
      if (o.allowFail) return { stdout: '', stderr: 'injected failure', exitCode: 1 }
      throw new CommandError(argv, 1, 'injected failure')
    }
    // udev settles after new_device: the kernel's interface is there now.
    if (cmd === 'udevadm' && makeInterfaces) {
      const line = readFileSync(join(bus, 'new_device'), 'utf8').trim()
      const [id, second] = line.split(' ')
      const pci = second?.includes(':') ? second : undefined
      const dir = pci
        ? join(sysfs, 'bus', 'pci', 'devices', pci, 'net', `eni${id}np1`)
        : join(bus, 'devices', `netdevsim${id}`, 'net', `eth${id}`)
      mkdirSync(dir, { recursive: true })
      mkdirSync(join(bus, 'devices', `netdevsim${id}`), { recursive: true })
    }
    if (cmd === 'nsenter' && args.includes('-j')) {
      const path = args[0]!.replace('--net=', '')
      const dev = args.indexOf('dev')
      if (dev < 0) return { stdout: JSON.stringify([{ ifname: 'lo', ifindex: 1 }, ...(taken[path] ?? []).map((x) => ({ ifname: x, ifindex: 3 }))]), stderr: '', exitCode: 0 }
      const name = args[dev + 1]!
      return { stdout: JSON.stringify([{ ifname: name, ifindex: ifindex[`${path} ${name}`] ?? 99 }]), stderr: '', exitCode: 0 }
    }
    return { stdout: '', stderr: '', exitCode: 0 }
  }) as PairDeps['run']

  const writeSysfs = async (file: string, data: string) => {
    log(`write ${file.slice(sysfs.length + 1)} "${data}"`)
    if (failWrite?.(file)) throw Object.assign(new Error(`write ${file}: Invalid argument`), { code: 'EINVAL' })
    writeFileSync(file, data)
    if (file.endsWith('del_device')) rmSync(join(bus, 'devices', `netdevsim${data}`), { recursive: true, force: true })
  }
  const openNs: PairDeps['openNs'] = async (ref) => {
    const fd = 'pid' in ref ? 100 : 101
    log(`open ${'pid' in ref ? `pid ${ref.pid}` : `netns ${ref.netns}`} -> fd ${fd}`)
    return { fd, close: async () => void log(`close fd ${fd}`) }
  }
  const deps: Partial<PairDeps> = { sysfs, run, writeSysfs, openNs, procDir: join(root, 'proc'), netnsDir: join(root, 'netns'), ifaceTimeoutMs: 300 }
  return {
    root,
    sysfs,
    bus,
    deps,
    events,
    ns1,
    ns2,
    taken,
    failOn: (f: (argv: string[]) => boolean) => void (failOn = f),
    failWrite: (f: (file: string) => boolean) => void (failWrite = f),
    noInterfaces: () => void (makeInterfaces = false),
    devices: () => readdirSync(join(bus, 'devices')).sort(),
  }
}

const base = (over: Partial<PairSpec> = {}): PairSpec => ({
  kind: 'netdevsim',
  id1: 1,
  id2: 2,
  ifname1: 'ens1f0',
  ns1: { pid: 4242 },
  ns2: { netns: 'w1' },
  ...over,
})

// What configpair does for one end after new_device (mainline names).
const endSteps = (kernelName: string, target: string, ns: string, mac: string) => [
  'run udevadm settle --timeout=10',
  `run ip link set dev ${kernelName} netns ${target} name ens1f0`,
  `run nsenter --net=${ns} ip link set dev ens1f0 address ${mac}`,
  `run nsenter --net=${ns} ip link set dev ens1f0 up`,
]
const NS1 = 'ROOT/proc/4242/ns/net'
const NS2 = 'ROOT/netns/w1'
const prechecks = [`run nsenter --net=${NS1} ip -j link show`, `run nsenter --net=${NS2} ip -j link show`]
const linkSteps = (line: string) => [
  `run nsenter --net=${NS1} ip -j link show dev ens1f0`,
  `run nsenter --net=${NS2} ip -j link show dev ens1f0`,
  'open pid 4242 -> fd 100',
  'open netns w1 -> fd 101',
  `write bus/netdevsim/link_device "${line}"`,
  'close fd 100',
  'close fd 101',
]

t.test('mainline netdevsim: exact writes and commands, in order', async (t) => {
  const f = fakeSystem()
  const r = await configPair(base(), f.deps)
  t.same(f.events, [
    ...prechecks,
    'write bus/netdevsim/new_device "1 1"',
    ...endSteps('eth1', '4242', NS1, '00:11:22:33:01:02'),
    'write bus/netdevsim/new_device "2 1"',
    ...endSteps('eth2', 'w1', NS2, '00:11:22:33:02:01'),
    ...linkSteps('100:7 101:9'),
  ])
  t.equal(r.kind, 'netdevsim')
  t.equal(r.linkDevice, '100:7 101:9')
  t.same(
    r.created.map((e) => [e.end, e.ifname, e.mac, e.ns, e.ifindex, e.netdevsimId, e.newDevice, e.kernelName]),
    [
      [1, 'ens1f0', '00:11:22:33:01:02', 'pid 4242', 7, 1, '1 1', 'eth1'],
      [2, 'ens1f0', '00:11:22:33:02:01', 'netns w1', 9, 2, '2 1', 'eth2'],
    ],
  )
  t.equal(readFileSync(join(f.bus, 'link_device'), 'utf8'), '100:7 101:9')
})

t.test('the real sysfs writer writes each line once, as `echo LINE > FILE`', async (t) => {
  const f = fakeSystem()
  const { writeSysfs: _recorded, ...deps } = f.deps
  await configPair(base({ ifname2: 'swp1' }), deps)
  t.equal(readFileSync(join(f.bus, 'new_device'), 'utf8'), '2 1', 'the last new_device write')
  t.equal(readFileSync(join(f.bus, 'link_device'), 'utf8'), '100:7 101:9')
  t.ok(f.events.includes(`run ip link set dev eth2 netns w1 name swp1`), 'end 2 gets --ifname2')
})

t.test('IDs become two hex digits of the default MACs; explicit MACs win', async (t) => {
  const f = fakeSystem()
  const r = await configPair(base({ id1: 10, id2: 171, mac2: '02:AA:BB:CC:DD:EE' }), f.deps)
  t.same(r.created.map((e) => e.mac), ['00:11:22:33:0a:ab', '02:aa:bb:cc:dd:ee'])
})

t.test("patched (upstream's DKMS) netdevsim: new_device gets \"ID PCI CLK\"", async (t) => {
  const f = fakeSystem({ patched: true })
  const r = await configPair(base({ pci1: '0000:1f:01.0', pci2: '0000:1f:08.0', clk1: 1, clk2: 8 }), f.deps)
  t.same(f.events, [
    ...prechecks,
    'write bus/netdevsim/new_device "1 0000:1f:01.0 1"',
    ...endSteps('eni1np1', '4242', NS1, '00:11:22:33:01:02'),
    'write bus/netdevsim/new_device "2 0000:1f:08.0 8"',
    ...endSteps('eni2np1', 'w1', NS2, '00:11:22:33:02:01'),
    ...linkSteps('100:7 101:9'),
  ])
  t.same(r.created.map((e) => e.newDevice), ['1 0000:1f:01.0 1', '2 0000:1f:08.0 8'])
})

t.test('patched: an interface already under the PCI address (a real NIC) is never taken', async (t) => {
  const f = fakeSystem({ patched: true })
  mkdirSync(join(f.sysfs, 'bus', 'pci', 'devices', '0000:1f:01.0', 'net', 'enp31s1'), { recursive: true })
  await configPair(base({ pci1: '0000:1f:01.0', pci2: '0000:1f:08.0', clk1: 1, clk2: 8 }), f.deps)
  t.ok(f.events.includes('run ip link set dev eni1np1 netns 4242 name ens1f0'))
  t.notOk(f.events.some((e) => e.includes('enp31s1')), 'the real NIC is left alone')
})

t.test('PCI/CLK on a module without pci_bus_nr: refused before any change, unless forced', async (t) => {
  const f = fakeSystem()
  const spec = base({ pci1: '0000:1f:01.0', pci2: '0000:1f:08.0', clk1: 1, clk2: 8 })
  await t.rejects(configPair(spec, f.deps), /out-of-tree netdevsim.*pci_bus_nr/s)
  t.same(f.events, [], 'no command, no write')
  await configPair({ ...spec, netdevsimFormat: 'patched' }, f.deps)
  t.ok(f.events.includes('write bus/netdevsim/new_device "1 0000:1f:01.0 1"'))
})

t.test('no netdevsim: clear refusal before any command or write', async (t) => {
  const f = fakeSystem({ netdevsim: false })
  await t.rejects(configPair(base(), f.deps), {
    message: 'this kernel has no netdevsim (load the module: modprobe netdevsim; needs a VM kernel with CONFIG_NETDEVSIM)',
  })
  t.same(f.events, [])
  t.notOk(existsSync(join(f.sysfs, 'bus')), 'sysfs untouched')
  await t.rejects(deleteNetdevsim([1], f.deps), /no netdevsim/)
})

t.test('netdevsim without link_device: clear refusal before any command or write', async (t) => {
  const f = fakeSystem({ linkDevice: false })
  await t.rejects(configPair(base(), f.deps), {
    message: "netdevsim without link_device: Linux >= 6.9 or upstream's DKMS module needed",
  })
  t.same(f.events, [])
  t.equal(readFileSync(join(f.bus, 'new_device'), 'utf8'), '')
  t.same(f.devices(), [])
})

t.test('a failure after the first device: del_device for what was made, newest first', async (t) => {
  const f = fakeSystem()
  f.failOn((argv) => argv.join(' ') === 'ip link set dev eth2 netns w1 name ens1f0')
  await t.rejects(configPair(base(), f.deps), /injected failure/)
  t.same(f.events.slice(-3), [
    'run ip link set dev eth2 netns w1 name ens1f0',
    'write bus/netdevsim/del_device "2"',
    'write bus/netdevsim/del_device "1"',
  ])
  t.same(f.devices(), [], 'both devices gone')
})

t.test('link_device refused: both devices deleted, namespace fds closed', async (t) => {
  const f = fakeSystem()
  f.failWrite((file) => file.endsWith('link_device'))
  await t.rejects(configPair(base(), f.deps), /Invalid argument/)
  t.same(f.events.slice(-5), [
    'write bus/netdevsim/link_device "100:7 101:9"',
    'close fd 100',
    'close fd 101',
    'write bus/netdevsim/del_device "2"',
    'write bus/netdevsim/del_device "1"',
  ])
  t.same(f.devices(), [])
})

t.test('no interface appears: the device is deleted and the error says where it looked', async (t) => {
  const f = fakeSystem()
  f.noInterfaces()
  await t.rejects(configPair(base(), f.deps), /netdevsim device 1 was created but no interface appeared under .*netdevsim1\/net within 300 ms/)
  t.same(f.events.slice(-2), ['run udevadm settle --timeout=10', 'write bus/netdevsim/del_device "1"'])
})

t.test('a failing cleanup is reported with the original error', async (t) => {
  const f = fakeSystem()
  f.failOn((argv) => argv.includes('up') && argv.includes(`--net=${f.ns2}`))
  f.failWrite((file) => file.endsWith('del_device'))
  await t.rejects(configPair(base(), f.deps), /injected failure\ncleanup failed: del_device 2: .*; del_device 1: /)
})

t.test('checks before any write: existing device IDs, names taken in the namespaces', async (t) => {
  const f = fakeSystem()
  mkdirSync(join(f.bus, 'devices', 'netdevsim2'))
  await t.rejects(configPair(base(), f.deps), { name: 'InputError', field: 'id2', message: /netdevsim device 2 already exists/ })
  rmSync(join(f.bus, 'devices', 'netdevsim2'), { recursive: true })
  f.taken[f.ns2] = ['ens1f0']
  await t.rejects(configPair(base(), f.deps), { name: 'InputError', field: 'ifname2', message: /netns w1 already has an interface named ens1f0/ })
  t.notOk(f.events.some((e) => e.startsWith('write')), 'nothing written')
})

t.test('input errors name the field and change nothing', async (t) => {
  const f = fakeSystem()
  const bad: Array<[Partial<PairSpec> | Record<string, unknown>, string, RegExp]> = [
    [{ ifname1: 'much-too-long-name0' }, 'ifname1', /must be 1..15 characters/],
    [{ ifname1: '-x' }, 'ifname1', /must not start with '-'/],
    [{ ifname1: 'a/b' }, 'ifname1', /invalid interface name/],
    [{ ifname2: 'bad name' }, 'ifname2', /invalid interface name/],
    [{ id1: 256 }, 'id1', /0..255/],
    [{ id2: -1 }, 'id2', /0..255/],
    [{ id1: 1.5 }, 'id1', /0..255/],
    [{ id2: 1 }, 'id2', /different IDs/],
    [{ mac1: '00:11:22:33:44' }, 'mac1', /six hex bytes/],
    [{ mac2: '01:00:5e:00:00:01' }, 'mac2', /multicast/],
    [{ mac1: '00:00:00:00:00:00' }, 'mac1', /all zeros/],
    [{ pci1: '1f:01.0', pci2: '0000:1f:02.0', clk1: 1, clk2: 2 }, 'pci1', /DOMAIN:BUS:DEVICE.FUNCTION/],
    [{ pci1: '0000:1f:01.0', pci2: '0000:1f:02.0', clk1: 1 }, 'clk2', /both ends or for none/],
    [{ clk1: -3, clk2: 1, pci1: '0000:1f:01.0', pci2: '0000:1f:02.0' }, 'clk1', /non-negative integer/],
    [{ netdevsimFormat: 'patched' }, 'pci1', /needs PCI addresses/],
    [{ pci1: '0000:1f:01.0', pci2: '0000:1f:02.0', clk1: 1, clk2: 2, netdevsimFormat: 'mainline' }, 'pci1', /leave them out/],
    [{ kind: 'veth', pci1: '0000:1f:01.0' }, 'pci1', /only for netdevsim/],
    [{ kind: 'bond' as never }, 'kind', /veth or netdevsim/],
    [{ ns1: { pid: 0 } }, 'ns1', /positive integer/],
    [{ ns1: { pid: 999999 } }, 'ns1', /process 999999 does not exist/],
    [{ ns2: { netns: 'nope' } }, 'ns2', /"nope" does not exist/],
    [{ ns2: { netns: '../x' } }, 'ns2', /invalid network namespace name/],
    [{ ns2: { path: '/tmp/ns' } }, 'ns2', /unsupported namespace path/],
    [{ ns1: { netns: 'w1' }, ns2: { path: '/run/netns/w1' } }, 'ifname2', /same namespace/],
  ]
  for (const [over, field, message] of bad) {
    const spec = { ...base(), ...over } as PairSpec
    await t.rejects(configPair(spec, f.deps), { name: 'InputError', field, message }, `${JSON.stringify(over)} -> ${field}`)
  }
  t.notOk(f.events.some((e) => e.startsWith('write')), 'nothing written')
})

t.test('namespace paths map to a pid or an ip netns name', async (t) => {
  const f = fakeSystem()
  // /proc/PID/ns/net -> pid (resolved under the fake /proc), /run/netns/NAME -> name.
  await configPair(base({ ns1: { path: '/proc/4242/ns/net' }, ns2: { path: '/var/run/netns/w1' } }), f.deps)
  t.ok(f.events.includes('run ip link set dev eth1 netns 4242 name ens1f0'))
  t.ok(f.events.includes('run ip link set dev eth2 netns w1 name ens1f0'))
})

t.test('veth: one atomic create with names and MACs in place, then up', async (t) => {
  const f = fakeSystem({ netdevsim: false })
  const r = await configPair(base({ kind: 'veth', id1: 10, id2: 11, ifname2: 'swp1' }), f.deps)
  t.same(f.events, [
    `run nsenter --net=${NS1} ip -j link show`,
    `run nsenter --net=${NS2} ip -j link show`,
    'run ip link add name ens1f0 netns 4242 address 00:11:22:33:0a:0b type veth peer name swp1 netns w1 address 00:11:22:33:0b:0a',
    `run nsenter --net=${NS1} ip link set dev ens1f0 up`,
    `run nsenter --net=${NS2} ip link set dev swp1 up`,
    `run nsenter --net=${NS1} ip -j link show dev ens1f0`,
    `run nsenter --net=${NS2} ip -j link show dev swp1`,
  ])
  t.same(r.created.map((e) => [e.ifname, e.mac, e.ns, e.ifindex]), [
    ['ens1f0', '00:11:22:33:0a:0b', 'pid 4242', 7],
    ['swp1', '00:11:22:33:0b:0a', 'netns w1', 9],
  ])
})

t.test('veth: end2Down leaves the far end down (an unplugged cable)', async (t) => {
  const f = fakeSystem({ netdevsim: false })
  await configPair(base({ kind: 'veth', id1: 10, id2: 11, ifname2: 'u0', end2Down: true }), f.deps)
  t.ok(f.events.includes(`run nsenter --net=${NS1} ip link set dev ens1f0 up`), 'the port is up')
  t.notOk(f.events.some((e) => e.includes('ip link set dev u0 up')), 'the far end is never brought up')
})

t.test('veth: a failure after the create deletes the pair', async (t) => {
  const f = fakeSystem({ netdevsim: false })
  f.failOn((argv) => argv.includes('up') && argv.includes(`--net=${f.ns2}`))
  await t.rejects(configPair(base({ kind: 'veth' }), f.deps), /injected failure/)
  t.same(f.events.slice(-2), [`run nsenter --net=${NS2} ip link set dev ens1f0 up`, `run nsenter --net=${NS1} ip link del dev ens1f0`])
})

t.test('deleteNetdevsim: del_device for the devices that exist', async (t) => {
  const f = fakeSystem()
  mkdirSync(join(f.bus, 'devices', 'netdevsim5'))
  t.same(await deleteNetdevsim([5, 6], f.deps), { deleted: [5], absent: [6] })
  t.same(f.events, ['write bus/netdevsim/del_device "5"'])
  await t.rejects(deleteNetdevsim([-1], f.deps), { name: 'InputError' })
})

t.test('CLI arguments: upstream positional order, prefixes, kinds', async (t) => {
  const seed = parseConfigpairArgs(['1', '2', 'ens1f0', '1', '8', 'kind-worker', 'switch1', '0000:1f:01.0', '0000:1f:08.0'])
  t.same(seed.spec, { kind: 'netdevsim', id1: 1, id2: 2, ifname1: 'ens1f0', clk1: 1, clk2: 8, pci1: '0000:1f:01.0', pci2: '0000:1f:08.0' })
  t.same([seed.ns1, seed.ns2], [{ container: 'kind-worker' }, { container: 'switch1' }])
  const v = parseConfigpairArgs(['--kind', 'veth', '--ifname2', 'swp1', '3', '4', 'ens1f1', '1', '7', 'pid:77', 'netns:lab.sw', '0000:1f:01.1', '0000:1f:07.0'])
  t.same(v.spec, { kind: 'veth', id1: 3, id2: 4, ifname1: 'ens1f1', ifname2: 'swp1' }, 'CLK and PCI are ignored for veth')
  t.same([v.ns1, v.ns2], [{ pid: 77 }, { netns: 'lab.sw' }])
  const m = parseConfigpairArgs(['5', '6', 'p1', '-', '-', '/proc/9/ns/net', '/run/netns/x'])
  t.same(m.spec, { kind: 'netdevsim', id1: 5, id2: 6, ifname1: 'p1' }, '- is no clock, absent PCI is none')
  t.same([m.ns1, m.ns2], [{ path: '/proc/9/ns/net' }, { path: '/run/netns/x' }])
  t.equal(parseConfigpairArgs(['--help']).help, true)
  const bad: Array<[string[], RegExp]> = [
    [['1', '2', 'x'], /got 3 argument/],
    [['1', '2', 'x', '-', '-', 'a', 'b', '0000:1f:01.0'], /got 8 argument/],
    [['1', '2', 'x', '-', '-', 'a', 'b', 'p', 'q', '0'], /WPC/],
    [['--kind', 'bond', '1', '2', 'x', '-', '-', 'a', 'b'], /unknown link kind/],
    [['--frobnicate', '1'], /Unknown option '--frobnicate'/],
    [['one', '2', 'x', '-', '-', 'a', 'b'], /ID1: device ID: expected a number/],
    [['1', '2', 'x', 'c', '-', 'a', 'b'], /CLK1: clock ID/],
    [['1', '2', 'x', '-', '-', 'pid:abc', 'b'], /CONTAINER1: pid:PID needs a positive number/],
    [['1', '2', 'x', '-', '-', 'a', 'netns:'], /CONTAINER2: netns:NAME needs a name/],
  ]
  for (const [args, msg] of bad) t.throws(() => parseConfigpairArgs(args), { name: 'InputError', message: msg }, args.join(' '))
})

t.test('cmdConfigpair: runs the library, names argument fields in errors, prints what it made', async (t) => {
  const f = fakeSystem()
  let out = ''
  const resolved: string[] = []
  const opts = {
    deps: f.deps,
    out: (s: string) => void (out += s),
    resolveContainer: async (name: string) => {
      resolved.push(name)
      return name === 'kind-worker' ? { pid: 4242 } : { netns: 'w1' }
    },
  }
  t.equal(await cmdConfigpair(['1', '2', 'ens1f0', '-', '-', 'kind-worker', 'switch1'], opts), 0)
  t.same(resolved, ['kind-worker', 'switch1'])
  t.match(out, /^netdevsim link \(link_device "100:7 101:9"\):\n  end 1: ens1f0 00:11:22:33:01:02 in pid 4242, ifindex 7, netdevsim1 \(new_device "1 1"\)\n/)
  await t.rejects(cmdConfigpair(['3', '4', 'much-too-long-name0', '-', '-', 'pid:4242', 'netns:w1'], opts), {
    name: 'InputError',
    field: 'IFNAME',
  })
  await t.rejects(cmdConfigpair(['3', '4', 'p1', '-', '-', 'pid:4242', 'netns:gone'], opts), { name: 'InputError', field: 'CONTAINER2' })
  out = ''
  t.equal(await cmdConfigpair(['--help'], opts), 0)
  t.match(out, /ID1 ID2 IFNAME CLK1 CLK2 CONTAINER1 CONTAINER2 \[PCI1 PCI2\]/)
  t.match(out, /--kind KIND\s+netdevsim \(default, as upstream\) or veth/)
})

// ------------------------------------------------------------ reset-devices

const RESET = join(projectRoot(), 'scripts', 'reset-devices')

function resetDevices(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile('bash', [RESET, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    ),
  )
}

// Fake modinfo/modprobe/udevadm on PATH, a fake /proc/modules and module dir.
function fakeModules(opts: { patched: boolean; loaded: string[] }) {
  const dir = join(TMP, `mods${++n}`)
  const bin = join(dir, 'bin')
  mkdirSync(bin, { recursive: true })
  mkdirSync(join(dir, 'lib-modules'))
  writeFileSync(join(dir, 'modules'), opts.loaded.map((m) => `${m} 16384 0 - Live 0x0\n`).join(''))
  const script = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`)
    chmodSync(join(bin, name), 0o755)
  }
  script(
    'modinfo',
    `if [ "$1" = -p ]; then ${opts.patched ? "echo 'pci_bus_nr:PCI bus number (uint)'" : 'true'}; exit 0; fi\n` +
      'case "$1" in netdevsim|openvswitch) exit 0;; *) exit 1;; esac',
  )
  script('modprobe', 'echo "modprobe must not run in --dry-run" >&2; exit 99')
  script('udevadm', 'exit 0')
  return {
    PATH: `${bin}:${process.env.PATH}`,
    RESET_DEVICES_PROC_MODULES: join(dir, 'modules'),
    RESET_DEVICES_MODULES_DIR: join(dir, 'lib-modules'),
  }
}

t.test('reset-devices: reload order, pci_bus_nr only for the out-of-tree module', async (t) => {
  const patched = await resetDevices(['--dry-run'], fakeModules({ patched: true, loaded: ['netdevsim', 'openvswitch'] }))
  t.equal(patched.code, 0, patched.stderr)
  t.equal(
    patched.stdout,
    'modprobe -r netdevsim\nmodprobe -r openvswitch\nmodprobe netdevsim pci_bus_nr=0x1f\nmodprobe openvswitch\nudevadm settle\n',
  )
  const mainline = await resetDevices(['--dry-run', '--pci-bus-nr', '0x20'], fakeModules({ patched: false, loaded: [] }))
  t.equal(mainline.code, 0, mainline.stderr)
  t.equal(mainline.stdout, 'modprobe netdevsim\nmodprobe openvswitch\nudevadm settle\n')
  const other = await resetDevices(['--dry-run', '--pci-bus-nr', '0x20'], fakeModules({ patched: true, loaded: [] }))
  t.match(other.stdout, /^modprobe netdevsim pci_bus_nr=0x20$/m)
})

t.test('reset-devices: no module support -> exit 3 with the reason; bad arguments -> 2', async (t) => {
  const env = fakeModules({ patched: false, loaded: [] })
  const none = await resetDevices([], { ...env, RESET_DEVICES_PROC_MODULES: join(TMP, 'no-such-file') })
  t.equal(none.code, 3)
  t.match(none.stderr, /this kernel has no loadable module support/)
  const nodir = await resetDevices([], { ...env, RESET_DEVICES_MODULES_DIR: join(TMP, 'no-such-dir') })
  t.equal(nodir.code, 3)
  t.match(nodir.stderr, /no modules are installed for kernel/)
  t.equal((await resetDevices(['--nope'], env)).code, 2)
  t.equal((await resetDevices(['--pci-bus-nr', 'x'], env)).code, 2)
  const help = await resetDevices(['--help'], env)
  t.equal(help.code, 0)
  t.match(help.stdout, /^usage: reset-devices/)
})
