// The Kubernetes images without an engine: the table against its
// Dockerfiles, build contexts (what is sent, what the hash covers), image
// and registry names, save/push plans, and the fake registry the
// integration test pushes to.
import t from 'tap'
import { execa } from 'execa'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { contextHash, contextTar, planContext, productionPackages, tarArgs } from '../../lab/images/context.js'
import { checkPrefix, selectImages } from '../../lab/images/kube-images.js'
import { DEFAULT_PREFIX, KUBE_IMAGES, RUNTIME, type DockerfileBuild } from '../../lab/images/table.js'
import { pushPlan, savePlan } from '../../lab/images/transfer.js'
import { imageReference, imageRepository, registryHost } from '../../lab/names.js'
import { projectRoot } from '../../lab/paths.js'
import { inputError } from '../fixtures/errors.js'
import { startFakeRegistry } from '../fixtures/fake-registry.js'

const root = projectRoot()
const builds = (): Array<[string, DockerfileBuild]> => [
  ['runtime', RUNTIME],
  ...KUBE_IMAGES.flatMap((i) => ('dockerfile' in i.build ? [[i.tag, i.build] as [string, DockerfileBuild]] : [])),
]

t.test('the table: upstream tags, and each Dockerfile agrees with its row', async (t) => {
  t.same(KUBE_IMAGES.map((i) => i.tag), ['lptpd', 'ptpop', 'openvswitch', 'l2probe'])
  t.equal(DEFAULT_PREFIX, 'localhost/ptplab')
  t.same(KUBE_IMAGES.find((i) => i.tag === 'openvswitch')!.build, { alias: 'switch' }, 'the switch image, reused')
  for (const [tag, b] of builds()) {
    const df = readFileSync(join(root, b.dockerfile), 'utf8')
    const arg = b.from === 'node' ? 'ARG BASE=debian:bookworm-slim\nFROM ${BASE}' : 'ARG RUNTIME\nFROM ${RUNTIME}'
    t.ok(df.includes(arg), `${tag}: ${arg.replace('\n', ' / ')}`)
    t.match(df, new RegExp(`^LABEL ptplab\\.image=${tag}$`, 'm'))
    // Every COPY source is in the context the row sends.
    const sent = b.context.map((p) => (p === 'node' ? 'node' : p === 'modules' ? 'node_modules' : p.project))
    for (const m of df.matchAll(/^COPY (.+) \S+$/gm)) {
      for (const src of m[1]!.split(/\s+/))
        t.ok(sent.some((s) => s === src || s.startsWith(`${src}/`)), `${tag}: COPY ${src} is sent (${sent.join(', ')})`)
    }
  }
  // lptpd and l2probe get their packages from the lab's node image.
  const lptpd = readFileSync(join(root, 'images/lptpd/Dockerfile'), 'utf8')
  const nodeImage = readFileSync(join(root, 'images/node/Dockerfile'), 'utf8')
  const installed = /apt-get install[^\n]*\n((?:.*\\\n)*)/.exec(nodeImage)?.[1] ?? ''
  for (const pkg of ['linuxptp', 'iproute2', 'ethtool', 'curl', 'util-linux', 'procps', 'python3'])
    t.match(installed, new RegExp(`\\b${pkg}\\b`), `the node image (under lptpd, l2probe) installs ${pkg}`)
  t.match(lptpd, /^ENTRYPOINT \["\/usr\/local\/bin\/node", "\/opt\/ptplab\/dist\/daemon\/main\.js"\]$/m)
  const ptpop = readFileSync(join(root, 'images/ptpop/Dockerfile'), 'utf8')
  t.match(ptpop, /^ENTRYPOINT \["\/usr\/local\/bin\/node", "\/opt\/ptplab\/dist\/operator\/main\.js"\]$/m)
  t.match(ptpop, /^USER 65532:65532$/m, 'ptpop runs as non-root (runAsNonRoot in the Deployment)')
  const l2 = readFileSync(join(root, 'images/l2probe/Dockerfile'), 'utf8')
  t.match(l2, /^ENTRYPOINT \["python3", "\/usr\/local\/bin\/l2probe\.py"\]$/m)
  t.match(l2, /^CMD \["--report-loop"\]$/m, 'without args a pod runs the agent loop (the agent DaemonSet sets no command)')
})

t.test('--only and --prefix', async (t) => {
  t.same(selectImages().map((i) => i.tag), ['lptpd', 'ptpop', 'openvswitch', 'l2probe'])
  t.same(selectImages(['l2probe', 'lptpd']).map((i) => i.tag), ['lptpd', 'l2probe'], 'table order')
  t.match(inputError(() => selectImages(['lptpd', 'cep'])), { field: '--only', detail: /unknown image tag "cep": one of lptpd, ptpop/ })
  t.match(inputError(() => selectImages([])), { field: '--only' })
  t.equal(checkPrefix('registry.example:5000/ptp'), 'registry.example:5000/ptp')
  t.match(inputError(() => checkPrefix('Registry/PTP')), { field: '--prefix', detail: /invalid image prefix/ })
})

t.test('image and registry names', async (t) => {
  const cases: Array<[(s: string) => string | undefined, string, boolean]> = [
    [imageRepository, 'localhost/ptplab', true],
    [imageRepository, '127.0.0.1:5000/ptplab/ci', true],
    [imageRepository, 'ptplab', true],
    [imageRepository, 'Localhost/ptplab', false], // not a registry (no . or :), and uppercase
    [imageRepository, 'localhost/ptplab:lptpd', false], // a tag is no repository
    [imageRepository, 'a//b', false],
    [imageRepository, 'registry.example:99999/x', false],
    [imageReference, 'localhost/ptplab:lptpd', true],
    [imageReference, `r.example:5000/a/b:c@sha256:${'a'.repeat(64)}`, true],
    [imageReference, 'a:b c', false],
    [imageReference, 'a@sha256:123', false],
    [imageReference, '', false],
    [registryHost, '127.0.0.1:5000', true],
    [registryHost, 'registry.example', true],
    [registryHost, 'host:0', false],
    [registryHost, 'host/path', false],
    [registryHost, '-host', false],
  ]
  for (const [rule, s, ok] of cases) t.equal(rule(s) === undefined, ok, `${rule.name}(${JSON.stringify(s)}) ${ok ? 'accepted' : 'refused'}`)
})

t.test('production packages from package-lock.json', async (t) => {
  const lock = {
    lockfileVersion: 3,
    packages: {
      '': { name: 'x' },
      'node_modules/a': {},
      'node_modules/@s/b': {},
      'node_modules/tap': { dev: true },
      'node_modules/a/node_modules/c': {}, // nested: comes inside a
      'node_modules/opt': { optional: true },
      'node_modules/dev-opt': { devOptional: true },
    },
  }
  t.same(productionPackages(lock), ['node_modules/@s/b', 'node_modules/a', 'node_modules/dev-opt', 'node_modules/opt'])
  t.throws(() => productionPackages({ lockfileVersion: 1, dependencies: {} }), /lockfileVersion 2 or 3/)
  t.throws(() => productionPackages({ packages: { 'node_modules/w': { link: true } } }), /is a link/)
  const real = productionPackages(JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')))
  t.ok(real.includes('node_modules/commander') && real.includes('node_modules/prom-client'), "the daemon's dependencies are in")
  t.notOk(real.includes('node_modules/tap') || real.includes('node_modules/typescript'), 'dev tools are not')
})

t.test('build contexts: what is sent and what the hash covers', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ptplab-ctx-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const put = async (p: string, text: string) => {
    await mkdir(join(dir, p, '..'), { recursive: true })
    await writeFile(join(dir, p), text)
  }
  await put('img/Dockerfile', 'FROM x\n')
  await put('package-lock.json', JSON.stringify({ packages: { 'node_modules/a': {}, 'node_modules/t': { dev: true }, 'node_modules/gone': {} } }))
  await put('node_modules/a/index.js', 'a')
  await put('node_modules/t/index.js', 't')
  await put('dist/lab/x.js', 'x')
  await put('bin/nodejs', 'ELF')
  const b: DockerfileBuild = { dockerfile: 'img/Dockerfile', from: 'node', context: ['node', 'modules', { project: 'dist/lab' }, { project: 'dist/operator', optional: true }] }
  const plan = await planContext(b, dir, join(dir, 'bin/nodejs'))
  t.same(
    plan.entries.map((e) => [e.name, e.as]),
    [
      ['img/Dockerfile', undefined],
      ['nodejs', 'node'],
      ['node_modules/a', undefined],
      ['dist/lab', undefined],
    ],
    'Dockerfile, node, the production package on disk, dist/lab',
  )
  t.same(plan.missing, ['dist/operator'], 'a missing optional part is reported')
  await t.rejects(planContext({ ...b, context: [{ project: 'dist/daemon' }] }, dir), /dist\/daemon is missing .*build the project first/)

  t.same(tarArgs(plan).slice(0, 7), ['-c', '-f', '-', '--numeric-owner', '--owner=0', '--group=0', '--transform=s,^nodejs$,node,'])
  const { stream, done } = contextTar(plan)
  const listing = execa('tar', ['-t', '-v', '-f', '-'], { input: stream as never })
  await done
  const names = (await listing).stdout.split('\n').map((l) => l.split(/\s+/).pop())
  t.same(names.filter((n) => !n?.endsWith('/')).sort(), ['dist/lab/x.js', 'img/Dockerfile', 'node', 'node_modules/a/index.js'], 'exactly these files are sent')
  t.match((await listing).stdout, /^-\S+ 0\/0 /m, 'owned by root')

  const h = (fromId = 'sha256:base') => contextHash(plan, dir, fromId)
  const h0 = await h()
  t.equal(await h(), h0, 'unchanged content: same hash')
  t.not(await h('sha256:other'), h0, 'another FROM image: another hash')
  await put('dist/lab/x.js', 'y')
  const h1 = await h()
  t.not(h1, h0, 'a changed file: another hash')
  await put('node_modules/a/index.js', 'changed')
  t.equal(await h(), h1, 'node_modules counts by the lock file')
  await put('package-lock.json', JSON.stringify({ packages: { 'node_modules/a': { version: '2' } } }))
  t.not(await h(), h1, 'a changed lock file: another hash')
  const real = await planContext(RUNTIME, root)
  t.ok(real.entries.some((e) => e.name === 'node_modules/commander'), 'the runtime context has the production node_modules')
})

t.test('save and push plans', async (t) => {
  const refs = ['localhost/ptplab:lptpd', 'localhost/ptplab:ptpop']
  t.same(savePlan('/out', refs, true), [
    { file: '/out/lptpd.tar', refs: ['localhost/ptplab:lptpd'] },
    { file: '/out/ptpop.tar', refs: ['localhost/ptplab:ptpop'] },
  ])
  t.same(savePlan('/out/all.tar', refs, false), [{ file: '/out/all.tar', refs }])
  t.same(
    pushPlan(['localhost/ptplab:lptpd', 'registry.example:5000/ci/ptp:ptpop', 'ptplab/x:l2probe'], '127.0.0.1:5000').map((p) => p.dest),
    ['127.0.0.1:5000/ptplab:lptpd', '127.0.0.1:5000/ci/ptp:ptpop', '127.0.0.1:5000/ptplab/x:l2probe'],
    "the prefix's registry part is replaced, its path kept",
  )
  t.match(inputError(() => pushPlan(refs, 'http://127.0.0.1:5000')), { field: '--registry', detail: /must be HOST or HOST:PORT/ })
})

t.test('the fake registry checks what it is sent', async (t) => {
  const reg = await startFakeRegistry()
  t.teardown(() => reg.close())
  const base = `http://${reg.host}`
  t.equal((await fetch(`${base}/v2/`)).headers.get('docker-distribution-api-version'), 'registry/2.0')
  const blob = Buffer.from('layer bytes')
  const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`
  t.equal((await fetch(`${base}/v2/p/x/blobs/${digest}`, { method: 'HEAD' })).status, 404, 'unknown blob')
  const start = await fetch(`${base}/v2/p/x/blobs/uploads/`, { method: 'POST' })
  t.equal(start.status, 202)
  const loc = start.headers.get('location')!
  const patch = await fetch(`${base}${loc}`, { method: 'PATCH', body: blob.subarray(0, 5) })
  t.equal(patch.headers.get('range'), '0-4', 'a chunk appended')
  const wrong = await fetch(`${base}${loc}?digest=sha256:${'0'.repeat(64)}`, { method: 'PUT', body: blob.subarray(5) })
  t.equal(wrong.status, 400, 'a digest that does not match the bytes is refused')
  const again = await fetch(`${base}/v2/p/x/blobs/uploads/`, { method: 'POST' })
  const l2 = again.headers.get('location')!
  await fetch(`${base}${l2}`, { method: 'PATCH', body: blob.subarray(0, 5) })
  const done = await fetch(`${base}${l2}?digest=${digest}`, { method: 'PUT', body: blob.subarray(5) })
  t.equal(done.status, 201)
  t.equal(done.headers.get('docker-content-digest'), digest)
  t.equal((await fetch(`${base}/v2/p/x/blobs/${digest}`, { method: 'HEAD' })).status, 200, 'the blob exists now')
  const mount = await fetch(`${base}/v2/p/y/blobs/uploads/?mount=${digest}&from=p/x`, { method: 'POST' })
  t.equal(mount.status, 201, 'cross-repository mount of a known blob')
  const type = 'application/vnd.docker.distribution.manifest.v2+json'
  const manifest = (layer: string) => JSON.stringify({ schemaVersion: 2, mediaType: type, config: { digest }, layers: [{ digest: layer }] })
  const missing = await fetch(`${base}/v2/p/x/manifests/v1`, { method: 'PUT', headers: { 'content-type': type }, body: manifest(`sha256:${'1'.repeat(64)}`) })
  t.equal(missing.status, 400, 'a manifest naming a blob never uploaded is refused')
  const ok = await fetch(`${base}/v2/p/x/manifests/v1`, { method: 'PUT', headers: { 'content-type': type }, body: manifest(digest) })
  t.equal(ok.status, 201)
  const got = await fetch(`${base}/v2/p/x/manifests/v1`)
  t.equal(got.headers.get('content-type'), type)
  t.same(JSON.parse(await got.text()).layers, [{ digest }])
})
