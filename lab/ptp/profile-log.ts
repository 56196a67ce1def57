// "This profile was applied", as upstream's suite reads it in a daemon log
// (openshift/ptp-operator test/conformance: `Profile Name: <name>`): the
// line ends with the name, so "temp" is not found in "temp_temp".
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

export const profileLogged = (log: string, name: string): boolean => new RegExp(`Profile Name: ${escape(name)}\\s*$`, 'm').test(log)
