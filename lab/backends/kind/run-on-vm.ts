// run-on-vm.sh as plans (pure): the machine (inotify limits, the pinned
// tools, netdevsim reset), the images, then the kind lab's own plan, the
// tests per mode, the artifacts and the teardown. Two parts because which
// links the lab gets (netdevsim or veth) is known only after reset-devices.
import { join } from 'node:path'
import { InputError } from '../../errors.js'
import { KUBE_TAGS } from '../../images/table.js'
import type { Action, Step } from '../../plan/types.js'
import { clusterName } from './names.js'
import { KIND_IMAGE_TAGS, kindPaths } from './plan.js'
import { TOOLS, versionProblem, type Tool } from './versions.js'

export type VmImages = { kind: 'build' } | { kind: 'load'; tar: string } | { kind: 'only-build' } // --images: build and save, nothing else

export interface OnVmOptions {
  lab: string
  vmAddress: string
  modes: string[]
  images: VmImages
  deployOnly: boolean // --deploy: up to the deployed operator, no tests, lab left up
  keep: boolean // leave the lab up after the tests
  artifacts: string
  root: string
  nodeBinary: string
  prefix: string
  arch: 'amd64' | 'arm64'
  topologyFile?: string
  underTest?: { dir: string; tag: string } // PTPLAB_UNDER_TEST: built over ptplab's image of that tag
}

export const INOTIFY = [
  ['fs.inotify.max_user_instances', 512],
  ['fs.inotify.max_user_watches', 524288],
] as const

// PTPLAB_UNDER_TEST: a checked-out project whose Dockerfile (at its top)
// builds the image of PTPLAB_UNDER_TEST_TAG (default lptpd, the daemon),
// replacing ptplab's own before the images go into the cluster.
export function underTestOf(env: Record<string, string | undefined>, exists: (p: string) => boolean): OnVmOptions['underTest'] {
  const dir = env.PTPLAB_UNDER_TEST
  if (!dir) return undefined
  const tag = env.PTPLAB_UNDER_TEST_TAG || 'lptpd'
  if (!(KUBE_TAGS as readonly string[]).includes(tag)) throw new InputError(`unknown image tag ${JSON.stringify(tag)} (one of ${KUBE_TAGS.join(', ')})`, { field: 'PTPLAB_UNDER_TEST_TAG' })
  if (!exists(join(dir, 'Dockerfile'))) throw new InputError(`${dir} has no Dockerfile: PTPLAB_UNDER_TEST must be a project whose Dockerfile builds the ${tag} image`, { field: 'PTPLAB_UNDER_TEST' })
  return { dir, tag }
}

const run = (argv: string[], more: Partial<Extract<Action, { do: 'run' }>> = {}): Action => ({ do: 'run', argv, ...more })

function toolStep(t: Tool, arch: OnVmOptions['arch']): Step {
  const d = t.download(arch)
  const to = `/usr/local/bin/${t.name}`
  const actions: Action[] = d.tarMember
    ? [
        { do: 'fetch', url: d.url, to: `/tmp/ptplab-${t.name}.tar.gz`, sha256Url: d.sha256Url },
        run(['tar', '-xzf', `/tmp/ptplab-${t.name}.tar.gz`, '-C', '/usr/local/bin', '--strip-components=1', d.tarMember]),
        run(['rm', '-f', `/tmp/ptplab-${t.name}.tar.gz`]),
      ]
    : [{ do: 'fetch', url: d.url, to, sha256Url: d.sha256Url, mode: 0o755 }]
  return {
    name: `install ${t.name} ${t.version}`,
    check: { action: run(t.versionArgv), done: (r) => !versionProblem(t, { exitCode: r.ok ? 0 : 1, stdout: r.stdout }), what: `${t.versionArgv.join(' ')} reports ${t.version}` },
    actions,
  }
}

const ptplab = (o: OnVmOptions, args: string[], more: Partial<Extract<Action, { do: 'run' }>> = {}) => run([o.nodeBinary, join(o.root, 'bin', 'ptplab.js'), ...args], more)

// Part 1: the machine and the images.
export function onVmSetupPlan(o: OnVmOptions): Step[] {
  const only = ['--only', KIND_IMAGE_TAGS.join(','), '--prefix', o.prefix]
  const steps: Step[] = [
    ...INOTIFY.map(([key, min]): Step => ({
      name: `${key} >= ${min}`,
      check: { action: run(['sysctl', '-n', key]), done: (r) => Number(r.stdout.trim()) >= min, what: `${key} is at least ${min}` },
      actions: [run(['sysctl', '-w', `${key}=${min}`])],
    })),
    ...TOOLS.map((t) => toolStep(t, o.arch)),
    // Exit 3: this kernel loads no modules; the lab then uses veth links.
    { name: 'reset-devices (netdevsim, openvswitch)', actions: [run([join(o.root, 'scripts', 'reset-devices')], { okExit: [0, 3] })] },
  ]
  if (o.images.kind === 'load') steps.push({ name: `images from ${o.images.tar}`, actions: [ptplab(o, ['images', 'load', o.images.tar])] })
  else steps.push({ name: 'images build (reused while unchanged)', actions: [ptplab(o, ['images', 'build', ...only], { timeoutMs: 1_800_000 })] })
  if (o.underTest)
    steps.push({
      name: `image ${o.prefix}:${o.underTest.tag} from the project under test (${o.underTest.dir})`,
      actions: [run(['docker', 'build', '--tag', `${o.prefix}:${o.underTest.tag}`, o.underTest.dir], { timeoutMs: 2_700_000 })],
    })
  if (o.images.kind === 'only-build')
    steps.push({ name: `images saved to ${join(o.artifacts, 'images')}`, actions: [run(['mkdir', '-p', join(o.artifacts, 'images')]), ptplab(o, ['images', 'save', '--out', join(o.artifacts, 'images'), ...only])] })
  return steps
}

// Part 2: the kind lab's plan, then tests per mode, artifacts, teardown.
export function onVmRunPlan(o: OnVmOptions, kindSteps: Step[]): Step[] {
  const P = kindPaths(o.lab)
  const K = ['--kubeconfig', P.kubeconfig]
  const A = (f: string) => join(o.artifacts, f)
  const steps: Step[] = [...kindSteps]
  if (!o.deployOnly)
    for (const m of o.modes)
      steps.push({
        name: `test ${m}`,
        verdict: true,
        actions: [
          ptplab(o, ['test', '--name', o.lab, '--mode', m, '--junit', A(`junit-${m}.xml`)], {
            env: { COLLECT_POD_LOGS: 'true', LOG_ARTIFACTS_DIR: A('logs') },
            stdoutTo: A(`test-${m}.txt`),
            timeoutMs: 3_600_000,
          }),
        ],
      })
  steps.push(
    {
      name: `cluster state into ${o.artifacts}`,
      always: true,
      actions: [
        run(['kubectl', ...K, 'get', 'nodes,pods', '--all-namespaces', '--output', 'wide'], { stdoutTo: A('cluster/pods.txt') }),
        run(['kubectl', ...K, 'get', 'events', '--all-namespaces', '--sort-by', '.lastTimestamp'], { stdoutTo: A('cluster/events.txt') }),
        run(['kubectl', ...K, 'get', 'ptpconfigs,ptpoperatorconfigs,nodeptpdevices,daemonsets,deployments', '--namespace', 'openshift-ptp', '--output', 'yaml'], { stdoutTo: A('cluster/openshift-ptp.yaml') }),
        run(['kind', 'export', 'logs', A('kind-logs'), '--name', clusterName(o.lab)]),
      ],
    },
  )
  if (!o.keep && !o.deployOnly) steps.push({ name: `down: lab ${o.lab}`, always: true, actions: [ptplab(o, ['down', '--name', o.lab])] })
  return steps
}
