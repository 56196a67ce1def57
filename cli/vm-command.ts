// `ptplab vm run|list|terminate`: the lab on an EC2 instance. Thin: the
// flow lives in lab/vm/, loaded only when a vm command runs (the AWS SDK
// takes a while to load, and no other command needs it).
import type { Command } from 'commander'
import { DEFAULT_AMI_PARAMETER, DEFAULTS } from '../lab/vm/config.js'

const ENV_HELP = `
Environment:
  AWS_REGION, AWS_DEFAULT_REGION   the region when --region is not given
  AWS_PROFILE                      a profile of ~/.aws/config and ~/.aws/credentials
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
                                   static credentials
  AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE
                                   a web identity (GitHub OIDC sets these up through
                                   aws-actions/configure-aws-credentials)
  Credentials come from the AWS SDK's default provider chain: environment, shared
  files and profiles (SSO included), web identity, container and instance roles.
  PTPLAB_QUIET=1                   no progress lines on stderr

The IAM permissions needed, and what the workflows do: docs/ec2.md.`

const RUN_HELP = `
What it does, in order (--dry-run prints every AWS call and command of it and makes none):
  1. sts GetCallerIdentity (credentials work; the owner tag), ssm GetParameter for
     the AMI when --ami is ssm:..., ec2 DescribeImages (its root device)
  2. ec2 RunInstances: IMDSv2 required, encrypted gp3 root volume of --disk GiB,
     tags Name=ptplab-<run>, ptplab:run, ptplab:owner (on the instance, its volume
     and network interface), shutdown behaviour "terminate", and user data that
     powers it off <timeout> + 15 min after boot whatever happens here
  3. waits until it is running and its SSM agent is online (--wait-timeout each)
  4. generates an Ed25519 key for this run (kept in a private temp dir, deleted at
     the end), authorizes it for --ssh-user through ssm SendCommand, which also
     returns the host keys: SSH checks the host strictly
  5. rsync of --source to ~/ptplab, then over ssh:
       cd ptplab && sudo ./run-on-vm.sh [--mode MODES] <private address>
     its output is shown and saved as <artifacts>/run-on-vm.log
  6. rsync of --remote-artifacts back into --artifacts (also after a failed run)
  7. ALWAYS: ec2 TerminateInstances, on success, failure, timeout, Ctrl-C and
     SIGTERM, then looks up everything tagged with the run until nothing is left
Connections go to the instance's public address only.
Exit status: 0 passed and nothing left, 1 failed (or something was left: the
message says what), 2 bad input (nothing launched), 130 interrupted.`

const collect = (v: string, prev: string[] = []) => [...prev, v]

export function addVmCommands(program: Command): void {
  type Action = 'cmdVmRun' | 'cmdVmList' | 'cmdVmTerminate'
  const set = (name: Action) => async (o: unknown) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    process.exitCode = await ((await import('./vm-actions.js'))[name] as (o: any) => Promise<number>)(o)
  }
  const region = ['--region <region>', 'AWS region (default: $AWS_REGION, then $AWS_DEFAULT_REGION)'] as const
  const vm = program
    .command('vm')
    .description('run the lab on an EC2 instance (launch, run-on-vm.sh, artifacts, always terminate); list and terminate what ptplab started')
  vm.command('run')
    .description('launch an instance, copy the tree, run run-on-vm.sh there, fetch its artifacts, terminate it')
    .option(...region)
    .option('--ami <id|ssm:/param>', `AMI id, or ssm:<parameter> holding one (default: ssm:${DEFAULT_AMI_PARAMETER})`)
    .option('--instance-type <type>', `instance type (default: ${DEFAULTS.instanceType})`)
    .option('--subnet <subnet-id>', 'subnet to launch in, given a public address (default: the default VPC)')
    .option('--security-group <sg-id>', 'security group (repeatable); it must let SSH in from here', collect)
    .option('--key-name <name>', 'an EC2 key pair to add for people (the run uses its own key either way)')
    .option('--instance-profile <name|arn>', 'IAM instance profile; with AmazonSSMManagedInstanceCore so SSM comes online')
    .option('--disk <GiB>', `root volume size (default: ${DEFAULTS.diskGiB})`)
    .option('--ssh-user <user>', `login user of the AMI (default: ${DEFAULTS.sshUser})`)
    .option('--mode <modes>', 'modes for run-on-vm.sh --mode, comma separated (default: its own)')
    .option('--source <dir>', 'project tree to copy; must hold run-on-vm.sh (default: .)')
    .option('--artifacts <dir>', `where artifacts go here (default: ./${DEFAULTS.artifacts})`)
    .option('--remote-artifacts <dir>', `run-on-vm.sh's artifact directory on the instance (default: ${DEFAULTS.remoteArtifacts})`)
    .option('--run-id <id>', 'name of this run in tags (default: UTC time + random); CI: gh-<run id>-<attempt>')
    .option('--owner <who>', 'value of the ptplab:owner tag (default: the caller ARN)')
    .option('--tag <key=value>', 'an extra tag (repeatable)', collect)
    .option('--timeout <minutes>', `the whole run, launch to terminate (default: ${DEFAULTS.timeoutMin})`)
    .option('--wait-timeout <seconds>', `each wait: running, SSM online, SSH (default: ${DEFAULTS.waitTimeoutS})`)
    .option('--dry-run', 'print every AWS call and command in order, make none')
    .addHelpText('after', RUN_HELP + '\n' + ENV_HELP)
    .action(set('cmdVmRun'))
  vm.command('list')
    .alias('ls')
    .description('instances ptplab started (tag ptplab:run): id, state, run, age, type, address, owner; and loose volumes')
    .option(...region)
    .option('--run <id>', 'only this run')
    .option('--all-states', 'also terminated instances (EC2 shows them for about an hour)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', ENV_HELP)
    .action(set('cmdVmList'))
  vm.command('terminate')
    .description('terminate what ptplab started, by run or all of it, and check that nothing is left')
    .option(...region)
    .option('--run <id>', 'terminate everything of this run (repeatable)', collect)
    .option('--all', "terminate all of ptplab's instances (listed first on stderr)")
    .option('--older-than <minutes>', 'with --all: only instances launched at least this long ago')
    .option('--dry-run', 'print the AWS calls, make none')
    .addHelpText('after', ENV_HELP)
    .action(set('cmdVmTerminate'))
}
