// Commands run through lab/sys/run.ts are in a session of their own: Ctrl-C
// in a terminal (SIGINT to the foreground process group) reaches ptplab,
// which decides what to do, and not the command it is running, which
// finishes its step. The caller runs as its own process group here, as a
// shell job, and signals that group the way the terminal does.
import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { projectRoot } from '../../lab/paths.js'

const runJs = join(projectRoot(), 'dist', 'lab', 'sys', 'run.js')
const skip = existsSync(runJs) ? false : 'not built (npx tsc -p tsconfig.json)'

const script = `
import { run } from ${JSON.stringify(pathToFileURL(runJs).href)}
let got = 0
process.on('SIGINT', () => got++)
setTimeout(() => process.kill(-process.pid, 'SIGINT'), 300)
const r = await run('sleep', ['1'], { allowFail: true })
process.stdout.write(JSON.stringify({ got, exitCode: r.exitCode }))
`

t.test("SIGINT to the caller's process group does not reach the running command", { skip }, async (t) => {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  const code = await new Promise<number | null>((r) => child.on('close', r))
  t.equal(code, 0)
  t.same(JSON.parse(out), { got: 1, exitCode: 0 }, 'the caller saw the signal, sleep finished normally')
})
