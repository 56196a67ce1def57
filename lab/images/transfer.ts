// Moving the Kubernetes images without building them again: tarballs for CI
// artifacts (docker save/load through the API) and pushes to a registry
// when one is given (tag, push, untag). Every Docker call goes through
// dockerode.
import type Docker from 'dockerode'
import { createReadStream, createWriteStream } from 'node:fs'
import { rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { InputError } from '../errors.js'
import { checkName, registryHost } from '../names.js'
import { follow } from './images.js'

const tagOf = (ref: string) => ref.slice(ref.lastIndexOf(':') + 1)

// --out DIR (an existing directory, or one named with a trailing '/'): one
// tarball per image, DIR/<tag>.tar; --out FILE: all images in one tarball.
export function savePlan(out: string, refs: string[], outIsDir: boolean): Array<{ file: string; refs: string[] }> {
  return outIsDir ? refs.map((r) => ({ file: join(out, `${tagOf(r)}.tar`), refs: [r] })) : [{ file: out, refs }]
}

async function isDir(p: string): Promise<boolean | undefined> {
  try {
    return (await stat(p)).isDirectory()
  } catch {
    return undefined
  }
}

// GET /images/get?names=...: one tarball of several images (dockerode has
// it; its type definitions do not).
const exportImages = (docker: Docker, names: string[]) =>
  (docker as unknown as { getImages(o: { names: string[] }): Promise<NodeJS.ReadableStream> }).getImages({ names })

// Streams `docker save` into file through a temporary name, so an
// interrupted save leaves no torn tarball (and no temporary file).
async function saveTo(docker: Docker, refs: string[], file: string): Promise<number> {
  const tmp = `${file}.partial-${process.pid}`
  try {
    await pipeline(await exportImages(docker, refs), createWriteStream(tmp, { flags: 'wx' }))
    await rename(tmp, file)
  } catch (e) {
    await rm(tmp, { force: true })
    throw e
  }
  return (await stat(file)).size
}

// --out: an existing directory, or a file in one; true for a directory.
export async function checkSaveOut(out: string): Promise<boolean> {
  const dir = (await isDir(out)) ?? false
  if (!dir && out.endsWith('/')) throw new InputError(`no such directory: ${out}`, { field: '--out' })
  if (!dir && !(await isDir(dirname(out)))) throw new InputError(`no such directory: ${dirname(out)}`, { field: '--out' })
  return dir
}

// Tarballs to load: existing files.
export async function checkLoadFiles(files: string[]): Promise<void> {
  for (const f of files) {
    const d = await isDir(f)
    if (d === undefined) throw new InputError(`no such file: ${f}`, { field: 'FILE' })
    if (d) throw new InputError(`a directory, not a tarball: ${f}`, { field: 'FILE' })
  }
}

export async function saveImages(
  docker: Docker,
  refs: string[],
  out: string,
  progress: (m: string) => void,
): Promise<Array<{ file: string; refs: string[]; bytes: number }>> {
  const dir = await checkSaveOut(out)
  const done: Array<{ file: string; refs: string[]; bytes: number }> = []
  for (const p of savePlan(out, refs, dir)) {
    progress(`saving ${p.refs.join(', ')} to ${p.file}`)
    done.push({ ...p, bytes: await saveTo(docker, p.refs, p.file) })
  }
  return done
}

// `docker load` of each tarball; the references it loaded, from the
// engine's own "Loaded image: REF" lines.
export async function loadImages(docker: Docker, files: string[], progress: (m: string) => void): Promise<string[]> {
  await checkLoadFiles(files)
  const loaded: string[] = []
  for (const f of files) {
    progress(`loading ${f}`)
    const events = await follow(docker, await docker.loadImage(createReadStream(f), { quiet: true }), () => {})
    for (const e of events) {
      const m = /^Loaded image(?: ID)?: (\S+)/.exec((e.stream ?? '').trim())
      if (m) loaded.push(m[1]!)
    }
  }
  return loaded
}

// Where each image goes in a registry: the registry host replaces the
// prefix's own (localhost/ptplab:lptpd -> HOST:PORT/ptplab:lptpd), so the
// kustomize IMG_PREFIX becomes HOST:PORT/ptplab.
export function pushPlan(refs: string[], registry: string): Array<{ src: string; repo: string; tag: string; dest: string }> {
  checkName(registryHost, registry, 'registry', { field: '--registry' })
  return refs.map((src) => {
    const colon = src.lastIndexOf(':')
    const repo = src.slice(0, colon)
    const parts = repo.split('/')
    const first = parts[0]!
    const path = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost') ? parts.slice(1) : parts
    const destRepo = `${registry}/${path.join('/')}`
    return { src, repo: destRepo, tag: src.slice(colon + 1), dest: `${destRepo}:${src.slice(colon + 1)}` }
  })
}

// Tags, pushes and untags each image (the registry name is only an alias
// while it is pushed); the digest the registry acknowledged for each.
export async function pushImages(
  docker: Docker,
  refs: string[],
  registry: string,
  progress: (m: string) => void,
): Promise<Array<{ ref: string; digest?: string }>> {
  const out: Array<{ ref: string; digest?: string }> = []
  for (const p of pushPlan(refs, registry)) {
    await docker.getImage(p.src).tag({ repo: p.repo, tag: p.tag })
    try {
      progress(`pushing ${p.dest}`)
      // An empty credential: registries without auth, as the local one of
      // upstream's lab; the engine rejects a push without the header.
      const stream = (await docker.getImage(p.dest).push({ tag: p.tag, authconfig: {} } as never)) as unknown as NodeJS.ReadableStream
      const events = await follow(docker, stream, () => {})
      const digest = events.map((e) => (e.aux as { Digest?: string } | undefined)?.Digest).find((d) => d !== undefined)
      out.push({ ref: p.dest, ...(digest && { digest }) })
    } finally {
      await docker
        .getImage(p.dest)
        .remove({ noprune: true })
        .catch(() => {})
    }
  }
  return out
}
