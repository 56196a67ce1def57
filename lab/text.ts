// Quoting user input in messages: never more than a short excerpt, so a
// 500 KB line or a whole environment never ends up in an error.
export const EXCERPT_MAX = 80

export function excerpt(s: string, max = EXCERPT_MAX): string {
  if (s.length <= max) return s
  return `${s.slice(0, max)}... (${s.length} characters)`
}

// JSON.stringify of a value, cut to an excerpt.
export const quote = (v: unknown, max = EXCERPT_MAX): string => excerpt(JSON.stringify(v) ?? String(v), max)
