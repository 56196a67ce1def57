// `ptplab vm` actions, loaded only when a vm command runs (they need zx and,
// lazily, the AWS SDK).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { InputError } from '../lab/errors.js'
import { missingPrograms } from '../lab/sys/run.js'
import { checkRunId, parseRunConfig, regionFrom, type VmRunFlags } from '../lab/vm/config.js'
import { Journal, formatEntry, summarize, type Entry } from '../lab/vm/journal.js'
import { interruptibly } from './interrupt.js'
import { EXIT, progress } from './output.js'

async function liveDeps(region: string, journal: Journal) {
  const [{ awsGateway, makeClients }, effects, { TIMING }] = await Promise.all([import('../lab/vm/aws.js'), import('../lab/vm/effects.js'), import('../lab/vm/deps.js')])
  return { aws: awsGateway(makeClients(region), journal), exec: effects.execCommand, workdir: () => effects.privateWorkdir(journal), journal, progress, timing: TIMING }
}

// Progress of a dry run says so: nothing it reports happened.
async function dryDeps(journal: Journal) {
  const [{ dryGateway }, effects, { TIMING }] = await Promise.all([import('../lab/vm/aws.js'), import('../lab/vm/effects.js'), import('../lab/vm/deps.js')])
  const dryProgress = (m: string) => progress(`(dry run) ${m}`)
  return { aws: dryGateway(journal), exec: effects.dryExec, workdir: async () => effects.dryWorkdir(journal), journal, progress: dryProgress, timing: TIMING }
}

// Progress shows each call once per run of identical calls (polls repeat).
function progressJournal(): Journal {
  let last = ''
  return new Journal((e: Entry) => {
    const line = summarize(e)
    if (line !== last) progress(line)
    last = line
  })
}

async function printPlan(journal: Journal, what: string): Promise<void> {
  const { DRY } = await import('../lab/vm/aws.js')
  process.stdout.write(`# dry run of ${what}: nothing was called, run or written.\n`)
  process.stdout.write(`# AWS answers are placeholders: ${DRY.ami}, ${DRY.instanceId}, public address ${DRY.publicIp} (a documentation range)\n`)
  for (const e of journal.entries) process.stdout.write(formatEntry(e) + '\n')
}

export async function cmdVmRun(o: VmRunFlags): Promise<number> {
  const cfg = parseRunConfig(o, process.env)
  const { vmRun, preflight } = await import('../lab/vm/flow.js')
  const { localArtifacts, dryArtifacts } = await import('../lab/vm/effects.js')
  if (cfg.dryRun) {
    if (!existsSync(join(cfg.source, 'run-on-vm.sh'))) progress(`note: ${cfg.source} has no run-on-vm.sh: a real run refuses to start`)
    const journal = new Journal()
    const r = await vmRun(cfg, { ...(await dryDeps(journal)), artifacts: dryArtifacts(cfg.artifactsDir, journal) })
    await printPlan(journal, `ptplab vm run (run ${cfg.runId})`)
    return r.ok ? EXIT.ok : EXIT.failed
  }
  preflight(cfg, await missingPrograms(['ssh', 'rsync']))
  const journal = progressJournal()
  const deps = { ...(await liveDeps(cfg.region, journal)), artifacts: localArtifacts(cfg.artifactsDir) }
  // The verdict line is printed even when interrupted (the instance is
  // terminated either way); interruptibly then exits 130.
  return interruptibly(async (signal) => {
    const r = await vmRun(cfg, deps, signal)
    const verdict = r.ok ? 'PASS' : 'FAIL'
    const left = r.cleanup && (!r.cleanup.verified || r.cleanup.leftovers.length) ? `; LEFT: ${r.cleanup.leftovers.map((l) => l.id).join(', ') || 'unverified'}` : ''
    process.stdout.write(
      `ptplab vm run ${r.runId}: ${verdict} (${r.outcome}${r.outcome === 'passed' ? '' : ` in ${r.phase}`}${r.instanceId ? `, ${r.instanceId} terminated` : ''}` +
        `${r.fetched ? `, artifacts in ${cfg.artifactsDir}` : ''}${left})\n`,
    )
    if (r.outcome === 'interrupted') return EXIT.interrupted
    return r.ok ? EXIT.ok : EXIT.failed
  })
}

export async function cmdVmList(o: { region?: string; run?: string; allStates?: boolean; json?: boolean }): Promise<number> {
  const region = regionFrom(o.region, process.env)
  const runId = o.run === undefined ? undefined : checkRunId('--run', o.run)
  const { inventory, formatInventory } = await import('../lab/vm/inventory.js')
  const inv = await inventory(await liveDeps(region, new Journal()), { runId, allStates: o.allStates })
  process.stdout.write(o.json ? JSON.stringify(inv, null, 2) + '\n' : formatInventory(inv))
  return EXIT.ok
}

export async function cmdVmTerminate(o: { region?: string; run?: string[]; all?: boolean; olderThan?: string; dryRun?: boolean }): Promise<number> {
  const region = regionFrom(o.region, process.env)
  const runs = (o.run ?? []).map((r) => checkRunId('--run', r))
  if ((runs.length > 0) === (o.all === true)) throw new InputError('give --run ID (repeatable) or --all', { field: runs.length ? '--all' : '--run' })
  if (o.olderThan !== undefined && !o.all) throw new InputError('--older-than goes with --all', { field: '--older-than' })
  if (o.olderThan !== undefined && !/^\d{1,5}$/.test(o.olderThan)) throw new InputError(`invalid value ${JSON.stringify(o.olderThan)}: minutes, a whole number`, { field: '--older-than' })
  const olderThanMs = o.olderThan === undefined ? undefined : Number(o.olderThan) * 60_000
  const { terminateScope, runScope, allScope } = await import('../lab/vm/cleanup.js')
  const journal = o.dryRun ? new Journal() : progressJournal()
  const d = o.dryRun ? await dryDeps(journal) : await liveDeps(region, journal)
  if (o.all && !o.dryRun) {
    // Say what goes before it goes.
    const { inventory, formatInventory } = await import('../lab/vm/inventory.js')
    process.stderr.write(formatInventory(await inventory(d, {})))
  }
  const scopes = o.all ? [allScope(olderThanMs)] : runs.map(runScope)
  let clean = true
  for (const scope of scopes) {
    const r = await terminateScope(d, scope, [])
    for (const id of r.terminated) if (!o.dryRun) process.stdout.write(`terminated ${id} (${scope.what})\n`)
    if (!r.verified || r.leftovers.length) {
      clean = false
      process.stdout.write(`LEFT (${scope.what}): ${r.leftovers.map((l) => `${l.kind} ${l.id} ${l.state}`).join(', ') || 'unverified'}${r.error ? `: ${r.error}` : ''}\n`)
    } else if (!o.dryRun) process.stdout.write(`nothing of ${scope.what} is left\n`)
  }
  if (o.dryRun) await printPlan(journal, 'ptplab vm terminate')
  return clean ? EXIT.ok : EXIT.failed
}

