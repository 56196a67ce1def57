// Minimal parser for the Prometheus text exposition format: enough to read
// our own daemons' metrics back (no timestamps, no exemplars).
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)\s*$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy

export function parsePromText(text: string): Sample[] {
  const out: Sample[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const m = LINE.exec(line)
    if (!m) continue
    const labels: Record<string, string> = {}
    if (m[2]) {
      LABEL.lastIndex = 0
      let l: RegExpExecArray | null
      while ((l = LABEL.exec(m[2])))
        labels[l[1]!] = l[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c))
    }
    out.push({ name: m[1]!, labels, value: promNumber(m[3]!) })
  }
  return out
}

// Go-style special values of the exposition format.
function promNumber(s: string): number {
  if (s === '+Inf' || s === 'Inf') return Infinity
  if (s === '-Inf') return -Infinity
  return Number(s)
}

// First sample of `name` whose labels include all of `match`.
export function findSample(samples: Sample[], name: string, match: Record<string, string>): Sample | undefined {
  return samples.find((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
}
