// The lab's images, built locally without a registry: a debootstrap base
// imported through the API, node and switch images FROM it. Builds them when
// missing (about 70 s on the project's machine), reuses them otherwise, and
// keeps them for the tests that follow. Then the Kubernetes images
// (IMG_PREFIX:<tag>: lptpd, ptpop, openvswitch, l2probe) FROM the node
// image, run as pods would run them, saved, loaded and pushed to an
// in-process registry on 127.0.0.1. Skipped, with the reason, without root,
// a Docker engine, or debootstrap (when the base must be built).
import t from 'tap'
import Docker from 'dockerode'
import { execa } from 'execa'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import {
  bookwormAptLines,
  bookwormMirror,
  buildImages,
  DOCKERFILE_HASH_LABEL,
  DOCKERFILES,
  dockerAvailable,
  dockerBuild,
  dockerfileHash,
  IMAGE_LABEL,
  IMAGES,
  imageStatus,
  imageVersion,
  parseAptSources,
} from '../../lab/images/images.js'
import { buildKubeImages, CONTENT_LABEL, type KubeImageResult } from '../../lab/images/kube-images.js'
import { DEFAULT_PREFIX, imageRef, KUBE_TAGS } from '../../lab/images/table.js'
import { loadImages, pushImages, saveImages } from '../../lab/images/transfer.js'
import { daemonEntry, projectRoot } from '../../lab/paths.js'
import { pollUntil } from '../../lab/sys/poll.js'
import { missingPrograms } from '../../lab/sys/run.js'
import { startFakeRegistry } from '../fixtures/fake-registry.js'

const docker = new Docker()

async function skipReason(): Promise<string | false> {
  if (process.getuid?.() !== 0) return 'needs root (Docker engine, debootstrap); CI runs as root'
  const reason = await dockerAvailable(docker)
  if (reason) return reason
  const baseThere = await docker
    .getImage(IMAGES.base)
    .inspect()
    .then(() => true)
    .catch(() => false)
  if (!baseThere && (await missingPrograms(['debootstrap'])).length)
    return `${IMAGES.base} is missing and building it needs debootstrap (apt-get install debootstrap)`
  return false
}
const skip = await skipReason()
// A first build takes about 70 s here, but a slow mirror can make it much
// longer than the runner's per-file default.
if (!skip) t.setTimeout(30 * 60_000)

// Containers this file makes carry this label; teardown removes them.
const TEST_LABEL = 'ptplab.test'
const testLabel = `images-${process.pid}`

t.teardown(async () => {
  if (skip) return
  const cs = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${TEST_LABEL}=${testLabel}`] }) })
  for (const c of cs) await docker.getContainer(c.Id).remove({ force: true })
})

// ---- no engine needed --------------------------------------------------

t.test('apt sources of the host: mirror and suites for the base', async (t) => {
  const deb822 = [
    'Types: deb',
    '# http://snapshot.debian.org/archive/debian/20250520T000000Z',
    'URIs: http://deb.debian.org/debian',
    'Suites: bookworm bookworm-updates',
    'Components: main',
    '',
    'Types: deb',
    'URIs: http://deb.debian.org/debian-security',
    'Suites: bookworm-security',
    'Components: main',
    '',
    'Types: deb',
    'URIs: http://disabled.example/debian',
    'Suites: bookworm',
    'Enabled: no',
  ].join('\n')
  const s = parseAptSources('debian.sources', deb822)
  t.equal(s.length, 2, 'the disabled paragraph is left out')
  t.equal(bookwormMirror(s), 'http://deb.debian.org/debian')
  t.same(bookwormAptLines(s), [
    'deb http://deb.debian.org/debian bookworm main',
    'deb http://deb.debian.org/debian bookworm-updates main',
    'deb http://deb.debian.org/debian-security bookworm-security main',
  ])

  const list = [
    '# deb http://commented.example/debian bookworm main',
    'deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main',
    'deb-src http://src.example/debian bookworm main',
    'deb [arch=amd64 signed-by=/k.gpg] https://mirror.example/debian/ bookworm main contrib',
  ].join('\n')
  const l = parseAptSources('sources.list', list)
  t.equal(bookwormMirror(l), 'https://mirror.example/debian', 'first deb line for bookworm, options and trailing / dropped')
  t.same(bookwormAptLines(l), ['deb https://mirror.example/debian bookworm main'], 'no updates/security line the host does not use')
  t.equal(bookwormMirror([]), 'http://deb.debian.org/debian', 'default mirror')
  t.equal(bookwormMirror(parseAptSources('x.list', 'deb ftp://old.example/debian bookworm main')), 'http://deb.debian.org/debian', 'http(s) only')
})

t.test('image tags: a short hash of each Dockerfile', async (t) => {
  t.equal(IMAGES.base, 'ptplab/base:bookworm')
  for (const role of ['node', 'switch'] as const) {
    const text = readFileSync(join(projectRoot(), DOCKERFILES[role]))
    t.equal(IMAGES[role], `ptplab/${role}:${imageVersion(text)}`)
    t.match(IMAGES[role], /^ptplab\/(node|switch):[0-9a-f]{12}$/)
    t.equal(imageVersion(Buffer.concat([text, Buffer.from('\n# changed\n')])) === imageVersion(text), false, 'a changed Dockerfile gets a new tag')
    const df = text.toString()
    t.match(df, /^ARG BASE=debian:bookworm-slim\nFROM \$\{BASE\}$/m, `${role}: ARG BASE / FROM \${BASE}`)
    t.match(df, new RegExp(`^LABEL ptplab\\.image=${role}$`, 'm'))
    t.match(df, /apt-get install -y --no-install-recommends/)
    t.notMatch(df, /^\s*(COPY|ADD)\b/m, 'nothing from the build context: the hash covers the whole build')
  }
})

// ---- with an engine ----------------------------------------------------

// Runs a command in a running container; exit code and both outputs.
async function execIn(c: Docker.Container, cmd: string[]): Promise<{ code: number; out: string; err: string }> {
  const exec = await c.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true })
  const stream = await exec.start({ hijack: true, stdin: false })
  const out = new PassThrough()
  const err = new PassThrough()
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] }
  out.on('data', (d: Buffer) => chunks.out.push(d))
  err.on('data', (d: Buffer) => chunks.err.push(d))
  docker.modem.demuxStream(stream, out, err)
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve)
    stream.on('close', resolve)
    stream.on('error', reject)
  })
  const info = await exec.inspect()
  return { code: info.ExitCode ?? -1, out: Buffer.concat(chunks.out).toString(), err: Buffer.concat(chunks.err).toString() }
}

// A container as the backend makes them: no network, the host's node binary
// and the project bind-mounted read-only.
async function startContainer(image: string, name: string, o: Partial<Docker.ContainerCreateOptions> = {}): Promise<Docker.Container> {
  const c = await docker.createContainer({
    Image: image,
    name: `ptplab-it-${name}-${process.pid}`,
    Cmd: ['sleep', 'infinity'],
    Labels: { [TEST_LABEL]: testLabel },
    HostConfig: {
      NetworkMode: 'none',
      Binds: [`${process.execPath}:/usr/local/bin/node:ro`, `${projectRoot()}:/opt/ptplab:ro`],
    },
    ...o,
  })
  await c.start()
  return c
}

let firstBuild: Awaited<ReturnType<typeof buildImages>> | undefined

t.test('builds the images, or reuses them', { skip }, async (t) => {
  const t0 = Date.now()
  const r = await buildImages({ docker, progress: (m) => t.comment(m) })
  firstBuild = r
  t.comment(`built: ${r.built.join(', ') || 'none'}; reused: ${r.reused.join(', ') || 'none'} (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
  t.equal(r.node, IMAGES.node)
  t.equal(r.switch, IMAGES.switch)
  t.same([...r.built, ...r.reused].sort(), [IMAGES.base, IMAGES.node, IMAGES.switch].sort(), 'each image built or reused, once')
  for (const role of ['base', 'node', 'switch'] as const) {
    const info = await docker.getImage(IMAGES[role]).inspect()
    t.equal(info.Config.Labels?.[IMAGE_LABEL], role, `${IMAGES[role]} exists, labelled ${IMAGE_LABEL}=${role}`)
    if (role !== 'base')
      t.equal(
        info.Config.Labels?.[DOCKERFILE_HASH_LABEL],
        dockerfileHash(readFileSync(join(projectRoot(), DOCKERFILES[role]))),
        `${role}: built from this Dockerfile`,
      )
  }
  const st = await imageStatus(docker)
  t.same(
    st.map((s) => [s.role, s.tag, s.present]),
    [
      ['base', IMAGES.base, true],
      ['node', IMAGES.node, true],
      ['switch', IMAGES.switch, true],
    ],
  )
})

t.test('node image: the daemon tools run, with no network', { skip }, async (t) => {
  const c = await startContainer(IMAGES.node, 'node')
  const checks: Array<[string[], RegExp | undefined]> = [
    [['ptp4l', '-v'], /^\d+\.\d+/],
    [['pmc', '-v'], /^\d+\.\d+/],
    [['ip', '-V'], /iproute2/],
    [['python3', '-c', '1'], undefined],
    [['node', '-e', "require('node:os'); console.log(process.version)"], new RegExp(`^${process.version.replace(/\./g, '\\.')}`)],
    [['setpriv', '--version'], /util-linux/],
    [['chrt', '--version'], /util-linux/],
    [['ethtool', '--version'], /ethtool/],
  ]
  for (const [cmd, want] of checks) {
    const r = await execIn(c, cmd)
    t.equal(r.code, 0, `${cmd.join(' ')} exits 0${r.code ? `: ${r.err.trim()}` : ''}`)
    if (want) t.match((r.out + r.err).trim(), want, `${cmd.join(' ')} prints its version`)
  }
  const links = await execIn(c, ['ip', '-o', 'link', 'show'])
  t.same(
    links.out
      .trim()
      .split('\n')
      .map((l) => l.split(':')[1]?.trim()),
    ['lo'],
    '--network none: loopback only',
  )
  if (existsSync(daemonEntry())) {
    const d = await execIn(c, ['node', '/opt/ptplab/dist/daemon/main.js', '--help'])
    t.equal(d.code, 0, 'the bind-mounted ptplab daemon starts (its modules resolve)')
  }
})

t.test('switch image: Open vSwitch and ptp4l', { skip }, async (t) => {
  const c = await startContainer(IMAGES.switch, 'switch')
  for (const [cmd, want] of [
    [['ovs-vswitchd', '--version'], /Open vSwitch/],
    [['ovsdb-server', '--version'], /Open vSwitch/],
    [['ovs-vsctl', '--version'], /Open vSwitch/],
    [['ovsdb-tool', '--version'], /Open vSwitch/],
    [['ptp4l', '-v'], /^\d+\.\d+/],
    [['node', '-e', "require('node:os')"], undefined],
  ] as Array<[string[], RegExp | undefined]>) {
    const r = await execIn(c, cmd)
    t.equal(r.code, 0, `${cmd.join(' ')} exits 0${r.code ? `: ${r.err.trim()}` : ''}`)
    if (want) t.match((r.out + r.err).trim(), want)
  }
  const prc = await execIn(c, ['test', '-e', '/usr/sbin/policy-rc.d'])
  t.not(prc.code, 0, 'the build-time policy-rc.d is gone')
})

t.test('a second build reuses everything', { skip }, async (t) => {
  if (!firstBuild) {
    t.fail('not run: the first build failed')
    return
  }
  const lines: string[] = []
  const t0 = Date.now()
  const r = await buildImages({ docker, progress: (m) => lines.push(m) })
  t.comment(`second buildImages(): ${((Date.now() - t0) / 1000).toFixed(2)} s`)
  t.same(r.built, [], 'nothing built')
  t.same(r.reused.sort(), [IMAGES.base, IMAGES.node, IMAGES.switch].sort(), 'all three reused')
  t.same(lines, [], 'no progress: nothing to do')
})

// ---- the Kubernetes images ---------------------------------------------

// A Kubernetes image runs on its own: nothing bind-mounted, as in a pod.
const selfContained = (entrypoint: string[] = ['sleep', 'infinity']): Partial<Docker.ContainerCreateOptions> => ({
  Entrypoint: entrypoint,
  Cmd: [],
  HostConfig: { NetworkMode: 'none' },
})

const distSkip = skip || (existsSync(daemonEntry()) ? false : `${daemonEntry()} is missing: build first (npx tsc -p tsconfig.json)`)
let kube: KubeImageResult[] | undefined
const kubeRef = (tag: string) => imageRef(DEFAULT_PREFIX, tag)

t.test('Kubernetes images: built or reused as IMG_PREFIX:<tag>', { skip: distSkip }, async (t) => {
  const t0 = Date.now()
  kube = (await buildKubeImages({ docker, progress: (m) => t.comment(m) })).images
  t.comment(`buildKubeImages: ${kube.map((k) => `${k.tag} ${k.action}`).join(', ')} (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
  t.same(kube.map((k) => k.ref), KUBE_TAGS.map(kubeRef))
  for (const k of kube.filter((x) => x.action !== 'tagged')) {
    const info = await docker.getImage(k.ref).inspect()
    t.equal(info.Config.Labels?.[IMAGE_LABEL], k.tag, `${k.ref} labelled ${IMAGE_LABEL}=${k.tag}`)
    t.match(info.Config.Labels?.[CONTENT_LABEL], /^[0-9a-f]{64}$/, `${k.ref} carries its content hash`)
  }
  const ovs = kube.find((k) => k.tag === 'openvswitch')!
  t.equal(ovs.id, (await docker.getImage(IMAGES.switch).inspect()).Id, 'openvswitch is the lab switch image')
  const again = (await buildKubeImages({ docker, progress: () => {} })).images
  t.same(again.map((k) => k.action), ['reused', 'reused', 'tagged', 'reused'], 'a second build reuses them')
  const cli = await execa(process.execPath, [join(projectRoot(), 'bin/ptplab.js'), 'images', 'build', '--only', 'l2probe,openvswitch'], { reject: false })
  t.equal(cli.exitCode, 0, `ptplab images build --only l2probe,openvswitch${cli.exitCode ? `: ${cli.stderr}` : ''}`)
  t.match(cli.stdout, /^openvswitch\s+localhost\/ptplab:openvswitch\s+tagged\s+\d+ MB$/m, 'one result line per image on stdout')
  t.match(cli.stdout, /^l2probe\s+localhost\/ptplab:l2probe\s+reused\s+\d+ MB$/m)
  t.notMatch(cli.stdout, /lptpd|ptpop/, '--only builds only those')
})

t.test('lptpd: the daemon starts from the image alone, and what the suite execs is there', { skip: distSkip }, async (t) => {
  if (!kube) return t.fail('not built')
  // As the DaemonSet runs it (lab/k8s/daemonset.ts), endpoints on the
  // container's own loopback here (--network none).
  const c = await startContainer(kubeRef('lptpd'), 'lptpd', {
    Cmd: ['--profile-path', '/tmp', '--run-dir', '/tmp', '--metrics-listen', '127.0.0.1:9091', '--ready-listen', '127.0.0.1:8081'],
    Env: ['NODE_NAME=worker1'],
    HostConfig: { NetworkMode: 'none' },
  })
  const metrics = await pollCurl(c, 'http://127.0.0.1:9091/metrics')
  t.equal(metrics.code, 0, `curl /metrics in the container${metrics.code ? `: ${metrics.err}` : ''}`)
  t.match(metrics.out, /^HTTP\/1\.1 200 OK/m, 'the daemon serves its metrics')
  const ready = await execIn(c, ['curl', '-s', '-i', 'http://127.0.0.1:8081/ready'])
  t.match(ready.out, /^HTTP\/1\.1 200 OK/m, 'ready, as the suite expects')
  t.match(ready.out, /no profiles for this node/, 'worker1 has no profile file')
  for (const cmd of [['ptp4l', '-v'], ['phc2sys', '-v'], ['pmc', '-v'], ['ip', '-V'], ['ethtool', '--version'], ['setpriv', '--version'], ['chrt', '--version'], ['pkill', '-V']]) {
    const r = await execIn(c, cmd)
    t.equal(r.code, 0, `${cmd.join(' ')} exits 0${r.code ? `: ${r.err.trim()}` : ''}`)
  }
  const node = await execIn(c, ['node', '-e', 'console.log(process.version)'])
  t.equal(node.out.trim(), process.version, "the host's node binary is in the image")
})

// curl in the container until the daemon listens (it starts in about a second).
async function pollCurl(c: Docker.Container, url: string) {
  let r = await execIn(c, ['curl', '-s', '-i', url])
  await pollUntil(async () => (r = await execIn(c, ['curl', '-s', '-i', url])).code === 0, 10_000, `${url} in the lptpd container`, { intervalMs: 200 }).catch(() => {})
  return r
}

t.test('ptpop and l2probe run as their pods would', { skip: distSkip }, async (t) => {
  if (!kube) return t.fail('not built')
  const op = await startContainer(kubeRef('ptpop'), 'ptpop', selfContained())
  t.equal((await execIn(op, ['id', '-u'])).out.trim(), '65532', 'ptpop runs as uid 65532')
  const entry = await execIn(op, ['node', '-e', "import('/opt/ptplab/dist/lab/k8s/daemonset.js').then(m => console.log(typeof m.renderDaemonSet))"])
  t.equal(entry.out.trim(), 'function', 'the operator image loads the DaemonSet renderer from its dist/')
  const hasEntry = existsSync(join(projectRoot(), 'dist/operator/main.js'))
  const st = await execIn(op, ['test', '-e', '/opt/ptplab/dist/operator/main.js'])
  t.equal(st.code === 0, hasEntry, hasEntry ? 'the operator entry is in the image' : 'no operator entry yet (written in a later stage), as the image says')

  const cfg = (await docker.getImage(kubeRef('l2probe')).inspect()).Config
  t.same([cfg.Entrypoint, cfg.Cmd], [['python3', '/usr/local/bin/l2probe.py'], ['--report-loop']], 'a pod without args runs the agent loop')
  const probe = await startContainer(kubeRef('l2probe'), 'l2probe', selfContained())
  const r = await execIn(probe, ['python3', '/usr/local/bin/l2probe.py', '--duration', '0.2'])
  t.equal(r.code, 0, `the probe agent runs${r.code ? `: ${r.err.trim()}` : ''}`)
  t.same(JSON.parse(r.out), {}, 'no Ethernet interface with --network none: an empty report')
  for (const cmd of [['ip', '-V'], ['ethtool', '--version']]) {
    const x = await execIn(probe, cmd)
    t.equal(x.code, 0, `${cmd.join(' ')} exits 0 (port flaps run ip link set)`)
  }
})

t.test('save, load and push the Kubernetes images', { skip: distSkip }, async (t) => {
  if (!kube) return t.fail('not built')
  // A test-only alias of the smallest image: the shared tags stay untouched.
  const alias = `localhost/ptplab-it-${process.pid}`
  const ref = imageRef(alias, 'l2probe')
  await docker.getImage(kubeRef('l2probe')).tag({ repo: alias, tag: 'l2probe' })
  const dir = await mkdtemp(join(tmpdir(), 'ptplab-images-'))
  t.teardown(async () => {
    await docker.getImage(ref).remove({ noprune: true }).catch(() => {})
    await rm(dir, { recursive: true, force: true })
  })
  const saved = await saveImages(docker, [ref], dir, () => {})
  t.same(saved.map((s) => s.file), [join(dir, 'l2probe.tar')], '--out DIR: one tarball per image')
  const manifest = await execa('tar', ['-x', '-O', '-f', saved[0]!.file, 'manifest.json'])
  t.same(JSON.parse(manifest.stdout)[0].RepoTags, [ref], 'the tarball names the image')
  await docker.getImage(ref).remove({ noprune: true })
  t.same(await loadImages(docker, [saved[0]!.file], () => {}), [ref], 'load reports what it loaded')
  t.equal((await docker.getImage(ref).inspect()).Id, (await docker.getImage(kubeRef('l2probe')).inspect()).Id, 'the same image is back')

  // Push: the engine speaks the registry protocol; a two-layer image FROM
  // scratch keeps it quick (pushing l2probe's 130 MB takes about 40 s here).
  const small = imageRef(alias, 'push')
  await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY a /a\nCOPY b /b\n')
  await writeFile(join(dir, 'a'), 'layer one\n')
  await writeFile(join(dir, 'b'), 'layer two\n')
  await dockerBuild(docker, {
    tag: small, what: 'a test image', progressPrefix: 'push', context: { context: dir, src: ['Dockerfile', 'a', 'b'] },
    buildargs: {}, labels: { [TEST_LABEL]: testLabel }, nocache: false, progress: () => {},
  })
  t.teardown(() => docker.getImage(small).remove({ noprune: false }).catch(() => {}))
  const reg = await startFakeRegistry()
  t.teardown(() => reg.close())
  const t0 = Date.now()
  const pushed = await pushImages(docker, [small], reg.host, () => {})
  t.comment(`push: ${((Date.now() - t0) / 1000).toFixed(1)} s, ${reg.blobs.size} blobs`)
  const dest = `${reg.host}/ptplab-it-${process.pid}:push`
  t.same(pushed.map((p) => p.ref), [dest])
  const m = reg.manifests.get(`ptplab-it-${process.pid}:push`)
  t.ok(m, 'the registry holds the manifest')
  t.equal(pushed[0]!.digest, m?.digest, 'the digest the engine reports is the manifest the registry stored')
  const doc = JSON.parse(m!.body.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> }
  t.equal(doc.layers.length, 2, 'both layers uploaded')
  t.ok([doc.config, ...doc.layers].every((l) => reg.blobs.has(l.digest)), 'config and layers are blobs the registry verified')
  t.equal(await docker.getImage(dest).inspect().then(() => true, () => false), false, 'the registry alias tag is removed again')
})
