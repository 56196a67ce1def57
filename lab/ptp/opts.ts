// ptp4l/phc2sys option strings: split into words without a shell, and
// read the interfaces ptp4l takes from its command line.
import { InputError } from '../errors.js'
import { excerpt } from '../text.js'

// Shell-like word split without a shell: whitespace separates words, single
// quotes are literal, double quotes allow \" and \\, a backslash outside
// quotes escapes the next character.
export function splitOpts(opts: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: "'" | '"' | undefined
  for (let i = 0; i < opts.length; i++) {
    const c = opts[i] as string
    if (quote === "'") {
      if (c === "'") quote = undefined
      else word += c
    } else if (quote === '"') {
      if (c === '"') quote = undefined
      else if (c === '\\' && (opts[i + 1] === '"' || opts[i + 1] === '\\')) word += opts[++i]
      else word += c
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else {
      inWord = true
      if (c === "'" || c === '"') quote = c
      else if (c === '\\' && i + 1 < opts.length) word += opts[++i]
      else word += c
    }
  }
  if (quote) throw new InputError(`unterminated ${quote} quote in options: ${excerpt(opts)}`)
  if (inWord) words.push(word)
  return words
}

// One option of a getopt-style command line.
export interface ParsedOption {
  short?: string // "f" for -f (also inside a cluster like -2mf)
  long?: string // "uds_address" for --uds_address=X
  value?: string
  word: string // the word it was found in
}

// getopt/getopt_long as linuxptp uses them: short options cluster ("-2mf
// FILE"), an option taking an argument takes the rest of its word or the
// next word; "--NAME=V" or "--NAME V" (linuxptp's long options all take a
// value); "--" ends the options; other words are not options.
export function scanOptions(argv: string[], withArg: string): ParsedOption[] {
  const out: ParsedOption[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') break
    if (a.startsWith('--')) {
      const eq = a.indexOf('=')
      out.push(eq >= 0 ? { long: a.slice(2, eq), value: a.slice(eq + 1), word: a } : { long: a.slice(2), value: argv[++i], word: a })
      continue
    }
    if (!a.startsWith('-') || a === '-') continue
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!
      if (!withArg.includes(c)) {
        out.push({ short: c, word: a })
        continue
      }
      out.push({ short: c, value: j < a.length - 1 ? a.slice(j + 1) : argv[++i], word: a })
      break
    }
  }
  return out
}

export const PTP4L_WITH_ARG = 'fipl'
export const PHC2SYS_WITH_ARG = 'cdsOfEPISFRNLMunzlti'

// ptp4l creates "-i" interfaces while parsing argv, before reading the
// config file, so they are ports 1..k and config sections follow.
export function cliInterfaces(args: string[]): string[] {
  return scanOptions(args, PTP4L_WITH_ARG).flatMap((o) => (o.short === 'i' && o.value !== undefined ? [o.value] : []))
}
