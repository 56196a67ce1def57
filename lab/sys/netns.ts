// Network namespaces through iproute2 (`ip netns`), argument arrays only.
import { readdir, readlink, stat } from 'node:fs/promises'
import { mapLimit } from '../limit.js'
import { run } from './run.js'

export async function listNetns(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list'], { allowFail: true })
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean)
}

export async function addNetns(name: string): Promise<void> {
  await run('ip', ['netns', 'add', name])
  await run('ip', ['-n', name, 'link', 'set', 'lo', 'up'])
}

// Many namespaces in one `ip -batch`, then their loopbacks up, a few at a time.
export async function addNetnsMany(names: string[]): Promise<void> {
  if (!names.length) return
  await run('ip', ['-batch', '-'], { input: names.map((n) => `netns add ${n}\n`).join('') })
  await mapLimit(names, 6, (n) => run('ip', ['-n', n, 'link', 'set', 'lo', 'up']))
}

export async function deleteNetns(name: string): Promise<void> {
  await run('ip', ['netns', 'delete', name], { allowFail: true })
}

// Many namespaces in one `ip -batch` (-force: one that is already gone does
// not stop the rest).
export async function deleteNetnsMany(names: string[]): Promise<void> {
  if (!names.length) return
  await run('ip', ['-force', '-batch', '-'], { input: names.map((n) => `netns delete ${n}\n`).join(''), allowFail: true })
}

// The processes in any of these namespaces, from /proc in this process (what
// `ip netns pids` does, without one command per namespace).
export async function netnsPidsMany(names: string[]): Promise<number[]> {
  const inodes = new Set<number>()
  for (const n of names) {
    const st = await stat(`/run/netns/${n}`).catch(() => undefined)
    if (st) inodes.add(st.ino)
  }
  if (!inodes.size) return []
  const out: number[] = []
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue
    const link = await readlink(`/proc/${d}/ns/net`).catch(() => '')
    const m = /^net:\[(\d+)\]$/.exec(link)
    if (m && inodes.has(Number(m[1]))) out.push(Number(d))
  }
  return out
}

export async function netnsPids(name: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', name], { allowFail: true })
  return r.stdout
    .split('\n')
    .map((s) => Number.parseInt(s, 10))
    .filter((n) => Number.isInteger(n) && n > 0)
}

export async function setLinkUp(ns: string, name: string, up = true): Promise<void> {
  await run('ip', ['-n', ns, 'link', 'set', name, up ? 'up' : 'down'])
}

export interface LinkInfo {
  ifname: string
  ifindex: number
  address: string
  operstate: string
  flags: string[]
}

export async function listLinks(ns: string): Promise<LinkInfo[]> {
  const r = await run('ip', ['-n', ns, '-j', 'link', 'show'])
  return JSON.parse(r.stdout || '[]') as LinkInfo[]
}
