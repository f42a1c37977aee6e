/* Arithmetic edge cases. The instructions whose corner cases matter (division by zero, signed
 * overflow, high multiplies, shift amounts beyond the width, 32-bit forms) are written as inline
 * assembly so that clang cannot fold or avoid them; the host passes the operands. */
#include "kestrel_guest.h"

#define BINOP(name, insn)                                                                                  \
    uint64_t name(uint64_t a, uint64_t b) {                                                               \
        uint64_t r;                                                                                        \
        __asm__(insn " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));                                           \
        return r;                                                                                          \
    }                                                                                                      \
    KESTREL_EXPORT(name, 2, 1)

BINOP(div_s, "div");
BINOP(div_u, "divu");
BINOP(rem_s, "rem");
BINOP(rem_u, "remu");
BINOP(div_s_w, "divw");
BINOP(div_u_w, "divuw");
BINOP(rem_s_w, "remw");
BINOP(rem_u_w, "remuw");
BINOP(mul, "mul");
BINOP(mul_w, "mulw");
BINOP(mulh_ss, "mulh");
BINOP(mulh_uu, "mulhu");
BINOP(mulh_su, "mulhsu");
BINOP(shl, "sll");
BINOP(shr_u, "srl");
BINOP(shr_s, "sra");
BINOP(shl_w, "sllw");
BINOP(shr_u_w, "srlw");
BINOP(shr_s_w, "sraw");
BINOP(add_w, "addw");
BINOP(sub_w, "subw");
BINOP(set_lt_s, "slt");
BINOP(set_lt_u, "sltu");

/* Plain C: what clang makes of ordinary 64/32-bit code, including immediates and compares. */
uint64_t mix(uint64_t a, uint64_t b) {
    uint32_t lo = (uint32_t)a * 0x9E3779B1u + (uint32_t)(b >> 32);
    int64_t s = (int64_t)a >> 7;
    uint64_t r = (a ^ (b << 13)) + (uint64_t)s - (b >> 3);
    r += (int32_t)lo < 0 ? 0x1234 : 0x4321;
    r ^= (a < b) ? 0xFFFF000000000000ull : 0x0000FFFF00000000ull;
    r += (uint64_t)(int64_t)(int16_t)(b & 0xFFFF);
    r += (uint64_t)(uint8_t)(a >> 56);
    return r * 3 + (r >> 63);
}
KESTREL_EXPORT(mix, 2, 1);

/* Counting bits in software (rv64emac has no Zbb). */
uint64_t bit_count(uint64_t x) {
    return (uint64_t)__builtin_popcountll(x) | (uint64_t)(x ? __builtin_clzll(x) : 64) << 8 |
           (uint64_t)(x ? __builtin_ctzll(x) : 64) << 16;
}
KESTREL_EXPORT(bit_count, 1, 1);
