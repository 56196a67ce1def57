/* LD_PRELOAD library: gives the processes of one lab node a virtual
 * CLOCK_REALTIME (issue 10). It emulates the calls ptp4l 3.1.1 makes
 * (linuxptp clockadj.c: clock_adjtime modes 0, ADJ_STATUS, ADJ_FREQUENCY |
 * ADJ_TICK, ADJ_STATUS | ADJ_MAXERROR, ADJ_SETOFFSET | ADJ_NANO, ADJ_TAI),
 * settime, and translates software timestamps that recvmsg returns from the
 * host's time scale into the node's. It never calls a real clock setter. */
#define _GNU_SOURCE
#include "vclock.h"
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#ifndef SO_TIMESTAMP_NEW
#define SO_TIMESTAMP_NEW 63
#define SO_TIMESTAMPNS_NEW 64
#define SO_TIMESTAMPING_NEW 65
#endif
#define NS 1000000000LL

/* ---- arithmetic ------------------------------------------------------- */

/* The free oscillator: host time scaled by the injected error plus a
 * bounded sinusoidal wander (its integral in closed form). */
int64_t vc_osc(const struct vc_state *s, int64_t h) {
  int64_t dt = h - s->h0;
  double extra = s->ppm * 1e-6 * (double)dt;
  if (s->wander_ppb != 0 && s->wander_period_s > 0) {
    double w = 2 * M_PI / s->wander_period_s; /* rad/s */
    double t = (double)dt / 1e9;
    extra += s->wander_ppb / w * (cos(s->wander_phase) - cos(w * t + s->wander_phase));
  }
  return dt + llround(extra);
}

int64_t vc_node_map(const struct vc_state *s, const struct vc_map *m, int64_t h) {
  int64_t d = vc_osc(s, h) - m->base_osc;
  return m->base_node + d + llround((double)d * m->rate_ppb * 1e-9);
}

int64_t vc_node(const struct vc_state *s, int64_t h) { return vc_node_map(s, &s->cur, h); }

/* A stamp the kernel took before the last change belongs to the mapping
 * valid then (the servo may have moved the frequency in between). */
int64_t vc_translate(const struct vc_state *s, int64_t h) {
  if (h < s->cur.base_host && s->prev.base_host != 0) return vc_node_map(s, &s->prev, h);
  return vc_node_map(s, &s->cur, h);
}

double vc_rate_ppb(int64_t freq, int64_t tick) {
  return (double)freq / 65.536 + (double)(tick - VC_NOMINAL_TICK) * VC_TICK_PPB;
}

void vc_init(struct vc_state *s, int64_t h, int64_t offset_ns, double ppm, double wander_ppb, double period_s, double phase) {
  memset(s, 0, sizeof *s);
  s->magic = VC_MAGIC;
  s->version = VC_VERSION;
  s->h0 = h;
  s->ppm = ppm;
  s->wander_ppb = wander_ppb;
  s->wander_period_s = period_s;
  s->wander_phase = phase;
  s->cur = (struct vc_map){0, h + offset_ns, h, 0};
  s->tick = VC_NOMINAL_TICK;
  s->status = STA_UNSYNC;
  s->maxerror = 16000000;
  s->esterror = 16000000;
  s->constant = 2;
}

/* A new mapping from host time h on, continuous in node time (plus step). */
static void rebase(struct vc_state *s, int64_t h, double rate_ppb, int64_t step) {
  struct vc_map m = {vc_osc(s, h), vc_node(s, h) + step, h, rate_ppb};
  s->prev = s->cur;
  s->cur = m;
}

void vc_settime(struct vc_state *s, int64_t node_ns, int64_t h) {
  int64_t step = node_ns - vc_node(s, h);
  rebase(s, h, s->cur.rate_ppb, step);
  s->steps++;
  s->last_step_ns = step;
}

#define MAXFREQ_SCALED (500LL << 16) /* the kernel's MAXFREQ, 500 ppm */
#define SUPPORTED (ADJ_OFFSET | ADJ_FREQUENCY | ADJ_MAXERROR | ADJ_ESTERROR | ADJ_STATUS | ADJ_TIMECONST | ADJ_TAI | \
                   ADJ_SETOFFSET | ADJ_MICRO | ADJ_NANO | ADJ_TICK)
#define STA_RONLY (STA_PPSSIGNAL | STA_PPSJITTER | STA_PPSWANDER | STA_PPSERROR | STA_CLOCKERR | STA_NANO | STA_MODE | STA_CLK)

int vc_adjtime(struct vc_state *s, struct timex *tx, int64_t h) {
  int modes = tx->modes;
  if (modes & ~SUPPORTED) return -EINVAL;
  /* A PLL offset (ADJ_OFFSET, adjtime's slew) is not emulated: refuse it
   * rather than pretend (ptp4l never sends it). */
  if (modes & ADJ_OFFSET) {
    s->denied++;
    return -EOPNOTSUPP;
  }
  if ((modes & ADJ_TICK) && (tx->tick < 9000 || tx->tick > 11000)) return -EINVAL;
  if (modes & ADJ_SETOFFSET) {
    int64_t frac = tx->time.tv_usec;
    if (frac < 0 || frac >= ((modes & ADJ_NANO) ? NS : 1000000)) return -EINVAL;
    int64_t step = (int64_t)tx->time.tv_sec * NS + ((modes & ADJ_NANO) ? frac : frac * 1000);
    rebase(s, h, s->cur.rate_ppb, step);
    s->steps++;
    s->last_step_ns = step;
  }
  if (modes & (ADJ_FREQUENCY | ADJ_TICK)) {
    if (modes & ADJ_FREQUENCY) {
      int64_t f = tx->freq;
      s->freq = f > MAXFREQ_SCALED ? MAXFREQ_SCALED : f < -MAXFREQ_SCALED ? -MAXFREQ_SCALED : f;
    }
    if (modes & ADJ_TICK) s->tick = tx->tick;
    double r = vc_rate_ppb(s->freq, s->tick);
    if (r != s->cur.rate_ppb) rebase(s, h, r, 0);
    s->adjustments++;
  }
  if (modes & ADJ_STATUS) s->status = (s->status & STA_RONLY) | (tx->status & ~STA_RONLY);
  if (modes & ADJ_NANO) s->status |= STA_NANO;
  if (modes & ADJ_MICRO) s->status &= ~STA_NANO;
  if (modes & ADJ_MAXERROR) s->maxerror = tx->maxerror;
  if (modes & ADJ_ESTERROR) s->esterror = tx->esterror;
  if (modes & ADJ_TIMECONST) s->constant = tx->constant;
  if ((modes & ADJ_TAI) && tx->constant >= 0) s->tai = tx->constant;
  /* What the kernel reports back. */
  tx->freq = s->freq;
  tx->tick = s->tick;
  tx->status = s->status;
  tx->maxerror = s->maxerror;
  tx->esterror = s->esterror;
  tx->constant = s->constant;
  tx->tai = s->tai;
  tx->tolerance = MAXFREQ_SCALED;
  tx->precision = 1;
  tx->offset = 0;
  int64_t now = vc_node(s, h);
  tx->time.tv_sec = now / NS;
  tx->time.tv_usec = (s->status & STA_NANO) ? now % NS : (now % NS) / 1000;
  return (s->status & STA_UNSYNC) ? TIME_ERROR : TIME_OK;
}

/* ---- the shared state --------------------------------------------------- */
#ifndef VCLOCK_NO_PRELOAD

#define EXPORT __attribute__((visibility("default")))
static struct vc_state *S;
static int S_fd = -1;
static int (*real_clock_gettime)(clockid_t, struct timespec *);
static ssize_t (*real_recvmsg)(int, struct msghdr *, int);
static int (*real_recvmmsg)(int, struct mmsghdr *, unsigned int, int, struct timespec *);

static int64_t host_now(void) {
  struct timespec t;
  real_clock_gettime(CLOCK_REALTIME, &t);
  return (int64_t)t.tv_sec * NS + t.tv_nsec;
}

/* Readers never block: retry while a writer is inside (seqlock). */
static void snapshot(struct vc_state *out) {
  for (;;) {
    uint32_t a = __atomic_load_n(&S->seq, __ATOMIC_ACQUIRE);
    if (a & 1) continue;
    memcpy(out, S, sizeof *out);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&S->seq, __ATOMIC_RELAXED) == a) return;
  }
}
/* Writers (the node's processes) take the file lock, then bump seq. */
static void wlock(void) {
  while (flock(S_fd, LOCK_EX) < 0 && errno == EINTR) {}
  __atomic_add_fetch(&S->seq, 1, __ATOMIC_RELEASE);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
}
static void wunlock(void) {
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  __atomic_add_fetch(&S->seq, 1, __ATOMIC_RELEASE);
  flock(S_fd, LOCK_UN);
}

static void die(const char *what) {
  const char *p = getenv("VCLOCK_STATE");
  fprintf(stderr, "vclock: %s (VCLOCK_STATE=%s): refusing to run on the host clock\n", what, p ? p : "(unset)");
  _exit(70);
}

__attribute__((constructor)) static void vc_load(void) {
  real_clock_gettime = dlsym(RTLD_NEXT, "clock_gettime");
  real_recvmsg = dlsym(RTLD_NEXT, "recvmsg");
  real_recvmmsg = dlsym(RTLD_NEXT, "recvmmsg");
  const char *path = getenv("VCLOCK_STATE");
  if (!path || !*path) die("no state file");
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) die("cannot open the state file");
  void *m = mmap(NULL, VC_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) die("cannot map the state file");
  S = m;
  S_fd = fd;
  if (S->magic != VC_MAGIC || S->version != VC_VERSION) die("not a vclock state file");
}

static int64_t node_now(void) {
  struct vc_state s;
  snapshot(&s);
  return vc_node(&s, host_now());
}

static int is_realtime(clockid_t c) { return c == CLOCK_REALTIME || c == CLOCK_REALTIME_COARSE || c == CLOCK_TAI; }

EXPORT int clock_gettime(clockid_t clk, struct timespec *ts) {
  if (!is_realtime(clk)) return real_clock_gettime(clk, ts);
  struct vc_state s;
  snapshot(&s);
  int64_t n = vc_node(&s, host_now()) + (clk == CLOCK_TAI ? s.tai * NS : 0);
  ts->tv_sec = n / NS;
  ts->tv_nsec = n % NS;
  return 0;
}

EXPORT int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
  (void)tz;
  int64_t n = node_now();
  tv->tv_sec = n / NS;
  tv->tv_usec = (n % NS) / 1000;
  return 0;
}

EXPORT time_t time(time_t *t) {
  time_t v = node_now() / NS;
  if (t) *t = v;
  return v;
}

static int adj(struct timex *tx) {
  wlock();
  int r = vc_adjtime(S, tx, host_now());
  wunlock();
  if (r < 0) {
    errno = -r;
    return -1;
  }
  return r;
}

EXPORT int clock_adjtime(clockid_t clk, struct timex *tx) {
  if (clk != CLOCK_REALTIME) {
    /* A PHC or another clock: not ours, and this lab has none to steer. */
    errno = EOPNOTSUPP;
    return -1;
  }
  return adj(tx);
}
EXPORT int adjtimex(struct timex *tx) { return adj(tx); }
EXPORT int ntp_adjtime(struct timex *tx) { return adj(tx); }
EXPORT int __adjtimex(struct timex *tx) { return adj(tx); }

EXPORT int clock_settime(clockid_t clk, const struct timespec *ts) {
  if (clk != CLOCK_REALTIME) {
    errno = EINVAL;
    return -1;
  }
  wlock();
  vc_settime(S, (int64_t)ts->tv_sec * NS + ts->tv_nsec, host_now());
  wunlock();
  return 0;
}
EXPORT int settimeofday(const struct timeval *tv, const struct timezone *tz) {
  (void)tz;
  if (!tv) return 0;
  struct timespec ts = {tv->tv_sec, tv->tv_usec * 1000};
  return clock_settime(CLOCK_REALTIME, &ts);
}
EXPORT int adjtime(const struct timeval *delta, struct timeval *olddelta) {
  (void)delta;
  (void)olddelta;
  errno = EOPNOTSUPP; /* a slew: not emulated, and never passed to the host */
  return -1;
}

/* ---- timestamps in received messages ------------------------------------ */

static void to_node(const struct vc_state *s, struct timespec *t) {
  if (t->tv_sec == 0 && t->tv_nsec == 0) return; /* an empty slot (ts[1], ts[2]) */
  int64_t n = vc_translate(s, (int64_t)t->tv_sec * NS + t->tv_nsec);
  t->tv_sec = n / NS;
  t->tv_nsec = n % NS;
}

static void fix_msg(struct msghdr *msg) {
  if (!msg->msg_control || msg->msg_controllen == 0) return;
  struct vc_state s;
  int have = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    int ty = c->cmsg_type;
    if (ty != SO_TIMESTAMPING && ty != SO_TIMESTAMPING_NEW && ty != SO_TIMESTAMPNS && ty != SO_TIMESTAMPNS_NEW &&
        ty != SO_TIMESTAMP && ty != SO_TIMESTAMP_NEW)
      continue;
    if (!have) {
      snapshot(&s);
      have = 1;
    }
    unsigned char *d = CMSG_DATA(c);
    if (ty == SO_TIMESTAMPING || ty == SO_TIMESTAMPING_NEW) {
      struct timespec ts[3];
      memcpy(ts, d, sizeof ts);
      to_node(&s, &ts[0]); /* software stamp; ts[2] (hardware) stays raw */
      memcpy(d, ts, sizeof ts);
    } else if (ty == SO_TIMESTAMPNS || ty == SO_TIMESTAMPNS_NEW) {
      struct timespec ts;
      memcpy(&ts, d, sizeof ts);
      to_node(&s, &ts);
      memcpy(d, &ts, sizeof ts);
    } else {
      struct timeval tv;
      memcpy(&tv, d, sizeof tv);
      struct timespec ts = {tv.tv_sec, tv.tv_usec * 1000};
      to_node(&s, &ts);
      tv.tv_sec = ts.tv_sec;
      tv.tv_usec = ts.tv_nsec / 1000;
      memcpy(d, &tv, sizeof tv);
    }
  }
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
  ssize_t r = real_recvmsg(fd, msg, flags);
  if (r >= 0) fix_msg(msg);
  return r;
}

EXPORT int recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags, struct timespec *timeout) {
  int r = real_recvmmsg(fd, v, n, flags, timeout);
  for (int i = 0; i < r; i++) fix_msg(&v[i].msg_hdr);
  return r;
}
#endif
