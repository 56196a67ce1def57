// Parse and validate topology YAML. Structure is checked with zod, meaning
// (names, references, cabling) by hand; every rejection is an InputError
// carrying file, line and field path so the user can jump straight to it.
import { z } from 'zod'
import { InputError } from '../errors.js'
import { INPUTS, readInputFile } from '../input.js'
import { fieldPath, type Path } from '../yaml/where.js'
import { schemaError } from '../yaml/schema.js'
import { parseYaml } from '../yaml/parse.js'
import { ifName, labelKey, labelValue, labName, type NameRule } from '../names.js'
import { quote } from '../text.js'
import { ClockSchema } from '../clock/schema.js'
import { MAX_INDEX, MAX_NODES, type Endpoint, type Link, type Nic, type Node, type Topology } from './model.js'

export { fieldPath }

const VLAN_MSG = 'vlan must be an integer in 1..4094'
const NicSchema = z.strictObject({
  name: z.string(),
  pci: z.string().optional(),
  ports: z.array(z.string()).min(1, 'a NIC needs at least one port'),
})
const NodeSchema = z.strictObject({
  // An external grandmaster: runs only a GM ptp4l, outside the cluster.
  grandmaster: z.boolean().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  nics: z.array(NicSchema).optional(),
  clock: ClockSchema.optional(), // this node's clock with --clock independent
})
const LinkSchema = z.strictObject({
  endpoints: z.array(z.string()).length(2, 'a link needs exactly 2 endpoints'),
  vlan: z.number().int(VLAN_MSG).min(1, VLAN_MSG).max(4094, VLAN_MSG).optional(),
})
const TopologySchema = z.strictObject({
  name: z.string(),
  nodes: z.record(z.string(), NodeSchema).refine((n) => Object.keys(n).length > 0, 'at least one node is required'),
  switch: z.strictObject({ name: z.string(), clock: ClockSchema.optional() }).optional(),
  links: z.array(LinkSchema).optional(),
  clock: ClockSchema.optional(), // every node's clock unless it has its own
})

const PCI_RE = /^([0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}$/
// PCI has 8 functions per device, and pciFunction is the port's position.
const MAX_PORTS_PER_NIC = 8
const MAX_NICS = 0xff // derived PCI device numbers are one byte
// Reserved because macFor() takes the literal 'switch' to mean the switch.
const RESERVED_NODE_NAMES = new Set(['switch'])

export function parseTopology(text: string, file?: string): Topology {
  const [d] = parseYaml(text, file, { what: 'topology file' })
  // Annotated so TypeScript narrows after calls (control flow needs explicit types).
  const fail: (detail: string, path?: Path) => never = (detail, path = []) => {
    throw new InputError(detail, d!.where(path))
  }
  const data = d!.value
  const parsed = TopologySchema.safeParse(data)
  if (!parsed.success) throw schemaError(parsed.error, data, (path) => d!.where(path))
  const raw = parsed.data

  const named = (rule: NameRule, v: string, what: string, path: Path) => {
    const problem = rule(v)
    if (problem) fail(`invalid ${what} ${quote(v)}: ${problem}`, path)
  }
  named(labName, raw.name, 'lab name', ['name'])
  const sw = raw.switch
  if (sw) {
    named(labName, sw.name, 'switch name', ['switch', 'name'])
  }

  // Nodes, NICs, ports.
  const nodeEntries = Object.entries(raw.nodes)
  if (nodeEntries.length > MAX_NODES) fail(`too many nodes (${nodeEntries.length}), at most ${MAX_NODES}`, ['nodes'])
  const nodes: Node[] = []
  let nicOrdinal = 0
  for (const [index, [name, rn]] of nodeEntries.entries()) {
    const np = ['nodes', name]
    named(labName, name, 'node name', np)
    if (RESERVED_NODE_NAMES.has(name)) fail(`node name ${quote(name)} is reserved`, np)
    if (name === sw?.name) fail(`node name ${quote(name)} is already the switch's name`, np)
    // Node labels become Kubernetes labels: the API server's rules.
    for (const [k, v] of Object.entries(rn.labels ?? {})) {
      named(labelKey, k, 'label key', [...np, 'labels', k])
      named(labelValue, v, 'label value', [...np, 'labels', k])
    }
    const nics: Nic[] = []
    const portSeen = new Map<string, string>() // port -> NIC, to catch repeats across NICs
    for (const [ni, rnic] of (rn.nics ?? []).entries()) {
      const nicPath = [...np, 'nics', ni]
      nicOrdinal++
      if (nicOrdinal > MAX_NICS) fail(`too many NICs in the topology, at most ${MAX_NICS}`, nicPath)
      named(ifName, rnic.name, 'NIC name', [...nicPath, 'name'])
      if (nics.some((n) => n.name === rnic.name)) fail(`duplicate NIC name ${quote(rnic.name)} on node ${quote(name)}`, [...nicPath, 'name'])
      let pci: string
      if (rnic.pci !== undefined) {
        if (!PCI_RE.test(rnic.pci)) fail(`invalid pci ${quote(rnic.pci)}: expected "0000:1f:01" or "1f:01" (lowercase hex)`, [...nicPath, 'pci'])
        pci = rnic.pci.length === 5 ? `0000:${rnic.pci}` : rnic.pci
      } else {
        pci = `0000:1f:${nicOrdinal.toString(16).padStart(2, '0')}`
      }
      const clash = nics.find((n) => n.pci === pci)
      if (clash) {
        fail(`pci ${quote(pci)} of NIC ${quote(rnic.name)} is already used by NIC ${quote(clash.name)} on node ${quote(name)}`, rnic.pci !== undefined ? [...nicPath, 'pci'] : nicPath)
      }
      if (rnic.ports.length > MAX_PORTS_PER_NIC) fail(`NIC ${quote(rnic.name)} has ${rnic.ports.length} ports, at most ${MAX_PORTS_PER_NIC}`, [...nicPath, 'ports'])
      for (const [pi, port] of rnic.ports.entries()) {
        const pp = [...nicPath, 'ports', pi]
        named(ifName, port, 'port name', pp)
        const prev = portSeen.get(port)
        if (prev !== undefined) fail(`port ${quote(port)} is listed twice on node ${quote(name)} (also on NIC ${quote(prev)})`, pp)
        portSeen.set(port, rnic.name)
      }
      if (portSeen.size > MAX_INDEX + 1) fail(`node ${quote(name)} has more than ${MAX_INDEX + 1} ports`, [...nicPath, 'ports'])
      nics.push({ name: rnic.name, pci, ports: [...rnic.ports] })
    }
    nodes.push({ name, index, labels: { ...(rn.labels ?? {}) }, nics, ...(rn.grandmaster ? { grandmaster: true } : {}), ...(rn.clock ? { clock: rn.clock } : {}) })
  }

  // Links.
  const rawLinks = raw.links ?? []
  if (rawLinks.length > MAX_INDEX + 1) fail(`too many links (${rawLinks.length}), at most ${MAX_INDEX + 1}: every link, so every switch port, has one byte of the MAC layout`, ['links'])
  const used = new Map<string, number>() // "node:port" -> link index
  const links: Link[] = rawLinks.map((rl, index): Link => {
    const ends = rl.endpoints.map((s, ei): Endpoint => {
      const ep = ['links', index, 'endpoints', ei]
      const colon = s.indexOf(':')
      if (colon < 0) {
        if (!sw) fail(`endpoint ${quote(s)} names a switch, but the topology has no switch`, ep)
        if (s === sw.name) return { kind: 'switch' }
        const hint = nodes.some((n) => n.name === s) ? `; a node endpoint needs a port, like "${s}:<port>"` : ''
        return fail(`unknown endpoint ${quote(s)}: expected "node:port" or the switch name ${quote(sw.name)}${hint}`, ep)
      }
      const nodeName = s.slice(0, colon)
      const port = s.slice(colon + 1)
      const node = nodes.find((n) => n.name === nodeName)
      if (!node) return fail(`unknown node ${quote(nodeName)} in endpoint ${quote(s)}`, ep)
      if (!node.nics.some((n) => n.ports.includes(port))) {
        return fail(`unknown port ${quote(port)} on node ${quote(nodeName)} in endpoint ${quote(s)}`, ep)
      }
      return { kind: 'port', node: nodeName, port }
    })
    const [a, b] = ends as [Endpoint, Endpoint]
    const ep0 = ['links', index, 'endpoints']
    if (a.kind === 'switch' && b.kind === 'switch') fail(`link connects the switch ${quote(sw?.name)} to itself`, ep0)
    if (a.kind === 'port' && b.kind === 'port' && a.node === b.node && a.port === b.port) {
      fail(`link connects port ${quote(`${a.node}:${a.port}`)} to itself`, ep0)
    }
    for (const [ei, e] of ends.entries()) {
      if (e.kind !== 'port') continue
      const key = `${e.node}:${e.port}`
      const prev = used.get(key)
      if (prev !== undefined) fail(`port ${quote(key)} is already used by links[${prev}]`, [...ep0, ei])
      used.set(key, index)
    }
    if (a.kind === 'port' && b.kind === 'port') {
      if (rl.vlan !== undefined) fail(`vlan ${quote(rl.vlan)} is only allowed on links to the switch`, ['links', index, 'vlan'])
      return { index, a, b }
    }
    // Normalize: a = node port, b = switch.
    const port = a.kind === 'port' ? a : b
    return { index, a: port, b: { kind: 'switch' }, vlan: rl.vlan ?? 1, switchPort: `swp${index + 1}` }
  })

  const t: Topology = { name: raw.name, nodes, links }
  if (file !== undefined) t.file = file
  if (sw) t.switch = { name: sw.name, ...(sw.clock ? { clock: sw.clock } : {}) }
  if (raw.clock) t.clock = raw.clock
  return t
}

export async function loadTopologyFile(path: string): Promise<Topology> {
  return parseTopology(await readInputFile(path, INPUTS.topology), path)
}
