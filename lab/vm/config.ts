// `ptplab vm run` settings from flags and the environment, validated before
// anything is called: a bad value is an InputError naming the flag (or the
// variable), and nothing is launched. Every value that later reaches an AWS
// call, a tag, a file name or a remote command is checked here.
import { randomBytes } from 'node:crypto'
import { resolve } from 'node:path'
import { parseModes } from '../conformance/settings.js'
import { InputError } from '../errors.js'
import { quote } from '../text.js'

export type AmiSource = { kind: 'id'; id: string } | { kind: 'ssm'; parameter: string }

export interface VmRunConfig {
  region: string
  ami: AmiSource
  instanceType: string
  subnetId?: string
  securityGroupIds: string[]
  keyName?: string
  instanceProfile?: { Name: string } | { Arn: string }
  diskGiB: number
  sshUser: string
  modes?: string // "oc,bc": validated, passed to run-on-vm.sh --mode
  source: string // absolute: the tree copied to the instance
  artifactsDir: string // absolute, local
  remoteArtifacts: string // absolute, on the instance
  runId: string
  owner?: string // default: the caller's identity
  extraTags: Array<{ Key: string; Value: string }>
  timeoutMs: number // the whole run, launch to terminate
  waitTimeoutMs: number // each of: running, SSM online, SSH answering
  dryRun: boolean
}

// Canonical's public parameter for the current Ubuntu 24.04 LTS AMI: it
// comes with the SSM agent, which the run needs to push its SSH key.
export const DEFAULT_AMI_PARAMETER = '/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id'
export const DEFAULTS = {
  instanceType: 'm6a.xlarge', // upstream's: 4 vCPU, 16 GiB
  diskGiB: 60, // kind images and builds: runners' ENOSPC was an upstream pain
  sshUser: 'ubuntu',
  remoteArtifacts: '/tmp/artifacts', // run-on-vm.sh's
  artifacts: 'artifacts',
  timeoutMin: 90,
  waitTimeoutS: 300,
} as const

export interface VmRunFlags {
  region?: string
  ami?: string
  instanceType?: string
  subnet?: string
  securityGroup?: string[]
  keyName?: string
  instanceProfile?: string
  disk?: string
  sshUser?: string
  mode?: string
  source?: string
  artifacts?: string
  remoteArtifacts?: string
  runId?: string
  owner?: string
  tag?: string[]
  timeout?: string
  waitTimeout?: string
  dryRun?: boolean
}

type Env = Record<string, string | undefined>

const bad = (field: string, value: unknown, why: string) => new InputError(`invalid value ${quote(value)}: ${why}`, { field })

function match(field: string, value: string, re: RegExp, why: string): string {
  if (!re.test(value)) throw bad(field, value, why)
  return value
}

function int(field: string, value: string, min: number, max: number, unit: string): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw bad(field, value, `must be a whole number of ${unit}, ${min}..${max}`)
  return Number(value)
}

export function regionFrom(flag: string | undefined, env: Env): string {
  const [value, field] =
    flag !== undefined ? [flag, '--region'] : env.AWS_REGION ? [env.AWS_REGION, 'AWS_REGION'] : env.AWS_DEFAULT_REGION ? [env.AWS_DEFAULT_REGION, 'AWS_DEFAULT_REGION'] : []
  if (value === undefined || field === undefined) throw new InputError('no AWS region: give --region or set AWS_REGION', { field: '--region' })
  return match(field, value, /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'not an AWS region name like eu-west-1')
}

export function parseAmi(v: string): AmiSource {
  if (/^ami-[0-9a-f]{8,17}$/.test(v)) return { kind: 'id', id: v }
  const p = /^(?:ssm:|resolve:ssm:)(\/[A-Za-z0-9_.\-/]{1,1010})$/.exec(v)
  if (p) return { kind: 'ssm', parameter: p[1]! }
  throw bad('--ami', v, 'must be an AMI id (ami-0123456789abcdef0) or ssm:/path/of/a/parameter holding one')
}

// Tag keys and values: what EC2 accepts (letters, digits, spaces, + - = . _ : / @).
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u
export const RESERVED_TAG_PREFIXES = ['aws:', 'ptplab:']

export function parseTag(s: string): { Key: string; Value: string } {
  const eq = s.indexOf('=')
  const [Key, Value] = eq < 0 ? [s, ''] : [s.slice(0, eq), s.slice(eq + 1)]
  if (Key.length < 1 || Key.length > 128 || !TAG_CHARS.test(Key)) throw bad('--tag', s, 'the key must be 1..128 letters, digits, spaces or + - = . _ : / @')
  if (RESERVED_TAG_PREFIXES.some((p) => Key.toLowerCase().startsWith(p)) || Key === 'Name') throw bad('--tag', s, `keys starting with ${RESERVED_TAG_PREFIXES.join(' or ')}, and Name, are set by ptplab`)
  if (Value.length > 256 || !TAG_CHARS.test(Value)) throw bad('--tag', s, 'the value must be at most 256 letters, digits, spaces or + - = . _ : / @')
  return { Key, Value }
}

// A run id names the run in tags, the instance's Name and its client token.
export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,39}$/
export const checkRunId = (field: string, v: string) => match(field, v, RUN_ID, 'must be 1..40 letters, digits and -, starting with a letter or digit')

export function newRunId(now = new Date(), rnd = randomBytes(3)): string {
  const ts = now.toISOString().replace(/[-:T]/g, '').slice(0, 14)
  return `${ts}-${rnd.toString('hex')}`
}

export function parseRunConfig(f: VmRunFlags, env: Env, cwd = process.cwd()): VmRunConfig {
  const instanceProfile = f.instanceProfile === undefined
    ? undefined
    : /^arn:aws[a-z-]*:iam::\d{12}:instance-profile\/[\w+=,.@/-]{1,128}$/.test(f.instanceProfile)
      ? { Arn: f.instanceProfile }
      : { Name: match('--instance-profile', f.instanceProfile, /^[\w+=,.@-]{1,128}$/, 'must be an instance profile name or ARN') }
  const owner = f.owner === undefined ? undefined : f.owner
  if (owner !== undefined && (owner.length < 1 || owner.length > 256 || !TAG_CHARS.test(owner))) throw bad('--owner', owner, 'must be 1..256 letters, digits, spaces or + - = . _ : / @')
  const remoteArtifacts = f.remoteArtifacts ?? DEFAULTS.remoteArtifacts
  match('--remote-artifacts', remoteArtifacts, /^\/[A-Za-z0-9._/-]+$/, 'must be an absolute path of letters, digits, . _ / -')
  if (remoteArtifacts.split('/').includes('..')) throw bad('--remote-artifacts', remoteArtifacts, 'must not contain ..')
  return {
    region: regionFrom(f.region, env),
    ami: parseAmi(f.ami ?? `ssm:${DEFAULT_AMI_PARAMETER}`),
    instanceType: match('--instance-type', f.instanceType ?? DEFAULTS.instanceType, /^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'not an instance type like m6a.xlarge'),
    subnetId: f.subnet === undefined ? undefined : match('--subnet', f.subnet, /^subnet-[0-9a-f]{8,17}$/, 'not a subnet id like subnet-0123456789abcdef0'),
    securityGroupIds: (f.securityGroup ?? []).map((g) => match('--security-group', g, /^sg-[0-9a-f]{8,17}$/, 'not a security group id like sg-0123456789abcdef0')),
    keyName: f.keyName === undefined ? undefined : match('--key-name', f.keyName, /^[\x20-\x7e]{1,255}$/, 'must be 1..255 printable ASCII characters'),
    instanceProfile,
    diskGiB: f.disk === undefined ? DEFAULTS.diskGiB : int('--disk', f.disk, 8, 16384, 'GiB'),
    sshUser: match('--ssh-user', f.sshUser ?? DEFAULTS.sshUser, /^[a-z_][a-z0-9_-]{0,31}$/, 'not a Linux user name'),
    modes: f.mode === undefined ? undefined : parseModes(f.mode).join(','),
    source: resolve(cwd, f.source ?? '.'),
    artifactsDir: resolve(cwd, f.artifacts ?? DEFAULTS.artifacts),
    remoteArtifacts,
    runId: f.runId === undefined ? newRunId() : checkRunId('--run-id', f.runId),
    owner,
    extraTags: (f.tag ?? []).map(parseTag),
    timeoutMs: int('--timeout', f.timeout ?? String(DEFAULTS.timeoutMin), 5, 720, 'minutes') * 60_000,
    waitTimeoutMs: int('--wait-timeout', f.waitTimeout ?? String(DEFAULTS.waitTimeoutS), 10, 3600, 'seconds') * 1000,
    dryRun: f.dryRun === true,
  }
}
