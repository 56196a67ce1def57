// The built `ptplab vm` command as a child process: help, input errors
// (exit 2, nothing sent), the dry-run plan (nothing reaches AWS), and real
// runs against an in-process fake AWS endpoint on 127.0.0.1 that speaks the
// SDK's wire protocols: SIGINT or SIGTERM mid-run still terminates the
// instance, and `vm list` / `vm terminate --all` find ptplab's instances by
// tag. Build first: npx tsc -p tsconfig.json.
import { spawn } from 'node:child_process'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { cliHarness, type CliResult } from '../fixtures/cli.js'
import { FakeAwsServer } from '../fixtures/fake-aws-server.js'
import { projectRoot } from '../../lab/paths.js'

const h = cliHarness(t, { prefix: 'ptplab-vm-cli' })
const aws = new FakeAwsServer()
const endpoint = await aws.start()
t.teardown(() => aws.stop())

// A project tree to copy, and an rsync stub: rsync is not installed on
// every machine, and these runs never get as far as copying.
const tree = join(h.tmp, 'tree')
mkdirSync(tree)
writeFileSync(join(tree, 'run-on-vm.sh'), '#!/bin/sh\necho never run here\n')
const bin = join(h.tmp, 'stub-bin')
mkdirSync(bin)
writeFileSync(join(bin, 'rsync'), '#!/bin/sh\necho "rsync test stub: not expected to run" >&2\nexit 99\n')
chmodSync(join(bin, 'rsync'), 0o755)

// Credentials and endpoint for the SDK's default chain; nothing of the
// caller's own AWS setup leaks in.
const awsEnv = (): Record<string, string> => ({
  AWS_ENDPOINT_URL: endpoint,
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_CONFIG_FILE: join(h.tmp, 'no-aws-config'),
  AWS_SHARED_CREDENTIALS_FILE: join(h.tmp, 'no-aws-credentials'),
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_MAX_ATTEMPTS: '1',
  PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
})
const env = () => {
  const e = h.env(awsEnv())
  for (const k of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_REGION', 'AWS_DEFAULT_REGION']) delete e[k]
  return e
}

const cli = (args: string[]): Promise<CliResult> => h.ptplab(args, awsEnv())

// A run we can signal: resolves with its result; `onRequest` sees each call.
function spawnCli(args: string[]): { done: Promise<CliResult>; kill: (s: NodeJS.Signals) => void } {
  const p = spawn(process.execPath, [join(projectRoot(), 'bin', 'ptplab.js'), ...args], { cwd: h.tmp, env: env() })
  let stdout = ''
  let stderr = ''
  p.stdout.on('data', (b) => (stdout += b))
  p.stderr.on('data', (b) => (stderr += b))
  const done = new Promise<CliResult>((r) => p.on('close', (code) => r({ code: code ?? -1, stdout, stderr })))
  return { done, kill: (s) => p.kill(s) }
}

if (!h.isBuilt) t.fail(`the CLI is not built (${h.built} missing): run npx tsc -p tsconfig.json first`)
else {
  t.test('help explains every flag and the environment', async (t) => {
    const r = await cli(['vm', 'run', '--help'])
    t.equal(r.code, 0)
    for (const s of ['--region', '--ami', '--instance-type', '--subnet', '--security-group', '--key-name', '--instance-profile', '--disk', '--ssh-user', '--mode', '--source', '--artifacts', '--remote-artifacts', '--run-id', '--owner', '--tag', '--timeout', '--wait-timeout', '--dry-run', 'AWS_REGION', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'ALWAYS', 'sudo ./run-on-vm.sh', 'docs/ec2.md'])
      t.ok(r.stdout.includes(s), `run --help mentions ${s}`)
    const term = await cli(['vm', 'terminate', '--help'])
    for (const s of ['--region', '--run', '--all', '--older-than', '--dry-run', 'AWS_PROFILE']) t.ok(term.stdout.includes(s), `terminate --help mentions ${s}`)
  })

  t.test('bad input: exit 2 naming the flag, and nothing reaches AWS', async (t) => {
    const before = aws.requests.length
    await h.usageError(t, ['vm', 'run', '--region', 'eu-west-1', '--disk', '2'], ['--disk', '8..16384'], {}, { ptplabLine: true })
    await h.usageError(t, ['vm', 'run', '--region', 'eu-west-1', '--source', join(h.tmp, 'nowhere')], ['--source', 'has no run-on-vm.sh'])
    await h.usageError(t, ['vm', 'terminate', '--region', 'eu-west-1'], ['give --run ID (repeatable) or --all'])
    t.equal(aws.requests.length, before, 'no request was sent')
  })

  t.test('--dry-run prints the plan in order and sends nothing', async (t) => {
    const before = aws.requests.length
    const r = await cli(['vm', 'run', '--dry-run', '--region', 'eu-west-1', '--run-id', 'dry1', '--source', tree, '--mode', 'oc', '--tag', 'team=ptp'])
    t.equal(r.code, 0, r.stderr)
    t.equal(aws.requests.length, before, 'no request reached the endpoint')
    const lines = r.stdout.trim().split('\n')
    t.ok(lines.every((l) => /^(# |aws (ec2|ssm|sts) [A-Za-z]+ \{|\$ |write )/.test(l)), 'only calls, commands and file writes')
    const ops = lines.filter((l) => l.startsWith('aws ')).map((l) => l.split(' ').slice(1, 3).join(' '))
    t.same(ops.slice(0, 4), ['sts GetCallerIdentity', 'ssm GetParameter', 'ec2 DescribeImages', 'ec2 RunInstances'])
    t.same(ops.slice(-3), ['ec2 TerminateInstances', 'ec2 DescribeInstances', 'ec2 DescribeVolumes'])
    const run = JSON.parse(lines.find((l) => l.startsWith('aws ec2 RunInstances '))!.slice('aws ec2 RunInstances '.length))
    t.same(run.TagSpecifications[0].Tags, [
      { Key: 'Name', Value: 'ptplab-dry1' },
      { Key: 'ptplab:run', Value: 'dry1' },
      { Key: 'ptplab:owner', Value: 'arn:aws:sts::123456789012:assumed-role/dry-run/ptplab' },
      { Key: 'team', Value: 'ptp' },
    ])
    t.ok(lines.some((l) => l.startsWith('$ ssh ') && l.includes("sudo ./run-on-vm.sh --mode oc 172.31.0.10")), 'the remote command')
    t.match(r.stderr, /\(dry run\) launched/, 'progress says it is a dry run')
  })

  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    t.test(`${sig} while waiting for SSM: the instance is terminated, nothing is left`, async (t) => {
      const runId = `sig-${sig.toLowerCase()}`
      const run = spawnCli(['vm', 'run', '--region', 'eu-west-1', '--run-id', runId, '--source', tree, '--artifacts', join(h.tmp, `art-${runId}`), '--wait-timeout', '120'])
      aws.onRequest = (r) => {
        if (r.op === 'DescribeInstanceInformation') {
          aws.onRequest = undefined
          run.kill(sig)
        }
      }
      const r = await run.done
      const mine = [...aws.instances.values()].filter((i) => i.tags['ptplab:run'] === runId)
      t.equal(mine.length, 1, 'one instance was launched')
      const id = mine[0]!.id
      t.equal(r.code, 130, `exit 130 (stderr: ${r.stderr.slice(-800)})`)
      const term = aws.requests.filter((q) => q.op === 'TerminateInstances')
      t.same(term.map((q) => q.params['InstanceId.1']).filter((x) => x === id), [id], 'TerminateInstances for it')
      t.same(aws.live().filter((i) => i.tags['ptplab:run'] === runId), [], 'nothing of the run is left')
      t.match(r.stdout, new RegExp(`ptplab vm run ${runId}: FAIL \\(interrupted in ssm, ${id} terminated\\)`))
      t.match(r.stderr, /aws ec2 TerminateInstances/)
      t.match(r.stderr, new RegExp(`nothing of run ${runId} is left running`))
      t.notMatch(r.stderr, /rsync test stub/, 'nothing was copied')
    })
  }

  t.test('vm list and vm terminate --all find ptplab instances by tag', async (t) => {
    const old = aws.addInstance('old-run', 'running', new Date(Date.now() - 5 * 3600_000))
    const young = aws.addInstance('young-run', 'running', new Date())
    const l = await cli(['vm', 'list', '--region', 'eu-west-1', '--json'])
    t.equal(l.code, 0, l.stderr)
    const inv = JSON.parse(l.stdout) as { instances: Array<{ id: string; runId: string; state: string }> }
    t.same(inv.instances.filter((i) => [old, young].includes(i.id)).map((i) => [i.id, i.runId, i.state]), [
      [old, 'old-run', 'running'],
      [young, 'young-run', 'running'],
    ])
    t.notOk(inv.instances.some((i) => i.state === 'terminated'), 'terminated ones only with --all-states')
    const all = await cli(['vm', 'list', '--region', 'eu-west-1', '--all-states'])
    t.match(all.stdout, /terminated\s+sig-sigint/)
    const r = await cli(['vm', 'terminate', '--region', 'eu-west-1', '--all', '--older-than', '180'])
    t.equal(r.code, 0, r.stderr)
    t.match(r.stderr, new RegExp(`${old}\\s+running\\s+old-run`), 'listed first')
    t.match(r.stdout, new RegExp(`terminated ${old} \\(ptplab's instances older than 180 min\\)`))
    t.notMatch(r.stdout, new RegExp(young), 'the young one stays')
    t.same(aws.live().map((i) => i.id), [young])
    const byRun = await cli(['vm', 'terminate', '--region', 'eu-west-1', '--run', 'young-run'])
    t.equal(byRun.code, 0, byRun.stderr)
    t.match(byRun.stdout, new RegExp(`terminated ${young} \\(run young-run\\)\\nnothing of run young-run is left`))
    t.same(aws.live(), [])
  })
}
