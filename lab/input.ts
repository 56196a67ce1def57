// The one reader for files users hand us (topologies, PtpConfigs, test
// configs, L2 reports, daemon profiles, logs to replay): regular files only,
// at most a size limit, valid UTF-8. A FIFO, device or directory is refused
// at once: the file is opened with O_NONBLOCK (so opening a FIFO never
// waits for a writer) and checked with fstat before anything is read. At
// most limit+1 bytes are ever read, whatever the size fstat reports (/proc
// files report 0). Every refusal is an InputError naming the file.
import { constants, type Stats } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { isUtf8 } from 'node:buffer'
import { InputError, type InputErrorWhere } from './errors.js'

const KiB = 1024
const MiB = 1024 * KiB

export interface InputKind {
  what: string // how messages name the file
  maxBytes: number
}

// One row per kind of user file.
export const INPUTS = {
  topology: { what: 'topology file', maxBytes: 1 * MiB },
  // The API server refuses requests over 3 MiB; one file may hold several configs.
  ptpConfig: { what: 'PtpConfig file', maxBytes: 3 * MiB },
  testConfig: { what: 'test config file', maxBytes: 1 * MiB },
  l2Report: { what: 'L2 report', maxBytes: 1 * MiB },
  // The daemon's profile file is ConfigMap data, at most 1 MiB.
  profile: { what: 'profile file', maxBytes: 1 * MiB },
  ptp4lConfig: { what: 'ptp4l config', maxBytes: 1 * MiB },
  log: { what: 'log file', maxBytes: 256 * MiB },
  // The webhook's serving certificate and key (a mounted Secret).
  tlsFile: { what: 'TLS file', maxBytes: 64 * KiB },
} as const satisfies Record<string, InputKind>

export function formatBytes(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`
  if (n >= KiB && n % KiB === 0) return `${n / KiB} KiB`
  return `${n} bytes`
}

const TYPES: Array<[(s: Stats) => boolean, string]> = [
  [(s) => s.isDirectory(), 'a directory'],
  [(s) => s.isFIFO(), 'a FIFO (named pipe)'],
  [(s) => s.isCharacterDevice(), 'a character device'],
  [(s) => s.isBlockDevice(), 'a block device'],
  [(s) => s.isSocket(), 'a socket'],
]
const typeOf = (s: Stats) => TYPES.find(([is]) => is(s))?.[1] ?? 'not a regular file'

// "ENOENT: no such file or directory, open 'x'" -> "ENOENT: no such file or
// directory": the path is in the InputError's file already.
export function errnoText(e: unknown): string {
  const msg = (e as Error)?.message ?? String(e)
  return msg.replace(/, \w+ '.*'$/s, '')
}

// Text of `path`, or an InputError (file, and `where`'s field) saying why not.
export async function readInputFile(path: string, kind: InputKind, where: Omit<InputErrorWhere, 'file'> = {}): Promise<string> {
  const fail = (detail: string, line?: number): never => {
    throw new InputError(detail, { ...where, file: path, ...(line !== undefined && { line }) })
  }
  let fh
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY)
  } catch (e) {
    return fail(`cannot read ${kind.what}: ${errnoText(e)}`)
  }
  let bytes: Buffer
  try {
    const st = await fh.stat()
    if (!st.isFile()) fail(`cannot read ${kind.what}: it is ${typeOf(st)}, not a regular file`)
    bytes = await readAtMost(fh, kind.maxBytes + 1, st.size)
  } catch (e) {
    if (e instanceof InputError) throw e
    return fail(`cannot read ${kind.what}: ${errnoText(e)}`)
  } finally {
    await fh.close()
  }
  if (bytes.length > kind.maxBytes) fail(`${kind.what} is larger than ${formatBytes(kind.maxBytes)}, the limit`)
  const bad = firstBadUtf8Line(bytes)
  if (bad !== undefined) fail(`${kind.what} is not UTF-8 text (invalid byte sequence)`, bad)
  // A UTF-8 byte order mark is no part of the text.
  const text = bytes.toString('utf8')
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

// Reads until end of file or `limit` bytes. `size` (from fstat) is only a
// hint for the first buffer.
async function readAtMost(fh: FileHandle, limit: number, size: number): Promise<Buffer> {
  let buf = Buffer.alloc(Math.min(limit, Math.max(size + 1, 64 * KiB)))
  let n = 0
  while (n < limit) {
    if (n === buf.length) {
      const bigger = Buffer.alloc(Math.min(limit, buf.length * 2))
      buf.copy(bigger, 0, 0, n)
      buf = bigger
    }
    const { bytesRead } = await fh.read(buf, n, buf.length - n, null)
    if (bytesRead === 0) break
    n += bytesRead
  }
  return buf.subarray(0, n)
}

// 1-based line of the first invalid UTF-8 sequence (a newline byte is never
// part of a multi-byte sequence, so lines can be checked one by one).
function firstBadUtf8Line(b: Buffer): number | undefined {
  if (isUtf8(b)) return undefined
  let line = 1
  for (let start = 0; start <= b.length; line++) {
    let end = b.indexOf(0x0a, start)
    if (end < 0) end = b.length
    if (!isUtf8(b.subarray(start, end))) return line
    start = end + 1
  }
  return undefined
}
