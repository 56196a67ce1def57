// The per-node L2 discovery report, in the JSON shape upstream's discovery
// agent prints (docs/upstream.md#suite; agent: redhat-best-practices-for-k8s/
// l2discovery, l2discovery.go; types: redhat-cne/l2discovery-lib,
// exports/exports.go):
//
//   { "<ethertype>": { "<local ifname>": { "Local": {...}, "Remote": { "<MAC>": true } } } }
//
// - "88b5": interfaces that received probe frames (the experimental
//   ethertype); Remote holds the source MACs heard. The agent creates an
//   entry on the first frame received, so a port that heard nothing is absent.
// - "88f7": interfaces that received PTP frames; Remote holds their sources.
// - "0000": every local interface, Remote empty (newer agents; optional).
//
// Pure: no I/O except loadL2Dir. MACs are normalised to upper case with
// colons ("F4:03:43:D1:70:A0", what the agent itself prints), so they compare
// case-insensitively; the agent's old bare form ("f40343d170a0") is accepted
// too. Unknown fields inside an entry (IfMaster, IfSlaveType, ptpAnnounces,
// HasPtpPins, GnssDevice, ... of newer agents) are ignored, as Go's decoder
// ignores them; missing optional fields get Go's zero values (PhcIndex: -1).
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { InputError } from '../errors.js'
import { errnoText, INPUTS, readInputFile } from '../input.js'
import { excerpt, quote } from '../text.js'

export const ETHERTYPE_PROBE = '88b5'
export const ETHERTYPE_PTP = '88f7'
export const ETHERTYPE_LOCAL = '0000'

export interface L2Pci {
  Device: string // bus-info without the function, e.g. "0000:1f:01"
  Function: string // e.g. "0"
  Description: string // lspci description ("... Virtual Function" is not PTP-capable)
  Subsystem: string
}

export interface L2PtpCaps {
  HwRx: boolean
  HwTx: boolean
  HwRawClock: boolean
  PhcIndex: number // -1 when absent
}

// The "Local" object: one local interface.
export interface L2Iface {
  IfName: string
  IfMac: { Data: string } // normalised: upper case, colon separated
  IfIndex: number
  IfPci: L2Pci
  IfPTPCaps: L2PtpCaps
  IfUp: boolean
}

export interface L2Neighbors {
  Local: L2Iface
  // Source MACs heard on Local (normalised). The agent only writes `true`;
  // like upstream's graph code, a key's presence is what counts.
  Remote: Record<string, boolean>
}

// Keyed by local interface name (equal to Local.IfName).
export type L2Section = Record<string, L2Neighbors>

export interface L2Report {
  '88b5': L2Section // always present after parsing ({} when the file had none)
  '88f7': L2Section // always present after parsing
  '0000'?: L2Section
  [ethertype: string]: L2Section | undefined
}

// ---------------------------------------------------------------- helpers

const q = (v: unknown) => quote(v)

function pathOf(segs: readonly string[]): string {
  let s = ''
  for (const seg of segs) {
    if (/^[A-Za-z0-9_-]{1,40}$/.test(seg)) s += s ? `.${seg}` : seg
    else s += `[${quote(seg, 40)}]`
  }
  return s
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

const MAC_COLON = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/
const MAC_BARE = /^[0-9A-Fa-f]{12}$/

// "f4:03:43:d1:70:a0" / "F40343D170A0" -> "F4:03:43:D1:70:A0"; undefined if not a MAC.
export function normalizeMac(s: string): string | undefined {
  if (MAC_COLON.test(s)) return s.toUpperCase()
  if (MAC_BARE.test(s)) return s.toUpperCase().match(/../g)!.join(':')
  return undefined
}

// Where a JSON text first goes wrong (V8's messages do not always say):
// a small recursive-descent scan, run only after JSON.parse failed.
function jsonErrorAt(text: string): { pos: number; what: string } | undefined {
  let i = 0
  const LITERAL = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y
  const fail = (what: string): never => {
    throw { pos: i, what }
  }
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++
  }
  const str = () => {
    i++
    while (i < text.length) {
      const c = text[i]!
      if (c === '"') return void i++
      if (c < ' ') fail('control character in a string')
      i += c === '\\' ? 2 : 1
    }
    fail('unterminated string')
  }
  const value = (): void => {
    ws()
    const c = text[i]
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']'
      i++
      ws()
      if (text[i] === close) return void i++
      for (;;) {
        if (c === '{') {
          ws()
          if (text[i] !== '"') fail(text[i] === undefined ? 'unexpected end of input' : `expected a quoted key, got ${q(text[i])}`)
          str()
          ws()
          if (text[i] !== ':') fail(`expected ':', got ${q(text[i] ?? 'end of input')}`)
          i++
        }
        value()
        ws()
        if (text[i] === ',') i++
        else if (text[i] === close) return void i++
        else fail(text[i] === undefined ? 'unexpected end of input' : `expected ',' or '${close}', got ${q(text[i])}`)
      }
    }
    if (c === '"') return str()
    LITERAL.lastIndex = i
    const m = LITERAL.exec(text)
    if (m) return void (i += m[0].length)
    fail(c === undefined ? 'unexpected end of input' : `unexpected ${q(c)}`)
  }
  try {
    value()
    ws()
    if (i < text.length) fail(`unexpected ${q(text[i])} after the JSON value`)
  } catch (e) {
    if (typeof e === 'object' && e !== null && 'pos' in e) return e as { pos: number; what: string }
  }
  return undefined
}

class Reader {
  constructor(readonly file: string | undefined) {}

  // The document itself has no field: its first line stands in.
  fail(segs: readonly string[], detail: string): never {
    throw new InputError(detail, { file: this.file, ...(segs.length ? { field: pathOf(segs) } : { line: 1 }) })
  }

  object(v: unknown, segs: readonly string[]): Record<string, unknown> {
    if (!isObject(v)) this.fail(segs, `must be a JSON object, got ${q(v)}`)
    return v
  }

  string(o: Record<string, unknown>, key: string, segs: readonly string[], required: boolean): string {
    const v = o[key]
    if (v === undefined && !required) return ''
    if (typeof v !== 'string') this.fail([...segs, key], v === undefined ? 'is required' : `must be a string, got ${q(v)}`)
    return v
  }

  bool(o: Record<string, unknown>, key: string, segs: readonly string[]): boolean {
    const v = o[key]
    if (v === undefined) return false
    if (typeof v !== 'boolean') this.fail([...segs, key], `must be true or false, got ${q(v)}`)
    return v
  }

  int(o: Record<string, unknown>, key: string, segs: readonly string[], dflt: number): number {
    const v = o[key]
    if (v === undefined) return dflt
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail([...segs, key], `must be an integer, got ${q(v)}`)
    return v
  }

  iface(v: unknown, segs: readonly string[]): L2Iface {
    const o = this.object(v, segs)
    const IfName = this.string(o, 'IfName', segs, true)
    if (IfName === '') this.fail([...segs, 'IfName'], 'must not be empty')
    const macObj = this.object(o.IfMac, [...segs, 'IfMac'])
    const raw = this.string(macObj, 'Data', [...segs, 'IfMac'], true)
    const Data = normalizeMac(raw)
    if (!Data) this.fail([...segs, 'IfMac', 'Data'], `not a MAC address: ${q(raw)}`)
    const pciSegs = [...segs, 'IfPci']
    const pci = o.IfPci === undefined ? {} : this.object(o.IfPci, pciSegs)
    const capSegs = [...segs, 'IfPTPCaps']
    const caps = o.IfPTPCaps === undefined ? {} : this.object(o.IfPTPCaps, capSegs)
    return {
      IfName,
      IfMac: { Data },
      IfIndex: this.int(o, 'IfIndex', segs, 0),
      IfPci: {
        Device: this.string(pci, 'Device', pciSegs, false),
        Function: this.string(pci, 'Function', pciSegs, false),
        Description: this.string(pci, 'Description', pciSegs, false),
        Subsystem: this.string(pci, 'Subsystem', pciSegs, false),
      },
      IfPTPCaps: {
        HwRx: this.bool(caps, 'HwRx', capSegs),
        HwTx: this.bool(caps, 'HwTx', capSegs),
        HwRawClock: this.bool(caps, 'HwRawClock', capSegs),
        PhcIndex: this.int(caps, 'PhcIndex', capSegs, -1),
      },
      IfUp: this.bool(o, 'IfUp', segs),
    }
  }

  neighbors(v: unknown, segs: readonly string[], key: string): L2Neighbors {
    const o = this.object(v, segs)
    if (o.Local === undefined) this.fail([...segs, 'Local'], 'is required')
    const Local = this.iface(o.Local, [...segs, 'Local'])
    if (Local.IfName !== key) this.fail([...segs, 'Local', 'IfName'], `${q(Local.IfName)} differs from its key ${q(key)}`)
    const Remote: Record<string, boolean> = {}
    // Go decodes a missing or null Remote as an empty map.
    if (o.Remote !== undefined && o.Remote !== null) {
      const r = this.object(o.Remote, [...segs, 'Remote'])
      for (const [mac, seen] of Object.entries(r)) {
        const m = normalizeMac(mac)
        if (!m) this.fail([...segs, 'Remote'], `not a MAC address: ${q(mac)}`)
        if (typeof seen !== 'boolean') this.fail([...segs, 'Remote', mac], `must be true or false, got ${q(seen)}`)
        Remote[m] = (Remote[m] ?? false) || seen
      }
    }
    return { Local, Remote }
  }
}

// Parse one node's report. `file` only labels errors.
export function parseL2Report(text: string, file?: string): L2Report {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (e) {
    const at = jsonErrorAt(text)
    if (!at) throw new InputError(`invalid JSON: ${excerpt((e as Error).message.replace(/\s+/g, ' '), 200)}`, { file, line: 1 })
    const before = text.slice(0, at.pos)
    const line = before.split('\n').length
    const column = at.pos - before.lastIndexOf('\n')
    throw new InputError(`invalid JSON: ${at.what} (column ${column})`, { file, line })
  }
  const r = new Reader(file)
  const top = r.object(doc, [])
  const out: L2Report = { [ETHERTYPE_PROBE]: {}, [ETHERTYPE_PTP]: {} }
  for (const [etRaw, sectionRaw] of Object.entries(top)) {
    if (!/^[0-9A-Fa-f]{4}$/.test(etRaw)) r.fail([etRaw], 'not an ethertype (4 hex digits such as "88b5", "88f7", "0000")')
    const et = etRaw.toLowerCase()
    const section = r.object(sectionRaw, [etRaw])
    const parsed: L2Section = out[et] ?? {}
    for (const [ifname, entry] of Object.entries(section)) {
      if (ifname === '__proto__') r.fail([etRaw, ifname], 'not an interface name') // would not be a plain key
      parsed[ifname] = r.neighbors(entry, [etRaw, ifname], ifname)
    }
    out[et] = parsed
  }
  return out
}

// Read every `<node>.json` in `dir` (node = file name without .json), in
// file name order. Other files are ignored. An unreadable directory or file,
// or a bad report, is an InputError naming it.
export async function loadL2Dir(dir: string): Promise<Map<string, L2Report>> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (e) {
    throw new InputError(`cannot read L2 report directory: ${errnoText(e)}`, { file: dir })
  }
  const out = new Map<string, L2Report>()
  for (const name of names.filter((n) => n.endsWith('.json') && n.length > 5).sort()) {
    const file = join(dir, name)
    out.set(name.slice(0, -'.json'.length), parseL2Report(await readInputFile(file, INPUTS.l2Report), file))
  }
  return out
}
