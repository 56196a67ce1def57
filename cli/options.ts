// The CLI's option parsers and help texts: light (no command module), so
// main.ts can define every command without loading what the commands use.
import { Option } from 'commander'
import { InputError } from '../lab/errors.js'
import { DEFAULT_PREFIX, KUBE_IMAGES } from '../lab/images/table.js'
import { labelKey, labelValue } from '../lab/names.js'
import { quote } from '../lab/text.js'

export const kubeconfigOpt = () =>
  new Option('--kubeconfig [file]', 'work on a Kubernetes cluster instead of a lab (file default: $KUBECONFIG, then ~/.kube/config)')
export const contextOpt = () => new Option('--context <name>', "the kubeconfig context (default: its current context); implies --kubeconfig")

export const GRAPH_HELP = `
Formats: mermaid (text for Markdown viewers), dot (Graphviz), svg (laid out
by elkjs), html (one self-contained page around the SVG: no script, no
network). Without --format the extension of --out decides (.mmd .dot .gv
.svg .html), else mermaid.

With --topology FILE: nodes, NICs, ports, the switch, links with VLANs.
With --name LAB (or the only lab that is up): the same, plus each port's PTP
role, clock state and offset, and every clock's identity, parent and
stepsRemoved; arrows show where time flows (master -> slave).`

export const imagesHelp = `
Kubernetes images (upstream's IMG_PREFIX:<tag> scheme; --prefix, default ${DEFAULT_PREFIX}):
${KUBE_IMAGES.map((i) => `  ${i.tag.padEnd(12)} ${i.role}\n${' '.repeat(15)}${i.contains}`).join('\n')}
The lab's own images (docker backend): ptplab/base:bookworm (debootstrap), ptplab/node:<hash>,
ptplab/switch:<hash>. manifests/kustomization.yaml rewrites IMG_PREFIX to ${DEFAULT_PREFIX}.`

export const splitTags = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean)

export function collectLabel(v: string, acc: Record<string, string>): Record<string, string> {
  const i = v.indexOf('=')
  const key = i < 0 ? v : v.slice(0, i)
  if (!/^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/.test(key))
    throw new InputError(`invalid label key ${quote(key)}`, { field: '--label' })
  return { ...acc, [key]: i < 0 ? '' : v.slice(i + 1) }
}

// KEY=VALUE or KEY (empty value) sets, KEY- removes, as `kubectl label`.
export function parseLabelArgs(args: string[]): Record<string, string | null> {
  const out: Record<string, string | null> = {}
  for (const a of args) {
    const remove = a.endsWith('-') && !a.includes('=')
    const body = remove ? a.slice(0, -1) : a
    const i = body.indexOf('=')
    const key = i < 0 ? body : body.slice(0, i)
    const value = remove ? null : i < 0 ? '' : body.slice(i + 1)
    const bad = labelKey(key) ?? (value === null ? undefined : labelValue(value))
    if (bad) throw new InputError(`invalid label ${quote(a)}: expected KEY[=VALUE] or KEY-; ${labelKey(key) ? 'the key' : 'the value'} ${bad}`, { field: 'label' })
    out[key] = value
  }
  if (!Object.keys(out).length) throw new InputError('no label given', { field: 'label' })
  return out
}

export function collectNodeLabel(v: string, acc: Array<[string, string]>): Array<[string, string]> {
  const i = v.indexOf(':')
  if (i <= 0) throw new InputError(`invalid --label ${quote(v)}: expected NODE:KEY[=VALUE]`, { field: '--label' })
  parseLabelArgs([v.slice(i + 1)]) // the same key rules as `ptplab label`
  return [...acc, [v.slice(0, i), v.slice(i + 1)]]
}
