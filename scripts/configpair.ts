// scripts/configpair: upstream's configpair as a stand-alone program (the
// bash wrapper runs dist/scripts/configpair.js). Same code as
// `ptplab configpair`: cli/configpair-command.ts.
import { cmdConfigpair } from '../cli/configpair-command.js'
import { isInputError } from '../lab/errors.js'

try {
  process.exitCode = await cmdConfigpair(process.argv.slice(2), {
    log: (m) => void process.stderr.write(`configpair: ${m}\n`),
  })
} catch (e) {
  process.stderr.write(`configpair: error: ${e instanceof Error ? e.message : String(e)}\n`)
  if (process.env.PTPLAB_DEBUG && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n')
  process.exitCode = isInputError(e) ? 2 : 1
}
