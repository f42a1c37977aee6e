%isa = latest64
%ro_data_size = 4096
%ro_data = 48 65 6c 6c 6f
%rw_data_size = 4096
%stack_size = 4096

// a0 = n; returns 1 + 2 + ... + n
pub @sum:
    a1 = 0
@loop:
    jump @done if a0 == 0
    a1 = a1 + a0
    a0 = a0 - 1
    jump @loop
@done:
    a0 = a1
    ret

pub @indirect:
    a2 = @target
    jump [a2]
@target:
    a0 = u8 [0x10000]
    ecalli 1
    ret
