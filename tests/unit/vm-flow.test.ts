// `ptplab vm run` against a stateful fake account (aws-sdk-client-mock under
// the real SDK clients) and scripted commands: the launch request, the
// waits and their timeouts, SSM never online, the remote run failing, the
// run's timeout, and an interrupt in every phase. Whatever happens,
// TerminateInstances is called with the right ids and the account has
// nothing of the run left.
import t, { type Test } from 'tap'
import { awsGateway, dryGateway, makeClients } from '../../lab/vm/aws.js'
import { parseRunConfig, type VmRunConfig } from '../../lab/vm/config.js'
import { type Timing } from '../../lab/vm/deps.js'
import { dryExec, dryWorkdir, type Artifacts, type Exec, type ExecOptions, type ExecResult, type Workdir } from '../../lab/vm/effects.js'
import { PHASES, vmRun, type Phase, type RunDeps } from '../../lab/vm/flow.js'
import { Journal } from '../../lab/vm/journal.js'
import { SSM_HINT } from '../../lab/vm/waits.js'
import { AwsWorld, awsError, HOST_KEY, journalOps } from '../fixtures/aws-world.js'

const FAST: Timing = { pollMs: 1, sshPollMs: 1, keyTimeoutMs: 2000, fetchReserveMs: 2000, cleanupTimeoutMs: 3000, settleMs: 60 }

const config = (over: Partial<VmRunConfig> = {}): VmRunConfig => ({
  ...parseRunConfig({ region: 'eu-west-1', runId: 'flow-test', mode: 'oc,bc', source: '/src/ptplab', artifacts: '/out/artifacts', instanceProfile: 'ptplab-ssm', subnet: 'subnet-0123456789abcdef0', securityGroup: ['sg-0123456789abcdef0'] }, {}),
  ...over,
})

type Script = (argv: string[], o: ExecOptions) => Promise<ExecResult> | ExecResult
const ok: ExecResult = { exitCode: 0, stdout: '', stderr: '', timedOut: false }

// A run with scripted commands: `script` may answer any argv itself.
function harness(t: Test, o: { script?: Script } = {}) {
  const world = new AwsWorld()
  t.teardown(() => world.restore())
  const journal = new Journal()
  const files = new Map<string, { text: string; mode: number }>()
  let removed = false
  const workdir = async (): Promise<Workdir> => ({
    dir: '/tmp/ptplab-vm-test',
    write: async (name, text, mode = 0o600) => {
      const p = `/tmp/ptplab-vm-test/${name}`
      journal.push({ kind: 'file', path: p, mode })
      files.set(p, { text, mode })
      return p
    },
    remove: async () => void (removed = true),
  })
  const saved = new Map<string, string>()
  const artifacts: Artifacts = { dir: '/out/artifacts', ensure: async () => {}, write: async (n, text) => void saved.set(n, text) }
  const exec: Exec = async (argv, eo) => (o.script ? o.script(argv, eo) : ok)
  const progress: string[] = []
  const deps: RunDeps = { aws: awsGateway(makeClients('eu-west-1'), journal), exec, workdir, journal, progress: (m) => progress.push(m), timing: FAST, artifacts }
  return { world, journal, files, saved, deps, progress, removed: () => removed }
}

// Commands: which one is it?
const isProbe = (a: string[]) => a[0] === 'ssh' && a[a.length - 1] === 'true'
const isRun = (a: string[]) => a[0] === 'ssh' && a[a.length - 1]!.includes('run-on-vm.sh')
const isPush = (a: string[]) => a[0] === 'rsync' && a[a.length - 1] === 'ptplab-vm:ptplab/'

// Hangs until the signal aborts, as a killed child would.
const hang = (o: ExecOptions): Promise<ExecResult> => new Promise((r) => o.signal.addEventListener('abort', () => r({ exitCode: 255, stdout: '', stderr: 'killed', timedOut: false }), { once: true }))

t.test('a passing run: every call and command in order, then nothing is left', async (t) => {
  const h = harness(t)
  const cfg = config()
  const r = await vmRun(cfg, h.deps)
  t.equal(r.outcome, 'passed', r.error ?? 'passed')
  t.ok(r.ok)
  t.ok(r.fetched)
  const id = r.instanceId!
  t.match(id, /^i-0fake/)
  t.same(journalOps(h.journal.entries), [
    'sts GetCallerIdentity',
    'ssm GetParameter',
    'ec2 DescribeImages',
    'ec2 RunInstances',
    'ec2 DescribeInstances', // pending
    'ec2 DescribeInstances', // running
    'ssm DescribeInstanceInformation',
    'ssm SendCommand',
    'ssm GetCommandInvocation', // not there yet
    'ssm GetCommandInvocation',
    '$ ssh true',
    '$ rsync ptplab-vm:ptplab/',
    `$ ssh cd ptplab && sudo ./run-on-vm.sh --mode $'oc,bc' 172.31.9.9`,
    '$ rsync /out/artifacts/',
    'ec2 TerminateInstances',
    'ec2 DescribeInstances',
    'ec2 DescribeVolumes',
  ])
  // The launch request, exactly.
  const run = h.world.calls.find((c) => c.op === 'RunInstances')!.input
  t.match(run.ClientToken, /^flow-test-[0-9a-f]{16}$/)
  const owner = 'arn:aws:sts::111122223333:assumed-role/ci/ptplab'
  const tags = [
    { Key: 'Name', Value: 'ptplab-flow-test' },
    { Key: 'ptplab:run', Value: 'flow-test' },
    { Key: 'ptplab:owner', Value: owner },
  ]
  t.same({ ...run, ClientToken: '<token>', UserData: '<user data>' }, {
    ImageId: 'ami-0abcdef1234567890',
    InstanceType: 'm6a.xlarge',
    MinCount: 1,
    MaxCount: 1,
    ClientToken: '<token>',
    IamInstanceProfile: { Name: 'ptplab-ssm' },
    NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: 'subnet-0123456789abcdef0', AssociatePublicIpAddress: true, DeleteOnTermination: true, Groups: ['sg-0123456789abcdef0'] }],
    MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 },
    BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeSize: 60, VolumeType: 'gp3', DeleteOnTermination: true, Encrypted: true } }],
    InstanceInitiatedShutdownBehavior: 'terminate',
    UserData: '<user data>',
    TagSpecifications: ['instance', 'volume', 'network-interface'].map((ResourceType) => ({ ResourceType, Tags: tags })),
  })
  t.match(Buffer.from(String(run.UserData), 'base64').toString(), /^#!\/bin\/sh\n[^\n]*\nshutdown -h \+105 /m, 'powers itself off after timeout + 15 min')
  t.same(h.world.calls.find((c) => c.op === 'GetParameter')!.input, { Name: '/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id' })
  t.same(h.world.calls.find((c) => c.op === 'TerminateInstances')!.input, { InstanceIds: [id] })
  // The SSH side: strict host checking against the keys SSM reported.
  t.equal(h.files.get('/tmp/ptplab-vm-test/known_hosts')!.text, `198.51.100.7 ${HOST_KEY}\n`)
  t.match(h.files.get('/tmp/ptplab-vm-test/ssh_config')!.text, /HostName 198\.51\.100\.7\n {2}User ubuntu\n {2}IdentityFile \/tmp\/ptplab-vm-test\/id_ed25519\n[\s\S]*StrictHostKeyChecking yes/)
  t.match(h.files.get('/tmp/ptplab-vm-test/id_ed25519')!, { mode: 0o600, text: /^-----BEGIN OPENSSH PRIVATE KEY-----\n/ })
  const send = h.world.calls.find((c) => c.op === 'SendCommand')!.input as { InstanceIds: string[]; DocumentName: string; Parameters: { commands: string[] } }
  t.same([send.InstanceIds, send.DocumentName], [[id], 'AWS-RunShellScript'])
  const pub = send.Parameters.commands.find((c) => c.includes('base64 -d'))!.split(' ')[1]!
  t.match(Buffer.from(pub, 'base64').toString(), /^ssh-ed25519 AAAA\S+ ptplab-flow-test\n$/, 'the public key of this run is what SSM installs')
  t.ok(h.removed(), 'the private temp dir is removed')
  t.same(h.world.live(), [], 'nothing left running')
  t.same(r.cleanup, { terminated: [id], leftovers: [], verified: true, error: undefined })
  t.ok(h.saved.has('run-on-vm.log'))
})

t.test('the remote run fails: artifacts are still fetched, the instance terminated', async (t) => {
  const h = harness(t, { script: (a) => (isRun(a) ? { exitCode: 3, stdout: 'FAIL oc\n', stderr: '', timedOut: false } : ok) })
  const r = await vmRun(config(), h.deps)
  t.equal(r.outcome, 'failed')
  t.equal(r.remoteExit, 3)
  t.notOk(r.ok)
  t.match(r.error, /run-on-vm\.sh failed with exit status 3/)
  t.ok(r.fetched, 'artifacts fetched after the failure')
  const ops = journalOps(h.journal.entries)
  t.ok(ops.indexOf('$ rsync /out/artifacts/') > ops.findIndex((o) => o.includes('run-on-vm.sh')), 'fetch after the run')
  t.same(h.world.calls.filter((c) => c.op === 'TerminateInstances').map((c) => c.input), [{ InstanceIds: [r.instanceId] }])
  t.same(h.world.live(), [])
  t.equal(h.saved.get('run-on-vm.log'), 'FAIL oc\n')
})

t.test('the instance never runs: the wait times out, then it is terminated', async (t) => {
  const h = harness(t)
  h.world.pendingPolls = Infinity
  const r = await vmRun(config({ waitTimeoutMs: 80 }), h.deps)
  t.equal(r.outcome, 'error')
  t.equal(r.phase, 'running')
  t.match(r.error, /timed out after 80 ms waiting for instance i-0fake\d+ to be running \(state: pending\)/)
  t.same(h.world.calls.find((c) => c.op === 'TerminateInstances')?.input, { InstanceIds: [r.instanceId] })
  t.same(h.world.live(), [])
})

t.test('SSM never comes online: a clear error, then terminate', async (t) => {
  const h = harness(t)
  h.world.ssmOnline = false
  const r = await vmRun(config({ waitTimeoutMs: 80 }), h.deps)
  t.equal(r.phase, 'ssm')
  t.match(r.error, /waiting for the SSM agent of i-0fake\d+ to be online \(status: not registered\)/)
  t.ok(r.error!.includes(SSM_HINT), 'says what the agent needs')
  t.notOk(journalOps(h.journal.entries).some((o) => o.startsWith('$')), 'no command ran')
  t.same(h.world.calls.find((c) => c.op === 'TerminateInstances')?.input, { InstanceIds: [r.instanceId] })
  t.same(h.world.live(), [])
})

t.test('the SSM command fails: its stderr is in the error', async (t) => {
  const h = harness(t)
  h.world.hook('GetCommandInvocation', () => ({ Status: 'Failed', ResponseCode: 3, StandardErrorContent: 'no user ubuntu on this instance' }))
  const r = await vmRun(config(), h.deps)
  t.equal(r.phase, 'key')
  t.match(r.error, /SSM command "ptplab flow-test: authorize the run's SSH key" on i-\w+: Failed \(exit 3\): no user ubuntu on this instance/)
  t.same(h.world.live(), [])
})

t.test('an instance whose public address is private is never connected to', async (t) => {
  const h = harness(t)
  h.world.publicIp = '10.1.2.3'
  const r = await vmRun(config(), h.deps)
  t.equal(r.phase, 'running')
  t.match(r.error, /address 10\.1\.2\.3 is in the private \(RFC 1918\) range 10\.0\.0\.0\/8/)
  t.notOk(h.journal.entries.some((e) => e.kind === 'cmd'))
  t.same(h.world.live(), [])
})

t.test("the run's timeout: a hung run-on-vm.sh is stopped in time to fetch, then terminate", async (t) => {
  // 1 s budget, 0.6 s kept for fetching: the remote run gets about 0.4 s.
  const h = harness(t, { script: (a, o) => (isRun(a) ? new Promise((r) => setTimeout(() => r({ exitCode: -1, stdout: '', stderr: '', timedOut: true }), o.timeoutMs)) : ok) })
  h.deps.timing = { ...FAST, fetchReserveMs: 600 }
  const r = await vmRun(config({ timeoutMs: 1000 }), h.deps)
  t.equal(r.outcome, 'timeout')
  t.match(r.error, /run-on-vm\.sh did not finish within/)
  t.ok(r.fetched, 'artifacts fetched')
  t.same(h.world.live(), [])
})

t.test("the run's timeout during a wait aborts it and terminates", async (t) => {
  const h = harness(t)
  h.world.ssmOnline = false
  const t0 = Date.now()
  const r = await vmRun(config({ timeoutMs: 150, waitTimeoutMs: 60_000 }), h.deps)
  t.equal(r.outcome, 'timeout')
  t.equal(r.phase, 'ssm')
  t.match(r.error, /the run's timeout of 0 min is over/)
  t.ok(Date.now() - t0 < 5000, 'promptly')
  t.same(h.world.calls.find((c) => c.op === 'TerminateInstances')?.input, { InstanceIds: [r.instanceId] })
  t.same(h.world.live(), [])
})

// An interrupt (Ctrl-C, SIGTERM) arriving in each phase: the AWS call or
// command of that phase hangs, the interrupt comes, the run terminates.
const INTERRUPT_AT: Record<Phase, { op?: string; cmd?: (a: string[]) => boolean }> = {
  identity: { op: 'GetCallerIdentity' },
  image: { op: 'DescribeImages' },
  launch: { op: 'RunInstances' },
  running: { op: 'DescribeInstances' },
  ssm: { op: 'DescribeInstanceInformation' },
  key: { op: 'SendCommand' },
  ssh: { cmd: isProbe },
  copy: { cmd: isPush },
  run: { cmd: isRun },
}

t.test('an interrupt in every phase terminates what was launched, and nothing is left', async (t) => {
  t.same(Object.keys(INTERRUPT_AT), PHASES.map((p) => p.name), 'every phase is covered')
  for (const phase of PHASES.map((p) => p.name)) {
    await t.test(phase, async (t) => {
      const ac = new AbortController()
      let callsAtInterrupt = -1
      const interrupt = () => setTimeout(() => ((callsAtInterrupt = h.world.calls.length), ac.abort()), 5)
      const at = INTERRUPT_AT[phase]
      const h = harness(t, {
        script: (a, o) => {
          if (at.cmd?.(a)) {
            interrupt()
            return hang(o)
          }
          return ok
        },
      })
      if (at.op) {
        h.world.hookOnce(at.op, (input) => {
          // RunInstances: AWS took the request, the answer never comes.
          if (at.op === 'RunInstances') h.world.launch(input)
          interrupt()
          return new Promise(() => {})
        })
      }
      const r = await vmRun(config(), h.deps, ac.signal)
      t.equal(r.outcome, 'interrupted')
      t.equal(r.phase, phase)
      t.notOk(journalOps(h.journal.entries).includes('$ rsync /out/artifacts/'), 'no artifact fetch after an interrupt')
      const launched = [...h.world.instances.keys()]
      const terms = h.world.calls.filter((c) => c.op === 'TerminateInstances').map((c) => c.input.InstanceIds)
      if (['identity', 'image'].includes(phase)) {
        t.same(launched, [], 'nothing was launched')
        t.same(terms, [], 'nothing to terminate')
        t.equal(r.cleanup, undefined)
      } else {
        t.equal(launched.length, 1)
        t.same(terms[0], launched, 'TerminateInstances with the launched id')
        const next = h.world.calls[callsAtInterrupt]!
        if (phase !== 'launch') t.equal(next.op, 'TerminateInstances', 'the first call after the interrupt terminates')
        else t.same(next, { op: 'DescribeInstances', input: { Filters: [{ Name: 'tag:ptplab:run', Values: ['flow-test'] }] } }, 'no id known: found by its tag')
        t.same(r.cleanup?.leftovers, [])
        t.equal(r.cleanup?.verified, true)
      }
      t.same(h.world.live(), [], 'nothing left running')
      t.ok(['identity', 'image', 'launch', 'running', 'ssm'].includes(phase) || h.removed(), 'temp dir removed')
    })
  }
})

t.test('an interrupt while fetching artifacts ends the fetch and terminates', async (t) => {
  const ac = new AbortController()
  const isFetch = (a: string[]) => a[0] === 'rsync' && a.some((x) => x.startsWith('ptplab-vm:/'))
  const h = harness(t, {
    script: (a, o) => {
      if (!isFetch(a)) return ok
      setTimeout(() => ac.abort(), 5)
      return hang(o)
    },
  })
  const t0 = Date.now()
  const r = await vmRun(config(), h.deps, ac.signal)
  t.equal(r.outcome, 'interrupted')
  t.notOk(r.fetched)
  t.match(r.fetchError, /interrupted/)
  t.ok(Date.now() - t0 < FAST.fetchReserveMs, 'did not wait for the fetch budget')
  t.same(h.world.calls.find((c) => c.op === 'TerminateInstances')?.input, { InstanceIds: [r.instanceId] })
  t.same(h.world.live(), [])
})

t.test('EC2 refuses the launch: nothing to look for, a clear error', async (t) => {
  const h = harness(t)
  h.world.hook('RunInstances', () => Promise.reject(awsError('InsufficientInstanceCapacity', 'We currently do not have sufficient m6a.xlarge capacity')))
  h.deps.timing = { ...FAST, settleMs: 60_000 }
  const t0 = Date.now()
  const r = await vmRun(config(), h.deps)
  t.equal(r.phase, 'launch')
  t.equal(r.error, 'InsufficientInstanceCapacity: We currently do not have sufficient m6a.xlarge capacity')
  t.ok(Date.now() - t0 < 10_000, 'no settle wait: EC2 said no')
  t.same(r.cleanup, { terminated: [], leftovers: [], verified: true, error: undefined }, 'still checked by tag')
})

t.test('terminate keeps failing: the run says what is left', async (t) => {
  const h = harness(t, { script: (a) => (isRun(a) ? { exitCode: 1, stdout: '', stderr: '', timedOut: false } : ok) })
  h.world.hook('TerminateInstances', () => Promise.reject(Object.assign(new Error('You are not authorized'), { name: 'UnauthorizedOperation', $metadata: {} })))
  h.deps.timing = { ...FAST, cleanupTimeoutMs: 100 }
  const r = await vmRun(config(), h.deps)
  t.notOk(r.ok)
  t.equal(r.cleanup?.verified, false)
  t.same(r.cleanup?.leftovers.map((l) => l.id), [r.instanceId])
  t.match(r.cleanup?.error, /AWS refused \(UnauthorizedOperation\)/)
  t.ok(h.progress.some((p) => /LEFT BEHIND by run flow-test: instance i-\w+ \(running\)/.test(p)), h.progress.join('\n'))
  t.equal(h.world.live().length, 1, 'the fake account indeed still has it')
})

t.test('cleanup also removes loose volumes of the run', async (t) => {
  const h = harness(t)
  h.world.volumes.set('vol-0loose', { id: 'vol-0loose', state: 'available', tags: [{ Key: 'ptplab:run', Value: 'flow-test' }] })
  h.world.volumes.set('vol-0other', { id: 'vol-0other', state: 'available', tags: [{ Key: 'ptplab:run', Value: 'someone-else' }] })
  const r = await vmRun(config(), h.deps)
  t.ok(r.ok, r.error ?? 'ok')
  t.same([...h.world.volumes.keys()], ['vol-0other'], "only this run's volume is deleted")
})

t.test('a dry run journals the same plan and makes no call at all', async (t) => {
  const world = new AwsWorld()
  t.teardown(() => world.restore())
  const journal = new Journal()
  const deps: RunDeps = {
    aws: dryGateway(journal),
    exec: async (a, o) => {
      journal.entries.length // the dry exec is what runs; this one would be a bug
      return dryExec(a, o)
    },
    workdir: async () => dryWorkdir(journal),
    journal,
    progress: () => {},
    timing: FAST,
    artifacts: { dir: '/out/artifacts', ensure: async () => {}, write: async (n) => void journal.push({ kind: 'file', path: `/out/artifacts/${n}`, mode: 0o644 }) },
  }
  const r = await vmRun(config({ dryRun: true }), deps)
  t.ok(r.ok)
  t.same(world.calls, [], 'no AWS call reached a client')
  const ops = journalOps(journal.entries)
  t.same(ops, [
    'sts GetCallerIdentity',
    'ssm GetParameter',
    'ec2 DescribeImages',
    'ec2 RunInstances',
    'ec2 DescribeInstances',
    'ssm DescribeInstanceInformation',
    'ssm SendCommand',
    'ssm GetCommandInvocation',
    '$ ssh true',
    '$ rsync ptplab-vm:ptplab/',
    `$ ssh cd ptplab && sudo ./run-on-vm.sh --mode $'oc,bc' 172.31.0.10`,
    '$ rsync /out/artifacts/',
    'ec2 TerminateInstances',
    'ec2 DescribeInstances',
    'ec2 DescribeVolumes',
  ])
  const files = journal.entries.filter((e) => e.kind === 'file').map((e) => (e as { path: string }).path)
  t.same(files, ['/tmp/ptplab-vm-XXXXXX/id_ed25519', '/tmp/ptplab-vm-XXXXXX/known_hosts', '/tmp/ptplab-vm-XXXXXX/ssh_config', '/out/artifacts/run-on-vm.log'].map((p) => p.replace('/tmp', process.env.TMPDIR?.replace(/\/$/, '') ?? '/tmp')))
  const push = journal.entries.find((e) => e.kind === 'cmd' && isPush(e.argv))
  t.same(push, {
    kind: 'cmd',
    argv: [
      'rsync', '-az', '--delete',
      '--exclude=/.git', '--exclude=/node_modules', '--exclude=/dist', '--exclude=/.tap', '--exclude=/test-logs', '--exclude=/artifacts', '--exclude=/l2discovery',
      '-e', `ssh -F ${dryWorkdir(new Journal()).dir}/ssh_config`,
      '/src/ptplab/', 'ptplab-vm:ptplab/',
    ],
  })
})
