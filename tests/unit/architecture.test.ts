// The layering rules, checked on the sources' import statements: the
// conformance suite reaches clusters only through the seam
// (lab/cluster/types.ts), never a backend, the lab's store, host paths or
// processes; and no folder of lab/ imports, even indirectly, a folder that
// imports it back.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import t from 'tap'
import { projectRoot } from '../../lab/paths.js'

const root = projectRoot()
const lab = join(root, 'lab')

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : []
  })
}

// Relative imports of a file, resolved to project paths (".js" -> ".ts").
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const out: string[] = []
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/gm))
    out.push(relative(root, resolve(dirname(file), m[1]!)).replace(/\.js$/, '.ts'))
  for (const m of text.matchAll(/import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) out.push(relative(root, resolve(dirname(file), m[1]!)).replace(/\.js$/, '.ts'))
  return out
}

// lab/<folder>/... -> <folder>; files directly in lab/ are the folder "lab".
const folderOf = (p: string) => {
  const parts = p.split('/')
  return parts[0] === 'lab' && parts.length > 2 ? parts[1]! : parts[0] === 'lab' ? 'lab' : undefined
}

t.test('the conformance suite sees clusters only through the seam', async (t) => {
  const allowedCluster = new Set(['lab/cluster/types.ts'])
  const forbidden = (imp: string) =>
    imp.startsWith('lab/backends/') ||
    (imp.startsWith('lab/cluster/') && !allowedCluster.has(imp)) ||
    imp === 'lab/paths.ts' ||
    imp.startsWith('lab/state/') ||
    /^lab\/sys\/(netns|spawn|run|pmc|proc)\.ts$/.test(imp)
  const leaks: string[] = []
  for (const f of tsFiles(join(lab, 'conformance'))) {
    for (const imp of importsOf(f)) if (forbidden(imp)) leaks.push(`${relative(root, f)} imports ${imp}`)
    const text = readFileSync(f, 'utf8')
    if (/process\.kill\(|node:child_process|from 'execa'|from 'dockerode'/.test(text)) leaks.push(`${relative(root, f)} runs or signals processes itself`)
  }
  t.same(leaks, [], 'no backend, store, host path or process in lab/conformance')
})

t.test('no import cycle between the folders of lab/', async (t) => {
  const edges = new Map<string, Set<string>>()
  for (const f of tsFiles(lab)) {
    const from = folderOf(relative(root, f))!
    for (const imp of importsOf(f)) {
      const to = folderOf(imp)
      if (!to || to === from) continue
      if (!edges.has(from)) edges.set(from, new Set())
      edges.get(from)!.add(to)
    }
  }
  // Depth-first search for a back edge; report the cycle it closes.
  const cycles: string[] = []
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (n: string) => {
    state.set(n, 'open')
    stack.push(n)
    for (const m of edges.get(n) ?? []) {
      if (state.get(m) === 'open') cycles.push([...stack.slice(stack.indexOf(m)), m].join(' -> '))
      else if (!state.has(m)) visit(m)
    }
    stack.pop()
    state.set(n, 'done')
  }
  for (const n of [...edges.keys()].sort()) if (!state.has(n)) visit(n)
  t.same(cycles, [], 'folder dependencies form no cycle')
})

t.test('the daemon shares only types and pure parsers with lab/', async (t) => {
  const bad: string[] = []
  for (const f of tsFiles(join(root, 'daemon')))
    for (const imp of importsOf(f))
      if (imp.startsWith('lab/') && !/^lab\/(ptp|clock)\//.test(imp) && !/^lab\/(errors|names|text|input|limit)\.ts$/.test(imp)) bad.push(`${relative(root, f)} imports ${imp}`)
  t.same(bad, [])
})

t.test('the project stands alone: nothing cites a reference file outside the repository', async (t) => {
  const self = relative(root, new URL(import.meta.url).pathname)
  const roots = ['lab', 'daemon', 'cli', 'scripts', 'tests', 'docs', 'topologies', 'switch', 'manifests', 'images', '.github', 'README.md']
  const files = roots.flatMap((r) => {
    const p = join(root, r)
    try {
      return statSync(p).isDirectory() ? allFiles(p) : [p]
    } catch {
      return []
    }
  })
  const cites = files
    .filter((f) => relative(root, f) !== self && !/\.(png|tar|gz)$/.test(f))
    .filter((f) => /REFERENCE(\.md| section)|\.\.\/shared\//.test(readFileSync(f, 'utf8')))
    .map((f) => relative(root, f))
  t.same(cites, [])
})

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? allFiles(p) : [p]
  })
}
