/* Prints the host clock's state as one JSON line, for the lab's host-clock
 * guard: adjtimex(modes 0) (read only) and CLOCK_REALTIME - CLOCK_MONOTONIC_RAW,
 * the latter from the tightest of several bracketed samples. Uses raw
 * syscalls so that a preloaded vclock can never answer for the host. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

static int64_t ns(clockid_t c) {
  struct timespec t;
  syscall(SYS_clock_gettime, c, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void) {
  struct timex tx;
  memset(&tx, 0, sizeof tx);
  int state = (int)syscall(SYS_adjtimex, &tx);
  if (state < 0) {
    perror("adjtimex");
    return 1;
  }
  int64_t best = INT64_MAX, diff = 0;
  for (int i = 0; i < 20; i++) {
    int64_t r1 = ns(CLOCK_MONOTONIC_RAW), rt = ns(CLOCK_REALTIME), r2 = ns(CLOCK_MONOTONIC_RAW);
    if (r2 - r1 < best) {
      best = r2 - r1;
      diff = rt - (r1 + (r2 - r1) / 2);
    }
  }
  printf("{\"state\":%d,\"freq\":%ld,\"tick\":%ld,\"status\":%d,\"offset\":%ld,\"realMinusRawNs\":%lld,\"bracketNs\":%lld}\n",
         state, (long)tx.freq, (long)tx.tick, tx.status, (long)tx.offset, (long long)diff, (long long)best);
  return 0;
}
