// `ptplab configpair` and scripts/configpair: upstream's configpair
// arguments (ID1 ID2 IFNAME CLK1 CLK2 CONTAINER1 CONTAINER2 PCI1 PCI2) plus
// a link kind. The work is lab/links/configpair.ts.
import { parseArgs } from 'node:util'
import { InputError, isInputError } from '../lab/errors.js'
import {
  configPair,
  dockerContainerNs,
  type LinkKind,
  type NetdevsimFormat,
  type NsRef,
  type PairDeps,
  type PairResult,
  type PairSpec,
} from '../lab/links/configpair.js'
import { EXIT } from './output.js'
import { quote } from '../lab/text.js'

export const CONFIGPAIR_HELP = `usage: configpair [options] ID1 ID2 IFNAME CLK1 CLK2 CONTAINER1 CONTAINER2 [PCI1 PCI2]
       (also: ptplab configpair ...)

Makes one point-to-point link between two network namespaces, as upstream's
configpair.sh: end 1 is IFNAME in CONTAINER1, end 2 is IFNAME (or --ifname2)
in CONTAINER2, with MACs 00:11:22:33:ID1:ID2 and 00:11:22:33:ID2:ID1 (IDs
as two hex digits: ID 10 gives 0a), both up. Needs root.

Arguments (upstream's order):
  ID1, ID2        0..255, different: netdevsim device IDs and MAC bytes
  IFNAME          interface name of both ends (<= 15 chars of [A-Za-z0-9._-])
  CLK1, CLK2      netdevsim clock IDs (upstream's patched module), or - for none;
                  ignored for veth
  CONTAINER1/2    whose network namespace each end goes into:
                    NAME or ID      a running Docker container (its State.Pid)
                    pid:PID         the namespace of process PID
                    netns:NAME      an \`ip netns\` namespace (/run/netns/NAME)
                    /proc/PID/ns/net or /run/netns/NAME
  PCI1, PCI2      netdevsim PCI addresses DDDD:BB:DD.F (e.g. 0000:1f:01.0), or
                  - for none; both or neither; ignored for veth

Options:
  --kind KIND              netdevsim (default, as upstream) or veth
  --ifname2 NAME           name of end 2 (default IFNAME)
  --mac1 MAC, --mac2 MAC   instead of the default MACs
  --netdevsim-format FMT   how new_device is written:
                             auto      (default) "ID PCI CLK" when PCI and CLK are
                                       given, else the mainline "ID 1"
                             mainline  "ID 1": mainline netdevsim (Linux >= 6.9 for
                                       link_device); PCI and CLK must be -
                             patched   "ID PCI CLK": upstream's out-of-tree module,
                                       even when its pci_bus_nr parameter is not
                                       visible under /sys/module/netdevsim/parameters
  --json                   print what was made as JSON
  -h, --help               this text

veth: the pair is created with each end directly in its namespace, under its
final name and MAC (nothing appears in the host namespace), then set up.
netdevsim: two new_device writes, each interface moved into its namespace and
renamed, MAC, up, then link_device "FD1:IFINDEX1 FD2:IFINDEX2". A kernel
without netdevsim or without link_device is refused before anything is
changed; it needs a VM kernel with netdevsim (Linux >= 6.9, or upstream's
DKMS module for PCI addresses, clocks and hardware timestamps). On a failure
everything made so far is removed. Remove netdevsim devices with
\`echo ID > /sys/bus/netdevsim/del_device\`; a veth goes with its namespace.

Exit status: 0 done, 1 failed (nothing left behind), 2 bad arguments.

Examples:
  configpair --kind veth 1 2 ens1f0 - - kind-worker switch1
  configpair 1 2 ens1f0 1 8 kind-worker switch1 0000:1f:01.0 0000:1f:08.0
  configpair --kind veth --ifname2 swp1 3 4 ens1f1 - - netns:lab.w1 netns:lab.sw`

export interface ConfigpairOptions {
  deps?: Partial<PairDeps> // injected system access (tests)
  resolveContainer?: (name: string, field: string) => Promise<NsRef> // default: Docker via dockerode
  out?: (s: string) => void // stdout
  log?: (s: string) => void // progress
}

// CLI field names for the library's.
const FIELD: Record<string, string> = {
  id1: 'ID1',
  id2: 'ID2',
  ifname1: 'IFNAME',
  ifname2: '--ifname2',
  clk1: 'CLK1',
  clk2: 'CLK2',
  ns1: 'CONTAINER1',
  ns2: 'CONTAINER2',
  pci1: 'PCI1',
  pci2: 'PCI2',
  mac1: '--mac1',
  mac2: '--mac2',
  kind: '--kind',
  netdevsimFormat: '--netdevsim-format',
}

function parseInt10(v: string, field: string, what: string): number {
  if (!/^[0-9]+$/.test(v)) throw new InputError(`${what}: expected a number, got ${quote(v)}`, { field })
  return Number.parseInt(v, 10)
}

// CONTAINER argument -> namespace reference (Docker names are resolved later).
export function parseNsArg(v: string, field: string): NsRef | { container: string } {
  if (v.startsWith('pid:')) {
    const p = v.slice(4)
    if (!/^[1-9][0-9]*$/.test(p)) throw new InputError(`pid:PID needs a positive number, got ${quote(v)}`, { field })
    return { pid: Number(p) }
  }
  if (v.startsWith('netns:')) {
    const n = v.slice(6)
    if (!n) throw new InputError('netns:NAME needs a name', { field })
    return { netns: n }
  }
  if (v.startsWith('/')) return { path: v }
  if (!v) throw new InputError('empty container', { field })
  return { container: v }
}

export interface ParsedConfigpair {
  help: boolean
  json: boolean
  spec?: Omit<PairSpec, 'ns1' | 'ns2'>
  ns1?: NsRef | { container: string }
  ns2?: NsRef | { container: string }
}

export function parseConfigpairArgs(args: string[]): ParsedConfigpair {
  let parsed
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        kind: { type: 'string' },
        ifname2: { type: 'string' },
        mac1: { type: 'string' },
        mac2: { type: 'string' },
        'netdevsim-format': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (e) {
    throw new InputError(`${(e as Error).message} (configpair --help)`)
  }
  const { values: o, positionals: p } = parsed
  if (o.help) return { help: true, json: false }
  const kind = (o.kind ?? 'netdevsim') as LinkKind
  if (kind !== 'veth' && kind !== 'netdevsim')
    throw new InputError(`unknown link kind ${quote(o.kind)}: veth or netdevsim`, { field: '--kind' })
  if (p.length === 10)
    throw new InputError("a 10th argument (newer upstream's WPC flag) is not supported", { field: 'arguments' })
  if (p.length !== 7 && p.length !== 9)
    throw new InputError(
      `expected ID1 ID2 IFNAME CLK1 CLK2 CONTAINER1 CONTAINER2 [PCI1 PCI2], got ${p.length} argument(s) (configpair --help)`,
      { field: 'arguments' },
    )
  const [id1, id2, ifname, clk1, clk2, c1, c2, pci1, pci2] = p as [string, string, string, string, string, string, string, string?, string?]
  const spec: Omit<PairSpec, 'ns1' | 'ns2'> = {
    kind,
    id1: parseInt10(id1, 'ID1', 'device ID'),
    id2: parseInt10(id2, 'ID2', 'device ID'),
    ifname1: ifname,
  }
  if (o.ifname2 !== undefined) spec.ifname2 = o.ifname2
  if (o.mac1 !== undefined) spec.mac1 = o.mac1
  if (o.mac2 !== undefined) spec.mac2 = o.mac2
  if (o['netdevsim-format'] !== undefined) {
    if (kind !== 'netdevsim') throw new InputError('only for --kind netdevsim', { field: '--netdevsim-format' })
    spec.netdevsimFormat = o['netdevsim-format'] as NetdevsimFormat
  }
  // CLK and PCI mean something only to netdevsim; '-' (or absence) is none.
  if (kind === 'netdevsim') {
    if (clk1 !== '-') spec.clk1 = parseInt10(clk1, 'CLK1', 'clock ID')
    if (clk2 !== '-') spec.clk2 = parseInt10(clk2, 'CLK2', 'clock ID')
    if (pci1 !== undefined && pci1 !== '-') spec.pci1 = pci1
    if (pci2 !== undefined && pci2 !== '-') spec.pci2 = pci2
  }
  return { help: false, json: !!o.json, spec, ns1: parseNsArg(c1, 'CONTAINER1'), ns2: parseNsArg(c2, 'CONTAINER2') }
}

function describe(r: PairResult): string {
  const lines = [`${r.kind} link${r.linkDevice ? ` (link_device "${r.linkDevice}")` : ''}:`]
  for (const e of r.created)
    lines.push(
      `  end ${e.end}: ${e.ifname} ${e.mac} in ${e.ns}` +
        (e.ifindex !== undefined ? `, ifindex ${e.ifindex}` : '') +
        (e.netdevsimId !== undefined ? `, netdevsim${e.netdevsimId} (new_device "${e.newDevice}")` : ''),
    )
  return lines.join('\n') + '\n'
}

// Returns the exit code; bad input throws InputError (exit 2 for the caller).
export async function cmdConfigpair(args: string[], opts: ConfigpairOptions = {}): Promise<number> {
  const out = opts.out ?? ((s: string) => void process.stdout.write(s))
  const parsed = parseConfigpairArgs(args)
  if (parsed.help) {
    out(CONFIGPAIR_HELP + '\n')
    return EXIT.ok
  }
  const resolve = opts.resolveContainer ?? ((name: string, field: string) => dockerContainerNs(name, field))
  const ns = async (r: NsRef | { container: string }, field: string): Promise<NsRef> =>
    'container' in r ? resolve(r.container, field) : r
  const spec: PairSpec = { ...parsed.spec!, ns1: await ns(parsed.ns1!, 'CONTAINER1'), ns2: await ns(parsed.ns2!, 'CONTAINER2') }
  let result: PairResult
  try {
    result = await configPair(spec, { ...opts.deps, log: opts.deps?.log ?? opts.log })
  } catch (e) {
    // The library names its own fields (id1, ns1...): name the arguments.
    if (isInputError(e) && e.field && FIELD[e.field]) throw new InputError(e.detail, { field: FIELD[e.field] })
    throw e
  }
  out(parsed.json ? JSON.stringify(result, null, 2) + '\n' : describe(result))
  return EXIT.ok
}
