// ptplab graph through the built CLI: every format from a topology file, to
// stdout or --out (format from the extension), and bad input refused with
// exit 2 naming the flag, nothing written.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { cliHarness } from '../fixtures/cli.js'

const h = cliHarness(t, { prefix: 'ptplab-graph-cli', stubIp: true })
const topo = join(process.cwd(), 'topologies', 'default.yaml')

t.test('graph --topology: mermaid on stdout by default, the format from --out', { skip: !h.isBuilt && 'CLI not built (npm run build)' }, async (t) => {
  const r = await h.ptplab(['graph', '--topology', topo])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /^flowchart LR\n/)
  t.equal((r.stdout.match(/ ---\|"vlan 150\d"\| sw_p\d/g) ?? []).length, 9, 'nine cables to the switch')

  for (const [file, head] of [['g.svg', /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/], ['g.html', /^<!DOCTYPE html>/], ['g.dot', /^digraph "ptplab" \{/], ['g.mmd', /^flowchart LR/]] as const) {
    const out = join(h.tmp, file)
    const w = await h.ptplab(['graph', '--topology', topo, '--out', out])
    t.equal(w.code, 0, w.stderr)
    t.equal(w.stdout, '', 'a file, not stdout')
    t.match(readFileSync(out, 'utf8'), head, file)
    t.match(w.stderr, new RegExp(`graph of ptplab written to ${out.replace(/[.]/g, '\\.')}`))
  }
  const forced = await h.ptplab(['graph', '--topology', topo, '--format', 'dot', '--out', join(h.tmp, 'x.svg')])
  t.match(readFileSync(join(h.tmp, 'x.svg'), 'utf8'), /^digraph/, '--format wins over the extension')
  t.equal(forced.code, 0)
})

t.test('graph: bad input exits 2 and writes nothing', { skip: !h.isBuilt && 'CLI not built (npm run build)' }, async (t) => {
  const before = readdirSync(h.tmp).sort()
  const out = join(h.tmp, 'never.svg')
  await h.usageError(t, ['graph', '--topology', topo, '--format', 'png', '--out', out], ['--format: unknown format "png" (known: mermaid, dot, svg, html)'], {}, { ptplabLine: true })
  await h.usageError(t, ['graph', '--topology', topo, '--name', 'lab1'], ['give --topology FILE or --name LAB, not both'], {}, { ptplabLine: true })
  await h.usageError(t, ['graph', '--topology', join(h.tmp, 'missing.yaml'), '--out', out], ['missing.yaml'], {}, { ptplabLine: true })
  const bad = h.file('bad.yaml', 'name: x\nnodes:\n  a: { nics: [ { name: e, ports: [p0] } ] }\nlinks:\n  - endpoints: [a:p0, b:p1]\n')
  await h.usageError(t, ['graph', '--topology', bad, '--out', out], [/bad\.yaml:5: links\[0\]\.endpoints\[1\]: unknown node "b"/], {}, { ptplabLine: true })
  await h.usageError(t, ['graph', '--out', out], ['no lab is up'], {}, { ptplabLine: true })
  await h.usageError(t, ['graph', '--name', 'Bad_Name', '--out', out], ['--name'], {}, { ptplabLine: true })
  t.notOk(existsSync(out), 'no output file')
  t.same(readdirSync(h.tmp).sort(), [...before, 'bad.yaml'].sort(), 'nothing else created')
})
