// The lab's container images, built locally: these machines reach no
// container registry (docs/upstream.md#machines). Three images:
//   base    ptplab/base:bookworm   a debootstrap (minbase) root file system
//                                  of Debian bookworm, imported through the API
//   node    ptplab/node:<hash>     images/node/Dockerfile FROM the base
//   switch  ptplab/switch:<hash>   switch/Dockerfile FROM the base
// <hash> is a short hash of the Dockerfile: a changed Dockerfile gets a new
// tag and is built, an unchanged one is reused. The Dockerfiles take
// `ARG BASE` (default debian:bookworm-slim), so where a registry exists they
// build FROM the public image as well (`from`).
//
// Every Docker call goes through dockerode (no docker CLI). debootstrap and
// tar are run with argument arrays.
import Docker from 'dockerode'
import { execa } from 'execa'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { projectRoot } from '../paths.js'

export type ImageRole = 'base' | 'node' | 'switch'

// Where each built image's Dockerfile lives, relative to the project root.
export const DOCKERFILES = {
  node: 'images/node/Dockerfile',
  switch: 'switch/Dockerfile',
} as const

// The label every Dockerfile sets (and the base gets on import).
export const IMAGE_LABEL = 'ptplab.image'
// Set at build time: the full hash of the Dockerfile the image came from,
// and the image it was built FROM.
export const DOCKERFILE_HASH_LABEL = 'ptplab.dockerfile-sha256'
export const BASE_LABEL = 'ptplab.base'

export const dockerfileHash = (content: string | Buffer) => createHash('sha256').update(content).digest('hex')
// Short enough for a tag, long enough never to collide between versions.
export const imageVersion = (content: string | Buffer) => dockerfileHash(content).slice(0, 12)

const dockerfileText = (role: keyof typeof DOCKERFILES) => readFileSync(join(projectRoot(), DOCKERFILES[role]))

export const IMAGES = {
  base: 'ptplab/base:bookworm',
  node: `ptplab/node:${imageVersion(dockerfileText('node'))}`,
  switch: `ptplab/switch:${imageVersion(dockerfileText('switch'))}`,
} as const

const DEFAULT_MIRROR = 'http://deb.debian.org/debian'
const SUITE = 'bookworm'

// ---------------------------------------------------------------- engine --

const DOCKER_SOCK = '/var/run/docker.sock'
const START_HINT = 'start one: scripts/dockerd.sh'

// undefined when a Docker engine answers; otherwise why not, for test skips
// and CLI errors.
export async function dockerAvailable(docker?: Docker, timeoutMs = 5000): Promise<string | undefined> {
  const host = process.env.DOCKER_HOST
  if (!docker && !host && !existsSync(DOCKER_SOCK)) return `no Docker engine: ${DOCKER_SOCK} does not exist (${START_HINT})`
  const d = docker ?? new Docker()
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      d.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs)
      }),
    ])
    return undefined
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    const where = host ?? DOCKER_SOCK
    if (err.code === 'ECONNREFUSED' || err.code === 'ENOENT') return `no Docker engine answers on ${where} (${START_HINT})`
    if (err.code === 'EACCES') return `no permission to use the Docker engine on ${where} (needs root or the docker group)`
    return `the Docker engine on ${where} does not answer: ${err.message} (${START_HINT})`
  } finally {
    clearTimeout(timer)
  }
}

export async function inspectImage(docker: Docker, ref: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(ref).inspect()
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined
    throw e
  }
}

export interface ImageStatus {
  role: ImageRole
  tag: string // the tag this project version wants
  present: boolean
  id?: string
  created?: string
  sizeBytes?: number
  // Tags of the same role from other Dockerfile versions (left from older
  // checkouts; `docker image rm` them to reclaim space).
  others: string[]
}

// What exists of the images this checkout wants, for `ptplab images` and
// for clear errors in the container backend.
export async function imageStatus(docker: Docker = new Docker()): Promise<ImageStatus[]> {
  const all = await docker.listImages({ filters: JSON.stringify({ label: [IMAGE_LABEL] }) })
  const out: ImageStatus[] = []
  for (const role of ['base', 'node', 'switch'] as const) {
    const tag = IMAGES[role]
    const info = await inspectImage(docker, tag)
    const others = all
      .filter((i) => i.Labels?.[IMAGE_LABEL] === role)
      .flatMap((i) => i.RepoTags ?? [])
      .filter((t) => t !== tag && t.startsWith(tag.slice(0, tag.indexOf(':') + 1)))
      .sort()
    out.push({
      role,
      tag,
      present: info !== undefined,
      ...(info ? { id: info.Id, created: info.Created, sizeBytes: info.Size } : {}),
      others,
    })
  }
  return out
}

// ---------------------------------------------------------------- mirror --

export interface AptSource {
  types: string[]
  uris: string[]
  suites: string[]
}

// Parses one apt sources file: one-line format (`deb [opts] URI SUITE
// COMPONENT...`, *.list) or deb822 (`Types:/URIs:/Suites:` paragraphs,
// *.sources). Disabled paragraphs (Enabled: no) are left out.
export function parseAptSources(name: string, text: string): AptSource[] {
  const out: AptSource[] = []
  if (name.endsWith('.sources')) {
    const paragraphs = text
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n')
      .split(/\n\s*\n/)
    for (const p of paragraphs) {
      const fields: Record<string, string> = {}
      let last: string | undefined
      for (const line of p.split('\n')) {
        if (/^\s/.test(line) && last) fields[last] += ' ' + line.trim()
        else {
          const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line)
          if (m) fields[(last = m[1]!.toLowerCase())] = m[2]!.trim()
        }
      }
      if (/^(no|false|0)$/i.test(fields.enabled ?? '')) continue
      const words = (k: string) => (fields[k] ?? '').split(/\s+/).filter(Boolean)
      if (fields.uris) out.push({ types: words('types'), uris: words('uris'), suites: words('suites') })
    }
    return out
  }
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').replace(/\[[^\]]*\]/, ' ').trim()
    const [type, uri, suite] = line.split(/\s+/)
    if (type && uri && suite && /^deb(-src)?$/.test(type)) out.push({ types: [type], uris: [uri], suites: [suite] })
  }
  return out
}

// The first http(s) mirror the host uses for bookworm, so debootstrap takes
// packages from where the host's apt does; deb.debian.org otherwise.
export function bookwormMirror(sources: AptSource[]): string {
  return suiteUri(sources, SUITE) ?? DEFAULT_MIRROR
}

function suiteUri(sources: AptSource[], suite: string): string | undefined {
  for (const s of sources) {
    if (!s.types.includes('deb') || !s.suites.includes(suite)) continue
    const uri = s.uris.find((u) => /^https?:\/\//.test(u))
    if (uri) return uri.replace(/\/+$/, '')
  }
  return undefined
}

// The base image's apt sources: bookworm from the mirror, and the updates
// and security suites as the host's apt has them (as debian:bookworm-slim
// does); a suite the host does not use is left out, so the image never
// depends on a server the host cannot reach.
export function bookwormAptLines(sources: AptSource[]): string[] {
  const lines = [`deb ${bookwormMirror(sources)} ${SUITE} main`]
  for (const suite of [`${SUITE}-updates`, `${SUITE}-security`]) {
    const uri = suiteUri(sources, suite)
    if (uri) lines.push(`deb ${uri} ${suite} main`)
  }
  return lines
}

export async function hostAptSources(root = '/etc/apt'): Promise<AptSource[]> {
  const files: Array<[string, string]> = [[join(root, 'sources.list'), 'sources.list']]
  try {
    for (const f of (await readdir(join(root, 'sources.list.d'))).sort())
      if (f.endsWith('.list') || f.endsWith('.sources')) files.push([join(root, 'sources.list.d', f), f])
  } catch {
    /* no sources.list.d */
  }
  const sources: AptSource[] = []
  for (const [path, name] of files) {
    try {
      sources.push(...parseAptSources(name, await readFile(path, 'utf8')))
    } catch {
      /* absent or unreadable: skip */
    }
  }
  return sources
}

export const hostAptMirror = async (root = '/etc/apt') => bookwormMirror(await hostAptSources(root))

// ---------------------------------------------------------------- base ----

const ROOTFS_PARENT = () => process.env.PTPLAB_IMAGE_TMPDIR ?? '/var/tmp'
const ROOTFS_PREFIX = 'ptplab-base-'

// Mount points at or below dir (debootstrap mounts proc, sys and binds /dev
// into the target while it runs, and may leave them after a failure).
async function mountsBelow(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8')
  return info
    .split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((m): m is string => m !== undefined && (m === dir || m.startsWith(dir + '/')))
    .sort((a, b) => b.length - a.length)
}

// Removes a debootstrap target, never following a mount out of it: whatever
// is still mounted below it is unmounted first (lazily), and if a mount
// stays the directory is left alone.
async function removeRootfs(dir: string): Promise<void> {
  for (const m of await mountsBelow(dir)) await execa('umount', ['-l', m], { reject: false })
  const left = await mountsBelow(dir)
  if (left.length) throw new Error(`not removing ${dir}: still mounted below it: ${left.join(', ')}`)
  await rm(dir, { recursive: true, force: true })
}

// Targets left by an earlier build that was killed (its pid is in the name);
// every base build starts with it.
export async function removeStaleRootfs(progress: (m: string) => void): Promise<void> {
  const parent = ROOTFS_PARENT()
  let names: string[] = []
  try {
    names = await readdir(parent)
  } catch {
    return
  }
  for (const n of names) {
    const m = new RegExp(`^${ROOTFS_PREFIX}(\\d+)-`).exec(n)
    if (!m || existsSync(`/proc/${m[1]}`)) continue
    progress(`base: removing ${join(parent, n)} left by an interrupted build`)
    await removeRootfs(join(parent, n)).catch((e: Error) => progress(`base: ${e.message}`))
  }
}

// What debuerreotype does to make debian:bookworm-slim, so a locally built
// base behaves as the public one: no docs, man pages or translations from
// later installs, apt caches cleaned.
const SLIM_FILES: Record<string, string> = {
  'etc/dpkg/dpkg.cfg.d/docker': [
    '# ptplab/base: as debian:*-slim, leave docs, man pages and locales out',
    'path-exclude /usr/share/doc/*',
    'path-include /usr/share/doc/*/copyright',
    'path-exclude /usr/share/man/*',
    'path-exclude /usr/share/groff/*',
    'path-exclude /usr/share/info/*',
    'path-exclude /usr/share/lintian/*',
    'path-exclude /usr/share/linda/*',
    'path-exclude /usr/share/locale/*',
    '',
  ].join('\n'),
  'etc/apt/apt.conf.d/docker-clean': [
    'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };',
    'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };',
    'Dir::Cache::pkgcache "";',
    'Dir::Cache::srcpkgcache "";',
    '',
  ].join('\n'),
  'etc/apt/apt.conf.d/docker-no-languages': 'Acquire::Languages "none";\n',
  'etc/apt/apt.conf.d/docker-autoremove-suggests': 'Apt::AutoRemove::SuggestsImportant "false";\n',
}

// Changes inside the debootstrap target never follow a symbolic link: an
// absolute link there points into the host. Every directory walked through
// must be a real one (lstat), and files are unlinked before being written.
async function realDir(root: string, rel: string): Promise<boolean> {
  let p = root
  for (const part of rel.split('/').filter(Boolean)) {
    p = join(p, part)
    const st = await lstat(p).catch(() => undefined)
    if (!st?.isDirectory() || st.isSymbolicLink()) return false
  }
  return true
}

async function writeInRootfs(root: string, rel: string, text: string): Promise<void> {
  if (!(await realDir(root, dirname(rel)))) throw new Error(`${join(root, dirname(rel))} is not a plain directory`)
  await rm(join(root, rel), { force: true })
  await writeFile(join(root, rel), text, { flag: 'wx' })
}

// Empties a directory of the target (rm never follows links it meets).
async function emptyInRootfs(root: string, rel: string, keep: (name: string) => boolean = () => false): Promise<void> {
  if (!(await realDir(root, rel))) return
  for (const n of await readdir(join(root, rel))) if (!keep(n)) await rm(join(root, rel, n), { recursive: true, force: true })
}

// Removes from a fresh debootstrap what the slim dpkg settings would have
// kept out (docs but their copyright files, man pages, locales): about 45 MB.
async function slimRootfs(dir: string): Promise<void> {
  for (const d of ['man', 'groff', 'info', 'lintian', 'linda', 'locale']) await emptyInRootfs(dir, `usr/share/${d}`)
  if (!(await realDir(dir, 'usr/share/doc'))) return
  for (const pkg of await readdir(join(dir, 'usr/share/doc'))) await emptyInRootfs(dir, `usr/share/doc/${pkg}`, (n) => n === 'copyright')
}

// Follows a JSON progress stream (build, import) to its end: reports each
// event, and fails with the engine's error message.
export function follow(docker: Docker, stream: NodeJS.ReadableStream, onEvent: (e: ProgressEvent) => void): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    let failed: string | undefined
    docker.modem.followProgress(
      stream,
      (err, out: ProgressEvent[]) => (err ? reject(err) : failed !== undefined ? reject(new Error(failed)) : resolve(out)),
      (e: ProgressEvent) => {
        if (e.error !== undefined || e.errorDetail !== undefined) failed ??= e.errorDetail?.message ?? e.error ?? 'unknown error'
        onEvent(e)
      },
    )
  })
}

export interface ProgressEvent {
  stream?: string
  status?: string
  error?: string
  errorDetail?: { message?: string }
  aux?: { ID?: string }
}

async function buildBase(docker: Docker, progress: (m: string) => void): Promise<void> {
  const missing = ['debootstrap', 'tar'].filter(
    (p) => !['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((d) => existsSync(join(d, p))),
  )
  if (missing.length) throw new Error(`building ${IMAGES.base} needs ${missing.join(' and ')}: apt-get install ${missing.join(' ')}`)
  if (process.getuid?.() !== 0) throw new Error(`building ${IMAGES.base} runs debootstrap, which needs root`)
  await removeStaleRootfs(progress)
  const sources = await hostAptSources()
  const mirror = bookwormMirror(sources)
  await mkdir(ROOTFS_PARENT(), { recursive: true })
  const dir = await mkdtemp(join(ROOTFS_PARENT(), `${ROOTFS_PREFIX}${process.pid}-`))
  try {
    // An https mirror needs CA certificates inside the image for apt.
    const args = ['--variant=minbase', ...(mirror.startsWith('https:') ? ['--include=ca-certificates'] : []), SUITE, dir, mirror]
    progress(`base: debootstrap ${args.join(' ')}`)
    const sub = execa('debootstrap', args, {
      reject: false,
      all: true,
      buffer: { all: false, stdout: false, stderr: false },
      timeout: 30 * 60_000,
      env: { PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin`, LC_ALL: 'C' },
      stdin: 'ignore',
    })
    // One line per debootstrap phase (Retrieving, Validating, Extracting,
    // Installing, Configuring...), not one per package.
    const tail: string[] = []
    const phases = new Set<string>()
    for await (const line of sub.iterable({ from: 'all' })) {
      const l = String(line).trim()
      if (!l) continue
      tail.push(l)
      if (tail.length > 15) tail.shift()
      const p = /^([IWE]): (\w+)/.exec(l)
      if (p && (p[1] !== 'I' || !phases.has(p[2]!))) progress(`base: ${l}`)
      if (p) phases.add(p[2]!)
    }
    const r = await sub
    if (r.exitCode !== 0) throw new Error(`debootstrap failed (exit ${r.exitCode ?? r.signal}):\n${tail.join('\n')}`)

    // As debian:bookworm-slim: the slim dpkg/apt settings and what they
    // leave out, no package lists or caches, the updates and security
    // suites, no host name or resolver of the build host (the engine
    // provides both at run time).
    for (const [f, text] of Object.entries(SLIM_FILES)) await writeInRootfs(dir, f, text)
    await slimRootfs(dir)
    await writeInRootfs(dir, 'etc/apt/sources.list', bookwormAptLines(sources).join('\n') + '\n')
    for (const sub of ['var/lib/apt/lists', 'var/cache/apt/archives', 'var/log'])
      await emptyInRootfs(dir, sub, (n) => n === 'partial' || n === 'lock')
    await writeInRootfs(dir, 'etc/hostname', '')
    await writeInRootfs(dir, 'etc/resolv.conf', '')

    progress(`base: importing the root file system as ${IMAGES.base}`)
    const tar = execa('tar', ['--numeric-owner', '-C', dir, '--exclude=./dev/*', '--exclude=./proc/*', '--exclude=./sys/*', '-cf', '-', '.'], {
      reject: false,
      buffer: { stdout: false, stderr: true },
      stdin: 'ignore',
    })
    const [repo, tag] = IMAGES.base.split(':') as [string, string]
    const imported = (async () => {
      const stream = await docker.importImage(tar.stdout, {
        repo,
        tag,
        message: `ptplab: debootstrap --variant=minbase ${SUITE} ${mirror}`,
        changes: [`LABEL ${IMAGE_LABEL}=base`, 'CMD ["bash"]'],
      })
      return follow(docker, stream, () => {})
    })()
    const [tr, ir] = await Promise.allSettled([tar, imported])
    const tarFailed = tr.status === 'fulfilled' && tr.value.exitCode !== 0
    if (ir.status === 'rejected' || tarFailed) {
      // A half-written tar may still have been imported: do not keep it.
      await docker
        .getImage(IMAGES.base)
        .remove()
        .catch(() => {})
      if (tarFailed) throw new Error(`tar of the root file system failed: ${String(tr.value.stderr).trim()}`)
      throw new Error(`importing ${IMAGES.base} failed: ${(ir as PromiseRejectedResult).reason?.message ?? ir}`)
    }
  } finally {
    await removeRootfs(dir)
  }
}

// ---------------------------------------------------------------- build ---

export interface DockerBuild {
  tag: string
  what: string // for messages: the Dockerfile, or what the context holds
  progressPrefix: string
  // A tar stream of the context, or a directory and the files in it.
  context: NodeJS.ReadableStream | { context: string; src: string[] }
  dockerfile?: string // inside the context (default Dockerfile)
  buildargs: Record<string, string>
  labels: Record<string, string>
  nocache: boolean
  progress: (m: string) => void
}

// One `docker build` through the API: one progress line per Dockerfile
// step, the last lines of output in the error.
export async function dockerBuild(docker: Docker, b: DockerBuild): Promise<void> {
  const stream = await docker.buildImage(b.context as Parameters<Docker['buildImage']>[0], {
    t: b.tag,
    ...(b.dockerfile && { dockerfile: b.dockerfile }),
    buildargs: b.buildargs,
    // dockerd runs with --bridge=none here: apt needs the host's network.
    networkmode: 'host',
    labels: b.labels,
    rm: true,
    forcerm: true,
    nocache: b.nocache,
  })
  const tail: string[] = []
  try {
    await follow(docker, stream, (e) => {
      for (const line of (e.stream ?? '').split('\n')) {
        const l = line.trim()
        if (!l) continue
        tail.push(l)
        if (tail.length > 20) tail.shift()
        if (/^Step \d+\/\d+ : /.test(l)) b.progress(`${b.progressPrefix}: ${l.length > 110 ? l.slice(0, 107) + '...' : l}`)
      }
    })
  } catch (e) {
    throw new Error(`building ${b.tag} from ${b.what} failed: ${(e as Error).message}${tail.length ? `\n${tail.join('\n')}` : ''}`)
  }
}

// After a forced rebuild: drop the image the tag named before when nothing
// else uses it (the engine refuses otherwise, which is fine).
export async function dropReplaced(docker: Docker, tag: string, old: Docker.ImageInspectInfo | undefined): Promise<void> {
  const now = await inspectImage(docker, tag)
  if (old && now && old.Id !== now.Id)
    await docker
      .getImage(old.Id)
      .remove()
      .catch(() => {})
}

async function buildFromDockerfile(
  docker: Docker,
  role: 'node' | 'switch',
  o: { base: string; force: boolean; progress: (m: string) => void },
): Promise<void> {
  const tag = IMAGES[role]
  const file = join(projectRoot(), DOCKERFILES[role])
  const old = o.force ? await inspectImage(docker, tag) : undefined
  // The context is the Dockerfile alone: its hash then covers everything
  // the build sees.
  await dockerBuild(docker, {
    tag,
    what: DOCKERFILES[role],
    progressPrefix: role,
    context: { context: join(file, '..'), src: ['Dockerfile'] },
    buildargs: { BASE: o.base },
    labels: { [DOCKERFILE_HASH_LABEL]: dockerfileHash(readFileSync(file)), [BASE_LABEL]: o.base },
    // force means fresh packages, not the layer cache of the last build.
    nocache: o.force,
    progress: o.progress,
  })
  await dropReplaced(docker, tag, old)
}

export interface BuildImagesOptions {
  docker?: Docker
  progress: (m: string) => void
  // Rebuild node and switch (without the layer cache) even when their tags
  // exist. The base is only built when missing (remove it to rebuild it).
  force?: boolean
  // Base image override, e.g. debian:bookworm-slim where a registry is
  // reachable; the local debootstrap base is then neither needed nor built.
  from?: string
}

export interface BuildImagesResult {
  node: string
  switch: string
  built: string[]
  reused: string[]
}

// The local debootstrap base, built when missing; true when it was built.
export async function ensureBase(docker: Docker, progress: (m: string) => void): Promise<boolean> {
  if (await inspectImage(docker, IMAGES.base)) return false
  const t0 = Date.now()
  progress(`base: ${IMAGES.base} is missing: building it with debootstrap`)
  await buildBase(docker, progress)
  progress(`base: ${IMAGES.base} built (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
  return true
}

// Builds what is missing (or everything, with force) and says what it did.
export async function buildImages(o: BuildImagesOptions): Promise<BuildImagesResult> {
  const docker = o.docker ?? new Docker()
  const reason = await dockerAvailable(docker)
  if (reason) throw new Error(reason)
  const built: string[] = []
  const reused: string[] = []
  const base = o.from ?? IMAGES.base
  if (o.from === undefined) (await ensureBase(docker, o.progress)) ? built.push(IMAGES.base) : reused.push(IMAGES.base)
  for (const role of ['node', 'switch'] as const) {
    const tag = IMAGES[role]
    // Reused when this Dockerfile version exists and was built FROM the
    // same base (a --from build is not the local one, and the other way).
    const have = o.force ? undefined : await inspectImage(docker, tag)
    if (have && (have.Config?.Labels?.[BASE_LABEL] ?? IMAGES.base) === base) {
      reused.push(tag)
      continue
    }
    const t0 = Date.now()
    o.progress(`${role}: building ${tag} from ${DOCKERFILES[role]} (FROM ${base})`)
    await buildFromDockerfile(docker, role, { base, force: o.force ?? false, progress: o.progress })
    o.progress(`${role}: ${tag} built (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
    built.push(tag)
  }
  return { node: IMAGES.node, switch: IMAGES.switch, built, reused }
}
