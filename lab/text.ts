// Quoting user input in messages: never more than a short excerpt, so a
// 500 KB line or a whole environment never ends up in an error.
export const EXCERPT_MAX = 80

// Never cut between the two halves of a surrogate pair.
const cutAt = (s: string, max: number) => {
  const c = s.charCodeAt(max - 1)
  return s.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max)
}

export function excerpt(s: string, max = EXCERPT_MAX): string {
  if (s.length <= max) return s
  return `${cutAt(s, max)}... (${s.length} characters)`
}

// A value as JSON, cut to an excerpt. Rendering stops once it is past the
// excerpt, so a huge or deeply nested value costs next to nothing. YAML's
// numbers that JSON has no spelling for are shown as YAML writes them
// (.inf, -.inf, .nan), not as JSON.stringify's null.
export function quote(v: unknown, max = EXCERPT_MAX): string {
  const out = render(v, max + 1)
  if (out.length <= max) return out
  const size = typeof v === 'string' ? ` (${v.length} characters)` : Array.isArray(v) ? ` (${v.length} items)` : ''
  return `${cutAt(out, max)}...${size}`
}

function scalar(x: unknown, limit: number): string {
  switch (typeof x) {
    case 'string':
      return JSON.stringify(x.length > limit ? x.slice(0, limit) : x)
    case 'number':
      return Number.isFinite(x) ? String(x) : Number.isNaN(x) ? '.nan' : x > 0 ? '.inf' : '-.inf'
    case 'undefined':
      return 'undefined'
    case 'object':
      if (x === null) return 'null'
      if (x instanceof Date) return JSON.stringify(x)
      return String(x)
    default:
      return String(x)
  }
}

function* entries(x: object): Generator<[string | undefined, unknown]> {
  if (Array.isArray(x)) for (const item of x) yield [undefined, item]
  else for (const k of Object.keys(x)) yield [k, (x as Record<string, unknown>)[k]]
}

// Iterative (no recursion: any nesting depth), stops near `limit` characters.
function render(v: unknown, limit: number): string {
  let s = ''
  const frames: Array<{ it: Generator<[string | undefined, unknown]>; first: boolean; close: string }> = []
  let next: { value: unknown } | undefined = { value: v }
  while (s.length < limit) {
    if (next) {
      const x = next.value
      next = undefined
      if (x !== null && typeof x === 'object' && !(x instanceof Date)) {
        const arr = Array.isArray(x)
        s += arr ? '[' : '{'
        frames.push({ it: entries(x), first: true, close: arr ? ']' : '}' })
      } else s += scalar(x, limit - s.length)
      continue
    }
    const f = frames[frames.length - 1]
    if (!f) break
    const r = f.it.next()
    if (r.done) {
      s += f.close
      frames.pop()
      continue
    }
    const [k, x] = r.value
    if (!f.first) s += ','
    f.first = false
    if (k !== undefined) s += `${scalar(k, limit - s.length)}:`
    next = { value: x }
  }
  return s
}

// Text for XML, SVG and HTML (text and attribute values). Characters XML 1.0
// cannot carry at all (control codes from a process's output) become U+FFFD
// so the document stays parseable.
export const escapeXml = (s: string): string =>
  s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
