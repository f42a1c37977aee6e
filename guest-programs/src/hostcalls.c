/* Host calls with zero to six arguments, and host functions that read or write guest memory.
 * Imports are numbered by the linker in name order: host_add6, host_counter, host_fill, host_log. */
#include "kestrel_guest.h"

KESTREL_IMPORT(host_add6, 6, 1);
KESTREL_IMPORT(host_counter, 0, 1);
KESTREL_IMPORT(host_fill, 2, 0);
KESTREL_IMPORT(host_log, 2, 1);

static uint8_t buffer[256];
static const char message[] = "hello from C";

/* host_add6 returns a weighted sum, so every argument's position matters. */
uint64_t call_add6(uint64_t x) {
    return KESTREL_CALL(host_add6, x, x + 1, x + 2, x + 3, x + 4, x + 5);
}
KESTREL_EXPORT(call_add6, 1, 1);

/* Calls host_counter n times and sums what it returns. */
uint64_t count(uint64_t n) {
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++) {
        sum += KESTREL_CALL(host_counter);
    }
    return sum;
}
KESTREL_EXPORT(count, 1, 1);

/* The host writes `length` bytes into the buffer; the guest checksums them. */
uint64_t fill_and_sum(uint64_t length) {
    if (length > sizeof(buffer)) {
        length = sizeof(buffer);
    }
    KESTREL_CALL(host_fill, buffer, length);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < length; i++) {
        sum = sum * 257 + buffer[i];
    }
    return sum;
}
KESTREL_EXPORT(fill_and_sum, 1, 1);

/* The host reads the message; returns what host_log returned. */
uint64_t log_message(void) {
    return KESTREL_CALL(host_log, message, sizeof(message) - 1);
}
KESTREL_EXPORT(log_message, 0, 1);

/* Six arguments in (a0..a5), one result out. */
uint64_t six_args(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f) {
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f;
}
KESTREL_EXPORT(six_args, 6, 1);
