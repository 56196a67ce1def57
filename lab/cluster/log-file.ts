// A log file as a log source (the lab's daemons and switch log to files, as
// kubelet keeps pod logs). Followed by size and inode. A file rotated to
// "<path>.1" (the daemon's --log-max-bytes) continues: the rest of the old
// file is read from "<path>.1", then the new file from its start. A file
// that shrinks was truncated, and one with another new inode was replaced
// (a restarted container): both are read again from their start and count
// as a restart. A file present at the first drain is followed from its
// end; one missing then is read from its beginning once it appears.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { StringDecoder } from 'node:string_decoder'
import type { LogChunk, LogFollower, LogSource } from './types.js'

export function fileLogSource(s: { name: string; path: string; prefix: string; container?: string }): LogSource {
  if (!s.path) throw new Error(`log source ${s.name}: empty path`)
  return { name: s.name, prefix: s.prefix, container: s.container, follow: () => new FileFollower(s.path) }
}

class FileFollower implements LogFollower {
  private started = false
  private pos = 0
  private ino?: number
  private decoder = new StringDecoder('utf8')

  constructor(readonly path: string) {}

  async drain(): Promise<LogChunk> {
    const st = await statOrUndefined(this.path)
    const first = !this.started
    this.started = true
    if (!st) {
      this.pos = 0
      this.ino = undefined
      return { text: this.decoder.end(), restarted: false, present: false }
    }
    if (first) {
      this.pos = st.size
      this.ino = st.ino
      return { text: '', restarted: false, present: true }
    }
    let restarted = false
    let before = ''
    if (this.ino !== undefined && (st.ino !== this.ino || st.size < this.pos)) {
      const old = st.ino !== this.ino ? await statOrUndefined(`${this.path}.1`) : undefined
      if (old && old.ino === this.ino) before = await this.read(`${this.path}.1`, old.size) // rotated: its rest first
      else {
        restarted = true
        this.decoder = new StringDecoder('utf8')
      }
      this.pos = 0
    }
    this.ino = st.ino
    return { text: before + (await this.read(this.path, st.size)), restarted, present: true }
  }

  // From pos to size, then pos = size.
  private async read(path: string, size: number): Promise<string> {
    let text = ''
    if (size > this.pos) for await (const chunk of createReadStream(path, { start: this.pos, end: size - 1 })) text += this.decoder.write(chunk as Buffer)
    this.pos = size
    return text
  }

  async close(): Promise<void> {}
}

async function statOrUndefined(path: string): Promise<{ size: number; ino: number } | undefined> {
  try {
    const st = await stat(path)
    return { size: st.size, ino: st.ino }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
}
