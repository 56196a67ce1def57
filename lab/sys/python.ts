// The host's Python 3 as an absolute path, resolved once per process: a
// version manager's `python3` on PATH (pyenv's shim) is a script that costs
// about 0.1 s per start, 64 of them at once made L2 discovery on a
// 64-worker lab take seconds just to start its agents.
import { isAbsolute } from 'node:path'
import { run } from './run.js'

let resolved: Promise<string> | undefined

export function hostPython(): Promise<string> {
  resolved ??= run('python3', ['-I', '-S', '-c', 'import sys; print(sys.executable)'], { allowFail: true, timeoutMs: 10_000 }).then(
    (r) => (r.exitCode === 0 && isAbsolute(r.stdout.trim()) ? r.stdout.trim() : 'python3'),
    () => 'python3',
  )
  return resolved
}
