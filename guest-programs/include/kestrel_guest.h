/*
 * kestrel_guest.h: exports, imports and PolkaVM-specific instructions for freestanding C guests.
 *
 * Target: rv64emac / lp64e, built with clang-19 and linked into a blob by polkavm-linker 0.37
 * (see docs/guest-programs.md for the build recipe and the verified byte layouts).
 *
 *   KESTREL_EXPORT(name, n_in, n_out)   after `uint64_t name(...) { ... }`: export it
 *   KESTREL_IMPORT(name, n_in, n_out)   declare host function `name`; call it with
 *   KESTREL_CALL(name, args...)         (up to 6 integer arguments; returns a0 as uint64_t)
 *   KESTREL_MIN_STACK_SIZE(bytes)       ask the linker for at least this much stack
 *   kestrel_sbrk(n)                     grow the heap by n bytes; new top, or 0 on failure
 *   kestrel_heap_base()                 where the heap starts
 *   kestrel_memset(dst, byte, n)        the `memset` instruction
 *   kestrel_trap()                      stop with a trap
 *
 * Define KESTREL_GUEST_NO_LIBC_SHIMS before including it to leave out memset/memcpy/memmove/
 * memcmp, which clang may call on its own even with -ffreestanding.
 */
#ifndef KESTREL_GUEST_H
#define KESTREL_GUEST_H

#include <stddef.h>
#include <stdint.h>

#ifdef KESTREL_NATIVE
#include <string.h>
/*
 * Native build of a benchmark (x86-64, for comparison): exports are plain functions, host calls go
 * to `kestrel_native_host_call` in native/driver.c (another translation unit, so they stay calls).
 */
uint64_t kestrel_native_host_call(const char *name, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                                  uint64_t a4, uint64_t a5);
#define KESTREL_EXPORT(name, n_in, n_out) _Static_assert((n_in) <= 6 && (n_out) <= 2, #name)
#define KESTREL_IMPORT(name, n_in, n_out)                                                                  \
    static inline uint64_t kestrel__import_##name(uint64_t r0, uint64_t r1, uint64_t r2, uint64_t r3,      \
                                                  uint64_t r4, uint64_t r5) {                              \
        return kestrel_native_host_call(#name, r0, r1, r2, r3, r4, r5);                                   \
    }                                                                                                      \
    _Static_assert((n_in) <= 6 && (n_out) <= 2, #name)
#define KESTREL_MIN_STACK_SIZE(bytes) _Static_assert((bytes) > 0, "stack size")
static inline void kestrel_memset(void *dst, int byte, size_t n) {
    __builtin_memset(dst, byte, n);
}
#define KESTREL_GUEST_NO_LIBC_SHIMS
#else
#if !defined(__riscv) || __riscv_xlen != 64 || !defined(__riscv_e)
#error "kestrel_guest.h is for rv64e guests: clang-19 --target=riscv64 -march=rv64emac -mabi=lp64e"
#endif

/*
 * The metadata record the linker reads for both exports and imports: packed, little-endian.
 * version 1 is {version, flags, symbol_length, symbol, input_regs, output_regs};
 * version 2 appends {has_index, index}. The linker reads `symbol` through its relocation.
 */
struct kestrel_extern_metadata {
    uint8_t version;
    uint32_t flags;
    uint32_t symbol_length;
    const char *symbol;
    uint8_t input_regs;
    uint8_t output_regs;
} __attribute__((packed));

#define KESTREL__METADATA(kind, name, n_in, n_out)                                                        \
    __attribute__((section(".polkavm_metadata"), used)) static const char kestrel__##kind##_symbol_##name[] = \
        #name;                                                                                            \
    __attribute__((section(".polkavm_metadata"),                                                         \
                   used)) static const struct kestrel_extern_metadata kestrel__##kind##_metadata_##name = { \
        1, 0, sizeof(#name) - 1, kestrel__##kind##_symbol_##name, (n_in), (n_out)}

/*
 * Export `name` (a function with external linkage defined before this line) with `n_in` argument
 * registers (a0..) and `n_out` result registers (0, 1 or 2: a0, a1). An entry of
 * `.polkavm_exports` is the byte 1 followed by two 64-bit absolute pointers: metadata, code.
 */
#define KESTREL_EXPORT(name, n_in, n_out)                                                                  \
    _Static_assert((n_in) <= 6 && (n_out) <= 2, "too many registers for export " #name);                  \
    KESTREL__METADATA(export, name, n_in, n_out);                                                          \
    __asm__(".pushsection .polkavm_exports,\"Ra\",@note\n"                                                 \
            ".byte 1\n"                                                                                    \
            ".8byte kestrel__export_metadata_" #name "\n"                                                  \
            ".8byte " #name "\n"                                                                           \
            ".popsection\n")

/*
 * Declare host function `name`. A call is the custom-0 word 0x0000000b followed by a 64-bit
 * absolute pointer to the metadata; the linker turns both into `ecalli N`, where N is the
 * import's index (imports without explicit indexes are numbered in the order of their names).
 * The linker assumes a host call overwrites t0-t2 and a0-a5 whatever n_out says, so the asm
 * says so too: values the compiler keeps there across the call would otherwise be lost.
 */
#define KESTREL_IMPORT(name, n_in, n_out)                                                                  \
    _Static_assert((n_in) <= 6 && (n_out) <= 2, "too many registers for import " #name);                  \
    KESTREL__METADATA(import, name, n_in, n_out);                                                          \
    static inline __attribute__((always_inline)) uint64_t kestrel__import_##name(                          \
        uint64_t r0, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5) {                     \
        register uint64_t a0 __asm__("a0") = r0;                                                           \
        register uint64_t a1 __asm__("a1") = r1;                                                           \
        register uint64_t a2 __asm__("a2") = r2;                                                           \
        register uint64_t a3 __asm__("a3") = r3;                                                           \
        register uint64_t a4 __asm__("a4") = r4;                                                           \
        register uint64_t a5 __asm__("a5") = r5;                                                           \
        __asm__ volatile(".insn r 0xb, 0, 0, zero, zero, zero\n"                                           \
                         ".8byte kestrel__import_metadata_" #name "\n"                                     \
                         : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5)                      \
                         :                                                                                 \
                         : "t0", "t1", "t2", "memory");                                                    \
        return a0;                                                                                         \
    }                                                                                                      \
    _Static_assert(1, "")

#endif /* KESTREL_NATIVE */

#define KESTREL__PAD6(a, b, c, d, e, f, ...) (uint64_t)(a), (uint64_t)(b), (uint64_t)(c), (uint64_t)(d), \
                                             (uint64_t)(e), (uint64_t)(f)
#define KESTREL__ARGS(...) KESTREL__PAD6(__VA_ARGS__ __VA_OPT__(, ) 0, 0, 0, 0, 0, 0)
/* Call an imported host function; missing arguments are passed as 0. */
#define KESTREL_CALL(name, ...) kestrel__import_##name(KESTREL__ARGS(__VA_ARGS__))

#ifndef KESTREL_NATIVE

/* The linker takes the largest of all such requests (rounded up to a page). */
#define KESTREL_MIN_STACK_SIZE(bytes)                                                                      \
    __attribute__((section(".polkavm_min_stack_size"), used)) static const uint32_t                         \
        kestrel__min_stack_size_##bytes = (bytes)

/* `sbrk`: custom-0, funct3 1, rd = result, rs1 = size. Returns the new heap top, 0 on failure. */
static inline uint64_t kestrel_sbrk(uint64_t size) {
    uint64_t top;
    __asm__ volatile(".insn r 0xb, 1, 0, %0, %1, zero" : "=r"(top) : "r"(size) : "memory");
    return top;
}

/* Heap base: custom-0, funct3 3, rd = result. */
static inline uint64_t kestrel_heap_base(void) {
    uint64_t base;
    __asm__(".insn r 0xb, 3, 0, %0, zero, zero" : "=r"(base));
    return base;
}

/* The `memset` instruction (custom-0, funct3 2): fills [a0, a0 + a2) with the low byte of a1. */
static inline void kestrel_memset(void *dst, int byte, size_t n) {
    register uint64_t a0 __asm__("a0") = (uint64_t)(uintptr_t)dst;
    register uint64_t a1 __asm__("a1") = (uint64_t)byte;
    register uint64_t a2 __asm__("a2") = n;
    __asm__ volatile(".insn r 0xb, 2, 0, zero, zero, zero" : "+r"(a0), "+r"(a2) : "r"(a1) : "memory");
}

#endif /* KESTREL_NATIVE */

static inline __attribute__((noreturn)) void kestrel_trap(void) {
    __builtin_trap();
}

#ifndef KESTREL_GUEST_NO_LIBC_SHIMS
/* clang lowers struct copies and zeroing loops to these calls; keep them from recursing. */
__attribute__((used, no_builtin)) void *memset(void *dst, int byte, size_t n) {
    kestrel_memset(dst, byte, n);
    return dst;
}

__attribute__((used, no_builtin)) void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n >= 8 && (((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
        *(uint64_t *)d = *(const uint64_t *)s;
        d += 8;
        s += 8;
        n -= 8;
    }
    while (n--) {
        *d++ = *s++;
    }
    return dst;
}

__attribute__((used, no_builtin)) void *memmove(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (n--) {
            *d++ = *s++;
        }
    } else {
        while (n--) {
            d[n] = s[n];
        }
    }
    return dst;
}

__attribute__((used, no_builtin)) int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a;
    const unsigned char *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return x[i] < y[i] ? -1 : 1;
        }
    }
    return 0;
}
#endif

#endif
