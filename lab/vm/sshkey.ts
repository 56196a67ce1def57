// The run's SSH access: an Ed25519 key generated per run with Node's crypto
// (written only into the run's private temp dir), pushed to the instance
// through SSM, which also hands back the instance's host keys, so SSH
// checks the host strictly instead of trusting the first answer.
import { generateKeyPairSync, randomBytes } from 'node:crypto'

export interface SshKeyPair {
  privateKey: string // OpenSSH format ("BEGIN OPENSSH PRIVATE KEY")
  publicKey: string // "ssh-ed25519 AAAA... comment"
}

// SSH wire encoding: uint32 length + bytes.
const u32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}
const str = (b: Buffer | string) => {
  const buf = typeof b === 'string' ? Buffer.from(b) : b
  return Buffer.concat([u32(buf.length), buf])
}

export function generateSshKey(comment: string): SshKeyPair {
  const { privateKey } = generateKeyPairSync('ed25519')
  const jwk = privateKey.export({ format: 'jwk' })
  const seed = Buffer.from(jwk.d!, 'base64url')
  const pub = Buffer.from(jwk.x!, 'base64url')
  return encodeEd25519(seed, pub, comment, randomBytes(4).readUInt32BE())
}

// openssh-key-v1, unencrypted (OpenSSH's PROTOCOL.key): the format ssh reads
// on every version; PKCS#8 Ed25519 keys are not read by older ones.
export function encodeEd25519(seed: Buffer, pub: Buffer, comment: string, checkint: number): SshKeyPair {
  const pubBlob = Buffer.concat([str('ssh-ed25519'), str(pub)])
  let priv = Buffer.concat([u32(checkint), u32(checkint), str('ssh-ed25519'), str(pub), str(Buffer.concat([seed, pub])), str(comment)])
  const pad = (8 - (priv.length % 8)) % 8
  priv = Buffer.concat([priv, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))])
  const body = Buffer.concat([Buffer.from('openssh-key-v1\0'), str('none'), str('none'), str(''), u32(1), str(pubBlob), str(priv)])
  const b64 = body.toString('base64').replace(/.{1,70}/g, '$&\n')
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey: `ssh-ed25519 ${pubBlob.toString('base64')} ${comment}`,
  }
}

// Each host key line of the SSM command's output starts with this marker.
export const HOST_KEY_MARKER = 'ptplab-hostkey'
const HOST_KEY = /^ptplab-hostkey (ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)|ssh-rsa) ([A-Za-z0-9+/]+={0,2})(?: .*)?$/

// The shell lines (AWS-RunShellScript runs them with /bin/sh as root) that
// authorize the key for the user and print the host keys. Nothing is quoted
// in: the user name is checked ([a-z_][a-z0-9_-]*) and the key line travels
// as base64, which has no character the shell treats specially.
export function authorizeKeyCommands(user: string, publicKey: string): string[] {
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user)) throw new Error(`bad user name ${JSON.stringify(user)}`)
  const line = Buffer.from(publicKey + '\n').toString('base64')
  return [
    'set -eu',
    `home=$(getent passwd ${user} | cut -d: -f6)`,
    `test -n "$home" || { echo "no user ${user} on this instance" >&2; exit 3; }`,
    'install -d -m 700 "$home/.ssh"',
    `echo ${line} | base64 -d >> "$home/.ssh/authorized_keys"`,
    'chmod 600 "$home/.ssh/authorized_keys"',
    `chown -R ${user}: "$home/.ssh"`,
    // cloud-init makes the host keys at first boot, about when the agent starts.
    'i=0; while [ ! -s /etc/ssh/ssh_host_ed25519_key.pub ] && [ $i -lt 60 ]; do sleep 1; i=$((i+1)); done',
    `for f in /etc/ssh/ssh_host_*_key.pub; do printf '${HOST_KEY_MARKER} %s\\n' "$(cat "$f")"; done`,
  ]
}

// "type base64" of every host key line in the command's output.
export function parseHostKeys(stdout: string): string[] {
  const keys: string[] = []
  for (const l of stdout.split('\n')) {
    const m = HOST_KEY.exec(l.trim())
    if (m) keys.push(`${m[1]} ${m[2]}`)
  }
  return keys
}

export const knownHosts = (host: string, keys: string[]) => keys.map((k) => `${host} ${k}\n`).join('')
