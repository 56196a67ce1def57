// run-on-vm: the kind lab on this VM, end to end (run-on-vm.sh is the thin
// entry): the machine (inotify limits, pinned kind/kubectl/helm,
// reset-devices), the images, the kind lab made to look like OpenShift with
// the registry, the deploy, the conformance suite per mode, the artifacts
// (JUnit per mode, pod logs, test output, cluster state, kind's logs,
// run.json) under one directory, and the teardown. Exit status: 0 every
// mode passed, 1 a test or a step failed, 2 bad arguments.
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { join, resolve } from 'node:path'
import { parseArgv } from 'zx'
import { detectLinkMode, KindBackend, kindPlanInput, providerOf } from '../lab/backends/kind/backend.js'
import { kindPaths, kindUpPlan } from '../lab/backends/kind/plan.js'
import { onVmRunPlan, onVmSetupPlan, underTestOf, type OnVmOptions } from '../lab/backends/kind/run-on-vm.js'
import { MODES } from '../lab/conformance/modes.js'
import { InputError, isInputError } from '../lab/errors.js'
import { checkLabName } from '../lab/state/labs.js'
import { planLines } from '../lab/plan/render.js'
import { PlanFailed, runPlan } from '../lab/plan/runner.js'
import type { Executor, PlanReport } from '../lab/plan/types.js'
import { defaultTopologyFile, projectRoot } from '../lab/paths.js'
import { loadTopologyFile } from '../lab/topology/index.js'

export const HELP = `usage: run-on-vm.sh [--mode m1,m2] [--images | --load TAR | --deploy] [options] VM_IP

The kind lab on this VM, as upstream's run-on-vm: install the pinned tools
(kind, kubectl, helm), reset-devices, images, local registry, kind cluster
made to look like OpenShift, switch and links, deploy, the conformance suite
per mode, artifacts. Run it as root from the project directory. Every step
is skipped when already done, so a failed run is resumed by running it again.

  VM_IP              this VM's address (upstream's argument; kind's registry
                     recipe needs none, so it is checked and recorded only)
  --mode m1,m2       modes to test (default oc): ${MODES.join(', ')}
  --images           only build the images and save them to ARTIFACTS/images
  --load TAR         load the images from TAR (ptplab images save) instead of
                     building them
  --deploy           stop after the deploy: no tests, the lab stays up
  --keep             leave the lab up after the tests (default: ptplab down)
  --artifacts DIR    where everything goes (default /tmp/artifacts)
  --name LAB         lab name (default vm): cluster ptplab-LAB
  --topology FILE    (default topologies/default.yaml)
  --dry-run          print the ordered plan, change nothing
  -h, --help         this text

Environment: PTPLAB_UNDER_TEST=DIR builds DIR/Dockerfile as the image
PTPLAB_UNDER_TEST_TAG (default lptpd, the daemon) over ptplab's own, so the
project under test runs in the lab (lab-reusable.yml passes its checkout);
KIND_EXPERIMENTAL_PROVIDER=podman for podman; IMG_PREFIX (localhost/ptplab).

Exit status: 0 every mode passed, 1 a test or a step failed, 2 bad arguments.`

export interface Parsed {
  help: boolean
  dryRun: boolean
  options: OnVmOptions
}

export function parseRunOnVm(args: string[], env: Record<string, string | undefined> = process.env, exists: (p: string) => boolean = existsSync): Parsed {
  const a = parseArgv(args, {
    string: ['mode', 'load', 'artifacts', 'name', 'topology'],
    boolean: ['images', 'deploy', 'keep', 'dry-run', 'help'],
    alias: { h: 'help' },
    unknown: (f: string) => {
      if (f.startsWith('-')) throw new InputError(`unknown option ${JSON.stringify(f)} (see --help)`, { field: f })
      return true
    },
  }) as Record<string, unknown> & { _: string[] }
  const help = !!a.help
  const picked = [a.images && '--images', a.load !== undefined && '--load', a.deploy && '--deploy'].filter(Boolean)
  if (picked.length > 1) throw new InputError(`${picked.join(' and ')} exclude each other`, { field: String(picked[1]) })
  if (a.load === '') throw new InputError('--load needs a tarball', { field: '--load' })
  if (typeof a.load === 'string' && !exists(a.load)) throw new InputError(`no such file ${JSON.stringify(a.load)}`, { field: '--load' })
  const modes = String(a.mode ?? 'oc').split(',').map((m) => m.trim().toLowerCase()).filter(Boolean)
  for (const m of modes) if (!(MODES as readonly string[]).includes(m)) throw new InputError(`unknown mode ${JSON.stringify(m)} (one of ${MODES.join(', ')})`, { field: '--mode' })
  const pos = a._.map(String)
  if (!help && pos.length !== 1) throw new InputError(pos.length ? `one VM_IP expected, got ${pos.length} arguments` : 'VM_IP is missing (see --help)', { field: 'VM_IP' })
  const vm = pos[0] ?? ''
  if (!help && !isIP(vm)) throw new InputError(`${JSON.stringify(vm.slice(0, 60))} is not an IP address`, { field: 'VM_IP' })
  const images: OnVmOptions['images'] = a.images ? { kind: 'only-build' } : typeof a.load === 'string' ? { kind: 'load', tar: resolve(a.load) } : { kind: 'build' }
  const prefix = env.IMG_PREFIX || 'localhost/ptplab'
  return {
    help,
    dryRun: !!a['dry-run'],
    options: {
      lab: checkLabName(String(a.name ?? 'vm'), '--name'),
      vmAddress: vm,
      modes,
      images,
      deployOnly: !!a.deploy,
      keep: !!a.keep,
      artifacts: resolve(String(a.artifacts ?? '/tmp/artifacts')),
      root: projectRoot(),
      nodeBinary: process.execPath,
      prefix,
      arch: process.arch === 'arm64' ? 'arm64' : 'amd64',
      topologyFile: a.topology ? resolve(String(a.topology)) : undefined,
      underTest: underTestOf(env, exists),
    },
  }
}

export interface Io {
  out: (s: string) => void
  progress: (s: string) => void
  exec?: Executor // default: the real one
  env?: Record<string, string | undefined>
  exists?: (p: string) => boolean
}

export async function runOnVm(args: string[], io: Io): Promise<number> {
  const p = parseRunOnVm(args, io.env ?? process.env, io.exists ?? existsSync)
  if (p.help) {
    io.out(HELP)
    return 0
  }
  const o = p.options
  const file = o.topologyFile ?? defaultTopologyFile()
  const t = await loadTopologyFile(file)
  t.name = o.lab
  const setup = onVmSetupPlan(o)
  const kindOpts = { provider: providerOf({}, io.env ?? process.env), registry: true, prefix: o.prefix, links: 'auto' as const }
  const after = onVmRunPlan(o, [])
  if (p.dryRun) {
    io.out(`# run-on-vm ${o.vmAddress}: lab ${o.lab}, modes ${o.modes.join(',')}, artifacts ${o.artifacts}${o.underTest ? `, under test ${o.underTest.dir} as ${o.underTest.tag}` : ''}`)
    const links = await detectLinkMode()
    const kind = o.images.kind === 'only-build' ? [] : kindUpPlan(await kindPlanInput(t, { ...kindOpts, links }))
    for (const l of planLines([...setup, ...kind, ...(o.images.kind === 'only-build' ? [] : after)])) io.out(l)
    if (kind.length) io.out(`# links are chosen after reset-devices: netdevsim where the kernel has it, else veth (shown: ${links}, what this machine has now)`)
    return 0
  }
  await mkdir(o.artifacts, { recursive: true })
  const started = new Date().toISOString()
  const parts: Array<{ part: string; report: PlanReport }> = []
  const finish = async (ok: boolean) => {
    await writeFile(join(o.artifacts, 'run.json'), JSON.stringify({ vmAddress: o.vmAddress, lab: o.lab, modes: o.modes, started, finished: new Date().toISOString(), passed: ok, parts }, null, 2) + '\n')
    io.out(`run-on-vm: ${ok ? 'PASS' : 'FAIL'} (${o.modes.join(',')}; artifacts in ${o.artifacts})`)
    return ok ? 0 : 1
  }
  const { realExecutor } = await import('../lab/plan/exec.js')
  const r1 = await runPlan(setup, io.exec ?? realExecutor(), { progress: io.progress })
  parts.push({ part: 'setup', report: r1 })
  if (!r1.ok || o.images.kind === 'only-build') return finish(r1.ok)
  // The lab: the kind backend's own up (state file, resumable plan).
  let exec = io.exec
  if (!exec) {
    const { kubePlanExecutor } = await import('../lab/cluster/kubernetes/plan-api.js')
    exec = realExecutor({ api: kubePlanExecutor({ kubeconfig: kindPaths(o.lab).kubeconfig }) })
  }
  let labUp = true
  try {
    await new KindBackend(kindOpts, { exec, preflight: !io.exec }).up({ topology: t, topologyFile: file, progress: io.progress })
  } catch (e) {
    labUp = false
    io.progress(`the lab did not come up: ${(e as Error).message}`)
    if (e instanceof PlanFailed) parts.push({ part: 'lab', report: e.report })
  }
  const r3 = await runPlan(labUp ? after : after.filter((s) => s.always), exec, { progress: io.progress })
  parts.push({ part: 'tests', report: r3 })
  return finish(labUp && r3.ok)
}

// As a program (dist/scripts/run-on-vm.js, from run-on-vm.sh).
if (process.argv[1] && resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  try {
    process.exitCode = await runOnVm(process.argv.slice(2), {
      out: (s) => void process.stdout.write(s + '\n'),
      progress: (s) => void process.stderr.write(`[run-on-vm ${new Date().toISOString().slice(11, 19)}] ${s}\n`),
    })
  } catch (e) {
    process.stderr.write(`run-on-vm: error: ${(e as Error).message}\n`)
    process.exitCode = isInputError(e) ? 2 : 1
  }
}
