// `ptplab images ...` as a child process: bad flags exit 2 naming the flag
// before any engine is asked, and --help lists the Kubernetes images.
import t from 'tap'
import { cliHarness } from '../fixtures/cli.js'

const { built: BUILT, isBuilt, ptplab, usageError, tmp } = cliHarness(t, { prefix: 'ptplab-cli-images' })

if (!isBuilt) t.fail(`the CLI is not built (${BUILT} missing): run npx tsc -p tsconfig.json first`)
else {
  t.test('bad flags: exit 2, the flag named', async (t) => {
    const cases: Array<[string[], RegExp]> = [
      [['images', 'build', '--only', 'lptpd,cep'], /--only: unknown image tag "cep": one of lptpd, ptpop, openvswitch, l2probe/],
      [['images', 'build', '--prefix', 'Quay.IO/PTP'], /--prefix: invalid image prefix "Quay.IO\/PTP"/],
      [['images', 'save', '--out', '/nonexistent-dir/x.tar'], /--out: no such directory: \/nonexistent-dir/],
      [['images', 'save', '--out', `${tmp}/missing/`], /--out: no such directory/],
      [['images', 'save', '--out', tmp, '--only', 'krp'], /--only: unknown image tag "krp"/],
      [['images', 'load', `${tmp}/none.tar`], /FILE: no such file: .*none\.tar/],
      [['images', 'load', tmp], /FILE: a directory, not a tarball/],
      [['images', 'push', '--registry', 'https://127.0.0.1:5000'], /--registry: invalid registry/],
      [['images', 'push', '--registry', '127.0.0.1:70000'], /--registry: invalid registry .*port must be 1..65535/],
    ]
    for (const [args, want] of cases) await usageError(t, args, [want], {}, { ptplabLine: true })
    const r = await ptplab(['images', 'push'])
    t.equal(r.code, 2, 'push without --registry is a usage error')
    t.match(r.stderr, /required option '--registry <host\[:port\]>'/)
  })

  t.test('--help names the images and tags', async (t) => {
    const r = await ptplab(['images', 'build', '--help'])
    t.equal(r.code, 0)
    for (const want of ['--prefix', '--only', 'lptpd', 'ptpop', 'openvswitch', 'l2probe', 'localhost/ptplab', 'IMG_PREFIX:<tag>']) t.ok(r.stdout.includes(want), `mentions ${want}`)
  })
}
