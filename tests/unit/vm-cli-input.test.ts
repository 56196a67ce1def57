// `ptplab vm` refuses bad flags before it loads the AWS SDK or sends
// anything: the command functions in-process (the spawned CLI is in
// vm-cli.test.ts).
import t, { type Test } from 'tap'
import { cmdVmList, cmdVmRun, cmdVmTerminate } from '../../cli/vm-actions.js'
import { InputError } from '../../lab/errors.js'

const refuses = async (t: Test, p: Promise<unknown>, field: string, re: RegExp) => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  )
  t.ok(e instanceof InputError, `an InputError: ${String(e)}`)
  t.equal((e as InputError).field, field)
  t.match((e as Error).message, re)
}

t.test('run', async (t) => {
  const saved = { r: process.env.AWS_REGION, d: process.env.AWS_DEFAULT_REGION }
  delete process.env.AWS_REGION
  delete process.env.AWS_DEFAULT_REGION
  t.teardown(() => {
    if (saved.r !== undefined) process.env.AWS_REGION = saved.r
    if (saved.d !== undefined) process.env.AWS_DEFAULT_REGION = saved.d
  })
  await refuses(t, cmdVmRun({}), '--region', /no AWS region: give --region or set AWS_REGION/)
  await refuses(t, cmdVmRun({ region: 'eu-west-1', mode: 'oc,nope' }), '--mode', /unknown test mode "nope"/)
  await refuses(t, cmdVmRun({ region: 'eu-west-1', tag: ['ptplab:owner=me'] }), '--tag', /set by ptplab/)
})

t.test('terminate and list', async (t) => {
  await refuses(t, cmdVmTerminate({ region: 'eu-west-1' }), '--run', /give --run ID \(repeatable\) or --all/)
  await refuses(t, cmdVmTerminate({ region: 'eu-west-1', run: ['a'], all: true }), '--all', /give --run ID/)
  await refuses(t, cmdVmTerminate({ region: 'eu-west-1', run: ['a'], olderThan: '5' }), '--older-than', /goes with --all/)
  await refuses(t, cmdVmTerminate({ region: 'eu-west-1', all: true, olderThan: 'old' }), '--older-than', /minutes/)
  await refuses(t, cmdVmTerminate({ region: 'eu-west-1', run: ['has space'] }), '--run', /1\.\.40 letters/)
  await refuses(t, cmdVmList({ region: 'EU' }), '--region', /not an AWS region name/)
  await refuses(t, cmdVmList({ region: 'eu-west-1', run: '../x' }), '--run', /1\.\.40/)
})
