// Process liveness from /proc/<pid>/stat: zombies and processes the kernel
// is tearing down (PF_EXITING) are dead; start time guards against reuse.
import t from 'tap'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { isAlive, parseStat, procStartTime } from '../../lab/sys/proc.js'

// 52 fields as the kernel prints them; comm with spaces and parens.
const stat = (state: string, flags: number) =>
  `4242 (a (b) c) ${state} 1 4242 4242 0 -1 ${flags} ` + Array.from({ length: 12 }, () => '0').join(' ') + ' 98765 ' + Array.from({ length: 30 }, () => '0').join(' ')

t.test('parseStat reads state, flags and start time after the last paren', async (t) => {
  t.same(parseStat(stat('S', 4194560)), { state: 'S', flags: 4194560, startTime: '98765' })
  t.same(parseStat(stat('Z', 4)), { state: 'Z', flags: 4, startTime: '98765' })
  t.equal(parseStat('garbage'), undefined)
  t.equal(parseStat(readFileSync('/proc/self/stat', 'utf8'))?.startTime, await procStartTime(process.pid))
})

t.test('isAlive: this process yes, a reaped child no, a wrong start time no', async (t) => {
  t.equal(await isAlive(process.pid), true)
  t.equal(await isAlive(process.pid, 'not-my-start'), false)
  const child = spawn('sleep', ['30'])
  const st = await procStartTime(child.pid!)
  t.equal(await isAlive(child.pid!, st), true)
  const gone = new Promise((r) => child.once('exit', r))
  child.kill('SIGKILL')
  await gone
  t.equal(await isAlive(child.pid!, st), false)
})
