// `ptplab vm run`: launch an instance, wait for it, push the run's SSH key
// through SSM, copy the tree, run run-on-vm.sh, fetch the artifacts, and
// ALWAYS terminate: after success, failure, the run's timeout and an
// interrupt alike, then check by tag that nothing of the run is left. The
// phases are a table; each is a small step over the gateway and commands.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { DescribeImagesCommand, RunInstancesCommand, type DescribeImagesCommandOutput, type RunInstancesCommandOutput } from '@aws-sdk/client-ec2'
import { GetParameterCommand, type GetParameterCommandOutput } from '@aws-sdk/client-ssm'
import { GetCallerIdentityCommand, type GetCallerIdentityCommandOutput } from '@aws-sdk/client-sts'
import { InputError } from '../errors.js'
import { pollUntil } from '../sys/poll.js'
import { excerpt } from '../text.js'
import { nonPublicReason } from './address.js'
import { deadline, explainAwsError } from './aws.js'
import { runScope, terminateScope, type CleanupResult } from './cleanup.js'
import type { VmRunConfig } from './config.js'
import { command, type Deps } from './deps.js'
import type { Artifacts, Workdir } from './effects.js'
import { planRunInstances } from './launch.js'
import { remoteRunCommand, rsyncFetchArgv, rsyncPushArgv, RUN_SCRIPT, sshConfig, sshPaths, sshProbeArgv, sshRunArgv, type SshPaths } from './remote.js'
import { authorizeKeyCommands, generateSshKey, knownHosts, parseHostKeys } from './sshkey.js'
import { runTags } from './tags.js'
import { waitRunning, waitSsmOnline, runSsmCommand } from './waits.js'

export class Interrupted extends Error {
  constructor() {
    super('interrupted')
  }
}
export class RunTimeout extends Error {}
export class RemoteRunFailed extends Error {
  constructor(readonly exitCode: number) {
    super(`${RUN_SCRIPT} failed with exit status ${exitCode}`)
  }
}

export type Phase = 'identity' | 'image' | 'launch' | 'running' | 'ssm' | 'key' | 'ssh' | 'copy' | 'run'
export type Outcome = 'passed' | 'failed' | 'interrupted' | 'timeout' | 'error'

export interface RunDeps extends Deps {
  artifacts: Artifacts
}

interface State {
  cfg: VmRunConfig
  deadline: number
  owner?: string
  imageId?: string
  rootDevice?: string
  instanceId?: string
  launchInFlight: boolean
  publicIp?: string
  privateIp?: string
  work?: Workdir
  ssh?: SshPaths
  sshReady: boolean
  remoteExit?: number
}

type Step = (d: RunDeps, s: State, signal: AbortSignal) => Promise<void>

const identity: Step = async (d, s, signal) => {
  const id = await d.aws.send<GetCallerIdentityCommandOutput>('sts', new GetCallerIdentityCommand({}), signal)
  s.owner = s.cfg.owner ?? id.Arn ?? 'unknown'
  d.progress(`AWS identity ${id.Arn} (account ${id.Account}), region ${s.cfg.region}, run ${s.cfg.runId}`)
}

const image: Step = async (d, s, signal) => {
  const ami = s.cfg.ami
  if (ami.kind === 'ssm') {
    const p = await d.aws.send<GetParameterCommandOutput>('ssm', new GetParameterCommand({ Name: ami.parameter }), signal)
    const v = p.Parameter?.Value ?? ''
    if (!/^ami-[0-9a-f]{8,17}$/.test(v)) throw new Error(`SSM parameter ${ami.parameter} holds ${JSON.stringify(excerpt(v))}, not an AMI id`)
    s.imageId = v
  } else s.imageId = ami.id
  const r = await d.aws.send<DescribeImagesCommandOutput>('ec2', new DescribeImagesCommand({ ImageIds: [s.imageId] }), signal)
  const img = r.Images?.[0]
  if (!img?.RootDeviceName) throw new Error(`AMI ${s.imageId} not found in ${s.cfg.region} (or it has no root device)`)
  s.rootDevice = img.RootDeviceName
  d.progress(`AMI ${s.imageId}${img.Name ? ` (${img.Name})` : ''}, root device ${s.rootDevice}`)
}

const launch: Step = async (d, s, signal) => {
  const input = planRunInstances(s.cfg, {
    imageId: s.imageId!,
    rootDeviceName: s.rootDevice!,
    tags: runTags(s.cfg, s.owner!),
    clientToken: `${s.cfg.runId}-${randomBytes(8).toString('hex')}`,
  })
  // From here until the answer, an instance may exist that only its tags find.
  s.launchInFlight = true
  const out = await d.aws.send<RunInstancesCommandOutput>('ec2', new RunInstancesCommand(input), signal).catch((e: unknown) => {
    // EC2 refused the request (capacity, permissions, bad parameters):
    // nothing was launched. After a server fault or no answer, it may have been.
    if (!signal.aborted && (e as { $fault?: string })?.$fault === 'client') s.launchInFlight = false
    throw e
  })
  s.instanceId = out.Instances?.[0]?.InstanceId
  if (!s.instanceId) throw new Error('RunInstances returned no instance')
  s.launchInFlight = false
  d.progress(`launched ${s.instanceId} (${s.cfg.instanceType}, ${s.cfg.diskGiB} GiB)`)
}

const running: Step = async (d, s, signal) => {
  const inst = await waitRunning(d, s.instanceId!, s.cfg.waitTimeoutMs, signal)
  const pub = inst.PublicIpAddress
  if (!pub) throw new Error(`instance ${s.instanceId} has no public IPv4 address: launch it in a subnet with an internet gateway (--subnet)`)
  const why = nonPublicReason(pub)
  if (why) throw new Error(`instance ${s.instanceId}'s "public" address ${pub} is in the ${why}: ptplab connects to public addresses only`)
  if (!inst.PrivateIpAddress) throw new Error(`instance ${s.instanceId} has no private address`)
  s.publicIp = pub
  s.privateIp = inst.PrivateIpAddress
  d.progress(`${s.instanceId} is running: public ${pub}, private ${s.privateIp}`)
}

const ssm: Step = async (d, s, signal) => {
  await waitSsmOnline(d, s.instanceId!, s.cfg.waitTimeoutMs, signal)
  d.progress(`the SSM agent of ${s.instanceId} is online`)
}

const key: Step = async (d, s, signal) => {
  s.work = await d.workdir()
  const p = sshPaths(s.work.dir)
  const k = generateSshKey(`ptplab-${s.cfg.runId}`)
  await s.work.write('id_ed25519', k.privateKey)
  const out = await runSsmCommand(d, s.instanceId!, `ptplab ${s.cfg.runId}: authorize the run's SSH key`, authorizeKeyCommands(s.cfg.sshUser, k.publicKey), d.timing.keyTimeoutMs, signal)
  const hostKeys = parseHostKeys(out)
  if (hostKeys.length === 0) throw new Error(`the instance printed no SSH host key (output: ${JSON.stringify(excerpt(out.trim(), 200))})`)
  await s.work.write('known_hosts', knownHosts(s.publicIp!, hostKeys))
  await s.work.write('ssh_config', sshConfig(s.publicIp!, s.cfg.sshUser, p))
  s.ssh = p
  d.progress(`SSH key of the run authorized for ${s.cfg.sshUser}; host keys: ${hostKeys.map((h) => h.split(' ')[0]).join(', ')}`)
}

const sshUp: Step = async (d, s, signal) => {
  let last = ''
  await pollUntil(
    async () => {
      const r = await command(d, sshProbeArgv(s.ssh!), { timeoutMs: 30_000, signal })
      last = r.stderr.trim()
      return r.exitCode === 0
    },
    s.cfg.waitTimeoutMs,
    () => `SSH to ${s.publicIp} to answer${last ? ` (last: ${excerpt(last, 200)})` : ''}`,
    { intervalMs: d.timing.sshPollMs, signal },
  )
  s.sshReady = true
}

const copy: Step = async (d, s, signal) => {
  const r = await command(d, rsyncPushArgv(s.ssh!, s.cfg.source), { timeoutMs: 15 * 60_000, signal })
  if (r.exitCode !== 0) throw new Error(`copying ${s.cfg.source} failed (rsync exit ${r.exitCode}): ${excerpt(r.stderr.trim(), 400)}`)
  d.progress(`copied ${s.cfg.source} to ${s.publicIp}`)
}

const runRemote: Step = async (d, s, signal) => {
  const budget = s.deadline - Date.now() - d.timing.fetchReserveMs
  if (budget <= 0) throw new RunTimeout(`no time left for ${RUN_SCRIPT} within the run's timeout`)
  const cmd = remoteRunCommand(s.cfg.modes, s.privateIp!)
  d.progress(`running ${cmd} (up to ${Math.round(budget / 60_000)} min)`)
  let log = ''
  let partial = ''
  const r = await command(d, sshRunArgv(s.ssh!, cmd), {
    timeoutMs: budget,
    signal,
    onOutput: (chunk) => {
      log += chunk
      const lines = (partial + chunk).split('\n')
      partial = lines.pop() ?? ''
      for (const l of lines) d.progress(`vm: ${l}`)
    },
  })
  if (partial) d.progress(`vm: ${partial}`)
  await d.artifacts.write('run-on-vm.log', log || r.stdout + r.stderr)
  if (signal.aborted) throw signal.reason
  if (r.timedOut) throw new RunTimeout(`${RUN_SCRIPT} did not finish within ${Math.round(budget / 60_000)} min`)
  s.remoteExit = r.exitCode
  if (r.exitCode !== 0) throw new RemoteRunFailed(r.exitCode)
  d.progress(`${RUN_SCRIPT} passed`)
}

export const PHASES: ReadonlyArray<{ name: Phase; run: Step }> = [
  { name: 'identity', run: identity },
  { name: 'image', run: image },
  { name: 'launch', run: launch },
  { name: 'running', run: running },
  { name: 'ssm', run: ssm },
  { name: 'key', run: key },
  { name: 'ssh', run: sshUp },
  { name: 'copy', run: copy },
  { name: 'run', run: runRemote },
]
const LAUNCH_INDEX = PHASES.findIndex((p) => p.name === 'launch')

// Local things the run needs before it may launch anything.
export function preflight(cfg: VmRunConfig, missing: string[]): void {
  if (!existsSync(join(cfg.source, RUN_SCRIPT)))
    throw new InputError(`${cfg.source} has no ${RUN_SCRIPT}: give the project tree to copy`, { field: '--source' })
  if (missing.length) throw new Error(`${missing.join(' and ')} not found: install them (Debian: apt-get install openssh-client rsync)`)
}

export interface VmRunResult {
  runId: string
  outcome: Outcome
  ok: boolean
  phase: Phase // the phase reached
  error?: string
  instanceId?: string
  publicIp?: string
  remoteExit?: number
  fetched: boolean
  fetchError?: string
  cleanup?: CleanupResult
}

function outcomeOf(err: unknown, signal: AbortSignal): Outcome {
  if (err === undefined) return 'passed'
  if (signal.aborted) return signal.reason instanceof RunTimeout ? 'timeout' : 'interrupted'
  if (err instanceof RunTimeout) return 'timeout'
  if (err instanceof RemoteRunFailed) return 'failed'
  return 'error'
}

async function fetchArtifacts(d: RunDeps, s: State, outer?: AbortSignal): Promise<string | undefined> {
  await d.artifacts.ensure()
  // Its own budget, not the run's (a timed-out run's artifacts matter most),
  // but an interrupt still ends it: the instance goes first.
  const dl = deadline(d.timing.fetchReserveMs + 5000, 'fetching artifacts')
  const stop = () => dl.abort()
  outer?.addEventListener('abort', stop, { once: true })
  const r = await command(d, rsyncFetchArgv(s.ssh!, s.cfg.remoteArtifacts, d.artifacts.dir), { timeoutMs: d.timing.fetchReserveMs, signal: dl.signal }).finally(() => {
    dl.clear()
    outer?.removeEventListener('abort', stop)
  })
  if (outer?.aborted) return 'fetching artifacts was interrupted'
  if (r.exitCode === 0) {
    d.progress(`artifacts of ${s.cfg.remoteArtifacts} fetched to ${d.artifacts.dir}`)
    return undefined
  }
  return `fetching ${s.cfg.remoteArtifacts} failed (rsync exit ${r.exitCode}): ${excerpt(r.stderr.trim(), 400)}`
}

export async function vmRun(cfg: VmRunConfig, d: RunDeps, outer?: AbortSignal): Promise<VmRunResult> {
  const ac = new AbortController()
  const onOuter = () => ac.abort(new Interrupted())
  if (outer?.aborted) onOuter()
  outer?.addEventListener('abort', onOuter, { once: true })
  const timer = setTimeout(() => ac.abort(new RunTimeout(`the run's timeout of ${Math.round(cfg.timeoutMs / 60_000)} min is over`)), cfg.timeoutMs)
  const s: State = { cfg, deadline: Date.now() + cfg.timeoutMs, launchInFlight: false, sshReady: false }
  let phase = 0
  let err: unknown
  try {
    for (; phase < PHASES.length; phase++) {
      if (ac.signal.aborted) throw ac.signal.reason
      await PHASES[phase]!.run(d, s, ac.signal)
    }
    phase = PHASES.length - 1
  } catch (e) {
    err = ac.signal.aborted ? ac.signal.reason : e
  }
  clearTimeout(timer)
  outer?.removeEventListener('abort', onOuter)
  let outcome = outcomeOf(err, ac.signal)
  const res: VmRunResult = {
    runId: cfg.runId,
    outcome,
    ok: false,
    phase: PHASES[Math.min(phase, PHASES.length - 1)]!.name,
    error: err === undefined ? undefined : explainAwsError(err),
    instanceId: s.instanceId,
    publicIp: s.publicIp,
    remoteExit: s.remoteExit,
    fetched: false,
  }
  if (err !== undefined) d.progress(`${outcome} in phase ${res.phase}: ${res.error}`)
  try {
    // Artifacts whenever SSH works, unless the user wants out now or the
    // run's whole budget is spent (the remote run itself stops early enough
    // to leave time for this).
    if (s.sshReady && !ac.signal.aborted) {
      res.fetchError = await fetchArtifacts(d, s, outer).catch((e: Error) => e.message)
      res.fetched = res.fetchError === undefined
      if (res.fetchError) d.progress(res.fetchError)
      if (outer?.aborted) res.outcome = outcome = 'interrupted'
    }
  } finally {
    if (phase >= LAUNCH_INDEX) {
      res.cleanup = await terminateScope(d, runScope(cfg.runId), s.instanceId ? [s.instanceId] : [], { settleMs: s.launchInFlight ? d.timing.settleMs : 0 })
      const c = res.cleanup
      if (c.verified && c.leftovers.length === 0) d.progress(`nothing of run ${cfg.runId} is left running${c.terminated.length ? ` (terminated ${c.terminated.join(', ')})` : ''}`)
      else d.progress(`LEFT BEHIND by run ${cfg.runId}: ${c.leftovers.map((l) => `${l.kind} ${l.id} (${l.state})`).join(', ') || 'unknown'}${c.error ? `; ${c.error}` : ''}: run \`ptplab vm terminate --run ${cfg.runId}\``)
    }
    await s.work?.remove()
  }
  const clean = res.cleanup === undefined || (res.cleanup.verified && res.cleanup.leftovers.length === 0)
  res.ok = outcome === 'passed' && res.fetched && clean
  return res
}
