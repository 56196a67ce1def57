// The kind lab for real, where kind can run: the pinned tools, a container
// engine, the node image already pulled (CI has no registry access), root.
// Up, the OC suite through the Kubernetes cluster with the topology's
// wiring, a resumed up that skips every step, down that leaves no cluster
// and no container. Skipped with the reason everywhere else (here: no kind,
// no helm, no kind node image).
import t from 'tap'
import { clusterName } from '../../lab/backends/kind/names.js'
import { toolProblems } from '../../lab/backends/kind/backend.js'
import { KIND_NODE_IMAGE } from '../../lab/backends/kind/versions.js'
import type { RunJson } from '../../lab/report/json.js'
import { run } from '../../lab/sys/run.js'
import { cli, ownLab, skipReason } from './helpers.js'

async function kindSkip(): Promise<string | false> {
  const base = await skipReason()
  if (base) return base
  const tools = await toolProblems()
  if (tools.length) return tools.join('; ')
  const img = await run('docker', ['image', 'inspect', KIND_NODE_IMAGE], { allowFail: true }).catch(() => undefined)
  if (!img || img.exitCode !== 0) return `the kind node image ${KIND_NODE_IMAGE} is not in the Docker engine (no registry here: docker pull it where there is one)`
  return false
}

const skip = await kindSkip()

t.test('kind lab: up, OC through the cluster, resumed up skips, down leaves nothing', { skip, timeout: 3_600_000 }, async (t) => {
  const LAB = 'it-kind'
  await ownLab(t, LAB)
  t.teardown(() => cli(['down', '--name', LAB]))
  const up = await cli(['up', '--backend', 'kind', '--name', LAB])
  t.equal(up.code, 0, 'up', { stderr: up.stderr.slice(-4000) })
  const test = await cli(['test', '--name', LAB, '--mode', 'oc', '--json'])
  t.equal(test.code, 0, 'OC passes on the kind cluster', { stdout: test.stdout.slice(-4000), stderr: test.stderr.slice(-3000) })
  const [oc] = (JSON.parse(test.stdout) as RunJson).modes
  t.ok(oc!.checks.some((c) => c.pass && /parent is switch boundary clock switch1/.test(c.name)), 'the wiring: parent checks run')
  t.match(oc!.samples, [{ part: 'OC slave' }], 'the OC slave sampled through the cluster')
  const again = await cli(['up', '--backend', 'kind', '--name', LAB])
  t.equal(again.code, 0)
  t.match(again.stderr, /kind cluster ptplab-it-kind: skipped, already done/)
  const down = await cli(['down', '--name', LAB])
  t.equal(down.code, 0)
  const left = await run('docker', ['ps', '--all', '--quiet', '--filter', `label=io.x-k8s.kind.cluster=${clusterName(LAB)}`])
  t.equal(left.stdout.trim(), '', 'no node container left')
  const mine = await run('docker', ['ps', '--all', '--quiet', '--filter', `label=ptplab.lab=${LAB}`])
  t.equal(mine.stdout.trim(), '', 'no switch container left')
})
