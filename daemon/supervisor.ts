// One supervised child (ptp4l or phc2sys): restarted after a delay when it
// dies, stopped with SIGTERM (then SIGKILL) when asked. Children get
// PDEATHSIG through setpriv, so even a SIGKILLed daemon leaves no orphan.
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'

export interface SupervisorHooks {
  onLine(line: string): void
  onStart(pid: number): void
  onExit(code: number | null, signal: NodeJS.Signals | null, willRestart: boolean): void
  onRestart(): void
}

export interface SupervisedSpec {
  process: string // ptp4l | phc2sys
  config: string // ptp4l.N.config
  argv: string[] // full argv including the program (already wrapped)
  restartDelayMs: number
  env?: Record<string, string> // added to the daemon's environment
}

export class Supervised {
  private child?: ChildProcess
  private stopping = false
  private restartTimer?: NodeJS.Timeout
  restarts = 0

  constructor(
    readonly spec: SupervisedSpec,
    private readonly hooks: SupervisorHooks,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid
  }
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
  }

  start(): void {
    if (this.stopping) return
    const [cmd, ...args] = this.spec.argv
    const env = this.spec.env ? { ...process.env, ...this.spec.env } : undefined
    const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
    this.child = child
    for (const s of [child.stdout, child.stderr]) createInterface({ input: s! }).on('line', (l) => this.hooks.onLine(l))
    child.once('spawn', () => this.hooks.onStart(child.pid!))
    child.once('error', () => {
      /* reported through 'exit'/'close' below */
    })
    child.once('close', (code, signal) => {
      if (this.child !== child) return
      const willRestart = !this.stopping
      this.hooks.onExit(code, signal, willRestart)
      if (willRestart) {
        this.restartTimer = setTimeout(() => {
          this.restartTimer = undefined
          if (this.stopping) return
          this.restarts++
          this.hooks.onRestart()
          this.start()
        }, this.spec.restartDelayMs)
      }
    })
  }

  // Resolves once the child is gone.
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true
    if (this.restartTimer) clearTimeout(this.restartTimer)
    const child = this.child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const gone = new Promise<void>((r) => child.once('close', () => r()))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await gone
    clearTimeout(timer)
  }
}
