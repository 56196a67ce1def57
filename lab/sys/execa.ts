// execa, loaded on first use: it is about 100 files (0.25 s of a CLI start
// here), and most invocations that fail on their input never run a command.
import type { execa as Execa } from 'execa'

let loaded: Promise<typeof Execa> | undefined
export const loadExeca = (): Promise<typeof Execa> => (loaded ??= import('execa').then((m) => m.execa))
