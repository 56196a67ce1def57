/* The clock library's own tests. `test_vclock` checks the arithmetic of
 * each emulated call with injected host times; `test_vclock live LIB` then
 * runs itself with the library preloaded and checks the interposed calls
 * (gettime, adjtime, settime, rx/tx software timestamps) end to end, and
 * that the host clock (read through raw syscalls) was not touched. */
#define _GNU_SOURCE
#define VCLOCK_NO_PRELOAD
#include "vclock.c"
#include <arpa/inet.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/syscall.h>

static int fails, checks;
#define CHECK(cond, ...)                       \
  do {                                         \
    checks++;                                  \
    if (!(cond)) {                             \
      fails++;                                 \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);            \
      fputc('\n', stderr);                     \
    }                                          \
  } while (0)
#define NEAR(a, b, tol) (llabs((long long)(a) - (long long)(b)) <= (tol))

static const int64_t H = 1700000000LL * NS; /* an arbitrary host time */

static void arithmetic(void) {
  struct vc_state s;
  /* oscillator: +30 ppm, offset 5 ms */
  vc_init(&s, H, 5000000, 30, 0, 0, 0);
  CHECK(vc_node(&s, H) == H + 5000000, "offset at start");
  CHECK(vc_node(&s, H + NS) == H + NS + 5000000 + 30000, "+30 ppm over 1 s: %lld", (long long)(vc_node(&s, H + NS) - H - NS));

  /* mode 0 reads back the kernel's defaults and changes nothing */
  struct timex tx = {0};
  int r = vc_adjtime(&s, &tx, H);
  CHECK(r == TIME_ERROR, "unsynchronised clock reports TIME_ERROR: %d", r);
  CHECK(tx.tick == 10000 && tx.freq == 0 && tx.tolerance == 500LL << 16, "mode 0 readout");
  CHECK(s.adjustments == 0 && s.steps == 0, "mode 0 changes nothing");

  /* ADJ_FREQUENCY: -30 ppm cancels the error (ppm << 16) */
  tx = (struct timex){.modes = ADJ_FREQUENCY, .freq = -(30LL << 16)};
  vc_adjtime(&s, &tx, H + NS);
  int64_t at = vc_node(&s, H + NS);
  CHECK(at == H + NS + 5030000, "frequency change is continuous");
  /* (1 + 30e-6)(1 - 30e-6) = 1 - 9e-10: 0.9 ns over 1 s */
  CHECK(NEAR(vc_node(&s, H + 2 * NS) - at, NS, 1), "corrected rate: %lld", (long long)(vc_node(&s, H + 2 * NS) - at - NS));

  /* ADJ_FREQUENCY|ADJ_TICK as linuxptp sends for 130 ppm: tick 10001 and 30 ppm */
  CHECK(vc_rate_ppb(30LL << 16, 10001) == 130000.0, "tick counts 100 ppm per unit");
  tx = (struct timex){.modes = ADJ_FREQUENCY | ADJ_TICK, .freq = (long)(-30 * 65536), .tick = 9999};
  vc_adjtime(&s, &tx, H + 2 * NS);
  CHECK(s.cur.rate_ppb == -130000.0, "freq+tick rate %f", s.cur.rate_ppb);
  int64_t b = vc_node(&s, H + 2 * NS);
  CHECK(NEAR(vc_node(&s, H + 3 * NS) - b, NS - 100000, 5), "-100 ppm net over 1 s: %lld", (long long)(vc_node(&s, H + 3 * NS) - b - NS));
  tx = (struct timex){.modes = ADJ_TICK, .tick = 12000};
  CHECK(vc_adjtime(&s, &tx, H) == -EINVAL, "tick out of range refused");
  tx = (struct timex){.modes = ADJ_FREQUENCY, .freq = 900LL << 16};
  vc_adjtime(&s, &tx, H + 3 * NS);
  CHECK(s.freq == 500LL << 16, "freq clamped to 500 ppm like the kernel");
  CHECK(s.prev.rate_ppb == -130000.0 && s.prev.base_host == H + 2 * NS, "previous mapping kept");

  /* timestamp translation across a frequency change: a stamp taken before
   * the change maps with the old rate */
  vc_init(&s, H, 0, 0, 0, 0, 0);
  tx = (struct timex){.modes = ADJ_FREQUENCY, .freq = 100LL << 16};
  vc_adjtime(&s, &tx, H + 10 * NS);
  CHECK(vc_translate(&s, H + 5 * NS) == H + 5 * NS, "stamp before the change: old mapping");
  CHECK(vc_translate(&s, H + 11 * NS) == H + 11 * NS + 100000, "stamp after the change: new mapping");
  CHECK(vc_node(&s, H + 5 * NS) != H + 5 * NS, "(the new mapping alone would be wrong)");

  /* ADJ_SETOFFSET|ADJ_NANO: a step of -1.5 s as clockadj_step encodes it */
  vc_init(&s, H, 0, 0, 0, 0, 0);
  tx = (struct timex){.modes = ADJ_SETOFFSET | ADJ_NANO};
  tx.time.tv_sec = -2;
  tx.time.tv_usec = 500000000;
  vc_adjtime(&s, &tx, H);
  CHECK(vc_node(&s, H) == H - 1500000000LL, "step -1.5 s: %lld", (long long)(vc_node(&s, H) - H));
  CHECK(s.steps == 1 && s.last_step_ns == -1500000000LL, "step counted");
  tx = (struct timex){.modes = ADJ_SETOFFSET};
  tx.time.tv_sec = 0;
  tx.time.tv_usec = 250;
  vc_adjtime(&s, &tx, H);
  CHECK(vc_node(&s, H) == H - 1500000000LL + 250000, "microsecond step");
  tx = (struct timex){.modes = ADJ_SETOFFSET | ADJ_NANO};
  tx.time.tv_usec = NS;
  CHECK(vc_adjtime(&s, &tx, H) == -EINVAL, "bad nanoseconds refused");

  /* settime */
  vc_settime(&s, H + 42, H + NS);
  CHECK(vc_node(&s, H + NS) == H + 42, "settime");

  /* ADJ_STATUS (clears STA_UNSYNC), ADJ_MAXERROR, ADJ_TAI */
  tx = (struct timex){.modes = ADJ_STATUS | ADJ_MAXERROR, .status = 0, .maxerror = 0};
  r = vc_adjtime(&s, &tx, H);
  CHECK(r == TIME_OK && s.status == STA_NANO && s.maxerror == 0, "sync: status %lld", (long long)s.status);
  tx = (struct timex){.modes = ADJ_STATUS, .status = STA_CLOCKERR | STA_INS};
  vc_adjtime(&s, &tx, H);
  CHECK(s.status == (STA_NANO | STA_INS), "read-only status bits kept");
  tx = (struct timex){.modes = ADJ_TAI, .constant = 37};
  vc_adjtime(&s, &tx, H);
  CHECK(s.tai == 37 && tx.tai == 37, "TAI offset");
  tx = (struct timex){.modes = ADJ_OFFSET, .offset = 1000};
  CHECK(vc_adjtime(&s, &tx, H) == -EOPNOTSUPP, "PLL offset refused, not faked");

  /* wander: bounded, zero at the start, deterministic */
  vc_init(&s, H, 0, 0, 1, 600, 0.3);
  CHECK(vc_osc(&s, H) == 0, "wander starts at 0");
  double A = 1 * 600 / (2 * M_PI);
  int64_t w = vc_osc(&s, H + 300 * NS) - 300 * NS;
  CHECK(fabs((double)w) <= 2 * A + 1, "wander bounded by its amplitude: %lld", (long long)w);
  CHECK(w != 0, "wander moves the clock");
}

/* ---- live: interposed calls with the library preloaded ------------------ */

static int64_t raw_now(clockid_t c) {
  struct timespec t;
  syscall(SYS_clock_gettime, c, &t);
  return (int64_t)t.tv_sec * NS + t.tv_nsec;
}
/* REALTIME - MONOTONIC_RAW from the tightest of several bracketed samples
 * (a preemption between two reads would look like a clock change). */
static int64_t real_minus_raw(void) {
  int64_t best = INT64_MAX, d = 0;
  for (int i = 0; i < 50; i++) {
    int64_t r1 = raw_now(CLOCK_MONOTONIC_RAW), rt = raw_now(CLOCK_REALTIME), r2 = raw_now(CLOCK_MONOTONIC_RAW);
    if (r2 - r1 < best) {
      best = r2 - r1;
      d = rt - (r1 + (r2 - r1) / 2);
    }
  }
  return d;
}
static int64_t ts_ns(struct timespec t) { return (int64_t)t.tv_sec * NS + t.tv_nsec; }

static int64_t stamp_of(struct msghdr *m, int *kind) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    if (c->cmsg_type == SO_TIMESTAMPING) {
      struct timespec ts[3];
      memcpy(ts, CMSG_DATA(c), sizeof ts);
      *kind = 1;
      return ts_ns(ts[0]);
    }
  }
  return 0;
}

static void live(void) {
  const int64_t OFF = 1000 * NS; /* the state file says +1000 s */
  struct timex host0 = {0}, host1 = {0};
  syscall(SYS_adjtimex, &host0);
  int64_t d0 = real_minus_raw();

  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  CHECK(NEAR(ts_ns(t) - raw_now(CLOCK_REALTIME), OFF, 50000000), "gettime in node time: %lld", (long long)(ts_ns(t) - raw_now(CLOCK_REALTIME)));
  struct timespec m1, m2;
  clock_gettime(CLOCK_MONOTONIC, &m1);
  m2.tv_sec = 0;
  syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &m2);
  CHECK(NEAR(ts_ns(m2), ts_ns(m1), 50000000), "MONOTONIC untouched");
  struct timeval tv;
  gettimeofday(&tv, NULL);
  CHECK(NEAR((int64_t)tv.tv_sec * NS - raw_now(CLOCK_REALTIME), OFF, 1100000000LL), "gettimeofday in node time");

  struct timex tx = {.modes = ADJ_FREQUENCY | ADJ_TICK, .freq = 10LL << 16, .tick = 10001};
  CHECK(clock_adjtime(CLOCK_REALTIME, &tx) >= 0, "clock_adjtime succeeds without touching the host: %s", strerror(errno));
  tx = (struct timex){.modes = ADJ_SETOFFSET | ADJ_NANO};
  tx.time.tv_sec = -500;
  tx.time.tv_usec = 0;
  CHECK(clock_adjtime(CLOCK_REALTIME, &tx) >= 0, "step");
  clock_gettime(CLOCK_REALTIME, &t);
  CHECK(NEAR(ts_ns(t) - raw_now(CLOCK_REALTIME), 500 * NS, 50000000), "stepped -500 s");
  tx = (struct timex){0};
  clock_adjtime(CLOCK_REALTIME, &tx);
  CHECK(tx.tick == 10001 && tx.freq == 10LL << 16, "readback freq %ld tick %ld", (long)tx.freq, (long)tx.tick);
  CHECK(clock_adjtime(CLOCK_MONOTONIC, &tx) < 0, "other clocks refused");

  /* rx and tx software timestamps over loopback */
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int flags = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
  CHECK(setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof flags) == 0, "SO_TIMESTAMPING");
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bind(fd, (struct sockaddr *)&a, sizeof a);
  socklen_t al = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &al);
  sendto(fd, "x", 1, 0, (struct sockaddr *)&a, sizeof a);
  for (int pass = 0; pass < 2; pass++) {
    int errq = pass == 0, kind = 0;
    int64_t st = 0;
    /* the tx stamp may queue after the datagram arrives: wait for each */
    for (int i = 0; i < 1000 && !kind; i++) {
      char buf[64], ctl[512];
      struct iovec io = {buf, sizeof buf};
      struct msghdr mh = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
      struct pollfd p = {fd, errq ? 0 : POLLIN, 0};
      poll(&p, 1, 10);
      ssize_t n = recvmsg(fd, &mh, (errq ? MSG_ERRQUEUE : 0) | MSG_DONTWAIT);
      if (n >= 0) st = stamp_of(&mh, &kind);
      /* the kernel enables rx stamping (a static key) asynchronously: the
       * first datagrams may come unstamped, send another */
      if (n >= 0 && !kind && !errq) sendto(fd, "x", 1, 0, (struct sockaddr *)&a, sizeof a);
    }
    CHECK(kind == 1, "%s timestamp present", errq ? "tx" : "rx");
    clock_gettime(CLOCK_REALTIME, &t);
    CHECK(NEAR(ts_ns(t), st, 50000000), "%s timestamp in node time: %lld", errq ? "tx" : "rx", (long long)(ts_ns(t) - st));
  }
  close(fd);

  syscall(SYS_adjtimex, &host1);
  int64_t d1 = real_minus_raw();
  CHECK(host0.freq == host1.freq && host0.tick == host1.tick && host0.status == host1.status, "host timex unchanged");
  CHECK(NEAR(d0, d1, 100000), "host REALTIME - MONOTONIC_RAW unchanged: %lld", (long long)(d1 - d0));
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "child") == 0) {
    live();
  } else {
    arithmetic();
    if (argc > 2 && strcmp(argv[1], "live") == 0) {
      char path[] = "/tmp/vclock-test-XXXXXX";
      int fd = mkstemp(path);
      struct vc_state s;
      vc_init(&s, raw_now(CLOCK_REALTIME), 1000 * NS, 0, 0, 0, 0);
      if (write(fd, &s, sizeof s) != sizeof s) return 2;
      close(fd);
      char cmd[1024];
      snprintf(cmd, sizeof cmd, "LD_PRELOAD=%s VCLOCK_STATE=%s %s child", argv[2], path, argv[0]);
      int rc = system(cmd);
      /* the state the child left: its step and its frequency */
      fd = open(path, O_RDONLY);
      if (read(fd, &s, sizeof s) != sizeof s) return 2;
      close(fd);
      unlink(path);
      CHECK(rc == 0, "live checks passed (rc %d)", rc);
      CHECK(s.steps == 1 && s.tick == 10001, "the child's changes are in the shared state file");
      snprintf(cmd, sizeof cmd, "LD_PRELOAD=%s VCLOCK_STATE= %s child 2>/dev/null", argv[2], argv[0]);
      rc = system(cmd);
      CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 70, "no state file: the library refuses to run (rc %d)", rc);
    }
  }
  printf("%s: %d checks, %d failed\n", argc > 1 && !strcmp(argv[1], "child") ? "live" : "vclock", checks, fails);
  return fails ? 1 : 0;
}
