// The executor that acts: commands through execa (argument arrays, never a
// shell), files, verified downloads, and waits on commands. API calls and
// the waits on API objects go to the executor given for them (the
// Kubernetes one lives with the Kubernetes client), so this folder needs no
// cluster library.
import { createHash } from 'node:crypto'
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { loadExeca } from '../sys/execa.js'
import { poll } from '../sys/poll.js'
import { excerpt } from '../text.js'
import type { Action, ActionResult, Executor } from './types.js'

const ok = (stdout = ''): ActionResult => ({ ok: true, stdout, detail: '' })
const fail = (detail: string, stdout = ''): ActionResult => ({ ok: false, stdout, detail })

async function runCommand(a: Extract<Action, { do: 'run' }>, signal?: AbortSignal): Promise<ActionResult> {
  const [cmd, ...args] = a.argv
  const execa = await loadExeca()
  const r = await execa(cmd!, args, {
    reject: false,
    input: a.input,
    stdin: a.input === undefined ? 'ignore' : undefined,
    env: a.env,
    timeout: a.timeoutMs ?? 600_000,
    cancelSignal: signal,
    forceKillAfterDelay: 5000,
    maxBuffer: 256 * 1024 * 1024,
  })
  const stdout = String(r.stdout ?? '')
  if (a.stdoutTo) {
    await mkdir(dirname(a.stdoutTo), { recursive: true })
    await writeFile(a.stdoutTo, stdout)
  }
  const code = r.exitCode
  if (code !== undefined && (a.okExit ?? [0]).includes(code)) return ok(stdout)
  const why = r.timedOut ? 'timed out' : code === undefined ? (r.shortMessage ?? 'killed') : `exit status ${code}`
  return fail(`${why}${r.stderr ? `: ${excerpt(String(r.stderr).trim(), 600)}` : ''}`, stdout)
}

async function fetchVerified(a: Extract<Action, { do: 'fetch' }>, signal?: AbortSignal): Promise<ActionResult> {
  const get = async (url: string) => {
    const r = await fetch(url, { signal, redirect: 'follow' })
    if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`)
    return Buffer.from(await r.arrayBuffer())
  }
  try {
    const want = (await get(a.sha256Url)).toString('utf8').trim().split(/\s+/)[0] ?? ''
    if (!/^[0-9a-f]{64}$/.test(want)) return fail(`${a.sha256Url} holds no sha256 checksum`)
    const body = await get(a.url)
    const got = createHash('sha256').update(body).digest('hex')
    if (got !== want) return fail(`checksum mismatch for ${a.url}: got ${got}, published ${want}`)
    await mkdir(dirname(a.to), { recursive: true })
    const tmp = `${a.to}.tmp-${process.pid}`
    await writeFile(tmp, body)
    if (a.mode !== undefined) await chmod(tmp, a.mode)
    await rename(tmp, a.to).catch(async (e: unknown) => {
      await rm(tmp, { force: true })
      throw e
    })
    return ok()
  } catch (e) {
    return fail((e as Error).message)
  }
}

export interface ExecutorOptions {
  api?: Executor // apply, patch, get and the waits on API objects
  intervalMs?: number // between polls of a wait (default 2000)
}

export function realExecutor(o: ExecutorOptions = {}): Executor {
  const self: Executor = async (a, signal) => {
    switch (a.do) {
      case 'run':
        return runCommand(a, signal)
      case 'write':
        await mkdir(dirname(a.path), { recursive: true })
        await writeFile(a.path, a.content, { mode: a.mode })
        return ok()
      case 'fetch':
        return fetchVerified(a, signal)
      case 'wait':
        if (a.for.what === 'command') {
          const argv = a.for.argv
          let last = ''
          const r = await poll(
            async () => {
              const x = await runCommand({ do: 'run', argv, timeoutMs: 30_000 }, signal)
              last = x.detail
              return x.ok
            },
            { timeoutMs: a.timeoutMs, intervalMs: o.intervalMs ?? 2000, signal },
          )
          return r.value ? ok() : fail(`not true within ${Math.round(a.timeoutMs / 1000)} s (last: ${last})`)
        }
        break
    }
    if (!o.api) return fail(`no API executor for ${a.do} (this plan needs a cluster connection)`)
    return o.api(a, signal)
  }
  return self
}
