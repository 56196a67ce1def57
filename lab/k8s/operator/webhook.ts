// The validating admission webhook for PtpConfig (AdmissionReview v1): the
// same checks the lab applies to PtpConfig files (checkPtpConfigObject ->
// validatePtpConfig), served over TLS from the mounted webhook-server-cert
// Secret. The pure review() decides; serveWebhook() is the HTTPS shell.
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import { InputError } from '../../errors.js'
import { INPUTS, readInputFile } from '../../input.js'
import { checkPtpConfigObject } from '../../operator/ptpconfig.js'

export const PTPCONFIG_WEBHOOK_PATH = '/validate-ptp-openshift-io-v1-ptpconfig'
const MAX_BODY = 3 * 1024 * 1024 // the API server's own request limit

interface AdmissionRequest {
  uid: string
  operation?: string
  kind?: { group?: string; kind?: string }
  namespace?: string
  name?: string
  object?: { metadata?: { name?: string; namespace?: string } }
}

export interface AdmissionResponse {
  uid: string
  allowed: boolean
  status?: { code: number; reason: string; message: string }
}

export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1'
  kind: 'AdmissionReview'
  response: AdmissionResponse
}

// The answer to one AdmissionReview, or an Error when the body is not one.
export function review(body: unknown): AdmissionReview {
  const b = body as { apiVersion?: unknown; kind?: unknown; request?: AdmissionRequest }
  if (!b || typeof b !== 'object' || b.apiVersion !== 'admission.k8s.io/v1' || b.kind !== 'AdmissionReview' || typeof b.request?.uid !== 'string')
    throw new Error('expected an admission.k8s.io/v1 AdmissionReview with request.uid')
  const r = b.request
  const answer = (response: Omit<AdmissionResponse, 'uid'>): AdmissionReview => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: r.uid, ...response } })
  if (r.operation !== 'CREATE' && r.operation !== 'UPDATE') return answer({ allowed: true })
  if (r.kind?.kind !== 'PtpConfig') return answer({ allowed: false, status: { code: 400, reason: 'BadRequest', message: `this webhook validates PtpConfig, got ${r.kind?.kind ?? 'no kind'}` } })
  const ns = r.object?.metadata?.namespace ?? r.namespace ?? ''
  const name = r.object?.metadata?.name ?? r.name ?? ''
  try {
    checkPtpConfigObject(withNamespace(r.object, ns), `PtpConfig ${ns}/${name}`)
    return answer({ allowed: true })
  } catch (e) {
    if (!(e instanceof InputError)) throw e
    return answer({ allowed: false, status: { code: 403, reason: 'Forbidden', message: e.message } })
  }
}

// On CREATE the object may carry no namespace yet: the request's is the one.
const withNamespace = (o: unknown, ns: string) => {
  const obj = (o ?? {}) as { metadata?: Record<string, unknown> }
  return { ...obj, metadata: { ...obj.metadata, namespace: (obj.metadata?.namespace as string | undefined) ?? ns } }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let n = 0
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length
    if (n > MAX_BODY) throw Object.assign(new Error('request body too large'), { status: 413 })
    chunks.push(c)
  }
  return Buffer.concat(chunks).toString('utf8')
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'https://webhook').pathname
  if (req.method === 'GET' && (path === '/healthz' || path === '/readyz')) return void res.writeHead(200).end('ok\n')
  if (path !== PTPCONFIG_WEBHOOK_PATH) return void res.writeHead(404).end('not found\n')
  if (req.method !== 'POST') return void res.writeHead(405).end('method not allowed\n')
  let out: AdmissionReview
  try {
    out = review(JSON.parse(await readBody(req)))
  } catch (e) {
    const status = (e as { status?: number }).status ?? 400
    return void res.writeHead(status, { 'content-type': 'text/plain' }).end(`${(e as Error).message}\n`)
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out))
}

export interface WebhookOptions {
  certDir: string // holds tls.crt and tls.key (a mounted kubernetes.io/tls Secret)
  port: number
  host?: string // default all addresses
  reloadMs?: number // how often to look for a renewed certificate (default 60000)
}

async function readPair(dir: string): Promise<{ cert: string; key: string }> {
  const [cert, key] = await Promise.all(['tls.crt', 'tls.key'].map((f) => readInputFile(join(dir, f), INPUTS.tlsFile)))
  return { cert: cert!, key: key! }
}

// HTTPS on port; a renewed certificate (cert-manager rewrites the Secret,
// kubelet swaps the mounted files) is picked up without a restart.
export async function serveWebhook(o: WebhookOptions): Promise<Server & { stopReload: () => void }> {
  let pair = await readPair(o.certDir)
  const server = createServer({ ...pair }, (req, res) => void handle(req, res).catch(() => res.writeHead(500).end()))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port, o.host, () => resolve())
  })
  const timer = setInterval(() => {
    readPair(o.certDir)
      .then((next) => {
        if (next.cert === pair.cert && next.key === pair.key) return
        server.setSecureContext(next)
        pair = next
      })
      .catch(() => {}) // a half-swapped mount: next time
  }, o.reloadMs ?? 60_000)
  timer.unref()
  return Object.assign(server, { stopReload: () => clearInterval(timer) })
}
