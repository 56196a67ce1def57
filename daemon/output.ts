// Where the daemon's lines go: stdout (ptp4l/phc2sys output, as upstream),
// stderr (its own messages) and, with --log-file, a copy of both that
// rotates at a size limit. No write may kill the daemon or stop PTP: a full
// disk, a closed pipe or an unwritable file cost lines, nothing else. A
// destination that fails drops lines until a write works again; its first
// failure and its recovery are reported once, on the other destinations and
// through troubles() (the daemon shows them on /ready and /status).
import * as fs from 'node:fs'
import { isatty } from 'node:tty'

// The file operations used (tests inject failures such as ENOSPC).
export type FsOps = Pick<typeof fs, 'openSync' | 'writeSync' | 'closeSync' | 'renameSync' | 'fstatSync'>

// A destination; write() throws when the text did not get through.
export interface Sink {
  readonly name: string
  write(text: string): void
}

// Writes all of `buf`. A failure after part of it says how much got
// through (`written` on the error).
function writeAll(io: FsOps, fd: number, buf: Buffer): void {
  let off = 0
  try {
    while (off < buf.length) off += io.writeSync(fd, buf, off, buf.length - off)
  } catch (e) {
    if (e && typeof e === 'object') (e as { written?: number }).written = off
    throw e
  }
}
const written = (e: unknown) => (e && typeof e === 'object' ? ((e as { written?: number }).written ?? 0) : 0)

// fd 1 or 2. Regular files and devices (the lab's log file, /dev/null) are
// written synchronously, so a failed write is an exception here and the
// next line is tried again; pipes and sockets (a container engine) through
// the process stream, whose errors are caught: a closed pipe stays closed.
export function stdioSink(fd: 1 | 2, io: FsOps = fs): Sink {
  const name = fd === 1 ? 'stdout' : 'stderr'
  let direct = false
  try {
    const st = io.fstatSync(fd)
    direct = st.isFile() || (st.isCharacterDevice() && !isatty(fd))
  } catch {
    /* a closed fd: the stream reports it */
  }
  if (direct) return { name, write: (text) => writeAll(io, fd, Buffer.from(text)) }
  const stream = fd === 1 ? process.stdout : process.stderr
  let failed: Error | undefined
  stream.on('error', (e: Error) => (failed = e))
  return {
    name,
    write: (text) => {
      if (failed) throw failed
      stream.write(text)
    },
  }
}

// The --log-file: appended to; when the next write would take a regular
// file past maxBytes it is renamed to <path>.1 (replacing the previous one)
// and a new file is started, so the two together never hold more than about
// 2 x maxBytes. Readers that follow the file by inode (lab/conformance/
// testlog.ts) see a new file and read it from its start. maxBytes 0: no
// rotation. Anything but a regular file (a device, a FIFO) is never renamed.
export class RotatingFile implements Sink {
  readonly name: string
  private fd: number | undefined
  private size = 0
  private regular = false

  constructor(
    readonly path: string,
    readonly maxBytes: number,
    private readonly io: FsOps = fs,
  ) {
    this.name = `log file ${path}`
  }

  write(text: string): void {
    const buf = Buffer.from(text)
    if (this.fd === undefined) this.open()
    if (this.regular && this.maxBytes > 0 && this.size > 0 && this.size + buf.length > this.maxBytes) this.rotate()
    try {
      writeAll(this.io, this.fd!, buf)
      this.size += buf.length
    } catch (e) {
      this.size += written(e) // part of it may be on disk
      throw e
    }
  }

  private open(): void {
    const fd = this.io.openSync(this.path, 'a')
    const st = this.io.fstatSync(fd)
    this.fd = fd
    this.regular = st.isFile()
    this.size = this.regular ? st.size : 0
  }

  private rotate(): void {
    this.io.renameSync(this.path, `${this.path}.1`)
    const old = this.fd!
    this.fd = undefined
    this.io.closeSync(old)
    this.open()
  }

  close(): void {
    if (this.fd !== undefined) this.io.closeSync(this.fd)
    this.fd = undefined
  }
}

export interface Trouble {
  sink: string
  error: string // the first failure of this outage
  since: string // ISO time
  dropped: number // lines lost so far
}

interface Guard {
  sink: Sink
  trouble?: Trouble
  torn: boolean // a line was cut by a failed write: start the next one on a new line
  lastError?: string
}

const errText = (e: unknown) => ((e as Error)?.message ?? String(e)).split('\n')[0]!

// The daemon's two kinds of lines, each to its stdio stream and the log file.
export class DaemonOutput {
  private readonly stdout?: Guard
  private readonly stderr?: Guard
  private readonly file?: Guard

  // stamp: a message as the daemon's own log line (time, name). A daemon
  // host's nodes have no stdio of their own, only their files.
  constructor(
    sinks: { stdout?: Sink; stderr?: Sink; file?: Sink },
    private readonly stamp: (msg: string) => string,
    private readonly now: () => Date = () => new Date(),
  ) {
    const g = (sink: Sink): Guard => ({ sink, torn: false })
    if (sinks.stdout) this.stdout = g(sinks.stdout)
    if (sinks.stderr) this.stderr = g(sinks.stderr)
    if (sinks.file) this.file = g(sinks.file)
  }

  // A ptp4l/phc2sys line.
  out(line: string): void {
    this.emit([this.stdout, this.file], line)
  }

  // One of the daemon's own messages (already stamped).
  log(line: string): void {
    this.emit([this.stderr, this.file], line)
  }

  // Tries the failing destinations again (with their recovery notice): one
  // that rarely gets a line (stderr) would otherwise stay "failing" long
  // after the disk has room again. The daemon calls it every few seconds.
  retry(): void {
    for (const g of [this.stdout, this.stderr, this.file]) if (g?.trouble) this.recover(g)
  }

  // Destinations that are failing now.
  troubles(): Trouble[] {
    return [this.stdout, this.stderr, this.file].flatMap((g) => (g?.trouble ? [{ ...g.trouble }] : []))
  }

  private emit(to: Array<Guard | undefined>, line: string): void {
    for (const g of to) if (g) this.put(g, line)
  }

  // Never throws. After an outage the recovery notice goes first (it is the
  // probe), so it precedes the lines that follow it. Reports go to the other
  // destinations only: a failing one never carries news of its own failure.
  private put(g: Guard, line: string): void {
    if (g.trouble && !this.recover(g)) {
      g.trouble.dropped++
      return
    }
    if (this.tryWrite(g, line)) return
    g.trouble = { sink: g.sink.name, error: g.lastError ?? 'write failed', since: this.now().toISOString(), dropped: 1 }
    this.notify(g, `warning: cannot write ${g.sink.name}: ${g.trouble.error}; dropping lines until it works again`)
  }

  private recover(g: Guard): boolean {
    const t = g.trouble!
    const back = `${g.sink.name} is writable again; ${t.dropped} lines were dropped since ${t.since} (${t.error})`
    if (!this.tryWrite(g, this.stamp(back))) return false
    g.trouble = undefined
    this.notify(g, back)
    return true
  }

  private tryWrite(g: Guard, line: string): boolean {
    try {
      g.sink.write(`${g.torn ? '\n' : ''}${line}\n`)
      g.torn = false
      return true
    } catch (e) {
      if (written(e) > 0) g.torn = true
      g.lastError = errText(e)
      return false
    }
  }

  private notify(failing: Guard, msg: string): void {
    for (const g of [this.stderr, this.file]) if (g && g !== failing && !g.trouble) this.put(g, this.stamp(msg))
  }
}
