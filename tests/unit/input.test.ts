// Bounded input: the one file reader (regular files, size limit, UTF-8),
// excerpts of values in messages, and YAML parsing that refuses hostile
// documents (aliases, nesting) with the file and line.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InputError } from '../../lab/errors.js'
import { INPUTS, readInputFile, type InputKind } from '../../lab/input.js'
import { excerpt, quote } from '../../lab/text.js'
import { parseYaml, YAML_MAX_DEPTH, YAML_MAX_NODES } from '../../lab/yaml/parse.js'
import { inputError } from '../fixtures/errors.js'

const TMP = mkdtempSync(join(tmpdir(), 'ptplab-input-'))
t.teardown(() => rmSync(TMP, { recursive: true, force: true }))
const file = (name: string, data: string | Buffer) => {
  const p = join(TMP, name)
  writeFileSync(p, data)
  return p
}
const refused = async (p: string, kind: InputKind = INPUTS.topology) => {
  try {
    await readInputFile(p, kind, { field: 'SOME_VAR' })
  } catch (e) {
    if (e instanceof InputError) return e
    throw e
  }
  throw new Error(`${p} was read`)
}

t.test('regular files are read as text, a byte order mark dropped', async (t) => {
  t.equal(await readInputFile(file('a.yaml', 'name: x\n'), INPUTS.topology), 'name: x\n')
  t.equal(await readInputFile(file('bom.yaml', '\ufeffname: ü\n'), INPUTS.topology), 'name: ü\n')
  t.equal(await readInputFile(file('empty.yaml', ''), INPUTS.topology), '')
})

t.test('a FIFO, a device, a directory and a socket are refused at once', async (t) => {
  const fifo = join(TMP, 'fifo')
  execFileSync('mkfifo', [fifo])
  const started = Date.now()
  const e = await refused(fifo)
  t.ok(Date.now() - started < 1000, 'no wait for a writer')
  t.match(e, { file: fifo, field: 'SOME_VAR', detail: 'cannot read topology file: it is a FIFO (named pipe), not a regular file' })
  t.match(await refused('/dev/urandom'), { file: '/dev/urandom', detail: /it is a character device, not a regular file/ })
  t.match(await refused(TMP), { detail: /it is a directory, not a regular file/ })
  const sock = join(TMP, 'sock')
  const server = createServer()
  await new Promise<void>((r) => server.listen(sock, r))
  t.teardown(() => server.close())
  t.match(await refused(sock), { file: sock, detail: /^cannot read topology file: ENXIO/ })
  t.match(await refused(join(TMP, 'missing.yaml')), { detail: 'cannot read topology file: ENOENT: no such file or directory' })
})

t.test('the size limit: at most limit+1 bytes are read, /proc files (size 0) too', async (t) => {
  const kind = { what: 'small file', maxBytes: 10 }
  t.equal(await readInputFile(file('ten', '0123456789'), kind), '0123456789', 'exactly the limit is fine')
  t.match(await refused(file('eleven', '0123456789a'), kind), { detail: 'small file is larger than 10 bytes, the limit' })
  // /proc/self/status reports size 0 but holds far more than 10 bytes.
  t.match(await refused('/proc/self/status', kind), { detail: /larger than 10 bytes/ })
  const big = file('big.yaml', Buffer.alloc(INPUTS.topology.maxBytes + 1, 0x61))
  t.match(await refused(big), { detail: 'topology file is larger than 1 MiB, the limit' })
})

t.test('invalid UTF-8 is refused with its line', async (t) => {
  const p = file('latin1.yaml', Buffer.concat([Buffer.from('name: x\nnodes:\n  '), Buffer.from([0xe9, 0x74, 0xe9]), Buffer.from(': {}\n')]))
  t.match(await refused(p), { file: p, line: 3, detail: 'topology file is not UTF-8 text (invalid byte sequence)' })
  // A multi-byte character cut by the end of the file.
  t.match(await refused(file('cut.yaml', Buffer.from([0x61, 0x0a, 0xe2, 0x82]))), { line: 2 })
})

t.test('quote: JSON, cut to an excerpt; YAML numbers JSON cannot spell', async (t) => {
  t.equal(quote('a"b'), '"a\\"b"')
  t.equal(quote(Infinity), '.inf')
  t.equal(quote(-Infinity), '-.inf')
  t.equal(quote(NaN), '.nan')
  t.equal(quote({ vlan: Infinity, x: [NaN, null, true] }), '{"vlan":.inf,"x":[.nan,null,true]}')
  t.equal(quote(undefined), 'undefined')
  const long = 'x'.repeat(500_000)
  t.equal(quote(long), `"${'x'.repeat(79)}... (500000 characters)`)
  t.equal(quote(Array.from({ length: 1_000_000 }, (_, i) => i)).length, 80 + '... (1000000 items)'.length)
  let deep: unknown = 1
  for (let i = 0; i < 200_000; i++) deep = [deep]
  t.equal(quote(deep), `${'['.repeat(80)}... (1 items)`, 'any depth, no stack overflow')
  t.equal(excerpt('ab😀', 3), 'ab... (4 characters)', 'never half a surrogate pair')
})

t.test('YAML: alias bombs, deep nesting and recursive aliases are refused with the line', async (t) => {
  const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  for (const [i, c] of ['b', 'c', 'd', 'e', 'f', 'g'].entries()) laughs.push(`${c}: &${c} [${Array(9).fill(`*${'abcdefg'[i]}`).join(',')}]`)
  const bomb = inputError(() => parseYaml(laughs.join('\n') + '\n', 'bomb.yaml', { what: 'test file' }))
  t.match(bomb, { file: 'bomb.yaml', line: 6, detail: `YAML document too large: more than ${YAML_MAX_NODES} values once aliases are expanded` })

  const fine = parseYaml('base: &b {x: 1}\nuse: [*b, *b]\n', 'ok.yaml', { what: 'test file' })
  t.same(fine[0]!.value, { base: { x: 1 }, use: [{ x: 1 }, { x: 1 }] }, 'ordinary aliases still work')

  const flow = inputError(() => parseYaml(`a: 1\nb: ${'['.repeat(500_000)}`, 'deep.yaml', { what: 'test file' }))
  t.match(flow, { file: 'deep.yaml', line: 2, detail: `YAML nested deeper than ${YAML_MAX_DEPTH} levels` })
  const block = Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}- `).join('\n') + 'x\n'
  t.match(inputError(() => parseYaml(block, 'b.yaml', { what: 'test file' })), { line: YAML_MAX_DEPTH + 1, detail: /nested deeper/ })
  t.match(inputError(() => parseYaml(`${'- '.repeat(100)}x\n`, 'c.yaml', { what: 'test file' })), { line: 1, detail: /nested deeper/ })
  t.ok(parseYaml(`${'['.repeat(YAML_MAX_DEPTH)}${']'.repeat(YAML_MAX_DEPTH)}`, 'x', { what: 'test file' }), 'the limit itself is fine')
  t.ok(parseYaml(`a: "${'['.repeat(1000)}"\nb: |\n  ${'{'.repeat(1000)}\n# ${'['.repeat(1000)}\n`, 'x', { what: 'test file' }), 'brackets in strings and comments are no nesting')

  t.match(inputError(() => parseYaml('a: &a [1, *a]\n', 'r.yaml', { what: 'test file' })), { file: 'r.yaml', line: 1, detail: /YAML/ })
})

t.test('YAML errors: one line, the file and line, a short excerpt of the source', async (t) => {
  const e = inputError(() => parseYaml(`a: 1\nb: c: ${'x'.repeat(300_000)}\n`, 'syn.yaml', { what: 'test file' }))
  t.match(e, { file: 'syn.yaml', line: 2, detail: /^YAML syntax error: .* near "b: c: x+\.\.\. \(300006 characters\)$/ })
  t.ok(e.message.length < 400, `bounded message (${e.message.length} characters)`)
  t.notMatch(e.message, /\n/, 'one line')
  t.match(inputError(() => parseYaml('a: 1\nb:\n  c: 1\n  c: 2\n', 'dup.yaml', { what: 'test file' })), { line: 4, field: 'b.c', detail: 'duplicate key "c"' })
  t.match(inputError(() => parseYaml('a: 1\n---\nb: 2\n', 'two.yaml', { what: 'test file' })), { line: 2, detail: 'a test file must hold exactly one YAML document' })
  t.equal(parseYaml('a: 1\n---\nb: 2\n', 'two.yaml', { what: 'test file', multi: true }).length, 2)
  t.same(parseYaml('', 'e.yaml', { what: 'test file' })[0]!.where([]), { file: 'e.yaml', line: 1 }, 'an empty document points at line 1')
})
