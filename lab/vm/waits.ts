// Waiting for the instance: running, its SSM agent online, an SSM command
// done. Each wait has a timeout with a message that says what was missing.
import { DescribeInstancesCommand, type DescribeInstancesCommandOutput, type Instance } from '@aws-sdk/client-ec2'
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
  type DescribeInstanceInformationCommandOutput,
  type GetCommandInvocationCommandOutput,
  type SendCommandCommandOutput,
} from '@aws-sdk/client-ssm'
import { pollUntil } from '../sys/poll.js'
import { excerpt } from '../text.js'
import type { Deps } from './deps.js'

const errName = (e: unknown) => (e as { name?: string })?.name ?? ''

export async function waitRunning(d: Deps, id: string, timeoutMs: number, signal: AbortSignal): Promise<Instance> {
  let inst: Instance | undefined
  let state = 'not visible yet'
  await pollUntil(
    async () => {
      let out: DescribeInstancesCommandOutput
      try {
        out = await d.aws.send('ec2', new DescribeInstancesCommand({ InstanceIds: [id] }), signal)
      } catch (e) {
        // A new instance can be unknown to DescribeInstances for a moment.
        if (errName(e) === 'InvalidInstanceID.NotFound') return false
        throw e
      }
      inst = out.Reservations?.flatMap((r) => r.Instances ?? [])[0]
      state = inst?.State?.Name ?? 'not visible yet'
      if (state === 'running') return true
      if (state !== 'pending' && state !== 'not visible yet')
        throw new Error(`instance ${id} is ${state} instead of running${inst?.StateReason?.Message ? ` (${inst.StateReason.Message})` : ''}`)
      return false
    },
    timeoutMs,
    () => `instance ${id} to be running (state: ${state})`,
    { intervalMs: d.timing.pollMs, signal },
  )
  return inst!
}

export const SSM_HINT =
  'The SSM agent needs an instance profile with the AmazonSSMManagedInstanceCore policy (--instance-profile), ' +
  'a route to the SSM endpoints (a public address or VPC endpoints) and an AMI that has the agent (Ubuntu AMIs do)'

export async function waitSsmOnline(d: Deps, id: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  let status = 'not registered'
  try {
    await pollUntil(
      async () => {
        const out = await d.aws.send<DescribeInstanceInformationCommandOutput>(
          'ssm',
          new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [id] }] }),
          signal,
        )
        status = out.InstanceInformationList?.[0]?.PingStatus ?? 'not registered'
        return status === 'Online'
      },
      timeoutMs,
      () => `the SSM agent of ${id} to be online (status: ${status})`,
      { intervalMs: d.timing.pollMs, signal },
    )
  } catch (e) {
    if (/^timed out/.test((e as Error).message)) throw new Error(`${(e as Error).message}. ${SSM_HINT}`)
    throw e
  }
}

const RUNNING = new Set(['Pending', 'InProgress', 'Delayed'])

// Runs shell lines as root through AWS-RunShellScript; returns their stdout.
export async function runSsmCommand(d: Deps, id: string, comment: string, commands: string[], timeoutMs: number, signal: AbortSignal): Promise<string> {
  const timeoutS = Math.max(30, Math.ceil(timeoutMs / 1000))
  const sent = await d.aws.send<SendCommandCommandOutput>(
    'ssm',
    new SendCommandCommand({
      InstanceIds: [id],
      DocumentName: 'AWS-RunShellScript',
      Comment: comment.slice(0, 100),
      TimeoutSeconds: timeoutS,
      Parameters: { commands, executionTimeout: [String(timeoutS)] },
    }),
    signal,
  )
  const commandId = sent.Command?.CommandId
  if (!commandId) throw new Error(`SSM SendCommand returned no command id for ${id}`)
  let inv: GetCommandInvocationCommandOutput | undefined
  let status = 'not visible yet'
  await pollUntil(
    async () => {
      try {
        inv = await d.aws.send<GetCommandInvocationCommandOutput>('ssm', new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: id }), signal)
      } catch (e) {
        if (errName(e) === 'InvocationDoesNotExist') return false // not registered yet
        throw e
      }
      status = inv.Status ?? 'unknown'
      if (status === 'Success') return true
      if (RUNNING.has(status)) return false
      const err = inv.StandardErrorContent?.trim()
      throw new Error(`SSM command "${comment}" on ${id}: ${status}${inv.ResponseCode !== undefined ? ` (exit ${inv.ResponseCode})` : ''}${err ? `: ${excerpt(err, 400)}` : ''}`)
    },
    timeoutMs,
    () => `SSM command "${comment}" on ${id} to finish (status: ${status})`,
    { intervalMs: Math.min(d.timing.pollMs, 2000), signal },
  )
  return inv?.StandardOutputContent ?? ''
}
