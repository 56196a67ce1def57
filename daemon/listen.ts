// `host:port`, `:port` or `unix:/path` -> an http server listening there.
import { createServer, type RequestListener, type Server } from 'node:http'
import { rmSync } from 'node:fs'

export type ListenAddr = { kind: 'unix'; path: string } | { kind: 'tcp'; host?: string; port: number }

export function parseListen(s: string): ListenAddr {
  if (s.startsWith('unix:')) {
    const path = s.slice(5)
    if (!path.startsWith('/')) throw new Error(`listen address ${JSON.stringify(s)}: unix socket path must be absolute`)
    return { kind: 'unix', path }
  }
  const m = /^(?:\[?([^\]]*)\]?)?:(\d{1,5})$/.exec(s)
  const port = m ? Number(m[2]) : NaN
  if (!m || port > 65535) throw new Error(`listen address ${JSON.stringify(s)}: expected host:port, :port or unix:/path`)
  return { kind: 'tcp', host: m[1] || undefined, port }
}

export async function listen(addr: ListenAddr, handler: RequestListener): Promise<Server> {
  const server = createServer(handler)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    if (addr.kind === 'unix') {
      rmSync(addr.path, { force: true }) // a stale socket from a killed daemon
      server.listen(addr.path, resolve)
    } else server.listen(addr.port, addr.host, resolve)
  })
  return server
}
