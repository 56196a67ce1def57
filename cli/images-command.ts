// `ptplab images build|save|load|push`: the lab's images and the Kubernetes
// images (IMG_PREFIX:<tag>), built locally (no registry needed), reused when
// unchanged, moved as tarballs or pushed to a registry when one is given.
import Docker from 'dockerode'
import { dockerAvailable, IMAGES, imageStatus } from '../lab/images/images.js'
import { buildKubeImages, checkPrefix, existingKubeImages, selectImages } from '../lab/images/kube-images.js'
import { DEFAULT_PREFIX } from '../lab/images/table.js'
import { checkLoadFiles, checkSaveOut, loadImages, pushImages, pushPlan, saveImages } from '../lab/images/transfer.js'
import { EXIT, progress } from './output.js'


// No engine is a runtime condition, not bad input: exit 1 with what to do.
async function noEngine(): Promise<boolean> {
  const reason = await dockerAvailable()
  if (reason) process.stderr.write(`ptplab: error: ${reason}\n`)
  return reason !== undefined
}

const mb = (n?: number) => (n !== undefined ? `${(n / 1e6).toFixed(0)} MB` : '')
const row = (role: string, ref: string, what: string, size?: number) =>
  process.stdout.write(`${role.padEnd(12)}${ref.padEnd(36)}${what.padEnd(8)}${mb(size)}\n`)

// Bad flags are bad input (exit 2) whether or not an engine answers.
function checkFlags(o: { prefix?: string; only?: string[] }): string {
  selectImages(o.only)
  return checkPrefix(o.prefix ?? DEFAULT_PREFIX)
}

export async function cmdImagesBuild(o: { force?: boolean; from?: string; prefix?: string; only?: string[] }): Promise<number> {
  const prefix = checkFlags(o)
  if (await noEngine()) return EXIT.failed
  const t0 = Date.now()
  const { lab, images: kube } = await buildKubeImages({ prefix, only: o.only, force: o.force, from: o.from, progress })
  const built = [...lab.built, ...kube.filter((k) => k.action === 'built').map((k) => k.ref)]
  const secs = ((Date.now() - t0) / 1000).toFixed(1)
  progress(built.length ? `built ${built.join(', ')} in ${secs} s` : `images up to date, nothing to build (${secs} s)`)
  // Results on stdout: one line per image, role, reference, what happened,
  // size; the lab's images too unless --only picked Kubernetes images.
  if (o.only === undefined) {
    const status = new Map((await imageStatus()).map((s) => [s.tag, s]))
    const rows: Array<[string, string]> = [...(o.from === undefined ? [['base', IMAGES.base] as [string, string]] : []), ['node', lab.node], ['switch', lab.switch]]
    for (const [role, tag] of rows) row(role, tag, lab.built.includes(tag) ? 'built' : 'reused', status.get(tag)?.sizeBytes)
  }
  for (const k of kube) row(k.tag, k.ref, k.action, k.sizeBytes)
  for (const k of kube) if (k.missing.length) progress(`note: ${k.ref} lacks ${k.missing.join(', ')} (not built yet): its entrypoint fails until it is`)
  return EXIT.ok
}

export async function cmdImagesSave(o: { out: string; prefix?: string; only?: string[] }): Promise<number> {
  const prefix = checkFlags(o)
  await checkSaveOut(o.out)
  if (await noEngine()) return EXIT.failed
  const docker = new Docker()
  const refs = await existingKubeImages(docker, prefix, o.only)
  for (const f of await saveImages(docker, refs, o.out, progress)) process.stdout.write(`${f.file}\t${mb(f.bytes)}\t${f.refs.join(' ')}\n`)
  return EXIT.ok
}

export async function cmdImagesLoad(files: string[]): Promise<number> {
  await checkLoadFiles(files)
  if (await noEngine()) return EXIT.failed
  for (const ref of await loadImages(new Docker(), files, progress)) process.stdout.write(`${ref}\n`)
  return EXIT.ok
}

export async function cmdImagesPush(o: { registry: string; prefix?: string; only?: string[] }): Promise<number> {
  const prefix = checkFlags(o)
  pushPlan([], o.registry) // a bad --registry is bad input, before the engine is asked
  if (await noEngine()) return EXIT.failed
  const docker = new Docker()
  const pushed = await pushImages(docker, await existingKubeImages(docker, prefix, o.only), o.registry, progress)
  for (const p of pushed) process.stdout.write(`${p.ref}\t${p.digest ?? ''}\n`)
  const newPrefix = pushed[0]?.ref.slice(0, pushed[0].ref.lastIndexOf(':'))
  if (newPrefix) progress(`kustomize: set IMG_PREFIX (images: newName) to ${newPrefix}`)
  return EXIT.ok
}
