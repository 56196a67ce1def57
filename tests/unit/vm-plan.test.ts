// The pure side of `ptplab vm`: settings and their errors, the launch
// request, tags, the address rule, the run's SSH key (checked with OpenSSH's
// own ssh-keygen where installed), the commands and their quoting.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { DEFAULT_AMI_PARAMETER, newRunId, parseAmi, parseRunConfig, parseTag, type VmRunFlags } from '../../lab/vm/config.js'
import { nonPublicReason } from '../../lab/vm/address.js'
import { planRunInstances, selfDestructMinutes, userData } from '../../lab/vm/launch.js'
import { formatEntry } from '../../lab/vm/journal.js'
import { formatInventory } from '../../lab/vm/inventory.js'
import { remoteRunCommand, rsyncFetchArgv, rsyncPushArgv, sshConfig, sshPaths, sshRunArgv } from '../../lab/vm/remote.js'
import { authorizeKeyCommands, encodeEd25519, generateSshKey, knownHosts, parseHostKeys } from '../../lab/vm/sshkey.js'
import { runFilters, runTags, tagSpecifications } from '../../lab/vm/tags.js'
import { missingPrograms } from '../../lab/sys/run.js'
import { inputError } from '../fixtures/errors.js'

const base: VmRunFlags = { region: 'eu-west-1', runId: 'r1' }
const cfg = (f: VmRunFlags = {}, env: Record<string, string> = {}) => parseRunConfig({ ...base, ...f }, env, '/home/me/ptplab')

t.test('defaults', async (t) => {
  const c = cfg()
  t.same(c, {
    region: 'eu-west-1',
    ami: { kind: 'ssm', parameter: DEFAULT_AMI_PARAMETER },
    instanceType: 'm6a.xlarge',
    subnetId: undefined,
    securityGroupIds: [],
    keyName: undefined,
    instanceProfile: undefined,
    diskGiB: 60,
    sshUser: 'ubuntu',
    modes: undefined,
    source: '/home/me/ptplab',
    artifactsDir: '/home/me/ptplab/artifacts',
    remoteArtifacts: '/tmp/artifacts',
    runId: 'r1',
    owner: undefined,
    extraTags: [],
    timeoutMs: 90 * 60_000,
    waitTimeoutMs: 300_000,
    dryRun: false,
  })
  t.equal(parseRunConfig({}, { AWS_REGION: 'us-east-2' }).region, 'us-east-2')
  t.equal(parseRunConfig({}, { AWS_DEFAULT_REGION: 'ap-southeast-2' }).region, 'ap-southeast-2')
  t.equal(parseRunConfig({ region: 'us-gov-west-1' }, { AWS_REGION: 'us-east-2' }).region, 'us-gov-west-1', 'the flag wins')
  t.match(parseRunConfig({ region: 'eu-west-1' }, {}).runId, /^\d{14}-[0-9a-f]{6}$/)
  t.equal(newRunId(new Date('2026-11-21T10:20:30Z'), Buffer.from([1, 2, 255])), '20261121102030-0102ff')
  t.same(cfg({ mode: 'OC,bc' }).modes, 'oc,bc')
  t.same(cfg({ instanceProfile: 'arn:aws:iam::111122223333:instance-profile/ptplab-ssm' }).instanceProfile, { Arn: 'arn:aws:iam::111122223333:instance-profile/ptplab-ssm' })
  t.same(parseAmi('ami-0123456789abcdef0'), { kind: 'id', id: 'ami-0123456789abcdef0' })
  t.same(parseAmi('resolve:ssm:/my/ami'), { kind: 'ssm', parameter: '/my/ami' })
})

// Bad values: an InputError naming the flag (or variable); nothing runs.
const BAD: Array<[VmRunFlags, Record<string, string>, string, RegExp]> = [
  [{ region: undefined }, {}, '--region', /no AWS region/],
  [{ region: undefined }, { AWS_REGION: 'eu west' }, 'AWS_REGION', /not an AWS region name/],
  [{ region: 'x; rm -rf /' }, {}, '--region', /not an AWS region name/],
  [{ ami: 'ubuntu' }, {}, '--ami', /must be an AMI id .* or ssm:/],
  [{ ami: 'ssm:relative/path' }, {}, '--ami', /ssm:/],
  [{ instanceType: 'M6A XL' }, {}, '--instance-type', /instance type/],
  [{ subnet: 'subnet-xyz' }, {}, '--subnet', /subnet id/],
  [{ securityGroup: ['sg-0123456789abcdef0', 'default'] }, {}, '--security-group', /"default"/],
  [{ keyName: 'a\nb' }, {}, '--key-name', /printable ASCII/],
  [{ instanceProfile: 'has space' }, {}, '--instance-profile', /instance profile name or ARN/],
  [{ disk: '4' }, {}, '--disk', /8\.\.16384/],
  [{ disk: '60GB' }, {}, '--disk', /whole number of GiB/],
  [{ sshUser: 'root;id' }, {}, '--ssh-user', /Linux user name/],
  [{ mode: 'oc,tgm' }, {}, '--mode', /TGM is not supported/],
  [{ runId: 'a b' }, {}, '--run-id', /1\.\.40 letters/],
  [{ runId: 'x'.repeat(41) }, {}, '--run-id', /1\.\.40/],
  [{ runId: '-x' }, {}, '--run-id', /starting with a letter or digit/],
  [{ owner: 'me;you' }, {}, '--owner', /letters, digits, spaces/],
  [{ tag: ['ptplab:run=x'] }, {}, '--tag', /set by ptplab/],
  [{ tag: ['Name=x'] }, {}, '--tag', /set by ptplab/],
  [{ tag: ['aws:foo=1'] }, {}, '--tag', /set by ptplab/],
  [{ tag: ['team=a;b'] }, {}, '--tag', /value must be/],
  [{ timeout: '0' }, {}, '--timeout', /5\.\.720/],
  [{ waitTimeout: '1' }, {}, '--wait-timeout', /10\.\.3600/],
  [{ remoteArtifacts: 'tmp/artifacts' }, {}, '--remote-artifacts', /absolute path/],
  [{ remoteArtifacts: '/tmp/../etc' }, {}, '--remote-artifacts', /must not contain \.\./],
  [{ remoteArtifacts: '/tmp/a b' }, {}, '--remote-artifacts', /absolute path of letters/],
]

t.test('bad settings name the flag', async (t) => {
  for (const [f, env, field, re] of BAD) {
    const e = inputError(() => parseRunConfig({ ...base, ...f }, env))
    t.equal(e.field, field, `${JSON.stringify(f)} -> ${e.message}`)
    t.match(e.message, re)
    t.ok(e.message.length < 300, 'short: a bad value is quoted as an excerpt')
  }
  t.same(parseTag('team=ptp'), { Key: 'team', Value: 'ptp' })
  t.same(parseTag('flag'), { Key: 'flag', Value: '' })
})

const tags = runTags({ runId: 'r1', extraTags: [{ Key: 'team', Value: 'ptp' }] }, 'alice')
const launchOf = (f: VmRunFlags) => planRunInstances(cfg(f), { imageId: 'ami-0123456789abcdef0', rootDeviceName: '/dev/xvda', tags, clientToken: 'r1-00' })

t.test('the launch request', async (t) => {
  t.same(tags, [
    { Key: 'Name', Value: 'ptplab-r1' },
    { Key: 'ptplab:run', Value: 'r1' },
    { Key: 'ptplab:owner', Value: 'alice' },
    { Key: 'team', Value: 'ptp' },
  ])
  const r = launchOf({ keyName: 'ops', disk: '100', instanceType: 'c6i.2xlarge', securityGroup: ['sg-0123456789abcdef0', 'sg-0123456789abcdef1'] })
  t.same(r.TagSpecifications, tagSpecifications(tags))
  t.same(r.TagSpecifications!.map((s) => s.ResourceType), ['instance', 'volume', 'network-interface'], 'instance, volume and interface are all tagged')
  t.equal(r.KeyName, 'ops')
  t.equal(r.InstanceType, 'c6i.2xlarge')
  t.same(r.SecurityGroupIds, ['sg-0123456789abcdef0', 'sg-0123456789abcdef1'], 'no subnet: groups at the top, the default VPC gives a public address')
  t.equal(r.NetworkInterfaces, undefined)
  t.same(r.BlockDeviceMappings, [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 100, VolumeType: 'gp3', DeleteOnTermination: true, Encrypted: true } }])
  t.same(r.MetadataOptions, { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 }, 'IMDSv2 only')
  t.equal(r.InstanceInitiatedShutdownBehavior, 'terminate')
  t.equal(r.ClientToken, 'r1-00')
  t.equal(r.IamInstanceProfile, undefined)
  const withSubnet = launchOf({ subnet: 'subnet-0123456789abcdef0' })
  t.same(withSubnet.NetworkInterfaces, [{ DeviceIndex: 0, SubnetId: 'subnet-0123456789abcdef0', AssociatePublicIpAddress: true, DeleteOnTermination: true }])
  t.equal(withSubnet.SecurityGroupIds, undefined, 'groups go on the interface, never both')
  t.equal(launchOf({}).KeyName, undefined, 'no key pair unless asked')
  t.equal(selfDestructMinutes(90 * 60_000), 105)
  t.equal(Buffer.from(launchOf({ timeout: '30' }).UserData!, 'base64').toString(), userData(45))
  t.match(userData(45), /^#!\/bin\/sh\n#[^\n]*\nshutdown -h \+45 /)
  t.same(runFilters('r1'), [{ Name: 'tag:ptplab:run', Values: ['r1'] }])
  t.same(runFilters(), [{ Name: 'tag-key', Values: ['ptplab:run'] }])
})

t.test('connections go to public addresses only', async (t) => {
  for (const ip of ['3.250.1.2', '52.16.0.1', '198.51.100.7', '203.0.113.10', '172.32.0.1', '100.128.0.1', '192.169.0.1']) t.equal(nonPublicReason(ip), undefined, ip)
  const cases: Array<[string, RegExp]> = [
    ['10.0.0.1', /private \(RFC 1918\) range 10\.0\.0\.0\/8/],
    ['172.16.5.4', /private .*172\.16\.0\.0\/12/],
    ['172.31.255.255', /172\.16\.0\.0\/12/],
    ['192.168.1.1', /192\.168\.0\.0\/16/],
    ['127.0.0.1', /loopback/],
    ['169.254.169.254', /link-local/],
    ['100.64.0.1', /shared address space/],
    ['0.1.2.3', /this network/],
    ['224.0.0.251', /multicast/],
    ['255.255.255.255', /reserved/],
    ['256.1.1.1', /not an IPv4/],
    ['::1', /not an IPv4/],
    ['1.2.3', /not an IPv4/],
  ]
  for (const [ip, re] of cases) t.match(nonPublicReason(ip), re, ip)
})

const noSshKeygen = (await missingPrograms(['ssh-keygen'])).length ? 'ssh-keygen is not installed (openssh-client)' : false

t.test("the run's SSH key is a valid OpenSSH Ed25519 key", { skip: noSshKeygen }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ptplab-vm-key-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const k = generateSshKey('ptplab-r1')
  const keyFile = join(dir, 'id')
  writeFileSync(keyFile, k.privateKey, { mode: 0o600 })
  t.equal(execFileSync('ssh-keygen', ['-y', '-f', keyFile]).toString().trim(), k.publicKey, 'ssh-keygen reads the private key and derives our public key')
  // A signature made with the private key verifies with the public one: the
  // seed, not only the stored public half, is right.
  writeFileSync(join(dir, 'data'), 'ptplab')
  execFileSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', keyFile, '-n', 'ptplab', join(dir, 'data')])
  writeFileSync(join(dir, 'allowed'), `run ${k.publicKey}\n`)
  const v = execFileSync('ssh-keygen', ['-Y', 'verify', '-f', join(dir, 'allowed'), '-I', 'run', '-n', 'ptplab', '-s', join(dir, 'data.sig')], { input: 'ptplab' }).toString()
  t.match(v, /Good "ptplab" signature for run/)
})

t.test('key encoding and the SSM script', async (t) => {
  const seed = Buffer.alloc(32, 1)
  const pub = Buffer.alloc(32, 2)
  const a = encodeEd25519(seed, pub, 'c', 7)
  t.equal(a.publicKey, `ssh-ed25519 ${Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), pub]).toString('base64')} c`)
  const body = Buffer.from(a.privateKey.split('\n').slice(1, -2).join(''), 'base64')
  t.equal(body.subarray(0, 15).toString(), 'openssh-key-v1\0')
  t.ok(body.includes(Buffer.concat([seed, pub])), 'private part is seed + public key')
  t.ok(a.privateKey.split('\n').every((l) => l.length <= 70 || l.startsWith('-----')), 'lines of at most 70 characters')
  const cmds = authorizeKeyCommands('ubuntu', a.publicKey)
  const b64 = cmds.find((c) => c.includes('base64 -d'))!.split(' ')[1]!
  t.equal(Buffer.from(b64, 'base64').toString(), a.publicKey + '\n')
  t.match(b64, /^[A-Za-z0-9+/=]+$/, 'nothing for the shell to interpret')
  t.throws(() => authorizeKeyCommands('x$(id)', a.publicKey), /bad user name/)
  const out = `noise\nptplab-hostkey ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA root@h\nptplab-hostkey ecdsa-sha2-nistp256 AAAAE2VjZHNh= \nptplab-hostkey ssh-dss AAAAB3\nptplab-hostkey ssh-rsa bad;key\n`
  t.same(parseHostKeys(out), ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA', 'ecdsa-sha2-nistp256 AAAAE2VjZHNh='], 'known types, base64 only')
  t.equal(knownHosts('198.51.100.7', parseHostKeys(out)), '198.51.100.7 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA\n198.51.100.7 ecdsa-sha2-nistp256 AAAAE2VjZHNh=\n')
})

t.test('commands are argument arrays; the remote line is quoted', async (t) => {
  const p = sshPaths('/tmp/ptplab-vm-abc')
  t.match(sshConfig('198.51.100.7', 'ubuntu', p), /^Host ptplab-vm\n {2}HostName 198\.51\.100\.7\n {2}User ubuntu\n {2}IdentityFile \/tmp\/ptplab-vm-abc\/id_ed25519\n {2}IdentitiesOnly yes\n {2}UserKnownHostsFile \/tmp\/ptplab-vm-abc\/known_hosts\n {2}StrictHostKeyChecking yes\n/)
  t.equal(remoteRunCommand('oc,bc', '172.31.9.9'), `cd ptplab && sudo ./run-on-vm.sh --mode $'oc,bc' 172.31.9.9`)
  t.equal(remoteRunCommand(undefined, '172.31.9.9'), 'cd ptplab && sudo ./run-on-vm.sh 172.31.9.9')
  t.equal(remoteRunCommand("x'; reboot; '", '1.2.3.4'), `cd ptplab && sudo ./run-on-vm.sh --mode $'x\\'; reboot; \\'' 1.2.3.4`, 'even an unchecked value stays one word')
  t.same(sshRunArgv(p, 'true'), ['ssh', '-F', '/tmp/ptplab-vm-abc/ssh_config', 'ptplab-vm', 'true'])
  t.same(rsyncPushArgv(p, '/src/tree/').slice(-4), ['-e', 'ssh -F /tmp/ptplab-vm-abc/ssh_config', '/src/tree/', 'ptplab-vm:ptplab/'])
  t.same(rsyncFetchArgv(p, '/tmp/artifacts', '/out/a/'), ['rsync', '-az', '--rsync-path=sudo rsync', '-e', 'ssh -F /tmp/ptplab-vm-abc/ssh_config', 'ptplab-vm:/tmp/artifacts/', '/out/a/'])
  t.equal(formatEntry({ kind: 'cmd', argv: ['ssh', '-F', '/x y/c', 'h', 'cd a && b'] }), `$ ssh -F $'/x y/c' h $'cd a && b'`)
  t.equal(formatEntry({ kind: 'api', service: 'ec2', op: 'TerminateInstances', input: { InstanceIds: ['i-1'] } }), 'aws ec2 TerminateInstances {"InstanceIds":["i-1"]}')
  t.equal(formatEntry({ kind: 'file', path: '/t/id', mode: 0o600 }), 'write /t/id (mode 0600)')
})

t.test('vm list output', async (t) => {
  const now = Date.parse('2026-11-21T12:00:00Z')
  const text = formatInventory(
    {
      instances: [
        { id: 'i-0aaa', state: 'running', runId: 'gh-1-1', owner: 'arn:aws:sts::1:assumed-role/ci/x', type: 'm6a.xlarge', launchTime: '2026-11-21T11:15:00.000Z', publicIp: '198.51.100.7' },
        { id: 'i-0bbbbbbb', state: 'stopped', runId: 'old', owner: 'bob', type: 't3.micro', launchTime: '2026-11-21T07:30:00.000Z' },
      ],
      looseVolumes: [{ id: 'vol-1', runId: 'old', sizeGiB: 60 }],
    },
    now,
  )
  t.equal(
    text,
    [
      'INSTANCE    STATE    RUN     AGE    TYPE        PUBLIC IP     OWNER',
      'i-0aaa      running  gh-1-1  45m    m6a.xlarge  198.51.100.7  arn:aws:sts::1:assumed-role/ci/x',
      'i-0bbbbbbb  stopped  old     4h30m  t3.micro    -             bob',
      'loose volume vol-1 (run old, 60 GiB): attached to nothing, still billed',
      '',
    ].join('\n'),
  )
  t.equal(formatInventory({ instances: [], looseVolumes: [] }), 'no ptplab instances\n')
})
