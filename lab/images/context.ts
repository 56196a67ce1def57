// Build contexts of the Kubernetes images: exactly the files a Dockerfile
// row of lab/images/table.ts names, sent as one tar stream, and a hash of
// that content so an unchanged image is reused instead of rebuilt.
import { execa } from 'execa'
import { createHash, type Hash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { lstat, readdir, readFile, readlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import type { DockerfileBuild } from './table.js'

// The top-level packages production needs: package-lock.json (v2/v3)
// entries directly under node_modules/ that are not marked dev. A nested
// package lives inside its parent's directory and comes along with it.
export function productionPackages(lock: unknown): string[] {
  const packages = (lock as { packages?: unknown })?.packages
  if (typeof packages !== 'object' || packages === null)
    throw new Error('package-lock.json has no "packages" map (lockfileVersion 2 or 3 is needed)')
  return Object.entries(packages as Record<string, { dev?: boolean; link?: boolean }>)
    .filter(([k, v]) => /^node_modules\/(@[^/]+\/)?[^/@][^/]*$/.test(k) && !v.dev)
    .map(([k, v]) => {
      if (v.link) throw new Error(`package-lock.json: ${k} is a link (workspace): not supported in images`)
      return k
    })
    .sort()
}

// One tar member: `name` inside directory `dir`, stored as `as` (default name).
export interface ContextEntry {
  dir: string
  name: string
  as?: string
  // How the content hash covers it: its bytes, or (node_modules) the lock
  // file that determined it (hashing 170 MB of packages on every reuse
  // check would cost more than the check saves).
  hashBy?: 'lock'
}

export interface ContextPlan {
  entries: ContextEntry[]
  missing: string[] // optional project paths that do not exist (yet)
}

const exists = (p: string) => lstat(p).then(() => true, () => false)

// The tar members of a Dockerfile build; a required path that is missing is
// an error (build dist/ first), an optional one is reported.
export async function planContext(b: DockerfileBuild, root: string, nodeBinary = process.execPath): Promise<ContextPlan> {
  const entries: ContextEntry[] = [{ dir: root, name: b.dockerfile }]
  const missing: string[] = []
  for (const part of b.context) {
    if (part === 'node') entries.push({ dir: dirname(nodeBinary), name: basename(nodeBinary), as: 'node' })
    else if (part === 'modules') {
      const lock = JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8')) as unknown
      for (const p of productionPackages(lock)) {
        // An optional dependency for another platform is in the lock, not on disk.
        if (await exists(join(root, p))) entries.push({ dir: root, name: p, hashBy: 'lock' })
      }
    } else if (await exists(join(root, part.project))) entries.push({ dir: root, name: part.project })
    else if (part.optional) missing.push(part.project)
    else throw new Error(`${part.project} is missing in ${root}: build the project first (npx tsc -p tsconfig.json)`)
  }
  return { entries, missing }
}

async function hashPath(h: Hash, path: string, name: string): Promise<void> {
  const st = await lstat(path)
  if (st.isSymbolicLink()) h.update(`link\0${name}\0${await readlink(path)}\0`)
  else if (st.isDirectory()) for (const n of (await readdir(path)).sort()) await hashPath(h, join(path, n), `${name}/${n}`)
  else {
    h.update(`file\0${name}\0${st.mode & 0o777}\0`)
    for await (const chunk of createReadStream(path)) h.update(chunk as Buffer)
    h.update('\0')
  }
}

// sha256 over what the build sees: every member's name, mode and bytes
// (node_modules by its lock file, node by its version and file), and the
// image it is built FROM.
export async function contextHash(plan: ContextPlan, root: string, fromId: string): Promise<string> {
  const h = createHash('sha256').update(`from\0${fromId}\0`)
  let lockHashed = false
  for (const e of plan.entries) {
    if (e.as === 'node') {
      // The node binary by version, size and mtime: reading 100 MB on every
      // reuse check costs a second.
      const st = await lstat(join(e.dir, e.name))
      h.update(`node\0${process.version}\0${process.arch}\0${st.size}\0${st.mtimeMs}\0`)
    } else if (e.hashBy === 'lock') {
      if (!lockHashed) await hashPath(h, join(root, 'package-lock.json'), 'package-lock.json (node_modules)')
      lockHashed = true
      h.update(`pkg\0${e.name}\0`)
    } else await hashPath(h, join(e.dir, e.name), e.as ?? e.name)
  }
  return h.digest('hex')
}

const sedEscape = (s: string) => s.replace(/[\\^$.*[\],&]/g, (c) => `\\${c}`)

// The tar arguments of a plan: `-C dir name` per member, owned by root; a
// member stored under another name gets an anchored --transform.
export function tarArgs(plan: ContextPlan): string[] {
  const renames = plan.entries.filter((e) => e.as !== undefined && e.as !== e.name)
  return [
    '-c',
    '-f',
    '-',
    '--numeric-owner',
    '--owner=0',
    '--group=0',
    ...renames.map((e) => `--transform=s,^${sedEscape(e.name)}$,${sedEscape(e.as!)},`),
    ...plan.entries.flatMap((e) => ['-C', e.dir, e.name]),
  ]
}

// The context as a stream, and a promise that fails when tar does.
export function contextTar(plan: ContextPlan): { stream: Readable; done: Promise<void> } {
  const sub = execa('tar', tarArgs(plan), { buffer: { stdout: false, stderr: true }, stdin: 'ignore', reject: false })
  const done = sub.then((r) => {
    if (r.exitCode !== 0) throw new Error(`tar of the build context failed: ${String(r.stderr).trim()}`)
  })
  return { stream: sub.stdout, done }
}
