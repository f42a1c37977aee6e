/* Native driver for the benchmarks (x86-64 build, the "physical limit" row of the report).
 * usage: BENCH N REPS — calls run(N) REPS times and prints, per call, "nanoseconds result". */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t run(uint64_t n);

/* Host functions of the benchmarks. */
uint64_t kestrel_native_host_call(const char *name, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                                  uint64_t a4, uint64_t a5) {
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
    if (strcmp(name, "host_nop") == 0) {
        return a0 + 1;
    }
    fprintf(stderr, "unknown host function %s\n", name);
    exit(2);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s N REPS\n", argv[0]);
        return 2;
    }
    uint64_t n = strtoull(argv[1], 0, 10);
    long reps = strtol(argv[2], 0, 10);
    for (long i = 0; i < reps; i++) {
        struct timespec start, end;
        clock_gettime(CLOCK_MONOTONIC, &start);
        uint64_t result = run(n);
        clock_gettime(CLOCK_MONOTONIC, &end);
        long long ns = (long long)(end.tv_sec - start.tv_sec) * 1000000000LL + (end.tv_nsec - start.tv_nsec);
        printf("%lld %llu\n", ns, (unsigned long long)result);
    }
    return 0;
}
