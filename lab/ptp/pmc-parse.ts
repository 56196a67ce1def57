// Parses pmc's text output into one record per RESPONSE block, e.g.
//   1e4365.fffe.d5ab32-0 seq 0 RESPONSE MANAGEMENT PARENT_DATA_SET
//       grandmasterIdentity  6a23f7.fffe.a8a944
export interface PmcResponse {
  portIdentity: string
  id: string // management id, e.g. PARENT_DATA_SET
  fields: Record<string, string>
}

export function parsePmcOutput(text: string): PmcResponse[] {
  const out: PmcResponse[] = []
  let cur: PmcResponse | undefined
  for (const raw of text.split('\n')) {
    const head = /^\s*(\S+)\s+seq\s+\d+\s+RESPONSE\s+MANAGEMENT\s+(\S+)/.exec(raw)
    if (head) {
      cur = { portIdentity: head[1]!, id: head[2]!, fields: {} }
      out.push(cur)
      continue
    }
    const kv = /^\s+(\S+)\s+(.*?)\s*$/.exec(raw)
    if (cur && kv && raw.startsWith('\t\t')) cur.fields[kv[1]!] = kv[2]!
    else if (!raw.startsWith('\t\t')) cur = raw.trim() === '' ? cur : undefined
  }
  return out
}

export const clockOfPort = (portIdentity: string) => portIdentity.replace(/-\d+$/, '')
