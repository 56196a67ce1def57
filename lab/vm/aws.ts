// The AWS side of a run: the SDK v3 clients (credentials from the default
// provider chain: environment, shared config and AWS_PROFILE, SSO, web
// identity as in GitHub's OIDC, instance metadata), and one gateway every
// call goes through: journaled, abortable, or (dry run) answered with
// placeholders and never sent.
import { EC2Client } from '@aws-sdk/client-ec2'
import { SSMClient } from '@aws-sdk/client-ssm'
import { STSClient } from '@aws-sdk/client-sts'
import type { Journal, Service } from './journal.js'

export interface Clients {
  ec2: EC2Client
  ssm: SSMClient
  sts: STSClient
}

export const makeClients = (region: string): Clients => ({
  ec2: new EC2Client({ region }),
  ssm: new SSMClient({ region }),
  sts: new STSClient({ region }),
})

// What an SDK command is to the gateway: its class name says the operation.
export interface SdkCommand {
  input: object
}
export const opName = (c: SdkCommand) => c.constructor.name.replace(/Command$/, '')

export interface Gateway {
  readonly dryRun: boolean
  send<O>(service: Service, command: SdkCommand, signal?: AbortSignal): Promise<O>
}

// Settles with p, or rejects with the signal's reason as soon as it aborts
// (the call may still complete at AWS: cleanup looks for what it made).
export function raceAbort<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    )
  })
}

// A signal that aborts after ms. Unlike AbortSignal.timeout its timer keeps
// the process alive: cleanup must finish, not be dropped at exit.
export function deadline(ms: number, what: string): { signal: AbortSignal; clear: () => void; abort: () => void } {
  const ac = new AbortController()
  const timer = setTimeout(() => ac.abort(new Error(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms)
  return { signal: ac.signal, clear: () => clearTimeout(timer), abort: () => (clearTimeout(timer), ac.abort(new Error(`${what}: interrupted`))) }
}

interface Sendable {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>
}

export function awsGateway(clients: Clients, journal: Journal): Gateway {
  return {
    dryRun: false,
    send<O>(service: Service, command: SdkCommand, signal?: AbortSignal): Promise<O> {
      if (signal?.aborted) return Promise.reject(signal.reason)
      journal.push({ kind: 'api', service, op: opName(command), input: command.input })
      const client = clients[service] as unknown as Sendable
      return raceAbort(client.send(command, { abortSignal: signal }) as Promise<O>, signal)
    },
  }
}

// Placeholders a dry run answers with: AWS's own documentation examples,
// and a public address from the documentation range (RFC 5737), so the
// plan reads like a real run and nothing could ever be reached.
export const DRY = {
  account: '123456789012',
  arn: 'arn:aws:sts::123456789012:assumed-role/dry-run/ptplab',
  ami: 'ami-0123456789abcdef0',
  rootDevice: '/dev/sda1',
  instanceId: 'i-1234567890abcdef0',
  publicIp: '203.0.113.10',
  privateIp: '172.31.0.10',
  commandId: '00000000-0000-0000-0000-000000000000',
  hostKey: `ssh-ed25519 ${Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), Buffer.alloc(32)]).toString('base64')}`,
} as const

type DryAnswer = (input: Record<string, unknown>) => unknown
const DRY_ANSWERS: Record<string, DryAnswer> = {
  GetCallerIdentity: () => ({ Account: DRY.account, Arn: DRY.arn, UserId: 'DRYRUN' }),
  GetParameter: (i) => ({ Parameter: { Name: i.Name, Value: DRY.ami } }),
  DescribeImages: () => ({ Images: [{ ImageId: DRY.ami, RootDeviceName: DRY.rootDevice, State: 'available' }] }),
  RunInstances: () => ({ Instances: [{ InstanceId: DRY.instanceId, State: { Name: 'pending' } }] }),
  // By id (the wait): running. By tag (cleanup): nothing else is there.
  DescribeInstances: (i) =>
    i.InstanceIds
      ? { Reservations: [{ Instances: [{ InstanceId: DRY.instanceId, State: { Name: 'running' }, PublicIpAddress: DRY.publicIp, PrivateIpAddress: DRY.privateIp }] }] }
      : { Reservations: [] },
  DescribeVolumes: () => ({ Volumes: [] }),
  TerminateInstances: (i) => ({ TerminatingInstances: ((i.InstanceIds as string[]) ?? []).map((InstanceId) => ({ InstanceId, CurrentState: { Name: 'shutting-down' } })) }),
  DeleteVolume: () => ({}),
  DescribeInstanceInformation: () => ({ InstanceInformationList: [{ InstanceId: DRY.instanceId, PingStatus: 'Online' }] }),
  SendCommand: () => ({ Command: { CommandId: DRY.commandId } }),
  GetCommandInvocation: () => ({ Status: 'Success', ResponseCode: 0, StandardOutputContent: `ptplab-hostkey ${DRY.hostKey} root@dry-run\n` }),
}

export function dryGateway(journal: Journal): Gateway {
  return {
    dryRun: true,
    async send<O>(service: Service, command: SdkCommand, signal?: AbortSignal): Promise<O> {
      if (signal?.aborted) throw signal.reason
      const op = opName(command)
      journal.push({ kind: 'api', service, op, input: command.input })
      const answer = DRY_ANSWERS[op]
      if (!answer) throw new Error(`dry run: no placeholder answer for ${service} ${op}`)
      return answer(command.input as Record<string, unknown>) as O
    },
  }
}

// The SDK's "no credentials" and "access denied" errors, with what to do.
export function explainAwsError(e: unknown): string {
  const err = e as { name?: string; message?: string; Code?: string }
  const name = err?.name ?? ''
  const msg = err?.message ?? String(e)
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(msg))
    return `no AWS credentials: ${msg} (set AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where a role is available, e.g. GitHub OIDC)`
  if (/UnauthorizedOperation|AccessDenied/.test(name)) return `AWS refused (${name}): ${msg} (see the IAM policy in docs/ec2.md)`
  // Service errors: their name is the AWS error code.
  const fromAws = typeof e === 'object' && e !== null && '$metadata' in e
  return fromAws && name && !msg.startsWith(name) ? `${name}: ${msg}` : msg
}
