// Two writable streams that collect what a command writes to stdout and
// stderr, as text (for exec APIs that take streams: Docker's, Kubernetes').
import { PassThrough } from 'node:stream'

export function captureOutput() {
  const out = new PassThrough()
  const err = new PassThrough()
  let stdout = ''
  let stderr = ''
  out.on('data', (d: Buffer) => (stdout += d.toString()))
  err.on('data', (d: Buffer) => (stderr += d.toString()))
  return { out, err, text: () => ({ stdout, stderr }) }
}
