// The Kubernetes client: a kubeconfig loaded as kubectl would (a file, else
// $KUBECONFIG, else ~/.kube/config; a context, else the current one), the
// @kubernetes/client-node APIs ptplab uses, and every failure turned into a
// sentence a cluster user can act on: no kubeconfig, an API server that does
// not answer, a bad token, RBAC (naming the verb and resource), a resource
// the cluster does not have.
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { InputError } from '../../errors.js'
import { excerpt } from '../../text.js'

export interface KubeTarget {
  kubeconfig?: string // a file; default $KUBECONFIG, then ~/.kube/config
  context?: string // default: the kubeconfig's current context
}

export interface KubeApis {
  kc: k8s.KubeConfig
  server: string
  context: string
  core: k8s.CoreV1Api
  apps: k8s.AppsV1Api
  custom: k8s.CustomObjectsApi
  exec: k8s.Exec
  log: k8s.Log
}

// kubectl's rule; $KUBECONFIG may list several files: the first that exists.
export function kubeconfigFile(k: KubeTarget, env: Record<string, string | undefined> = process.env): string {
  if (k.kubeconfig) {
    if (!existsSync(k.kubeconfig)) throw new InputError(`kubeconfig ${k.kubeconfig} does not exist`, { field: '--kubeconfig' })
    return k.kubeconfig
  }
  const list = (env.KUBECONFIG ?? '').split(':').filter(Boolean)
  const found = list.find((f) => existsSync(f))
  if (found) return found
  if (list.length) throw new InputError(`KUBECONFIG names no existing file (${excerpt(list.join(':'))})`, { field: 'KUBECONFIG' })
  const home = join(env.HOME ?? homedir(), '.kube', 'config')
  if (existsSync(home)) return home
  throw new InputError(`no kubeconfig: pass --kubeconfig FILE, set KUBECONFIG, or create ${home}`, { field: '--kubeconfig' })
}

export function loadKube(k: KubeTarget): KubeApis {
  const file = kubeconfigFile(k)
  const kc = new k8s.KubeConfig()
  try {
    kc.loadFromFile(file)
  } catch (e) {
    throw new InputError(`cannot read kubeconfig: ${excerpt((e as Error).message, 200)}`, { file })
  }
  if (k.context) {
    if (!kc.getContexts().some((c) => c.name === k.context))
      throw new InputError(`no context ${JSON.stringify(k.context)} in ${file} (contexts: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`, { field: '--context' })
    kc.setCurrentContext(k.context)
  }
  const cluster = kc.getCurrentCluster()
  if (!cluster) throw new InputError(`kubeconfig ${file} has no current context with a cluster${k.context ? '' : ' (choose one with --context)'}`, { file })
  return {
    kc,
    server: cluster.server,
    context: kc.getCurrentContext(),
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    exec: new k8s.Exec(kc),
    log: new k8s.Log(kc),
  }
}

export const mergePatch = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)

// A failed API call as a sentence. `what` says what was being done
// ("list pods in namespace openshift-ptp").
export class KubeError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message)
    this.name = 'KubeError'
  }
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH'])

function statusOf(body: unknown): { message?: string; reason?: string } {
  if (typeof body === 'string') {
    try {
      return statusOf(JSON.parse(body))
    } catch {
      return { message: body }
    }
  }
  return body && typeof body === 'object' ? (body as { message?: string; reason?: string }) : {}
}

export function kubeError(e: unknown, what: string, server: string): Error {
  if (e instanceof KubeError || e instanceof InputError) return e
  const err = e as { code?: unknown; body?: unknown; message?: string; cause?: { code?: string } }
  // A refused WebSocket upgrade (pods/exec) carries only the status line.
  const upgrade = /Unexpected server response: (\d{3})/.exec(err.message ?? '')
  if (upgrade && typeof err.code !== 'number') return kubeError({ code: Number(upgrade[1]), body: undefined }, what, server)
  if (typeof err.code === 'number') {
    const st = statusOf(err.body)
    const detail = st.message ? `: ${excerpt(st.message, 300)}` : ''
    switch (err.code) {
      case 401:
        return new KubeError(`cannot ${what}: the API server ${server} refused the credentials (401 Unauthorized); check the kubeconfig's user`, 401)
      case 403:
        return new KubeError(`cannot ${what}: forbidden by RBAC${detail}`, 403)
      case 404:
        return new KubeError(`cannot ${what}: not found${detail}`, 404)
      default:
        return new KubeError(`cannot ${what}: HTTP ${err.code}${detail}`, err.code)
    }
  }
  const code = typeof err.code === 'string' ? err.code : err.cause?.code
  if ((code && CONNECT_CODES.has(code)) || /ECONNREFUSED|ENOTFOUND|socket hang up|connect ETIMEDOUT/.test(err.message ?? ''))
    return new KubeError(`cannot ${what}: the API server ${server} does not answer (${code ?? excerpt(err.message ?? '', 120)})`)
  return new KubeError(`cannot ${what}: ${excerpt(err.message ?? String(e), 300)}`)
}

// Runs an API call, translating its failure.
export async function call<T>(what: string, server: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f()
  } catch (e) {
    throw kubeError(e, what, server)
  }
}
