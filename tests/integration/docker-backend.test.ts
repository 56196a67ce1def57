// The container backend end to end: nodes and switch as containers, links
// by configpair, every clock mode, and a down that leaves no container,
// namespace or link behind (the images stay).
import t from 'tap'
import Docker from 'dockerode'
import { rm } from 'node:fs/promises'
import { labPaths } from '../../lab/paths.js'
import { dockerAvailable } from '../../lab/images/images.js'
import { LABEL_LAB } from '../../lab/backends/docker/backend.js'
import type { RunJson } from '../../lab/report/json.js'
import { missingPrograms } from '../../lab/sys/run.js'
import { cli, hostLinks, leftovers, nothingLeft, skipReason, ownLab } from './helpers.js'

const skip =
  (await skipReason()) ||
  (await dockerAvailable().catch((e: Error) => e.message)) ||
  ((await missingPrograms(['debootstrap'])).length ? 'missing debootstrap (to build the base image)' : false)

const docker = new Docker()
const labContainers = (lab: string) => docker.listContainers({ all: true, filters: { label: [`${LABEL_LAB}=${lab}`] } })

t.test('run --backend docker: every mode passes, down leaves nothing', { skip }, async (t) => {
  const LAB = 'it-docker'
  await ownLab(t, LAB)
  const linksBefore = await hostLinks()
  const r = await cli(['run', '--backend', 'docker', '--name', LAB, '--mode', 'oc,bc,dualnicbc,dualfollower', '--json'])
  t.equal(r.code, 0, 'all modes pass on containers', { stdout: r.stdout.slice(-4000), stderr: r.stderr.slice(-3000) })
  t.match(r.stderr, /bringing up lab it-docker \(docker, shared clock\)/)
  const doc = JSON.parse(r.stdout) as RunJson
  t.same(doc.modes.map((m) => [m.mode, m.verdict]), ['oc', 'bc', 'dualnicbc', 'dualfollower'].map((m) => [m, 'PASS']))
  t.match(r.stderr, /removing 4 containers/)
  t.same(await labContainers(LAB), [], 'no container left')
  t.same(await leftovers(LAB), nothingLeft, 'no namespace, process or file left')
  t.same(await hostLinks(), linksBefore, 'no link left in the host namespace')
})

t.test('containers: names, labels, network none, ports wired with deterministic MACs', { skip }, async (t) => {
  const LAB = 'it-docker2'
  await ownLab(t, LAB)
  const up = await cli(['up', '--backend', 'docker', '--name', LAB, '--topology', 'topologies/two-node.yaml'])
  t.equal(up.code, 0, 'up', { stderr: up.stderr })
  const cs = await labContainers(LAB)
  t.same(cs.map((c) => c.Names[0]).sort(), ['/ptplab-it-docker2.node1', '/ptplab-it-docker2.node2', '/ptplab-it-docker2.switch1'])
  for (const c of cs) t.equal(c.HostConfig.NetworkMode, 'none', `${c.Names[0]} has no Docker network`)
  const node1 = docker.getContainer('ptplab-it-docker2.node1')
  const info = await node1.inspect()
  t.equal(info.HostConfig.PidMode, 'host', 'host PID, like upstream daemon pods')
  // The daemon is the container's main process.
  t.match(info.Config.Cmd?.join(' ') ?? '', /daemon\/main\.js --node-name node1 .* --shared-clock --log-file /)
  const st = await cli(['status', '--name', LAB, '--json'])
  t.equal(st.code, 0)
  const status = JSON.parse(st.stdout) as { nodes: Array<{ node: string; daemon: string; ports: Array<{ port: string; link: string }> }> }
  t.same(status.nodes.map((n) => n.daemon), ['ready', 'ready', 'ready'])
  t.same(status.nodes[0]?.ports.map((p) => `${p.port} ${p.link}`), ['ens1f0 switch1 vlan 100', 'ens1f1 unplugged'])
  // Inside the container: the port names of the topology, deterministic MACs, no carrier on the unplugged one.
  const ex = await node1.exec({ Cmd: ['ip', '-j', 'link', 'show'], AttachStdout: true, AttachStderr: true })
  const stream = await ex.start({ hijack: true, stdin: false })
  let out = ''
  await new Promise<void>((resolve) => {
    docker.modem.demuxStream(stream, { write: (d: Buffer) => (out += d.toString()) } as never, process.stderr)
    stream.on('end', () => resolve())
  })
  const links = JSON.parse(out) as Array<{ ifname: string; address: string; flags: string[] }>
  const by = Object.fromEntries(links.map((l) => [l.ifname, l]))
  t.same(Object.keys(by).sort(), ['ens1f0', 'ens1f1', 'lo'])
  t.match(by.ens1f0?.address, /^02:[0-9a-f]{2}:[0-9a-f]{2}:01:01:00$/)
  t.ok(by.ens1f0?.flags.includes('LOWER_UP'), 'linked port has carrier')
  t.ok(by.ens1f1?.flags.includes('NO-CARRIER'), 'unplugged port has no carrier')
  // A crash that lost the state file: down still finds the containers by label.
  await rm(labPaths(LAB).state)
  const down = await cli(['down', '--name', LAB])
  t.equal(down.code, 0, 'down', { stderr: down.stderr })
  t.match(down.stderr, /removing 3 containers/)
  t.same(await labContainers(LAB), [])
  t.same(await leftovers(LAB), nothingLeft)
})
