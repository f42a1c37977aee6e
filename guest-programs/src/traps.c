/* Ways for a guest to stop abnormally: an explicit trap, loads and stores outside accessible
 * memory, a store to read-only data, and a stack overflow. */
#include "kestrel_guest.h"

static const uint32_t read_only[4] = {1, 2, 3, 4};

uint64_t trap_if(uint64_t x) {
    if (x > 10) {
        kestrel_trap();
    }
    return x * 2;
}
KESTREL_EXPORT(trap_if, 1, 1);

uint64_t read_u32(uint64_t address) {
    return *(volatile uint32_t *)(uintptr_t)address;
}
KESTREL_EXPORT(read_u32, 1, 1);

uint64_t write_u32(uint64_t address, uint64_t value) {
    *(volatile uint32_t *)(uintptr_t)address = (uint32_t)value;
    return 0;
}
KESTREL_EXPORT(write_u32, 2, 1);

uint64_t read_only_address(void) {
    return (uint64_t)(uintptr_t)read_only;
}
KESTREL_EXPORT(read_only_address, 0, 1);

/* 512 bytes of stack per level: `depth` levels need about depth * 512 bytes. */
__attribute__((noinline)) static uint64_t recurse(uint64_t depth, volatile uint64_t *previous) {
    volatile uint64_t frame[64];
    frame[0] = previous[0] + 1;
    frame[1] = depth;
    if (depth == 0) {
        return frame[0];
    }
    return recurse(depth - 1, frame) + frame[1];
}

uint64_t use_stack(uint64_t depth) {
    volatile uint64_t start[1] = {0};
    return recurse(depth, start);
}
KESTREL_EXPORT(use_stack, 1, 1);
