// A zod schema failure as one InputError: the first issue, at the field it
// names (an unknown key: the key itself), with the value that was there.
// The one translator of the topology, PtpConfig and test-config loaders;
// a schema's own messages (".int('vlan must be ...')") win over the
// generic wording.
import type { z } from 'zod'
import { InputError, type InputErrorWhere } from '../errors.js'
import { quote } from '../text.js'
import { valueAt, type Path } from './where.js'

const EXPECTED: Record<string, string> = {
  number: 'expected a number',
  int: 'expected an integer',
  boolean: 'expected true or false',
  string: 'expected a string',
  object: 'expected a mapping',
  array: 'expected a list',
  record: 'expected a mapping',
}

// zod's default messages start so; anything else was written by the schema.
const DEFAULT = /^(Invalid input|Too small|Too big|Invalid|Unrecognized)/

type Issue = z.core.$ZodIssue

export interface SchemaErrorOptions {
  // A loader's own wording for an issue, when it has one.
  describe?: (issue: Issue, path: Path) => string | undefined
}

export function describeIssue(issue: Issue, path: Path): string {
  const own = !DEFAULT.test(issue.message)
  switch (issue.code) {
    case 'invalid_type':
      return own ? issue.message : (EXPECTED[issue.expected] ?? `expected ${issue.expected}`)
    case 'too_small':
      return own ? issue.message : `must be >= ${String(issue.minimum)}`
    case 'too_big':
      return own ? issue.message : `must be <= ${String(issue.maximum)}`
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => quote(v)).join(', ')}`
    default:
      return issue.message || `invalid value at ${path.join('.')}`
  }
}

export function schemaError(err: z.ZodError, raw: unknown, where: (path: Path) => InputErrorWhere, o: SchemaErrorOptions = {}): InputError {
  const issue = err.issues[0]!
  let path: Path = issue.path.filter((p): p is string | number => typeof p !== 'symbol')
  if (issue.code === 'unrecognized_keys') {
    path = [...path, issue.keys[0] ?? '']
    return new InputError(`unknown field (value ${quote(valueAt(raw, path))})`, where(path))
  }
  const got = valueAt(raw, path)
  if (got === undefined) return new InputError('required field missing', where(path))
  return new InputError(`${o.describe?.(issue, path) ?? describeIssue(issue, path)}, got ${quote(got)}`, where(path))
}
