// The commands a run makes on this machine, as argument arrays: ssh and
// rsync through one private ssh_config (the run's key, known_hosts with the
// instance's own host keys, strict checking), and the one remote command
// line, whose arguments are checked values quoted with zx's quote.
import { quote } from 'zx/core'

// The instance, as ssh_config names it; its address is the config's HostName.
export const SSH_HOST = 'ptplab-vm'
// The tree lands in the SSH user's home: ~/ptplab.
export const REMOTE_TREE = 'ptplab'
export const RUN_SCRIPT = 'run-on-vm.sh'

export interface SshPaths {
  config: string
  identity: string
  knownHosts: string
}

export const sshPaths = (dir: string): SshPaths => ({
  config: `${dir}/ssh_config`,
  identity: `${dir}/id_ed25519`,
  knownHosts: `${dir}/known_hosts`,
})

// Paths in ssh_config and in rsync's -e are split on spaces: the run's temp
// dir is checked to need no quoting (see workdir.ts).
export function sshConfig(host: string, user: string, p: SshPaths): string {
  return [
    `Host ${SSH_HOST}`,
    `  HostName ${host}`,
    `  User ${user}`,
    `  IdentityFile ${p.identity}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${p.knownHosts}`,
    '  StrictHostKeyChecking yes',
    '  GlobalKnownHostsFile /dev/null',
    '  BatchMode yes',
    '  ConnectTimeout 15',
    '  ServerAliveInterval 30',
    '  ServerAliveCountMax 6',
    '  LogLevel ERROR',
    '',
  ].join('\n')
}

const ssh = (p: SshPaths) => ['ssh', '-F', p.config, SSH_HOST]
const rsyncSsh = (p: SshPaths) => `ssh -F ${p.config}`

// Does sshd answer and accept the key?
export const sshProbeArgv = (p: SshPaths) => [...ssh(p), 'true']

// What the tree sends: the project without what is built or installed on
// the instance (node_modules, dist) and without local results.
export const PUSH_EXCLUDES = ['/.git', '/node_modules', '/dist', '/.tap', '/test-logs', '/artifacts', '/l2discovery']

export function rsyncPushArgv(p: SshPaths, source: string): string[] {
  return [
    'rsync', '-az', '--delete',
    ...PUSH_EXCLUDES.map((e) => `--exclude=${e}`),
    '-e', rsyncSsh(p),
    `${source.replace(/\/+$/, '')}/`,
    `${SSH_HOST}:${REMOTE_TREE}/`,
  ]
}

// run-on-vm.sh runs as root, so its artifacts are root's: read them as root.
export function rsyncFetchArgv(p: SshPaths, remoteDir: string, localDir: string): string[] {
  return ['rsync', '-az', '--rsync-path=sudo rsync', '-e', rsyncSsh(p), `${SSH_HOST}:${remoteDir.replace(/\/+$/, '')}/`, `${localDir.replace(/\/+$/, '')}/`]
}

// `cd ptplab && sudo ./run-on-vm.sh [--mode m1,m2] <vm address>`: ssh hands
// one command line to the remote login shell (bash on the AMIs we use).
export function remoteRunCommand(modes: string | undefined, vmAddress: string): string {
  const args = [`./${RUN_SCRIPT}`, ...(modes ? ['--mode', modes] : []), vmAddress]
  return `cd ${REMOTE_TREE} && sudo ${args.map((a) => quote(a)).join(' ')}`
}

export const sshRunArgv = (p: SshPaths, command: string) => [...ssh(p), command]
