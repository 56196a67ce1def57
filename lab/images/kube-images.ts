// Builds the Kubernetes images of lab/images/table.ts locally, FROM the
// lab's node image (itself FROM the debootstrap base, or --from a public
// one), tagged
// IMG_PREFIX:<tag>. Each image carries the hash of its context
// (context.ts) and is reused while that hash is unchanged; the lab's
// switch image is tagged openvswitch as it is.
import Docker from 'dockerode'
import { InputError } from '../errors.js'
import { checkName, imageRepository } from '../names.js'
import { projectRoot } from '../paths.js'
import { contextHash, contextTar, planContext, type ContextPlan } from './context.js'
import { BASE_LABEL, buildImages, dockerAvailable, dockerBuild, dropReplaced, inspectImage, type BuildImagesResult } from './images.js'
import { DEFAULT_PREFIX, imageRef, KUBE_IMAGES, KUBE_TAGS, RUNTIME, type DockerfileBuild, type KubeImage } from './table.js'

export const CONTENT_LABEL = 'ptplab.content-sha256'

// --only: known tags, each once; all of them when not given.
export function selectImages(only?: string[]): KubeImage[] {
  if (only === undefined) return [...KUBE_IMAGES]
  const unknown = only.filter((t) => !KUBE_TAGS.includes(t))
  if (unknown.length) throw new InputError(`unknown image tag ${JSON.stringify(unknown[0])}: one of ${KUBE_TAGS.join(', ')}`, { field: '--only' })
  if (only.length === 0) throw new InputError(`no image tag given: one or more of ${KUBE_TAGS.join(', ')}`, { field: '--only' })
  return KUBE_IMAGES.filter((i) => only.includes(i.tag))
}

export const checkPrefix = (prefix: string) => checkName(imageRepository, prefix, 'image prefix', { field: '--prefix' })

export interface KubeImageResult {
  tag: string
  ref: string
  action: 'built' | 'reused' | 'tagged'
  id: string
  sizeBytes?: number
  missing: string[] // optional context paths that were not there
}

export interface BuildKubeImagesOptions {
  docker?: Docker
  prefix?: string
  only?: string[]
  force?: boolean
  from?: string // build FROM this image instead of the local debootstrap base
  progress: (m: string) => void
}

const secs = (t0: number) => ((Date.now() - t0) / 1000).toFixed(1)

interface Prepared {
  b: DockerfileBuild
  fromRef: string
  plan: ContextPlan
  hash: string
}

// What one Dockerfile build would send, and its hash.
async function prepare(docker: Docker, role: string, b: DockerfileBuild, fromRef: string): Promise<Prepared> {
  const from = await inspectImage(docker, fromRef)
  if (!from) throw new Error(`${role}: the image it is built FROM, ${fromRef}, is missing`)
  const plan = await planContext(b, projectRoot())
  return { b, fromRef, plan, hash: await contextHash(plan, projectRoot(), from.Id) }
}

// Builds one Dockerfile image, or reuses it while its hash is the same.
async function buildOne(
  docker: Docker,
  ref: string,
  role: string,
  p: Prepared,
  o: { force: boolean; progress: (m: string) => void },
): Promise<{ action: 'built' | 'reused'; id: string; missing: string[] }> {
  const have = await inspectImage(docker, ref)
  if (have && !o.force && have.Config?.Labels?.[CONTENT_LABEL] === p.hash) return { action: 'reused', id: have.Id, missing: p.plan.missing }
  for (const m of p.plan.missing) o.progress(`${role}: ${m} does not exist yet: the image is built without it`)
  const t0 = Date.now()
  o.progress(`${role}: building ${ref} from ${p.b.dockerfile} (FROM ${p.fromRef})`)
  const { stream, done } = contextTar(p.plan)
  await Promise.all([
    dockerBuild(docker, {
      tag: ref,
      what: p.b.dockerfile,
      progressPrefix: role,
      context: stream,
      dockerfile: p.b.dockerfile,
      buildargs: p.b.from === 'node' ? { BASE: p.fromRef } : { RUNTIME: p.fromRef },
      labels: { [CONTENT_LABEL]: p.hash, [BASE_LABEL]: p.fromRef },
      nocache: o.force,
      progress: o.progress,
    }),
    done,
  ])
  await dropReplaced(docker, ref, have)
  o.progress(`${role}: ${ref} built (${secs(t0)} s)`)
  const now = await inspectImage(docker, ref)
  return { action: 'built', id: now!.Id, missing: p.plan.missing }
}

// The runtime image's tag is a hash of its content, like the lab's images:
// several checkouts keep theirs side by side.
async function ensureRuntime(docker: Docker, base: string, o: { force: boolean; progress: (m: string) => void }): Promise<string> {
  const p = await prepare(docker, 'runtime', RUNTIME, base)
  const ref = `ptplab/runtime:${p.hash.slice(0, 12)}`
  await buildOne(docker, ref, 'runtime', p, o)
  return ref
}

// The lab images' result comes along: they were built or reused on the way.
export async function buildKubeImages(o: BuildKubeImagesOptions): Promise<{ lab: BuildImagesResult; images: KubeImageResult[] }> {
  const prefix = checkPrefix(o.prefix ?? DEFAULT_PREFIX)
  const images = selectImages(o.only)
  const docker = o.docker ?? new Docker()
  const reason = await dockerAvailable(docker)
  if (reason) throw new Error(reason)
  const force = o.force ?? false
  const progress = o.progress
  // Every Kubernetes image stands on the lab's images (node, or switch for
  // openvswitch): built or reused as the docker backend does.
  const lab = await buildImages({ docker, progress, force, from: o.from })
  let runtime: string | undefined
  const out: KubeImageResult[] = []
  for (const img of images) {
    const ref = imageRef(prefix, img.tag)
    if ('alias' in img.build) {
      await docker.getImage(lab[img.build.alias]).tag({ repo: prefix, tag: img.tag })
      const info = (await inspectImage(docker, ref))!
      out.push({ tag: img.tag, ref, action: 'tagged', id: info.Id, sizeBytes: info.Size, missing: [] })
      continue
    }
    const fromRef = img.build.from === 'node' ? lab.node : (runtime ??= await ensureRuntime(docker, lab.node, { force, progress }))
    const r = await buildOne(docker, ref, img.tag, await prepare(docker, img.tag, img.build, fromRef), { force, progress })
    const info = await inspectImage(docker, ref)
    out.push({ tag: img.tag, ref, ...r, sizeBytes: info?.Size })
  }
  return { lab, images: out }
}

// The images of a prefix that exist, for save and push: a missing one is an
// error that says how to build it.
export async function existingKubeImages(docker: Docker, prefix: string, only?: string[]): Promise<string[]> {
  checkPrefix(prefix)
  const refs = selectImages(only).map((i) => imageRef(prefix, i.tag))
  const missing: string[] = []
  for (const r of refs) if (!(await inspectImage(docker, r))) missing.push(r)
  if (missing.length) throw new Error(`missing image${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: build with \`ptplab images build --prefix ${prefix}\``)
  return refs
}

