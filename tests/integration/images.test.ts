// The lab's images, built locally without a registry: a debootstrap base
// imported through the API, node and switch images FROM it. Builds them when
// missing (about 70 s on the project's machine), reuses them otherwise, and
// keeps them for the tests that follow. Skipped, with the reason, without
// root, a Docker engine, or debootstrap (when the base must be built).
import t from 'tap'
import Docker from 'dockerode'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import {
  bookwormAptLines,
  bookwormMirror,
  buildImages,
  DOCKERFILE_HASH_LABEL,
  DOCKERFILES,
  dockerAvailable,
  dockerfileHash,
  IMAGE_LABEL,
  IMAGES,
  imageStatus,
  imageVersion,
  parseAptSources,
} from '../../lab/images/images.js'
import { daemonEntry, projectRoot } from '../../lab/paths.js'
import { missingPrograms } from '../../lab/sys/run.js'

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
async function startContainer(image: string, name: string): Promise<Docker.Container> {
  const c = await docker.createContainer({
    Image: image,
    name: `ptplab-it-${name}-${process.pid}`,
    Cmd: ['sleep', 'infinity'],
    Labels: { [TEST_LABEL]: testLabel },
    HostConfig: {
      NetworkMode: 'none',
      Binds: [`${process.execPath}:/usr/local/bin/node:ro`, `${projectRoot()}:/opt/ptplab:ro`],
    },
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
