// run-on-vm as data: its arguments (bad ones exit 2 naming the field), the
// dry run's ordered plan (machine, tools, reset-devices, images, the kind
// lab with the registry, tests per mode, artifacts, teardown), a run with
// scripted commands whose second mode fails (exit 1, artifacts and the
// teardown still happen, run.json says why), and the shell entry and
// `ptplab up --backend kind --dry-run` through the built CLI.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import t, { type Test } from 'tap'
import { projectRoot } from '../../lab/paths.js'
import { parseRunOnVm, runOnVm } from '../../scripts/run-on-vm.js'
import { cliHarness } from '../fixtures/cli.js'
import { scripted } from '../fixtures/plan-exec.js'

const root = projectRoot()
const tmp = mkdtempSync(join(tmpdir(), 'run-on-vm-'))
t.teardown(() => rmSync(tmp, { recursive: true, force: true }))
process.env.PTPLAB_RUN_ROOT = join(tmp, 'run')

const bad = (t: Test, args: string[], field: string, msg: RegExp, env: Record<string, string> = {}) =>
  t.throws(() => parseRunOnVm(args, env), { name: 'InputError', field, message: msg }, `${args.join(' ')}: ${field}`)

t.test('arguments', async (t) => {
  const p = parseRunOnVm(['--mode', 'oc,BC', '10.1.2.3'], {})
  t.same(p.options.modes, ['oc', 'bc'])
  t.equal(p.options.vmAddress, '10.1.2.3')
  t.same(p.options.images, { kind: 'build' })
  t.equal(p.options.artifacts, '/tmp/artifacts')
  t.equal(p.options.lab, 'vm')
  t.same(parseRunOnVm(['--images', '::1'], {}).options.images, { kind: 'only-build' })
  t.equal(parseRunOnVm(['--deploy', '1.2.3.4'], {}).options.deployOnly, true)
  bad(t, ['1.2.3.999'], 'VM_IP', /is not an IP address/)
  bad(t, [], 'VM_IP', /VM_IP is missing/)
  bad(t, ['1.2.3.4', '5.6.7.8'], 'VM_IP', /one VM_IP expected, got 2/)
  bad(t, ['--mode', 'oc,tgm', '1.2.3.4'], '--mode', /unknown mode "tgm"/)
  bad(t, ['--images', '--deploy', '1.2.3.4'], '--deploy', /--images and --deploy exclude each other/)
  bad(t, ['--load', join(tmp, 'none.tar'), '1.2.3.4'], '--load', /no such file/)
  bad(t, ['--frobnicate', '1.2.3.4'], '--frobnicate', /unknown option/)
  bad(t, ['--name', 'Bad_Name', '1.2.3.4'], '--name', /lab name/)
  bad(t, ['1.2.3.4'], 'PTPLAB_UNDER_TEST', /has no Dockerfile/, { PTPLAB_UNDER_TEST: tmp })
  writeFileSync(join(tmp, 'Dockerfile'), 'FROM scratch\n')
  bad(t, ['1.2.3.4'], 'PTPLAB_UNDER_TEST_TAG', /unknown image tag "cep"/, { PTPLAB_UNDER_TEST: tmp, PTPLAB_UNDER_TEST_TAG: 'cep' })
  t.same(parseRunOnVm(['1.2.3.4'], { PTPLAB_UNDER_TEST: tmp }).options.underTest, { dir: tmp, tag: 'lptpd' })
})

const io = () => {
  const out: string[] = []
  const progress: string[] = []
  return { out, progress, io: { out: (s: string) => void out.push(s), progress: (s: string) => void progress.push(s) } }
}
const indexOf = (lines: string[], re: RegExp) => lines.findIndex((l) => re.test(l))

t.test('the dry run: the whole ordered plan, nothing changed', async (t) => {
  const o = io()
  t.equal(await runOnVm(['--dry-run', '--mode', 'oc,bc', '--artifacts', join(tmp, 'art'), '127.0.0.1'], { ...o.io, env: { PTPLAB_UNDER_TEST: tmp } }), 0)
  const order = [
    /^\$ sysctl -w fs\.inotify\.max_user_instances=512$/,
    /^fetch https:\/\/github\.com\/kubernetes-sigs\/kind\/releases\/download\/v0\.27\.0\/kind-linux-(amd64|arm64) -> \/usr\/local\/bin\/kind \(sha256 from .*\.sha256sum\)$/,
    /^fetch https:\/\/dl\.k8s\.io\/release\/v1\.32\.2\/bin\/linux\/.*\/kubectl -> \/usr\/local\/bin\/kubectl/,
    /^\$ tar -xzf \/tmp\/ptplab-helm\.tar\.gz -C \/usr\/local\/bin --strip-components=1 linux-.*\/helm$/,
    /scripts\/reset-devices {2}\(exit 0 or 3 is fine\)$/,
    /bin\/ptplab\.js images build --only/,
    new RegExp(`^\\$ docker build --tag localhost/ptplab:lptpd ${tmp}$`),
    /^\$ kind create cluster --name ptplab-vm /,
    /^\$ docker run --detach --restart=always --publish 127\.0\.0\.1:5001:5000 .* registry:2$/,
    /images push --registry localhost:5001/,
    /^\$ docker run --detach --name ptplab-vm\.switch1 /,
    /scripts\/configpair --kind (veth|netdevsim) /,
    /apply -k .*\/vm\/kustomize$/,
    /^wait caBundle injected/,
    /^api merge-patch ptp\.openshift\.io\/v1 PtpOperatorConfig openshift-ptp\/default/,
    /^wait rollout of DaemonSet openshift-ptp\/linuxptp-daemon/,
    new RegExp(`^\\$ COLLECT_POD_LOGS=true LOG_ARTIFACTS_DIR=${tmp}/art/logs .*ptplab\\.js test --name vm --mode oc --junit ${tmp}/art/junit-oc\\.xml > ${tmp}/art/test-oc\\.txt$`),
    /ptplab\.js test --name vm --mode bc --junit /,
    new RegExp(`^\\$ kind export logs ${tmp}/art/kind-logs --name ptplab-vm$`),
    /ptplab\.js down --name vm$/,
  ]
  const lines = o.out.map((l) => l.trim())
  const at = order.map((re) => indexOf(lines, re))
  t.same(at.map((i, k) => (i < 0 ? `missing: ${order[k]}` : 'found')), order.map(() => 'found'))
  t.same([...at].sort((a, b) => a - b), at, 'in this order')
  t.notOk(existsSync(join(tmp, 'art')), 'no artifacts dir: nothing was done')
  t.notOk(existsSync(join(tmp, 'run', 'vm')), 'no lab dir')

  const only = io()
  t.equal(await runOnVm(['--dry-run', '--images', '--artifacts', join(tmp, 'art'), '127.0.0.1'], { ...only.io, env: {} }), 0)
  t.ok(only.out.some((l) => l.includes(`images save --out ${tmp}/art/images`)))
  t.notOk(only.out.some((l) => l.includes('kind create') || l.includes('ptplab.js test')), '--images: no cluster, no tests')
})

t.test('a run whose second mode fails: exit 1, artifacts and teardown anyway', async (t) => {
  const art = join(tmp, 'art2')
  const s = scripted((l) => {
    if (l.startsWith('$ sysctl -n')) return { stdout: '1048576\n' }
    if (l === '$ kind version') return { stdout: 'kind v0.27.0 go1.23.6 linux/amd64' }
    if (l.startsWith('$ kubectl version')) return { stdout: '{"clientVersion":{"gitVersion":"v1.32.2"}}' }
    if (l === '$ helm version --short') return { stdout: 'v3.17.1+g980d8ac' }
    if (l.includes('ip link show')) return { ok: false, detail: 'Device does not exist' }
    if (l.includes('--mode bc')) return { ok: false, detail: 'exit status 1' }
    return undefined
  })
  const o = io()
  const code = await runOnVm(['--mode', 'oc,bc', '--artifacts', art, '192.0.2.10'], { ...o.io, env: {}, exec: s.exec })
  t.equal(code, 1)
  t.notOk(s.journal.some((l) => l.startsWith('fetch ')), 'the pinned tools are there: not downloaded')
  t.ok(s.journal.some((l) => l.startsWith('$ kind create cluster --name ptplab-vm')))
  const k = (re: RegExp) => s.journal.findIndex((l) => re.test(l))
  t.ok(k(/--mode oc/) < k(/--mode bc/) && k(/--mode bc/) < k(/kind export logs/) && k(/kind export logs/) < k(/ptplab\.js down --name vm/), 'tests, then artifacts, then down')
  const runJson = JSON.parse(readFileSync(join(art, 'run.json'), 'utf8')) as { passed: boolean; vmAddress: string; parts: Array<{ part: string; report: { verdictsFailed: string[] } }> }
  t.equal(runJson.passed, false)
  t.equal(runJson.vmAddress, '192.0.2.10')
  t.same(runJson.parts.map((p) => p.part), ['setup', 'tests'])
  t.same(runJson.parts[1]!.report.verdictsFailed, ['test bc'])
  t.equal(o.out.at(-1), `run-on-vm: FAIL (oc,bc; artifacts in ${art})`)
  const st = JSON.parse(readFileSync(join(tmp, 'run', 'vm', 'state.json'), 'utf8')) as { backend: string; phase: string; resources: Array<{ kind: string }> }
  t.equal(st.backend, 'kind')
  t.equal(st.phase, 'up', 'the lab came up (the scripted down does not remove it)')
  t.ok(st.resources.some((r) => r.kind === 'cluster'))
})

t.test('a run whose cluster does not come up: exit 1, nothing tested, artifacts and teardown', async (t) => {
  const art = join(tmp, 'art3')
  const s = scripted((l) => (l.startsWith('$ kind create') ? { ok: false, detail: 'exit status 1: failed to create cluster' } : l.startsWith('$ sysctl -n') ? { stdout: '1048576' } : undefined))
  const o = io()
  t.equal(await runOnVm(['--name', 'vm3', '--artifacts', art, '192.0.2.10'], { ...o.io, env: {}, exec: s.exec }), 1)
  t.notOk(s.journal.some((l) => l.includes('ptplab.js test')))
  t.ok(s.journal.some((l) => l.startsWith('$ kind delete cluster --name ptplab-vm3')), 'the failed create is undone')
  t.ok(s.journal.some((l) => l.endsWith('ptplab.js down --name vm3')))
  const runJson = JSON.parse(readFileSync(join(art, 'run.json'), 'utf8')) as { parts: Array<{ part: string; report: { failed?: { step: string } } }> }
  t.same(runJson.parts.map((p) => p.part), ['setup', 'lab', 'tests'])
  t.equal(runJson.parts[1]!.report.failed?.step, 'kind cluster ptplab-vm3')
})

const built = existsSync(join(root, 'dist', 'scripts', 'run-on-vm.js')) ? false : 'not built (npm run build)'
t.test('the shell entry and the CLI', { skip: built }, async (t) => {
  const env = { ...process.env, PTPLAB_RUN_ROOT: join(tmp, 'run') }
  const ok = await execa(join(root, 'run-on-vm.sh'), ['--dry-run', '--mode', 'oc', '127.0.0.1'], { env, reject: false })
  t.equal(ok.exitCode, 0, ok.stderr)
  t.match(ok.stdout, /^# run-on-vm 127\.0\.0\.1: lab vm, modes oc/)
  const help = await execa(join(root, 'run-on-vm.sh'), ['--help'], { env, reject: false })
  t.equal(help.exitCode, 0)
  t.match(help.stdout, /PTPLAB_UNDER_TEST/)
  const bad = await execa(join(root, 'run-on-vm.sh'), ['--dry-run', '300.1.1.1'], { env, reject: false })
  t.equal(bad.exitCode, 2)
  t.match(bad.stderr, /VM_IP: "300\.1\.1\.1" is not an IP address/)

  const h = cliHarness(t, { prefix: 'kind-cli' })
  const dry = await h.ptplab(['up', '--backend', 'kind', '--name', 'kl', '--dry-run'])
  t.equal(dry.code, 0, dry.stderr)
  t.match(dry.stdout, /\$ kind create cluster --name ptplab-kl /)
  t.match(dry.stdout, /\[29\/29\] daemon rollout/)
  const cases: Array<[string[], RegExp]> = [
    [['up', '--dry-run'], /--dry-run is for --backend kind only/],
    [['up', '--backend', 'kind', '--links', 'wifi', '--dry-run'], /--links: unknown link kind "wifi"/],
    [['up', '--backend', 'kind', '--provider', 'lxc', '--dry-run'], /--provider: unknown kind provider "lxc"/],
    [['up', '--backend', 'kind', '--dry-run', '--topology', join(root, 'topologies', 'two-node.yaml')], /has no link: the kind backend cables every port/],
    [['up', '--backend', 'kubevirt'], /--backend: unknown backend "kubevirt" \(known: netns, docker, kind\)/],
  ]
  for (const [args, re] of cases) {
    const r = await h.ptplab(args)
    t.equal(r.code, 2, args.join(' '))
    t.match(r.stderr, re)
  }
})
