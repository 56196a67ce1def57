import t from 'tap'
import { getOption, interfacesOf, parsePtp4lConf, renderPtp4lConf, setOption } from '../../lab/ptp/ptp4l-conf.js'

const TEXT = `# comment
twoStepFlag 1
; another comment

[global]
domainNumber   24
logSyncInterval -4
ptp_dst_mac 01:1B:19:00:00:00
empty_value
[ ens1f0 ] # port 1
masterOnly 0
[unicast_master_table]
table_id 1
[ens1f1]
masterOnly 1
`

t.test('parse: comments, implicit and merged global, sections, empty values', async (t) => {
  const c = parsePtp4lConf(TEXT)
  t.same(c.sections, [
    { name: 'global', options: [['twoStepFlag', '1'], ['domainNumber', '24'], ['logSyncInterval', '-4'], ['ptp_dst_mac', '01:1B:19:00:00:00'], ['empty_value', '']] },
    { name: 'ens1f0', options: [['masterOnly', '0']] },
    { name: 'unicast_master_table', options: [['table_id', '1']] },
    { name: 'ens1f1', options: [['masterOnly', '1']] },
  ])
  t.same(interfacesOf(c), ['ens1f0', 'ens1f1'])
  t.equal(getOption(c, 'global', 'domainNumber'), '24')
  t.equal(getOption(c, 'global', 'empty_value'), '')
  t.equal(getOption(c, 'ens1f1', 'masterOnly'), '1')
  t.equal(getOption(c, 'global', 'nope'), undefined)
  t.equal(getOption(c, 'nope', 'masterOnly'), undefined)
  t.same(parsePtp4lConf(''), { sections: [] })
  t.same(parsePtp4lConf('# only\n\n'), { sections: [] })
})

t.test('value is the rest of the line, trimmed', async (t) => {
  const c = parsePtp4lConf('[global]\nkey  a  b  c  \r\n')
  t.equal(getOption(c, 'global', 'key'), 'a  b  c')
})

t.test('render and round trip', async (t) => {
  const c = parsePtp4lConf(TEXT)
  const text = renderPtp4lConf(c)
  t.equal(
    text,
    '[global]\ntwoStepFlag 1\ndomainNumber 24\nlogSyncInterval -4\nptp_dst_mac 01:1B:19:00:00:00\nempty_value\n\n[ens1f0]\nmasterOnly 0\n\n[unicast_master_table]\ntable_id 1\n\n[ens1f1]\nmasterOnly 1\n',
  )
  t.same(parsePtp4lConf(text), c)
  t.equal(renderPtp4lConf({ sections: [] }), '')
})

t.test('setOption is pure; replaces, appends, creates sections', async (t) => {
  const c = parsePtp4lConf('[ens1f0]\nmasterOnly 0\n')
  const d = setOption(c, 'global', 'domainNumber', '24')
  t.same(c.sections.map((s) => s.name), ['ens1f0'], 'input untouched')
  t.same(d.sections.map((s) => s.name), ['global', 'ens1f0'], 'global created first')
  const e = setOption(d, 'ens1f0', 'masterOnly', '1')
  t.equal(getOption(e, 'ens1f0', 'masterOnly'), '1')
  t.equal(getOption(d, 'ens1f0', 'masterOnly'), '0', 'previous object untouched')
  const f = setOption(e, 'ens2f0', 'masterOnly', '1')
  t.same(interfacesOf(f), ['ens1f0', 'ens2f0'], 'other sections appended last')
  const dup = parsePtp4lConf('a 1\nb 2\na 3\n')
  t.equal(getOption(dup, 'global', 'a'), '3', 'last one wins on read')
  t.same(setOption(dup, 'global', 'a', '9').sections[0]?.options, [['a', '9'], ['b', '2']], 'duplicates collapse to first position')
  t.same(setOption(dup, 'global', 'c', '').sections[0]?.options.at(-1), ['c', ''])
})
