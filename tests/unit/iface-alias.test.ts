import t from 'tap'
import { ifaceAlias } from '../../lab/ptp/iface-alias.js'

t.test('NIC ports collapse to the NIC', async (t) => {
  for (const [name, alias] of [
    ['ens2f0', 'ens2fx'],
    ['ens2f1', 'ens2fx'],
    ['ens2f0np0', 'ens2fx'],
    ['ens1f0.100', 'ens1fx.100'],
    ['ens1f0np1.100', 'ens1fx.100'],
    ['enp3s0f12', 'enp3s0fx'],
    ['enP2s2f0np0', 'enP2s2fx'],
  ]) t.equal(ifaceAlias(name as string), alias, name as string)
})

t.test('other names are unchanged', async (t) => {
  for (const name of ['eth0', 'swp1', 'CLOCK_REALTIME', 'eth0.100', 'wolf1', '/dev/ptp0', '', 'unknown', 'veth-a']) {
    t.equal(ifaceAlias(name), name, name)
  }
})
