// Every name rule in one place: names that become paths, interfaces, labels,
// container names or Kubernetes objects. The Kubernetes rules are the API
// server's own (k8s.io/apimachinery/pkg/util/validation): DNS-1123 labels
// and subdomains, qualified label keys, label values. Each check returns the
// problem in words (undefined: the name is fine), so callers can attach the
// file and field; `checkName` throws an InputError.
import { InputError, type InputErrorWhere } from './errors.js'
import { quote } from './text.js'

export type NameRule = (s: string) => string | undefined

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/

// A DNS-1123 label: namespaces, Service names; at most 63 characters.
export const dns1123Label: NameRule = (s) => {
  if (s.length === 0) return 'must not be empty'
  if (s.length > 63) return `must be at most 63 characters (has ${s.length})`
  if (!DNS1123_LABEL.test(s)) return "must be lowercase letters, digits and '-', starting and ending with a letter or digit"
  return undefined
}

// A DNS-1123 subdomain: names of most objects (PtpConfig, Node, ConfigMap);
// dot-separated DNS-1123 labels, at most 253 characters.
export const dns1123Subdomain: NameRule = (s) => {
  if (s.length === 0) return 'must not be empty'
  if (s.length > 253) return `must be at most 253 characters (has ${s.length})`
  if (s.split('.').some((part) => !DNS1123_LABEL.test(part) || part.length > 63))
    return "must be lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit"
  return undefined
}

// A label key: [prefix/]name, the prefix a DNS-1123 subdomain, the name at
// most 63 of [A-Za-z0-9_.-] starting and ending alphanumeric.
export const labelKey: NameRule = (s) => {
  const slash = s.indexOf('/')
  const prefix = slash >= 0 ? s.slice(0, slash) : undefined
  const name = slash >= 0 ? s.slice(slash + 1) : s
  if (prefix !== undefined) {
    const p = dns1123Subdomain(prefix)
    if (p) return `prefix ${quote(prefix)} ${p}`
  }
  if (name.length === 0) return 'name part must not be empty'
  if (name.length > 63) return `name part must be at most 63 characters (has ${name.length})`
  if (!LABEL_NAME.test(name)) return "name part must be letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
  return undefined
}

// A label value: empty, or like a label key's name part.
export const labelValue: NameRule = (s) => {
  if (s.length === 0) return undefined
  if (s.length > 63) return `must be at most 63 characters (has ${s.length})`
  if (!LABEL_NAME.test(s)) return "must be empty or letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
  return undefined
}

// A Linux interface name as ptplab accepts it: IFNAMSIZ-1 bytes, and only
// characters that are also safe in file names, ptp4l config section
// headers and command lines.
export const ifName: NameRule = (s) => {
  if (s.length === 0 || s.length > 15) return `must be 1..15 characters (has ${s.length})`
  if (!/^[A-Za-z0-9._-]+$/.test(s)) return "must be letters, digits, '.', '_' and '-'"
  if (s.startsWith('-')) return "must not start with '-'"
  if (s === '.' || s === '..') return "must not be '.' or '..'"
  return undefined
}

// A network namespace name as ptplab makes them (a file under /run/netns,
// an argument to ip): "ptplab-<lab>.<node>" and the holder of unplugged ports.
export const netnsName: NameRule = (s) => {
  if (s.length === 0 || s.length > 255) return `must be 1..255 characters (has ${s.length})`
  if (!/^[A-Za-z0-9._-]+$/.test(s)) return "must be letters, digits, '.', '_' and '-'"
  if (s.startsWith('-') || s === '.' || s === '..') return "must not start with '-' or be '.' or '..'"
  return undefined
}

// Lab, node and switch names: they end up in namespace, container, file and
// Kubernetes node names, so the strictest of those (a DNS-1123 label that
// starts with a letter), short enough for "ptplab-<lab>.<node>".
export const LAB_NAME_MAX = 20
export const labName: NameRule = (s) => {
  if (s.length === 0 || s.length > LAB_NAME_MAX) return `must be 1..${LAB_NAME_MAX} characters (has ${s.length})`
  if (!/^[a-z][a-z0-9-]*$/.test(s) || s.endsWith('-')) return "must be lowercase letters, digits and '-', starting with a letter, not ending with '-'"
  return undefined
}
export const validLabName = (s: string) => labName(s) === undefined

// A PTP profile name: it is written into ptp4l config files ("#profile:")
// and log lines, so no control characters (a newline would inject config
// lines) and a sane length.
export const profileName: NameRule = (s) => {
  if (s.trim().length === 0) return 'must not be empty'
  if (s.length > 253) return `must be at most 253 characters (has ${s.length})`
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(s)) return 'must not contain control characters (newlines, tabs, ...)'
  return undefined
}

// Container images, as the distribution reference grammar has them (simplified
// to what must be refused: spaces, control characters, uppercase paths): an
// optional registry host[:port] (the first part, when it has a '.' or ':' or
// is localhost, as Docker decides), a lowercase path, a tag and/or digest.
const REGISTRY_RE = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?$/
const PATH_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/
const DIGEST_RE = /^sha256:[0-9a-f]{64}$/

// A registry: HOST or HOST:PORT.
export const registryHost: NameRule = (s) => {
  if (!REGISTRY_RE.test(s)) return 'must be HOST or HOST:PORT (letters, digits, . and -)'
  const port = s.split(':')[1]
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return 'port must be 1..65535'
  return undefined
}

// An image repository without tag: IMG_PREFIX (localhost/ptplab).
export const imageRepository: NameRule = (s) => {
  const bad = 'must be [registry[:port]/]path, the path lowercase letters and digits with . _ - separators'
  if (s.length === 0 || s.length > 255) return bad
  const slash = s.indexOf('/')
  const first = slash >= 0 ? s.slice(0, slash) : ''
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')
  if (hasRegistry && registryHost(first)) return `registry ${quote(first)} ${registryHost(first)}`
  return PATH_RE.test(hasRegistry ? s.slice(slash + 1) : s) ? undefined : bad
}

// A full image reference: repository[:tag][@sha256:digest].
export const imageReference: NameRule = (s) => {
  const [name = '', digest, ...more] = s.split('@')
  if (more.length || (digest !== undefined && !DIGEST_RE.test(digest))) return 'digest must be @sha256:<64 hex digits>'
  const colon = name.lastIndexOf(':')
  const hasTag = colon > name.lastIndexOf('/')
  if (hasTag && !TAG_RE.test(name.slice(colon + 1))) return "tag must be letters, digits, '_', '.' and '-' (at most 128)"
  return imageRepository(hasTag ? name.slice(0, colon) : name)
}

// Throws an InputError naming the value and where it came from.
export function checkName(rule: NameRule, value: unknown, what: string, where: InputErrorWhere = {}): string {
  if (typeof value !== 'string') throw new InputError(`${what} must be a string, got ${quote(value)}`, where)
  const problem = rule(value)
  if (problem) throw new InputError(`invalid ${what} ${quote(value)}: ${problem}`, where)
  return value
}
