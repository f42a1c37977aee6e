/* Benchmark: sieve of Eratosthenes. run(n) counts the primes below n (n ≤ 4 Mi). */
#include "kestrel_guest.h"

#define LIMIT (4u << 20)
static uint8_t composite[LIMIT];

uint64_t run(uint64_t n) {
    if (n > LIMIT) {
        n = LIMIT;
    }
    kestrel_memset(composite, 0, n);
    uint64_t count = 0;
    for (uint64_t i = 2; i < n; i++) {
        if (!composite[i]) {
            count++;
            for (uint64_t j = i * i; j < n; j += i) {
                composite[j] = 1;
            }
        }
    }
    return count;
}
KESTREL_EXPORT(run, 1, 1);

uint64_t noop(void) {
    return 0;
}
KESTREL_EXPORT(noop, 0, 1);
