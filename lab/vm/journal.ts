// Every AWS call, command and private file of a run, in order: what
// `--dry-run` prints instead of doing, and what tests assert as data.
import { quote } from 'zx/core'

export type Service = 'ec2' | 'ssm' | 'sts'

export type Entry =
  | { kind: 'api'; service: Service; op: string; input: unknown }
  | { kind: 'cmd'; argv: string[] }
  | { kind: 'file'; path: string; mode: number }

// Entries in order; `onEntry` sees each as it is added (progress output).
export class Journal {
  readonly entries: Entry[] = []
  constructor(private readonly onEntry?: (e: Entry) => void) {}
  push(e: Entry): void {
    this.entries.push(e)
    this.onEntry?.(e)
  }
}

export function formatEntry(e: Entry): string {
  switch (e.kind) {
    case 'api':
      return `aws ${e.service} ${e.op} ${JSON.stringify(e.input)}`
    case 'cmd':
      return `$ ${e.argv.map((a) => quote(a)).join(' ')}`
    case 'file':
      return `write ${e.path} (mode ${e.mode.toString(8).padStart(4, '0')})`
  }
}

// One line for progress output: API inputs can be long (RunInstances).
export function summarize(e: Entry): string {
  return e.kind === 'api' ? `aws ${e.service} ${e.op}` : formatEntry(e)
}
