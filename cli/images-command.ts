// `ptplab images build`: the node and switch images, built locally (no
// registry needed), reused when their Dockerfiles did not change.
import { buildImages, dockerAvailable, IMAGES, imageStatus } from '../lab/images/images.js'
import { EXIT, progress } from './output.js'

export async function cmdImagesBuild(o: { force?: boolean; from?: string }): Promise<number> {
  // No engine is a runtime condition, not bad input: exit 1 with what to do.
  const reason = await dockerAvailable()
  if (reason) {
    process.stderr.write(`ptplab: error: ${reason}\n`)
    return EXIT.failed
  }
  const t0 = Date.now()
  const r = await buildImages({ progress, force: o.force, from: o.from })
  const secs = ((Date.now() - t0) / 1000).toFixed(1)
  if (r.built.length === 0) progress(`images up to date, nothing to build: ${r.reused.join(', ')}`)
  else progress(`built ${r.built.join(', ')} in ${secs} s${r.reused.length ? `; reused ${r.reused.join(', ')}` : ''}`)
  // Results on stdout: one line per image, role, tag, what happened, size.
  const status = new Map((await imageStatus()).map((s) => [s.tag, s]))
  const rows: Array<[string, string]> = [
    ...(o.from === undefined ? [['base', IMAGES.base] as [string, string]] : []),
    ['node', r.node],
    ['switch', r.switch],
  ]
  for (const [role, tag] of rows) {
    const s = status.get(tag)
    const what = r.built.includes(tag) ? 'built' : 'reused'
    const size = s?.sizeBytes !== undefined ? `${(s.sizeBytes / 1e6).toFixed(0)} MB` : ''
    process.stdout.write(`${role.padEnd(7)}${tag.padEnd(30)}${what.padEnd(8)}${size}\n`)
  }
  return EXIT.ok
}
