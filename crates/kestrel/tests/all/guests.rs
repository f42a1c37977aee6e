//! The C guest programs of `guest-programs/` (built blobs in `guest-programs/output/`), run through
//! the public API and, call by call, on polkavm 0.37's interpreter too.

use kestrel::{Caller, InstructionSetKind, Linker, Module, ModuleConfig, ProgramCounter, Reg};

use crate::common::engine;

const OUTPUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../guest-programs/output");

fn blob(name: &str) -> Vec<u8> {
    let path = format!("{OUTPUT}/{name}.polkavm");
    std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error} (run `cargo xtask build-guests`)"))
}

fn module(name: &str) -> Module {
    Module::new(&engine(), &ModuleConfig::new(), blob(name).into()).expect("guest blob compiles")
}

fn export_pc(module: &Module, name: &str) -> ProgramCounter {
    module
        .exports()
        .find(|export| export.symbol().as_bytes() == name.as_bytes())
        .unwrap_or_else(|| panic!("no export {name}"))
        .program_counter()
}

fn polkavm_reg(reg: Reg) -> polkavm::Reg {
    polkavm::Reg::ALL[usize::from(reg.index())]
}

/// One guest instantiated on both VMs; every call runs on both and must end the same way.
struct Pair {
    module: Module,
    ours: kestrel::RawInstance,
    theirs: polkavm::RawInstance,
}

impl Pair {
    fn new(name: &str) -> Pair {
        let bytes = blob(name);
        let module = module(name);
        let ours = module.instantiate().unwrap();
        let mut config = polkavm::Config::new();
        config.set_backend(Some(polkavm::BackendKind::Interpreter));
        let engine = polkavm::Engine::new(&config).unwrap();
        let their_module = polkavm::Module::new(&engine, &polkavm::ModuleConfig::new(), bytes.into()).unwrap();
        let theirs = their_module.instantiate().unwrap();
        Pair { module, ours, theirs }
    }

    /// Calls `export` with `args` on both VMs; `Ok(a0)` when it returns, `Err(interrupt)` otherwise.
    fn call(&mut self, export: &str, args: &[u64]) -> Result<u64, String> {
        let pc = export_pc(&self.module, export);
        self.ours.prepare_call_untyped(pc, args);
        self.theirs.prepare_call_untyped(polkavm::ProgramCounter(pc.0), args);
        let ours = format!("{:?}", self.ours.run().unwrap());
        let theirs = format!("{:?}", self.theirs.run().unwrap());
        assert_eq!(ours, theirs, "{export}{args:?}: interrupt");
        assert_eq!(
            self.ours.program_counter().map(|pc| pc.0),
            self.theirs.program_counter().map(|pc| pc.0),
            "{export}{args:?}: program counter"
        );
        for reg in Reg::ALL {
            assert_eq!(self.ours.reg(reg), self.theirs.reg(polkavm_reg(reg)), "{export}{args:?}: {reg:?}");
        }
        if ours == "Finished" { Ok(self.ours.reg(Reg::A0)) } else { Err(ours) }
    }

    fn value(&mut self, export: &str, args: &[u64]) -> u64 {
        self.call(export, args).unwrap_or_else(|interrupt| panic!("{export}{args:?}: {interrupt}"))
    }
}

#[test]
fn hello_world() {
    let module = module("hello");
    assert_eq!(module.isa(), InstructionSetKind::Latest64);
    assert!(module.is_64_bit());
    let exports: Vec<_> = module.exports().map(|export| export.symbol().to_string()).collect();
    assert_eq!(exports, ["'add_numbers'"]);
    assert_eq!(module.imports().get(0), Some(&b"get_third_number"[..]));

    let mut linker: Linker = Linker::new();
    linker.define_typed("get_third_number", || -> u32 { 100 }).unwrap();
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    let result: u32 = instance.call_typed_and_get_result(&mut (), "add_numbers", (1u32, 10u32)).unwrap();
    assert_eq!(result, 111);
    // 32-bit wrap-around in the guest, and the result is read as u32.
    let result: u32 = instance.call_typed_and_get_result(&mut (), "add_numbers", (u32::MAX, 2u32)).unwrap();
    assert_eq!(result, 101);
}

/// RISC-V semantics of the operations in `arith.c`, computed here.
fn expected_arith(op: &str, a: u64, b: u64) -> u64 {
    let (sa, sb) = (a as i64, b as i64);
    let (wa, wb) = (a as u32, b as u32);
    let sext = |x: u32| x as i32 as i64 as u64;
    match op {
        "div_s" => match (sa, sb) {
            (_, 0) => u64::MAX,
            (i64::MIN, -1) => i64::MIN as u64,
            _ => (sa / sb) as u64,
        },
        "div_u" => a.checked_div(b).unwrap_or(u64::MAX),
        "rem_s" => match (sa, sb) {
            (_, 0) => a,
            (i64::MIN, -1) => 0,
            _ => (sa % sb) as u64,
        },
        "rem_u" => a.checked_rem(b).unwrap_or(a),
        "div_s_w" => match (wa as i32, wb as i32) {
            (_, 0) => u64::MAX,
            (i32::MIN, -1) => sext(i32::MIN as u32),
            (x, y) => sext((x / y) as u32),
        },
        "div_u_w" => sext(wa.checked_div(wb).unwrap_or(u32::MAX)),
        "rem_s_w" => match (wa as i32, wb as i32) {
            (x, 0) => sext(x as u32),
            (i32::MIN, -1) => 0,
            (x, y) => sext((x % y) as u32),
        },
        "rem_u_w" => sext(wa.checked_rem(wb).unwrap_or(wa)),
        "mul" => a.wrapping_mul(b),
        "mul_w" => sext(wa.wrapping_mul(wb)),
        "mulh_ss" => ((i128::from(sa) * i128::from(sb)) >> 64) as u64,
        "mulh_uu" => ((u128::from(a) * u128::from(b)) >> 64) as u64,
        "mulh_su" => ((i128::from(sa) * (u128::from(b) as i128)) >> 64) as u64,
        "shl" => a << (b & 63),
        "shr_u" => a >> (b & 63),
        "shr_s" => (sa >> (b & 63)) as u64,
        "shl_w" => sext(wa << (b & 31)),
        "shr_u_w" => sext(wa >> (b & 31)),
        "shr_s_w" => sext(((wa as i32) >> (b & 31)) as u32),
        "add_w" => sext(wa.wrapping_add(wb)),
        "sub_w" => sext(wa.wrapping_sub(wb)),
        "set_lt_s" => u64::from(sa < sb),
        "set_lt_u" => u64::from(a < b),
        _ => unreachable!("{op}"),
    }
}

#[test]
fn arithmetic_edge_cases() {
    let mut pair = Pair::new("arith");
    let values = [
        0,
        1,
        2,
        3,
        7,
        31,
        32,
        63,
        64,
        65,
        0x7FFF_FFFF,
        0x8000_0000,
        0xFFFF_FFFF,
        0x1_0000_0000,
        0x1234_5678_9ABC_DEF0,
        i64::MAX as u64,
        i64::MIN as u64,
        u64::MAX,
        u64::MAX - 1,
        (-7i64) as u64,
        0xFFFF_FFFF_8000_0000,
    ];
    let ops = [
        "div_s", "div_u", "rem_s", "rem_u", "div_s_w", "div_u_w", "rem_s_w", "rem_u_w", "mul", "mul_w", "mulh_ss",
        "mulh_uu", "mulh_su", "shl", "shr_u", "shr_s", "shl_w", "shr_u_w", "shr_s_w", "add_w", "sub_w", "set_lt_s",
        "set_lt_u",
    ];
    let mut checked = 0;
    for op in ops {
        for &a in &values {
            for &b in &values {
                assert_eq!(pair.value(op, &[a, b]), expected_arith(op, a, b), "{op}({a:#x}, {b:#x})");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, ops.len() * values.len() * values.len());

    for &a in &values {
        let expected =
            u64::from(a.count_ones()) | u64::from(a.leading_zeros()) << 8 | u64::from(a.trailing_zeros()) << 16;
        assert_eq!(pair.value("bit_count", &[a]), expected, "bit_count({a:#x})");
        for &b in &values {
            assert_eq!(pair.value("mix", &[a, b]), mix(a, b), "mix({a:#x}, {b:#x})");
        }
    }
}

/// `mix` of arith.c, in Rust.
fn mix(a: u64, b: u64) -> u64 {
    let lo = (a as u32).wrapping_mul(0x9E37_79B1).wrapping_add((b >> 32) as u32);
    let s = (a as i64) >> 7;
    let mut r = (a ^ (b << 13)).wrapping_add(s as u64).wrapping_sub(b >> 3);
    r = r.wrapping_add(if (lo as i32) < 0 { 0x1234 } else { 0x4321 });
    r ^= if a < b { 0xFFFF_0000_0000_0000 } else { 0x0000_FFFF_0000_0000 };
    r = r.wrapping_add(b as u16 as i16 as i64 as u64);
    r = r.wrapping_add(u64::from((a >> 56) as u8));
    r.wrapping_mul(3).wrapping_add(r >> 63)
}

#[test]
fn loads_and_stores_of_every_width() {
    let mut pair = Pair::new("memory");
    let buffer = pair.value("buffer_address", &[]) as u32;
    let value = 0x8182_8384_F5F6_F7F8u64;
    for width in [1u64, 2, 4, 8] {
        for offset in [0u64, 1, 3, 8, 13, 56] {
            // Clear, store, check the bytes from the host, then load back both ways.
            assert_eq!(pair.value("store", &[8, offset, 0]), 0);
            assert_eq!(pair.value("store", &[8, offset + 8, 0]), 0);
            assert_eq!(pair.value("store", &[width, offset, value]), 0);
            let bytes = pair.ours.read_memory(buffer + offset as u32, 8).unwrap();
            let stored = value.to_le_bytes();
            let width = width as usize;
            assert_eq!(&bytes[..width], &stored[..width], "width {width} offset {offset}");
            assert!(bytes[width..].iter().all(|&byte| byte == 0), "store of width {width} wrote too much");

            let mask = if width == 8 { u64::MAX } else { (1u64 << (8 * width)) - 1 };
            let unsigned = value & mask;
            let shift = 64 - 8 * width as u32;
            let signed = (((unsigned << shift) as i64) >> shift) as u64;
            assert_eq!(pair.value("load_unsigned", &[width as u64, offset]), unsigned);
            assert_eq!(pair.value("load_signed", &[width as u64, offset]), signed);
        }
    }
    assert_eq!(pair.value("store", &[3, 0, 0]), 1);
    assert_eq!(pair.value("load_unsigned", &[5, 0]), 0xDEAD);

    assert_eq!(pair.value("table_add", &[3, 10]), 15);
    assert_eq!(pair.value("table_add", &[3, u64::from(u32::MAX)]), 14);
    assert_eq!(pair.value("table_add", &[7, 0]), 34);

    let constants = [0xFFFFu16, 0x8000, 0x7FFF, 0x0102, 0xA5A5, 0];
    let expected = constants
        .iter()
        .fold(0u64, |sum, &c| sum.wrapping_add(u64::from(c)).wrapping_add(((c as i16 as i64) << 20) as u64));
    assert_eq!(pair.value("constants_sum", &[]), expected);

    // memcpy (the header's shim) and the memset instruction.
    for i in 0..64u32 {
        pair.ours.write_u8(buffer + i, i as u8 + 1).unwrap();
        pair.theirs.write_memory(buffer + i, &[i as u8 + 1]).unwrap();
    }
    let mut model: Vec<u8> = (1..=64).collect();
    let (from, to, length) = (5usize, 3usize, 20usize);
    model.copy_within(from..from + length, 32 + to);
    let expected = model.iter().fold(0u64, |sum, &byte| sum.wrapping_mul(31).wrapping_add(u64::from(byte)));
    assert_eq!(pair.value("copy_and_clear", &[from as u64, to as u64, length as u64]), expected);
    model[..from].fill(0);
    assert_eq!(pair.ours.read_memory(buffer, 64).unwrap(), model);
    assert_eq!(pair.theirs.read_memory(buffer, 64).unwrap(), model);
}

#[test]
fn switch_recursion_and_indirect_calls() {
    let mut pair = Pair::new("control");
    let y = 0x1234_5678_9ABCu64;
    let expected: [u64; 14] = [
        y * 3 + 1,
        y ^ 0x55,
        y << 4,
        y >> 2,
        y - 1000,
        y.wrapping_mul(y),
        !y,
        y & 0xF0F0,
        y | 0x0F0F,
        y / 7,
        y % 13,
        y.rotate_left(32),
        4 * y + 5,
        y.wrapping_neg(),
    ];
    for (x, &expected) in expected.iter().enumerate() {
        assert_eq!(pair.value("classify", &[x as u64, y]), expected, "case {x}");
    }
    assert_eq!(pair.value("classify", &[14, y]), 0xFFFF);
    assert_eq!(pair.value("classify", &[u64::MAX, y]), 0xFFFF);

    assert_eq!(pair.value("fib", &[20]), 6765);
    assert_eq!(pair.value("ackermann", &[2, 3]), 9);
    assert_eq!(pair.value("ackermann", &[3, 3]), 61);
    // deep(n): trail[0] at the bottom is n=1's local[0] = 1; each level adds n + (n ^ 0xAA).
    let n = 1000u64;
    let expected = 1 + (1..=n).map(|k| k + (k ^ 0xAA)).sum::<u64>();
    assert_eq!(pair.value("deep_recursion", &[n]), expected);

    let ops: [fn(u64, u64) -> u64; 5] =
        [u64::wrapping_add, u64::wrapping_sub, u64::wrapping_mul, |a, b| a ^ b, u64::max];
    for (op, f) in ops.iter().enumerate() {
        assert_eq!(pair.value("apply", &[op as u64, 1000, 37]), f(1000, 37), "op {op}");
        assert_eq!(pair.value("set_and_call", &[op as u64, 99, 100]), f(99, 100), "op {op}");
    }
    assert_eq!(pair.value("apply", &[5, 1, 2]), 0);
    // The last function set stays in writable data.
    assert_eq!(pair.value("set_and_call", &[9, 7, 3]), 7);

    let mut acc = 12345u64;
    for i in 0..500u64 {
        acc = ops[(acc % 5) as usize](acc, i + 3) & 0xFF_FFFF_FFFF;
    }
    assert_eq!(pair.value("indirect_chain", &[500, 12345]), acc);
}

#[test]
fn heap_growth() {
    let mut pair = Pair::new("heap");
    let base = pair.value("heap_base", &[]);
    assert_eq!(base, u64::from(pair.module.memory_map().heap_base()));
    assert_eq!(pair.value("grow", &[0]), base);
    assert_eq!(pair.value("grow", &[16]), base + 16);
    assert_eq!(pair.ours.heap_size(), 16);

    // Grow across several pages and use every byte.
    let n = 300_000u64;
    let expected = (0..n).map(|i| u64::from((i * 7 + 1) as u8)).sum::<u64>();
    assert_eq!(pair.value("grow_and_fill", &[n]), expected);
    assert_eq!(pair.value("grow", &[0]), base + 16 + n);

    assert_eq!(pair.value("linked_list", &[1000]), (0..1000u64).map(|i| i * i).sum::<u64>());
    // More than the address space: sbrk fails with 0 and nothing changes.
    let top = pair.value("grow", &[0]);
    assert_eq!(pair.value("grow", &[0xFFFF_0000]), 0);
    assert_eq!(pair.value("grow", &[0]), top);
}

#[test]
fn traps_and_faults() {
    let mut pair = Pair::new("traps");
    assert_eq!(pair.value("trap_if", &[5]), 10);
    assert_eq!(pair.call("trap_if", &[11]), Err("Trap".into()));
    // The instance stays usable after a trap.
    assert_eq!(pair.value("trap_if", &[1]), 2);

    let read_only = pair.value("read_only_address", &[]);
    assert_eq!(pair.value("read_u32", &[read_only + 8]), 3);
    assert_eq!(pair.call("write_u32", &[read_only, 9]), Err("Trap".into()), "store to read-only data");
    assert_eq!(pair.call("read_u32", &[0]), Err("Trap".into()), "load from address 0");
    assert_eq!(pair.call("read_u32", &[0xFFFF_FFF0]), Err("Trap".into()), "load above the stack");
    assert_eq!(pair.call("write_u32", &[0x1_0000, 1]), Err("Trap".into()), "store below read-only data");

    // A few levels fit in the stack (8 KiB by default here), thousands do not.
    assert_eq!(pair.value("use_stack", &[4]), 5 + 4 + 3 + 2 + 1);
    assert_eq!(pair.call("use_stack", &[100_000]), Err("Trap".into()), "stack overflow");
}

/// Host state for `hostcalls.c`: counter, last logged message.
#[derive(Default)]
struct HostState {
    counter: u64,
    log: Vec<u8>,
}

#[test]
fn host_calls_with_several_arguments() {
    let module = module("hostcalls");
    let imports: Vec<_> = (0..module.imports().len()).map(|i| module.imports().get(i).unwrap().to_vec()).collect();
    assert_eq!(imports, [&b"host_add6"[..], b"host_counter", b"host_fill", b"host_log"], "imports in name order");

    let mut linker: Linker<HostState> = Linker::new();
    linker
        .define_typed("host_add6", |a: u64, b: u64, c: u64, d: u64, e: u64, f: u64| -> u64 {
            a + 10 * b + 100 * c + 1000 * d + 10_000 * e + 100_000 * f
        })
        .unwrap();
    linker
        .define_typed("host_counter", |caller: Caller<'_, HostState>| -> u64 {
            caller.user_data.counter += 1;
            caller.user_data.counter
        })
        .unwrap();
    linker
        .define_typed("host_fill", |caller: Caller<'_, HostState>, pointer: u32, length: u32| {
            let bytes: Vec<u8> = (0..length).map(|i| (i * 3 + 1) as u8).collect();
            caller.instance.write_memory(pointer, &bytes).unwrap();
        })
        .unwrap();
    linker
        .define_typed("host_log", |caller: Caller<'_, HostState>, pointer: u32, length: u32| -> u32 {
            caller.user_data.log = caller.instance.read_memory(pointer, length).unwrap();
            length * 2
        })
        .unwrap();
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    let mut state = HostState::default();

    let x = 7u64;
    let result: u64 = instance.call_typed_and_get_result(&mut state, "call_add6", (x,)).unwrap();
    assert_eq!(result, x + 10 * (x + 1) + 100 * (x + 2) + 1000 * (x + 3) + 10_000 * (x + 4) + 100_000 * (x + 5));

    let result: u64 = instance.call_typed_and_get_result(&mut state, "count", (100u64,)).unwrap();
    assert_eq!(result, (1..=100).sum::<u64>());
    assert_eq!(state.counter, 100);

    let result: u64 = instance.call_typed_and_get_result(&mut state, "fill_and_sum", (50u64,)).unwrap();
    let expected = (0..50u64).fold(0u64, |sum, i| sum.wrapping_mul(257).wrapping_add((i * 3 + 1) & 0xFF));
    assert_eq!(result, expected);

    let result: u64 = instance.call_typed_and_get_result(&mut state, "log_message", ()).unwrap();
    assert_eq!(result, 24);
    assert_eq!(state.log, b"hello from C");

    let result: u64 =
        instance.call_typed_and_get_result(&mut state, "six_args", (1u64, 2u64, 3u64, 4u64, 5u64, 6u64)).unwrap();
    assert_eq!(result, 1 + 4 + 9 + 16 + 25 + 36);
}

/// Every export of every guest blob has a name, and every blob parses and compiles; the blobs are
/// Latest64 with the default stack unless the source asks for more.
#[test]
fn all_guest_blobs_load() {
    let mut names: Vec<String> = std::fs::read_dir(OUTPUT)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".polkavm"))
        .collect();
    names.sort();
    assert!(names.len() >= 7, "guest blobs: {names:?}");
    for name in names {
        let module = module(name.trim_end_matches(".polkavm"));
        assert_eq!(module.isa(), InstructionSetKind::Latest64, "{name}");
        assert!(module.exports().count() > 0, "{name}");
        let expected_stack = if name == "control.polkavm" { 65536 } else { 8192 };
        assert_eq!(module.memory_map().stack_size(), expected_stack, "{name}");
    }
}
