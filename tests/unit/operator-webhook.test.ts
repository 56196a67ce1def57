// The operator's PtpConfig validating webhook over real TLS: certificates
// made here with openssl (a CA and a serving certificate for the webhook
// Service's DNS name, as cert-manager issues them), AdmissionReview v1
// posted by a client that trusts only that CA. It decides the same table
// of cases as the lab's file loader (tests/fixtures/ptpconfig-cases.ts).
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, renameSync, rmSync, symlinkSync, mkdirSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { parse } from 'yaml'
import { PTPCONFIG_WEBHOOK_PATH, serveWebhook } from '../../lab/k8s/operator/webhook.js'
import { poll } from '../../lab/sys/poll.js'
import { ACCEPTED, SCHEMA_REJECTED, WEBHOOK_REJECTED } from '../fixtures/ptpconfig-cases.js'

const HOST = 'webhook-service.openshift-ptp.svc'
const ssl = (dir: string, ...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })

// A CA and a certificate for HOST signed by it, in dir/<name>/.
function makeCerts(dir: string, name: string): { ca: string; dir: string } {
  const d = join(dir, name)
  mkdirSync(d)
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  ssl(d, 'req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', `/CN=${name}-ca`)
  ssl(d, 'req', ...ec, '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', `/CN=${HOST}`)
  writeFileSync(join(d, 'san.ext'), `subjectAltName=DNS:${HOST}\n`)
  ssl(d, 'x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.crt', '-days', '1', '-extfile', 'san.ext')
  return { ca: execFileSync('cat', [join(d, 'ca.crt')]).toString(), dir: d }
}

function post(port: number, ca: string, body: string, path = PTPCONFIG_WEBHOOK_PATH): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', ca, servername: HOST, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = ''
      res.on('data', (c) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const reviewOf = (obj: unknown, operation = 'CREATE', uid = 'u-1') =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid, kind: { group: 'ptp.openshift.io', version: 'v1', kind: 'PtpConfig' }, operation, namespace: 'openshift-ptp', name: 'a', object: obj },
  })

t.test('AdmissionReview over TLS: the same decisions as the lab', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ptplab-webhook-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // Mounted as kubelet mounts a Secret: files behind a ..data symlink.
  const one = makeCerts(dir, 'one')
  const mount = join(dir, 'mount')
  mkdirSync(mount)
  symlinkSync(one.dir, join(mount, '..data'))
  for (const f of ['tls.crt', 'tls.key']) symlinkSync(join('..data', f), join(mount, f))
  const server = await serveWebhook({ certDir: mount, port: 0, host: '127.0.0.1', reloadMs: 30 })
  t.teardown(() => (server.stopReload(), server.close()))
  const port = (server.address() as AddressInfo).port

  // Unknown fields never reach a webhook: the API server prunes them first.
  const cases = [...WEBHOOK_REJECTED, ...SCHEMA_REJECTED.filter(([what]) => !what.startsWith('unknown '))]
  t.equal(cases.length, WEBHOOK_REJECTED.length + SCHEMA_REJECTED.length - 3)
  for (const [what, text, , field, detail] of cases) {
    const r = await post(port, one.ca, reviewOf(parse(text), 'CREATE', what))
    t.equal(r.status, 200, what)
    const resp = JSON.parse(r.text).response
    t.match(resp, { uid: what, allowed: false, status: { code: 403, reason: 'Forbidden' } }, what)
    t.ok(resp.status.message.startsWith(`PtpConfig openshift-ptp/a: ${field}: `), `${what}: names the field (${resp.status.message})`)
    t.match(resp.status.message, detail, what)
  }
  for (const [what, text] of ACCEPTED) {
    const r = JSON.parse((await post(port, one.ca, reviewOf(parse(text), 'UPDATE', what))).text)
    t.same(r, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: what, allowed: true } }, what)
  }
  // A DELETE carries no new object: allowed.
  t.match(JSON.parse((await post(port, one.ca, reviewOf(undefined, 'DELETE'))).text), { response: { allowed: true } })
  // Not an AdmissionReview, another path.
  t.match(await post(port, one.ca, '{"kind":"Pod"}'), { status: 400, text: /AdmissionReview/ })
  t.equal((await post(port, one.ca, reviewOf({}), '/validate-something-else')).status, 404)

  // A client that does not trust the CA gets no answer.
  const other = makeCerts(dir, 'two')
  await t.rejects(post(port, other.ca, reviewOf({})), /self[- ]signed|unable to verify|certificate/)

  // cert-manager renews: kubelet swaps ..data; the new certificate is served without a restart.
  symlinkSync(other.dir, join(mount, '..data_tmp'))
  renameSync(join(mount, '..data_tmp'), join(mount, '..data'))
  const r = await poll(() => post(port, other.ca, reviewOf(parse(ACCEPTED[0]![1]))).then((x) => x.status === 200 && x), { timeoutMs: 3000, intervalMs: 20, ignoreErrors: true })
  t.ok(r.value, 'the renewed certificate is served')
})

t.test('a missing certificate is a clear error', async (t) => {
  await t.rejects(serveWebhook({ certDir: '/nonexistent-cert-dir', port: 0 }), /\/nonexistent-cert-dir\/tls\.(crt|key)/)
})
