// `npm run bench -- --scale 8,16,32,64`: generated labs of N workers (each
// one two-port NIC cabled to the switch, three VLANs: lab/topology/
// generate.ts), per size the wall time of up, discover, down and a whole
// `run --mode oc`, and memory per node once the lab is up: the proportional
// set size (PSS: shared pages such as node's own code counted once across
// all daemons, what N nodes really add) of each node's daemon and its
// ptp4l, and the same as RSS (shared pages counted in full). The default
// lab's up is measured first for the "64 workers up <= 4x default up" target.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { labNodeNames } from '../lab/backends/assemble.js'
import { DAEMON_HOST } from '../lab/backends/netns/daemon-host.js'
import { readState } from '../lab/state/state.js'
import { listLabs } from '../lab/state/labs.js'
import { scaleTopologyYaml } from '../lab/topology/generate.js'

export interface ScaleRow {
  workers: number
  upS: number
  discoverS: number
  downS: number
  ocRunS: number
  pssMbPerNode: number
  rssMbPerNode: number
}

type Cli = (what: string, args: string[]) => Promise<number>

const kb = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN)

// PSS and RSS (MB) of a process and its children (the daemon's ptp4l).
async function treeMemory(pid: number): Promise<{ pss: number; rss: number }> {
  const pids = [pid]
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue
    const stat = await readFile(`/proc/${d}/stat`, 'utf8').catch(() => '')
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    if (ppid === pid) pids.push(Number(d))
  }
  let pss = 0
  let rss = 0
  for (const p of pids) {
    const t = await readFile(`/proc/${p}/smaps_rollup`, 'utf8').catch(() => '')
    pss += kb(t, 'Pss') / 1024 || 0
    rss += kb(t, 'Rss') / 1024 || 0
  }
  return { pss, rss }
}

export async function scaleBench(sizes: number[], base: string, ptplab: Cli, log: (m: string) => void): Promise<{ defaultUpS: number; rows: ScaleRow[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'ptplab-bench-scale-'))
  try {
    const labOf = (n: number) => `${base}-s${n}`.slice(0, 20)
    for (const lab of [base, ...sizes.map(labOf)]) if ((await listLabs()).includes(lab)) await ptplab('down', ['down', '--name', lab])
    log(`default lab: ptplab up --name ${base}`)
    const defaultUpS = await ptplab('up', ['up', '--name', base])
    await ptplab('down', ['down', '--name', base])
    const rows: ScaleRow[] = []
    for (const n of sizes) {
      const lab = labOf(n)
      const file = join(dir, `${lab}.yaml`)
      await writeFile(file, scaleTopologyYaml(lab, n))
      log(`${n} workers: up`)
      const upS = await ptplab('up', ['up', '--topology', file])
      try {
        await sleep(3000) // daemons settled
        // The daemon host and its ptp4l children, shared out over the nodes.
        const st = await readState(lab)
        const host = (st?.resources ?? []).find((r) => r.kind === 'process' && r.name === DAEMON_HOST)
        const mem = host?.kind === 'process' ? await treeMemory(host.pid) : { pss: NaN, rss: NaN }
        const mean = (k: 'pss' | 'rss') => mem[k] / (st ? labNodeNames(st.topology).length : NaN)
        log(`${n} workers: discover`)
        const discoverS = await ptplab('discover', ['discover', '--name', lab, '--out', join(dir, `l2-${n}`)])
        log(`${n} workers: down`)
        const downS = await ptplab('down', ['down', '--name', lab])
        log(`${n} workers: run --mode oc`)
        const ocRunS = await ptplab('run --mode oc', ['run', '--mode', 'oc', '--topology', file])
        rows.push({ workers: n, upS, discoverS, downS, ocRunS, pssMbPerNode: mean('pss'), rssMbPerNode: mean('rss') })
      } finally {
        if ((await listLabs()).includes(lab)) await ptplab('down', ['down', '--name', lab])
      }
    }
    return { defaultUpS, rows }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export const SCALE_TARGETS = { upVsDefault: 4, ocRunS: 25, memMbPerNode: 35 }

export function scaleTable(r: { defaultUpS: number; rows: ScaleRow[] }): string {
  const f = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '-')
  const head = ['workers', 'up s', 'up / default', 'discover s', 'run --mode oc s', 'down s', 'PSS MB/node', 'RSS MB/node']
  const rows = r.rows.map((x) => [String(x.workers), f(x.upS), f(x.upS / r.defaultUpS), f(x.discoverS), f(x.ocRunS), f(x.downS), f(x.pssMbPerNode), f(x.rssMbPerNode)])
  const all = [head, ...rows]
  const w = head.map((_, i) => Math.max(...all.map((row) => row[i]!.length)))
  const line = (row: string[]) => '| ' + row.map((c, i) => c.padStart(w[i]!)).join(' | ') + ' |'
  return [
    `default lab up: ${f(r.defaultUpS, 2)} s; targets at 64 workers: up <= ${SCALE_TARGETS.upVsDefault}x default, run --mode oc <= ${SCALE_TARGETS.ocRunS} s, <= ${SCALE_TARGETS.memMbPerNode} MB per node (PSS of daemon + ptp4l)`,
    line(head),
    '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|',
    ...rows.map(line),
  ].join('\n')
}
