// The RunInstances request of a run, as a pure function of its settings.
import type { RunInstancesCommandInput, Tag, _InstanceType } from '@aws-sdk/client-ec2'
import type { VmRunConfig } from './config.js'
import { tagSpecifications } from './tags.js'

// Minutes the instance grants the run beyond its timeout before it powers
// itself off (and, with shutdown behaviour "terminate", is terminated): the
// last guard when the runner that started it is killed outright.
export const SELF_DESTRUCT_GRACE_MIN = 15

export const selfDestructMinutes = (timeoutMs: number) => Math.ceil(timeoutMs / 60_000) + SELF_DESTRUCT_GRACE_MIN

// cloud-init runs this once at first boot.
export const userData = (minutes: number) => `#!/bin/sh\n# ptplab: power off (and so terminate) even if nobody else does\nshutdown -h +${minutes} 'ptplab run time is over'\n`

export interface LaunchInputs {
  imageId: string
  rootDeviceName: string // from DescribeImages: /dev/sda1 (Ubuntu), /dev/xvda (Amazon Linux)
  tags: Tag[]
  clientToken: string // RunInstances idempotency: the SDK's retries launch once
}

export function planRunInstances(cfg: VmRunConfig, l: LaunchInputs): RunInstancesCommandInput {
  // With a subnet, ask for a public address explicitly (a subnet's default
  // may be none); without one, the default VPC's subnets assign one.
  const network: Partial<RunInstancesCommandInput> = cfg.subnetId
    ? {
        NetworkInterfaces: [
          {
            DeviceIndex: 0,
            SubnetId: cfg.subnetId,
            AssociatePublicIpAddress: true,
            DeleteOnTermination: true,
            ...(cfg.securityGroupIds.length ? { Groups: cfg.securityGroupIds } : {}),
          },
        ],
      }
    : cfg.securityGroupIds.length
      ? { SecurityGroupIds: cfg.securityGroupIds }
      : {}
  return {
    ImageId: l.imageId,
    InstanceType: cfg.instanceType as _InstanceType,
    MinCount: 1,
    MaxCount: 1,
    ClientToken: l.clientToken,
    ...(cfg.keyName ? { KeyName: cfg.keyName } : {}),
    ...(cfg.instanceProfile ? { IamInstanceProfile: cfg.instanceProfile } : {}),
    ...network,
    // IMDSv2 only, one hop: containers on the instance cannot reach it.
    MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 },
    BlockDeviceMappings: [
      { DeviceName: l.rootDeviceName, Ebs: { VolumeSize: cfg.diskGiB, VolumeType: 'gp3', DeleteOnTermination: true, Encrypted: true } },
    ],
    InstanceInitiatedShutdownBehavior: 'terminate',
    UserData: Buffer.from(userData(selfDestructMinutes(cfg.timeoutMs))).toString('base64'),
    TagSpecifications: tagSpecifications(l.tags),
  }
}
