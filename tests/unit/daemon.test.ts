// The daemon's profile handling without root or ptp4l: a failed apply is
// reported and does not stop later changes from being applied; an invalid
// file keeps the last good configuration.
import t from 'tap'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Daemon } from '../../daemon/daemon.js'

async function setup(t: { teardown(f: () => unknown): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'ptplab-daemon-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const profiles = join(dir, 'profiles')
  const run = join(dir, 'run')
  await mkdir(profiles)
  const logs: string[] = []
  const d = new Daemon({
    node: 'n1',
    profilePath: profiles,
    runDir: run,
    updateIntervalMs: 3_600_000, // polled by hand below
    sharedClock: true,
    restartDelayMs: 1000,
    pmcIntervalMs: 3_600_000,
    wrapper: [],
    log: (m) => logs.push(m),
    out: () => {},
  })
  t.teardown(() => d.shutdown())
  return { d, profiles: join(profiles, 'n1'), run, logs }
}

const profile = JSON.stringify([{ name: 'p', interface: 'eth9', ptp4lOpts: '-2' }])

t.test('no profile file: applied, ready with no profiles', async (t) => {
  const { d } = await setup(t)
  await d.start()
  t.same(d.readiness(), { ready: true, reason: 'ok (no profiles for this node)' })
  t.same(d.status().profiles, [])
})

t.test('a failed apply is reported, and the next change is applied again', async (t) => {
  const { d, profiles, run, logs } = await setup(t)
  await d.start()
  // ptp4l.0.config cannot be written: a directory stands in its way.
  await mkdir(join(run, 'ptp4l.0.config'))
  await writeFile(profiles, profile)
  await d.poll()
  t.match(d.readiness(), { ready: false, reason: /cannot apply profiles: .*EISDIR/ })
  t.ok(logs.some((l) => /error: cannot apply profiles/.test(l)), 'logged')
  // A later change goes through: the apply chain is not stuck.
  await writeFile(profiles, '[]')
  await d.poll()
  t.same(d.readiness(), { ready: true, reason: 'ok (no profiles for this node)' })
})

t.test('an invalid file keeps the last good configuration and says why', async (t) => {
  const { d, profiles, logs } = await setup(t)
  await writeFile(profiles, '[]')
  await d.start()
  await writeFile(profiles, '[{"name": 1}]')
  await d.poll()
  t.match(d.readiness(), { ready: false, reason: /invalid profile file: .*name.*keeping the last good configuration/ })
  t.ok(logs.some((l) => /error: invalid profile file/.test(l)))
  // Unchanged bytes are not parsed again; fixing the file clears the error.
  await d.poll()
  await writeFile(profiles, '[]\n')
  await d.poll()
  t.same(d.readiness(), { ready: true, reason: 'ok (no profiles for this node)' })
})

t.test('a config that cannot be written (a full disk) leaves the running profile alone, and is tried again', async (t) => {
  const { d, profiles, run, logs } = await setup(t)
  await writeFile(profiles, profile)
  await d.start()
  t.same(d.status().profiles.map((p) => p.name), ['p'])
  // The new config cannot be staged: a directory stands in its way.
  await mkdir(join(run, 'ptp4l.0.config.new'))
  await writeFile(profiles, JSON.stringify([{ name: 'q', interface: 'eth8', ptp4lOpts: '-2' }]))
  await d.poll()
  t.match(d.readiness(), { ready: false, reason: /cannot apply profiles: .*EISDIR.*keeping the last good configuration/ })
  t.same(d.status().profiles.map((p) => p.name), ['p'], 'the old profile still runs')
  await d.poll()
  t.equal(logs.filter((l) => /error: cannot apply profiles/.test(l)).length, 1, 'retried at every poll, logged once')
  await rm(join(run, 'ptp4l.0.config.new'), { recursive: true })
  await d.poll() // the same bytes: tried again
  t.same(d.status().profiles.map((p) => p.name), ['q'], 'applied once it can be written')
  t.notMatch(d.readiness().reason, /cannot apply/)
})
