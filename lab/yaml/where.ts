// Where a field is in a YAML document: the path as users read it
// (links[2].endpoints[0]) and its line, for errors that point at the spot.
import { isMap, isNode, type Document, type LineCounter } from 'yaml'
import { quote } from '../text.js'

export type Path = readonly (string | number)[]

export function fieldPath(path: Path): string {
  let s = ''
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`
    else if (/^[A-Za-z0-9_-]{1,40}$/.test(seg)) s += s ? `.${seg}` : seg
    else s += `[${quote(seg, 40)}]` // a key can be any string: an excerpt
  }
  return s
}

// Line of a path: the key's line for a map entry, else the nearest
// existing ancestor's.
export function lineFinder(doc: Document, lc: LineCounter): (path: Path) => number | undefined {
  const lineOf = (n: unknown) => (isNode(n) && n.range ? lc.linePos(n.range[0]).line : undefined)
  return (path) => {
    for (let p = path; ; p = p.slice(0, -1)) {
      if (p.length === 0) return lineOf(doc.contents)
      const parent = p.length === 1 ? doc.contents : doc.getIn(p.slice(0, -1), true)
      const last = p[p.length - 1]
      if (isMap(parent)) {
        const pair = parent.items.find((it) => (isNode(it.key) ? (it.key as { value?: unknown }).value : it.key) === last)
        if (pair) return lineOf(pair.key) ?? lineOf(pair.value)
      } else {
        const line = lineOf(doc.getIn(p, true))
        if (line !== undefined) return line
      }
    }
  }
}

// Kubernetes (and Go decoding) treat `key: null` as an absent key.
export function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls)
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, dropNulls(x)]))
  }
  return v
}

export function valueAt(v: unknown, path: Path): unknown {
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[p] : undefined
  return v
}
