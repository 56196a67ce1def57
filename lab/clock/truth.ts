// Ground truth: every node's clock is a known function of host time, so
// the lab knows each clock's true error against its grandmaster, next to
// what ptp4l estimates.
import { join } from 'node:path'
import { nodeAt, readStateFile, hostNowNs, servoPpb, STATE_FILE, type ClockState } from './state.js'

export const stateFileOf = (nodeRunDir: string) => join(nodeRunDir, STATE_FILE)

// node - grandmaster at one host instant, ns (ptp4l's sign: positive when
// the node is ahead).
export const trueOffsetNs = (node: ClockState, gm: ClockState, h: bigint): number => Number(nodeAt(node, h) - nodeAt(gm, h))

export interface ClockTruth {
  trueOffsetNs: number
  servoPpb: number // what the servo applies (ptp4l's "freq" is its negative)
  injectedPpm: number
  steps: number
}

export async function readTruth(nodeState: string, gmState: string): Promise<ClockTruth> {
  const [n, g] = await Promise.all([readStateFile(nodeState), readStateFile(gmState)])
  return { trueOffsetNs: trueOffsetNs(n, g, hostNowNs()), servoPpb: servoPpb(n), injectedPpm: n.ppm, steps: Number(n.steps) }
}
