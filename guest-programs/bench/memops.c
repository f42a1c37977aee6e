/* Benchmark: memset and memcpy over a 1 MiB buffer. run(n) does n rounds and returns a checksum. */
#include "kestrel_guest.h"

#define SIZE (1u << 20)
static uint8_t a[SIZE];
static uint8_t b[SIZE];

uint64_t run(uint64_t n) {
    uint64_t sum = 0;
    for (uint64_t round = 0; round < n; round++) {
        memset(a, (int)(round + 1), SIZE);
        a[round % SIZE] = (uint8_t)round;
        memcpy(b, a, SIZE);
        memcpy(a + 1, b, SIZE - 1);
        sum = sum * 31 + a[(round * 4099) % SIZE] + b[(round * 7) % SIZE];
    }
    return sum;
}
KESTREL_EXPORT(run, 1, 1);

uint64_t noop(void) {
    return 0;
}
KESTREL_EXPORT(noop, 0, 1);
