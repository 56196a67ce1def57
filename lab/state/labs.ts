// Which labs exist on this host, and picking one by name.
import { existsSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { listNetns } from '../sys/netns.js'
import { labPaths, NETNS_PREFIX, runRoot } from '../paths.js'
import { readState } from './state.js'
import type { Topology } from '../topology/index.js'
import { checkName, labName, validLabName } from '../names.js'
import { InputError } from '../errors.js'

// Labs with a run dir or at least one namespace (a crashed lab may have lost
// its run dir but still hold namespaces).
export async function listLabs(): Promise<string[]> {
  const names = new Set<string>()
  if (existsSync(runRoot())) for (const d of await readdir(runRoot())) if (validLabName(d)) names.add(d)
  for (const ns of await listNetns()) {
    if (!ns.startsWith(NETNS_PREFIX)) continue
    const lab = ns.slice(NETNS_PREFIX.length).split('.')[0] ?? ''
    if (validLabName(lab)) names.add(lab)
  }
  return [...names].sort()
}

export function checkLabName(name: string, field = '--name'): string {
  return checkName(labName, name, 'lab name', { field })
}

// --name given: that lab. Otherwise the only lab there is, or an error
// saying which ones exist.
export async function pickLab(name: string | undefined): Promise<string> {
  if (name !== undefined) return checkLabName(name)
  const labs = await listLabs()
  if (labs.length === 1) return labs[0]!
  if (labs.length === 0) throw new InputError('no lab is up; start one with: ptplab up')
  throw new InputError(`several labs are up (${labs.join(', ')}); choose one with --name`)
}

// The topology of a lab that is up; anything else is a usage error.
export async function loadRunningLab(lab: string): Promise<Topology> {
  const st = await readState(lab)
  if (!st) throw new InputError(`lab ${lab} is not up (no state in ${labPaths(lab).dir}); start it with: ptplab up --name ${lab}`)
  if (st.phase !== 'up') throw new InputError(`lab ${lab} is in phase "${st.phase}", not up; run: ptplab down --name ${lab}`)
  return st.topology
}
