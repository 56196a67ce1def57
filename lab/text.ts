// Quoting user input in messages: never more than a short excerpt, so a
// 500 KB line or a whole environment never ends up in an error.
export const EXCERPT_MAX = 80

export function excerpt(s: string, max = EXCERPT_MAX): string {
  if (s.length <= max) return s
  return `${s.slice(0, max)}... (${s.length} characters)`
}

// JSON.stringify of a value, cut to an excerpt.
export const quote = (v: unknown, max = EXCERPT_MAX): string => excerpt(JSON.stringify(v) ?? String(v), max)

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
