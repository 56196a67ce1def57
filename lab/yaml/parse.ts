// The one way user YAML is parsed: every problem becomes an InputError with
// the file and line (and field, where there is one), and hostile documents
// are refused before they cost anything:
// - nesting deeper than YAML_MAX_DEPTH: yaml composes documents
//   recursively, and a few thousand levels overflow the stack; V8 can turn
//   that into an uncatchable out-of-memory abort (a regular expression
//   compiled near the stack limit), so depth is measured first, flow
//   brackets with the lexer (stops early), then every collection on the
//   syntax tree (both iterative);
// - more than YAML_MAX_NODES values once aliases are expanded (a "billion
//   laughs" document): toJS shares aliased objects, but every consumer
//   (validation, copies) walks the expansion. Measured on the document
//   itself, so yaml's own alias heuristic (maxAliasCount) is not needed.
import { Composer, isAlias, isMap, isPair, isSeq, Lexer, LineCounter, Parser, type CST, type Document } from 'yaml'
import { InputError, type InputErrorWhere } from '../errors.js'
import { excerpt, quote } from '../text.js'
import { fieldPath, lineFinder, type Path } from './where.js'

export const YAML_MAX_DEPTH = 64
export const YAML_MAX_NODES = 100_000

export interface YamlDoc {
  value: unknown // toJS() of the document (undefined/null when empty)
  doc: Document
  line: (path: Path) => number | undefined
  where: (path: Path) => InputErrorWhere // file, line and field of a path
}

export interface YamlOptions {
  what: string // "topology file", for messages
  multi?: boolean // a stream of documents (else exactly one)
}

// Parses `text`; `file` only labels errors.
export function parseYaml(text: string, file: string | undefined, o: YamlOptions): YamlDoc[] {
  const lc = new LineCounter()
  const lineAt = (offset: number) => lc.linePos(offset).line
  const fail = (detail: string, where: Omit<InputErrorWhere, 'file'>): never => {
    throw new InputError(detail, { file, ...where })
  }
  const tooDeep = (offset: number) => fail(`YAML nested deeper than ${YAML_MAX_DEPTH} levels`, { line: lineAt(offset) })

  const flowAt = flowTooDeep(text)
  if (flowAt !== undefined) fail(`YAML nested deeper than ${YAML_MAX_DEPTH} levels`, { line: text.slice(0, flowAt).split('\n').length })
  const tokens = Array.from(new Parser(lc.addNewLine).parse(text))
  const deepAt = cstTooDeep(tokens)
  if (deepAt !== undefined) tooDeep(deepAt)
  const docs = Array.from(new Composer({ uniqueKeys: true }).compose(tokens, true, text.length))
  if (!o.multi && docs.length > 1) fail(`a ${o.what} must hold exactly one YAML document`, { line: lineAt(docs[1]!.range[0]) })

  return docs.map((doc) => {
    const err = doc.errors[0]
    if (err) {
      const line = lineAt(err.pos[0])
      if (err.code === 'DUPLICATE_KEY') {
        const path = pathOfKeyAt(doc.contents, err.pos[0]) ?? []
        fail(`duplicate key ${quote(path[path.length - 1])}`, { line, field: fieldPath(path) || undefined })
      }
      const msg = excerpt(err.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'syntax error', 200)
      const src = text.split(/\r?\n/, line)[line - 1]?.trim()
      fail(`YAML syntax error: ${msg}${src ? ` near ${quote(src, 60)}` : ''}`, { line })
    }
    const over = expansionOver(doc, YAML_MAX_NODES)
    if (over) {
      const line = lineAt(over.node.range?.[0] ?? doc.range[0])
      fail(
        over.cycle
          ? 'YAML alias refers to a node that contains it (a recursive document)'
          : `YAML document too large: more than ${YAML_MAX_NODES} values once aliases are expanded`,
        { line },
      )
    }
    let value: unknown
    try {
      value = doc.toJS({ maxAliasCount: -1 })
    } catch (e) {
      fail(`YAML error: ${excerpt((e as Error).message, 200)}`, { line: lineAt(doc.range[0]) })
    }
    const line = lineFinder(doc, lc)
    // An empty document has no line of its own: the first line stands in.
    const where = (path: Path): InputErrorWhere => ({ file, line: line(path) ?? 1, ...(path.length > 0 && { field: fieldPath(path) }) })
    return { value, doc, line, where }
  })
}

// Offset of the first flow bracket nested deeper than the limit, from the
// lexer (which knows quotes, comments and block scalars), before any tree
// is built: a megabyte of '[' is refused in milliseconds.
function flowTooDeep(text: string): number | undefined {
  let depth = 0
  let offset = 0
  for (const tok of new Lexer().lex(text)) {
    if (tok === '[' || tok === '{') {
      if (++depth > YAML_MAX_DEPTH) return offset
    } else if (tok === ']' || tok === '}') depth = Math.max(0, depth - 1)
    else if (tok === '---' || tok === '...') depth = 0
    // Lexer control tokens (document, scalar, flow end) take no source.
    if (tok !== '\x02' && tok !== '\x18' && tok !== '\x1f') offset += tok.length
  }
  return undefined
}

// Offset of the first collection nested deeper than the limit, block or
// flow, walking the syntax tree with an explicit stack.
function cstTooDeep(tokens: CST.Token[]): number | undefined {
  const todo: Array<[CST.Token, number]> = tokens.map((t) => [t, 0])
  for (let next = todo.pop(); next; next = todo.pop()) {
    const [tok, depth] = next
    if (tok.type === 'document') {
      if (tok.value) todo.push([tok.value, depth])
    } else if (tok.type === 'block-map' || tok.type === 'block-seq' || tok.type === 'flow-collection') {
      if (depth + 1 > YAML_MAX_DEPTH) return tok.offset
      for (const it of tok.items as CST.CollectionItem[]) {
        if (it.key) todo.push([it.key, depth + 1])
        if (it.value) todo.push([it.value, depth + 1])
      }
    }
  }
  return undefined
}

// How many values the document has once aliases are expanded; the node at
// which it passed `max` (or an alias inside the node it names). Anchors come
// before their aliases, so each alias's target is already counted when the
// walk (document order, depth-limited above) reaches it.
function expansionOver(doc: Document, max: number): { node: { range?: readonly number[] | null }; cycle?: true } | undefined {
  const size = new Map<unknown, number>()
  const open = new Set<unknown>()
  const count = (n: unknown): number => {
    if (isAlias(n)) {
      const target = n.resolve(doc)
      if (target && open.has(target)) throw { node: n, cycle: true }
      return (target && size.get(target)) ?? 1
    }
    let total = 1
    if (isMap(n) || isSeq(n)) {
      open.add(n)
      for (const it of n.items as unknown[]) {
        const parts = isPair(it) ? [it.key, it.value] : [it]
        for (const p of parts) {
          if (p === null || p === undefined) continue
          total += count(p)
          if (total > max) throw { node: isAlias(p) ? p : n }
        }
      }
      open.delete(n)
    }
    size.set(n, total)
    return total
  }
  try {
    count(doc.contents)
    return undefined
  } catch (e) {
    if (e && typeof e === 'object' && 'node' in e) return e as { node: { range?: readonly number[] | null }; cycle?: true }
    throw e
  }
}

// yaml reports a duplicate key by the key's offset; the field path of it.
function pathOfKeyAt(node: unknown, offset: number, path: Path = []): Path | undefined {
  if (isMap(node)) {
    for (const p of node.items) {
      const k = keyText(p.key)
      if ((p.key as { range?: number[] } | null)?.range?.[0] === offset) return [...path, k]
      const r = pathOfKeyAt(p.value, offset, [...path, k])
      if (r) return r
    }
  } else if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) {
      const r = pathOfKeyAt(item, offset, [...path, i])
      if (r) return r
    }
  }
  return undefined
}

const keyText = (k: unknown) => {
  const v = (k as { value?: unknown } | null)?.value
  return v === undefined ? '?' : String(v)
}
