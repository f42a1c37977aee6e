// Kestrel example program: the sum 1 + 2 + ... + n, computed two ways.
//
//   sum(n)          adds the numbers in a loop
//   sum_formula(n)  calls a helper through the jump table (an indirect call) that computes
//                   n * (n + 1) / 2, saving and restoring the return address on the stack
//
// Both take n in a0 and return the result in a0 (n = 10 gives 55 = 0x37).
// Assemble with: kestrel asm examples/sum.asm -o examples/sum.polkavm

%isa = latest64
%stack_size = 4096

pub @sum:
    a1 = 0
@sum_loop:
    jump @sum_done if a0 == 0
    a1 = a1 + a0
    a0 = a0 - 1
    jump @sum_loop
@sum_done:
    a0 = a1
    ret

pub @sum_formula:
    sp = sp - 8
    u64 [sp] = ra
    t0 = @triangle
    ra = @sum_formula_return
    jump [t0]
@sum_formula_return:
    ra = u64 [sp]
    sp = sp + 8
    ret

// a0 = n * (n + 1) / 2
@triangle:
    a1 = a0 + 1
    a0 = a0 * a1
    a0 = a0 >> 1
    ret
