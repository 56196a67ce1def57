/* vclock: one node's virtual CLOCK_REALTIME, shared by that node's processes
 * through a state file (VCLOCK_STATE) they all mmap. Layout is fixed (little
 * endian, 8-byte fields) and mirrored by lab/clock/state.ts: change both. */
#ifndef VCLOCK_H
#define VCLOCK_H
#include <stdint.h>
#include <sys/timex.h>

#define VC_MAGIC 0x4b4c4356u /* "VCLK" */
#define VC_VERSION 1u
#define VC_SIZE 256
#define VC_NOMINAL_TICK 10000 /* us per 1/USER_HZ with USER_HZ 100 */
#define VC_TICK_PPB 100000.0  /* one tick unit = 100 ppm (1e3 * USER_HZ) */

struct vc_map { /* node time as a function of the oscillator time */
  int64_t base_osc;  /* oscillator ns at the base */
  int64_t base_node; /* node ns at the base */
  int64_t base_host; /* host CLOCK_REALTIME ns when this mapping began */
  double rate_ppb;   /* servo correction: freq + (tick - 10000) * 100 ppm */
};

struct vc_state {
  uint32_t magic, version; /* 0 */
  uint32_t seq, pad;       /* 8: seqlock, odd while a writer is inside */
  int64_t h0;              /* 16: host ns where the oscillator starts */
  double ppm;              /* 24: the oscillator's frequency error */
  double wander_ppb;       /* 32: amplitude of its sinusoidal wander */
  double wander_period_s;  /* 40 */
  double wander_phase;     /* 48: radians, from the seed */
  struct vc_map cur;       /* 56..87 */
  struct vc_map prev;      /* 88..119: valid before cur.base_host */
  int64_t freq;            /* 120: timex freq (ppm << 16) */
  int64_t tick;            /* 128 */
  int64_t status;          /* 136 */
  int64_t maxerror;        /* 144 */
  int64_t esterror;        /* 152 */
  int64_t tai;             /* 160 */
  int64_t constant;        /* 168 */
  int64_t steps;           /* 176: count of steps (settime / setoffset) */
  int64_t last_step_ns;    /* 184 */
  int64_t adjustments;     /* 192: count of frequency changes */
  int64_t denied;          /* 200: calls refused (unsupported modes) */
  uint8_t reserved[VC_SIZE - 208];
};

_Static_assert(sizeof(struct vc_state) == VC_SIZE, "vc_state layout");

/* Pure arithmetic, tested by test_vclock.c. h = host CLOCK_REALTIME ns. */
int64_t vc_osc(const struct vc_state *s, int64_t h);
int64_t vc_node_map(const struct vc_state *s, const struct vc_map *m, int64_t h);
int64_t vc_node(const struct vc_state *s, int64_t h);       /* now, cur mapping */
int64_t vc_translate(const struct vc_state *s, int64_t h);  /* a past kernel stamp */
double vc_rate_ppb(int64_t freq, int64_t tick);
void vc_init(struct vc_state *s, int64_t h, int64_t offset_ns, double ppm, double wander_ppb, double period_s, double phase);
/* Applies one clock_adjtime(CLOCK_REALTIME) at host time h. Returns the
 * kernel's result (TIME_OK / TIME_ERROR) or -errno. */
int vc_adjtime(struct vc_state *s, struct timex *tx, int64_t h);
void vc_settime(struct vc_state *s, int64_t node_ns, int64_t h);
#endif
