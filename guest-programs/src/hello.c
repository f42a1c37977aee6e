/* The README's first program: add_numbers(a, b) = a + b + get_third_number() (a host function). */
#include "kestrel_guest.h"

KESTREL_IMPORT(get_third_number, 0, 1);

uint32_t add_numbers(uint32_t a, uint32_t b) {
    return a + b + (uint32_t)KESTREL_CALL(get_third_number);
}
KESTREL_EXPORT(add_numbers, 2, 1);
