// ptp4l configuration files: an ordered list of sections, each an ordered
// list of options. Order matters: ptp4l numbers its ports in the order the
// interface sections appear, and metrics map port N to the Nth interface.

export interface Ptp4lConf {
  sections: Array<{ name: string /* 'global' or an interface name */; options: Array<[key: string, value: string]> }>
}

// Sections that are not ports: ptp4l's unicast table and ts2phc's NMEA source.
const NON_PORT_SECTIONS = new Set(['global', 'unicast_master_table', 'nmea'])

// Comments are whole lines only, as in linuxptp's own reader: a '#' inside a
// value is kept. A section opened twice is merged (ptp4l does the same for
// an interface named twice), so lines before any header and a later
// "[global]" land in one section.
export function parsePtp4lConf(text: string): Ptp4lConf {
  const conf: Ptp4lConf = { sections: [] }
  let current: Ptp4lConf['sections'][number] | undefined
  const open = (name: string) => {
    current = conf.sections.find((s) => s.name === name)
    if (!current) {
      current = { name, options: [] }
      conf.sections.push(current)
    }
    return current
  }
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[\s*([^\]]*?)\s*\]/.exec(line) // text after ']' ignored, as ptp4l does
    if (header) {
      open(header[1] ?? '')
      continue
    }
    const m = /^(\S+)\s*(.*)$/.exec(line)
    if (!m) continue
    ;(current ?? open('global')).options.push([m[1] ?? '', (m[2] ?? '').trim()])
  }
  return conf
}

export function renderPtp4lConf(c: Ptp4lConf): string {
  return c.sections
    .map((s) => [`[${s.name}]`, ...s.options.map(([k, v]) => (v === '' ? k : `${k} ${v}`))].join('\n') + '\n')
    .join('\n')
}

export function getOption(c: Ptp4lConf, section: string, key: string): string | undefined {
  const s = c.sections.find((x) => x.name === section)
  // Last one wins, as when ptp4l reads the file top to bottom.
  const opts = s?.options.filter(([k]) => k === key) ?? []
  return opts[opts.length - 1]?.[1]
}

// Pure: returns a copy. Replaces every occurrence of the key (keeping the
// first position), or appends; a missing 'global' is created first, any
// other missing section last.
export function setOption(c: Ptp4lConf, section: string, key: string, value: string): Ptp4lConf {
  const sections = c.sections.map((s) => ({ name: s.name, options: s.options.map(([k, v]) => [k, v] as [string, string]) }))
  let s = sections.find((x) => x.name === section)
  if (!s) {
    s = { name: section, options: [] }
    if (section === 'global') sections.unshift(s)
    else sections.push(s)
  }
  const i = s.options.findIndex(([k]) => k === key)
  if (i < 0) s.options.push([key, value])
  else s.options = s.options.filter(([k], j) => k !== key || j === i).map(([k, v]) => [k, k === key ? value : v])
  return { sections }
}

// Port order: ptp4l port 1..N.
export function interfacesOf(c: Ptp4lConf): string[] {
  return c.sections.map((s) => s.name).filter((n) => !NON_PORT_SECTIONS.has(n))
}
