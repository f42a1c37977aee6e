/* Benchmark: call overhead. `noop` measures a host → guest call; run(n) makes n guest → host
 * calls to `host_nop`, which returns its argument plus one. */
#include "kestrel_guest.h"

KESTREL_IMPORT(host_nop, 1, 1);

uint64_t run(uint64_t n) {
    uint64_t x = 0;
    for (uint64_t i = 0; i < n; i++) {
        x = KESTREL_CALL(host_nop, x);
    }
    return x;
}
KESTREL_EXPORT(run, 1, 1);

uint64_t noop(void) {
    return 0;
}
KESTREL_EXPORT(noop, 0, 1);
