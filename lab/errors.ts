// Errors that come from what the user gave us (files, flags). The CLI maps
// them to exit status 2; everything else is a runtime failure.
export interface InputErrorWhere {
  file?: string // path of the file the bad input came from
  line?: number // 1-based line in that file, when known
  field?: string // field path inside the document, e.g. links[2].endpoints[0]
}

export class InputError extends Error {
  readonly file?: string
  readonly line?: number
  readonly field?: string
  readonly detail: string

  constructor(detail: string, where: InputErrorWhere = {}) {
    const loc = [where.file, where.line].filter((x) => x !== undefined).join(':')
    const prefix = [loc, where.field].filter(Boolean).join(': ')
    super(prefix ? `${prefix}: ${detail}` : detail)
    this.name = 'InputError'
    this.detail = detail
    this.file = where.file
    this.line = where.line
    this.field = where.field
  }
}

export const isInputError = (e: unknown): e is InputError => e instanceof InputError

// The user interrupted (SIGINT/SIGTERM): whatever was made is rolled back,
// and the CLI exits 130.
export class InterruptedError extends Error {
  constructor(message = 'interrupted') {
    super(message)
    this.name = 'InterruptedError'
  }
}
