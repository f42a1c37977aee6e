// Kestrel's hello-world program: the first thing to run with `kestrel run`.
//
//   main(a, b)         returns a + (a + 1) + ... + b, the sum of the integers from a to b,
//                      added up in a loop (0 when a > b): `main 1 2` gives 3, `main 1 10` gives 55
//   add_numbers(a, b)  returns a + b + get_third_number(), where get_third_number is a host
//                      function: `kestrel run` stops at the host call unless --host-stub VALUE
//                      answers it (`--host-stub 100 --call add_numbers 1 10` gives 111)
//
// Assemble with: kestrel asm examples/hello.asm -o examples/hello.polkavm

%isa = latest64
%stack_size = 4096
%import = get_third_number

pub @main:
    a2 = 0
    jump @done if a0 >u a1
@loop:
    a2 = a2 + a0
    jump @done if a0 == a1
    a0 = a0 + 1
    jump @loop
@done:
    a0 = a2
    ret

pub @add_numbers:
    s0 = a0 + a1
    ecalli 0
    a0 = a0 + s0
    ret
