// The lab's servo settings for independent clocks, as data. Measured on
// the project's 2-core machine with software timestamps over veth, slave
// +30 ppm / 5 ms from its GM (docs/clocks.md): linuxptp's software-
// timestamp PI defaults wait about 49 s for the first frequency estimate at
// logSyncInterval -4; these lock in about 1.5 s without flapping.
export const LAB_SERVO: ReadonlyArray<readonly [option: string, value: string, why: string]> = [
  ['pi_proportional_const', '1.0', 'fixed gains instead of the sync-interval scaled defaults'],
  ['pi_integral_const', '0.2', 'a smooth frequency (+-1 % of the injected error) with veth jitter'],
  ['step_threshold', '0.001', 'the 5 ms start error steps once; 50-110 us veth outliers never do'],
  ['first_step_threshold', '0.00002', "linuxptp's default: the first step at 20 us"],
  ['sanity_freq_limit', '0', "ptp4l's sanity check otherwise resets the servo on veth noise"],
]
