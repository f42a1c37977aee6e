/* Control flow: a dense switch (jump table), recursion, indirect calls through a table of
 * function pointers in read-only data. */
#include "kestrel_guest.h"

KESTREL_MIN_STACK_SIZE(65536);

/* Different code per case, so clang builds a jump table rather than a lookup table. */
uint64_t classify(uint64_t x, uint64_t y) {
    switch (x) {
    case 0: return y * 3 + 1;
    case 1: return y ^ 0x55;
    case 2: return y << 4;
    case 3: return y >> 2;
    case 4: return y - 1000;
    case 5: return y * y;
    case 6: return ~y;
    case 7: return y & 0xF0F0;
    case 8: return y | 0x0F0F;
    case 9: return y / 7;
    case 10: return y % 13;
    case 11: return (y << 32) | (y >> 32);
    case 12: return y + y + y + y + 5;
    case 13: return (uint64_t)(-(int64_t)y);
    default: return 0xFFFF;
    }
}
KESTREL_EXPORT(classify, 2, 1);

uint64_t fib(uint64_t n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
KESTREL_EXPORT(fib, 1, 1);

uint64_t ackermann(uint64_t m, uint64_t n) {
    if (m == 0) {
        return n + 1;
    }
    if (n == 0) {
        return ackermann(m - 1, 1);
    }
    return ackermann(m - 1, ackermann(m, n - 1));
}
KESTREL_EXPORT(ackermann, 2, 1);

/* Deep, non-tail recursion that keeps a frame per level (checks the stack works at depth). */
__attribute__((noinline)) static uint64_t deep(uint64_t n, volatile uint64_t *trail) {
    volatile uint64_t local[4] = {n, n * 2, n * 3, n ^ 0xAA};
    if (n == 0) {
        return trail[0];
    }
    uint64_t below = deep(n - 1, local);
    return below + local[0] + local[3];
}

uint64_t deep_recursion(uint64_t n) {
    volatile uint64_t start[1] = {7};
    return deep(n, start);
}
KESTREL_EXPORT(deep_recursion, 1, 1);

typedef uint64_t (*binary_fn)(uint64_t, uint64_t);

__attribute__((noinline)) static uint64_t op_add(uint64_t a, uint64_t b) { return a + b; }
__attribute__((noinline)) static uint64_t op_sub(uint64_t a, uint64_t b) { return a - b; }
__attribute__((noinline)) static uint64_t op_mul(uint64_t a, uint64_t b) { return a * b; }
__attribute__((noinline)) static uint64_t op_xor(uint64_t a, uint64_t b) { return a ^ b; }
__attribute__((noinline)) static uint64_t op_max(uint64_t a, uint64_t b) { return a > b ? a : b; }

static binary_fn const operations[5] = {op_add, op_sub, op_mul, op_xor, op_max};
static binary_fn mutable_operation = op_add;

uint64_t apply(uint64_t op, uint64_t a, uint64_t b) {
    return op < 5 ? operations[op](a, b) : 0;
}
KESTREL_EXPORT(apply, 3, 1);

/* Runs a little program of operations: each step picks the next function from the accumulator. */
uint64_t indirect_chain(uint64_t steps, uint64_t seed) {
    uint64_t acc = seed;
    for (uint64_t i = 0; i < steps; i++) {
        acc = operations[acc % 5](acc, i + 3) & 0xFFFFFFFFFFull;
    }
    return acc;
}
KESTREL_EXPORT(indirect_chain, 2, 1);

/* A function pointer in writable data, replaced at run time. */
uint64_t set_and_call(uint64_t op, uint64_t a, uint64_t b) {
    if (op < 5) {
        mutable_operation = operations[op];
    }
    binary_fn volatile f = mutable_operation;
    return f(a, b);
}
KESTREL_EXPORT(set_and_call, 3, 1);
