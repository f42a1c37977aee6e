/* Loads and stores of every width, signed and unsigned, aligned and not, in .bss, .data and
 * .rodata. `buffer_address` lets the host check the bytes itself. */
#include "kestrel_guest.h"

static uint8_t buffer[64];
static uint32_t table[8] = {1, 2, 3, 5, 8, 13, 21, 34};
static const uint16_t constants[6] = {0xFFFF, 0x8000, 0x7FFF, 0x0102, 0xA5A5, 0};

uint64_t buffer_address(void) {
    return (uint64_t)(uintptr_t)buffer;
}
KESTREL_EXPORT(buffer_address, 0, 1);

/* Stores the low `width` bytes of `value` at buffer + offset. */
uint64_t store(uint64_t width, uint64_t offset, uint64_t value) {
    volatile uint8_t *p = buffer + (offset & 63);
    switch (width) {
    case 1: *(volatile uint8_t *)p = (uint8_t)value; break;
    case 2: *(volatile uint16_t *)p = (uint16_t)value; break;
    case 4: *(volatile uint32_t *)p = (uint32_t)value; break;
    case 8: *(volatile uint64_t *)p = value; break;
    default: return 1;
    }
    return 0;
}
KESTREL_EXPORT(store, 3, 1);

uint64_t load_unsigned(uint64_t width, uint64_t offset) {
    volatile uint8_t *p = buffer + (offset & 63);
    switch (width) {
    case 1: return *(volatile uint8_t *)p;
    case 2: return *(volatile uint16_t *)p;
    case 4: return *(volatile uint32_t *)p;
    case 8: return *(volatile uint64_t *)p;
    default: return 0xDEAD;
    }
}
KESTREL_EXPORT(load_unsigned, 2, 1);

uint64_t load_signed(uint64_t width, uint64_t offset) {
    volatile uint8_t *p = buffer + (offset & 63);
    switch (width) {
    case 1: return (uint64_t)(int64_t)*(volatile int8_t *)p;
    case 2: return (uint64_t)(int64_t)*(volatile int16_t *)p;
    case 4: return (uint64_t)(int64_t)*(volatile int32_t *)p;
    case 8: return (uint64_t)*(volatile int64_t *)p;
    default: return 0xDEAD;
    }
}
KESTREL_EXPORT(load_signed, 2, 1);

/* Initialised data: read-modify-write. */
uint64_t table_add(uint64_t index, uint64_t delta) {
    volatile uint32_t *slot = &table[index & 7];
    *slot += (uint32_t)delta;
    return *slot;
}
KESTREL_EXPORT(table_add, 2, 1);

/* Read-only data, sign- and zero-extended. */
uint64_t constants_sum(void) {
    uint64_t sum = 0;
    for (int i = 0; i < 6; i++) {
        volatile const uint16_t *p = &constants[i];
        sum += *p;
        sum += (uint64_t)(int64_t)*(volatile const int16_t *)p << 20;
    }
    return sum;
}
KESTREL_EXPORT(constants_sum, 0, 1);

/* Copies and clears through the shims (memcpy) and the `memset` instruction. */
uint64_t copy_and_clear(uint64_t from, uint64_t to, uint64_t length) {
    from &= 31;
    to &= 31;
    length &= 31;
    memcpy(buffer + 32 + to, buffer + from, length);
    uint64_t sum = 0;
    for (int i = 0; i < 64; i++) {
        sum = sum * 31 + buffer[i];
    }
    kestrel_memset(buffer, 0, from);
    return sum;
}
KESTREL_EXPORT(copy_and_clear, 3, 1);
