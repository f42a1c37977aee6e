//! Kestrel's interpreter against polkavm 0.37's interpreter on generated programs: the same
//! interrupt, program counters, registers and gas at every interrupt, and the same memory at the
//! end, for every instruction set and every gas-metering kind.

#![allow(clippy::print_stderr, reason = "differential tests report what they compared")]

use kestrel_differential::Rng;
use kestrel_differential::programs::{
    INTERESTING_ADDRESSES, RO_DATA_SIZE, RW_DATA_SIZE, STACK_SIZE, random_loop_program, random_program,
};
use kestrel_interpreter as kestrel;
use kestrel_program::{InstructionSetKind as Isa, ProgramBlob, Reg};

#[derive(Copy, Clone, Debug, PartialEq)]
enum Metering {
    None,
    Sync,
    Async,
}

/// Everything the host can observe after an interrupt.
#[derive(PartialEq, Eq, Debug)]
struct Observation {
    interrupt: String,
    pc: Option<u32>,
    next_pc: Option<u32>,
    regs: Vec<u64>,
    gas: i64,
}

struct Reference {
    instance: polkavm::RawInstance,
}

struct Ours {
    instance: kestrel::Instance,
}

/// An interrupt as text; both crates' `InterruptKind` have the same variants and fields.
macro_rules! interrupt_text {
    ($krate:ident, $interrupt:expr) => {{
        use $krate::InterruptKind as I;
        match $interrupt {
            I::Finished => "Finished".into(),
            I::Trap => "Trap".into(),
            I::Ecalli(n) => format!("Ecalli({n})"),
            I::NotEnoughGas => "NotEnoughGas".into(),
            I::Step => "Step".into(),
            I::Segfault(fault) => format!("Segfault({:#x}, {})", fault.page_address, fault.is_write_protected),
        }
    }};
}

fn reference_interrupt(interrupt: polkavm::InterruptKind) -> String {
    interrupt_text!(polkavm, interrupt)
}

fn our_interrupt(interrupt: kestrel::InterruptKind) -> String {
    interrupt_text!(kestrel, interrupt)
}

fn reference_engine() -> polkavm::Engine {
    let mut config = polkavm::Config::new();
    config.set_backend(Some(polkavm::BackendKind::Interpreter));
    polkavm::Engine::new(&config).expect("reference engine")
}

impl Reference {
    fn new(engine: &polkavm::Engine, blob: &[u8], metering: Metering, step_tracing: bool) -> Option<Reference> {
        let mut config = polkavm::ModuleConfig::new();
        config.set_gas_metering(match metering {
            Metering::None => None,
            Metering::Sync => Some(polkavm::GasMeteringKind::Sync),
            Metering::Async => Some(polkavm::GasMeteringKind::Async),
        });
        config.set_step_tracing(step_tracing);
        let module = polkavm::Module::new(engine, &config, blob.to_vec().into()).ok()?;
        Some(Reference { instance: module.instantiate().expect("reference instance") })
    }

    fn observe(&self, interrupt: String) -> Observation {
        Observation {
            interrupt,
            pc: self.instance.program_counter().map(|pc| pc.0),
            next_pc: self.instance.next_program_counter().map(|pc| pc.0),
            regs: polkavm::Reg::ALL.iter().map(|&reg| self.instance.reg(reg)).collect(),
            gas: self.instance.gas(),
        }
    }
}

impl Ours {
    fn new(blob: &[u8], metering: Metering, step_tracing: bool) -> Option<Ours> {
        let config = kestrel::ModuleConfig {
            gas_metering: match metering {
                Metering::None => None,
                Metering::Sync => Some(kestrel::GasMeteringKind::Sync),
                Metering::Async => Some(kestrel::GasMeteringKind::Async),
            },
            step_tracing,
            ..kestrel::ModuleConfig::default()
        };
        let blob = ProgramBlob::parse(blob.to_vec().into()).expect("kestrel parses generated blobs");
        let module = kestrel::Module::from_blob(&config, &blob).ok()?;
        Some(Ours { instance: module.instantiate() })
    }

    fn observe(&self, interrupt: String) -> Observation {
        Observation {
            interrupt,
            pc: self.instance.program_counter(),
            next_pc: self.instance.next_program_counter(),
            regs: Reg::ALL.iter().map(|&reg| self.instance.reg(reg)).collect(),
            gas: self.instance.gas(),
        }
    }
}

fn memory_ranges() -> Vec<(u32, u32)> {
    vec![(0x10000, RO_DATA_SIZE), (0x30000, RW_DATA_SIZE), (0xfffe0000 - STACK_SIZE, STACK_SIZE)]
}

/// Panics unless both instances can read the same generated-program regions and hold the same
/// bytes there.
fn assert_same_memory(reference: &mut Reference, ours: &Ours, context: &str) {
    for (address, length) in memory_ranges() {
        let expected = reference.instance.read_memory(address, length).map_err(|error| error.to_string());
        let actual = ours.instance.read_memory(address, length).map_err(|error| error.to_string());
        assert_eq!(actual.is_ok(), expected.is_ok(), "{context}: memory readability at {address:#x}");
        assert!(actual == expected, "{context}: memory at {address:#x} differs");
    }
}

/// Runs one program on both interpreters and panics with a description on the first difference.
/// Returns the number of interrupts compared.
fn compare_run(
    engine: &polkavm::Engine,
    rng: &mut Rng,
    isa: Isa,
    metering: Metering,
    step_tracing: bool,
    case: u32,
) -> usize {
    // Without gas metering a loop would never stop: generate forward-only programs then.
    let program = random_program(rng, isa, 12, metering == Metering::None);
    let reference = Reference::new(engine, &program.blob, metering, step_tracing);
    let ours = Ours::new(&program.blob, metering, step_tracing);
    let (Some(mut reference), Some(mut ours)) = (reference, ours) else {
        // JamV1 validation rejects some programs; both must agree on that.
        assert_eq!(
            Reference::new(engine, &program.blob, metering, step_tracing).is_some(),
            Ours::new(&program.blob, metering, step_tracing).is_some(),
            "{isa} case {case}: module creation verdicts differ"
        );
        return 0;
    };
    // Arguments are often valid addresses so that memory operations get past their first fault.
    let args: Vec<u64> = (0..rng.below(10))
        .map(|_| if rng.chance(1, 2) { u64::from(*rng.pick(&INTERESTING_ADDRESSES)) } else { rng.interesting_u64() })
        .collect();
    let gas = 20 + rng.below(400) as i64;
    reference.instance.prepare_call_untyped(polkavm::ProgramCounter(0), &args);
    reference.instance.set_gas(gas);
    ours.instance.prepare_call_untyped(0, &args).expect("prepare");
    ours.instance.set_gas(gas);
    let context = format!("{isa} {metering:?} step_tracing={step_tracing} case {case}");
    let interrupts = compare_interrupts(&mut reference, &mut ours, rng, metering, &context, &program.blob);
    let context = format!("{context} interrupt {interrupts}");
    assert_same_memory(&mut reference, &ours, &context);
    let expected_heap = reference.instance.heap_size();
    let actual_heap = ours.instance.heap_size().expect("heap size");
    assert_eq!(actual_heap, expected_heap, "{context}: heap size");
    interrupts
}

/// Runs both instances interrupt by interrupt (up to 400), comparing what the host observes after
/// each, answering `ecalli`s the same way on both; returns the number of interrupts compared.
fn compare_interrupts(
    reference: &mut Reference,
    ours: &mut Ours,
    rng: &mut Rng,
    metering: Metering,
    context: &str,
    blob: &[u8],
) -> usize {
    let context = |step: usize| format!("{context} interrupt {step}");
    let mut interrupts = 0;
    for step in 0..400 {
        let expected = reference.instance.run().map(reference_interrupt).map_err(|error| error.to_string());
        let actual = ours.instance.run().map(our_interrupt).map_err(|error| error.to_string());
        let (expected, actual) = match (expected, actual) {
            (Ok(expected), Ok(actual)) => (expected, actual),
            (Err(_), Err(_)) => break,
            (expected, actual) => panic!("{}: reference {expected:?}, kestrel {actual:?}", context(step)),
        };
        let expected = reference.observe(expected);
        let actual = ours.observe(actual);
        assert_eq!(actual, expected, "{}\nprogram: {:02x?}", context(step), blob);
        interrupts += 1;
        match expected.interrupt.as_str() {
            "Step" => {}
            interrupt if interrupt.starts_with("Ecalli") => {
                // The host answers in a0 and keeps going.
                let answer = rng.interesting_u64();
                reference.instance.set_reg(polkavm::Reg::A0, answer);
                ours.instance.set_reg(Reg::A0, answer);
            }
            "NotEnoughGas" if metering == Metering::Sync && rng.chance(1, 2) => {
                reference.instance.set_gas(100);
                ours.instance.set_gas(100);
            }
            _ => break,
        }
    }
    interrupts
}

fn run_cases(metering: Metering, step_tracing: bool, cases: u32) {
    let engine = reference_engine();
    for isa in Isa::ALL {
        let mut rng = Rng::new(0xe4ec_0000 + isa.index() as u64 * 16 + metering as u64 * 4 + u64::from(step_tracing));
        let mut interrupts = 0;
        for case in 0..cases {
            interrupts += compare_run(&engine, &mut rng, isa, metering, step_tracing, case);
        }
        eprintln!(
            "{isa} {metering:?} step_tracing={step_tracing}: {cases} programs, {interrupts} interrupts identical"
        );
    }
}

#[test]
fn unmetered_runs_match_the_reference() {
    run_cases(Metering::None, false, 5000);
}

#[test]
fn sync_metered_runs_match_the_reference() {
    run_cases(Metering::Sync, false, 5000);
}

#[test]
fn async_metered_runs_match_the_reference() {
    run_cases(Metering::Async, false, 3000);
}

#[test]
fn step_traced_runs_match_the_reference() {
    run_cases(Metering::Sync, true, 1000);
}

/// Host entries at every instruction boundary, not only at block starts: a mid-block entry
/// charges the enclosing block, and an entry at a `fallthrough` or `unlikely` (which have no op of
/// their own in Kestrel when nothing needs one) continues after it.
#[test]
fn entries_at_every_instruction_match_the_reference() {
    let engine = reference_engine();
    for metering in [Metering::None, Metering::Sync] {
        for isa in Isa::ALL {
            let mut rng = Rng::new(0xe4e7_0000 + isa.index() as u64 * 16 + metering as u64);
            let (mut entries, mut interrupts) = (0, 0);
            for case in 0..150 {
                let program = random_program(&mut rng, isa, 6, true);
                let (Some(_), Some(_)) = (
                    Reference::new(&engine, &program.blob, metering, false),
                    Ours::new(&program.blob, metering, false),
                ) else {
                    continue;
                };
                let blob = ProgramBlob::parse(program.blob.clone().into()).expect("kestrel parses generated blobs");
                let code = blob.code_view();
                let boundaries: Vec<u32> = code
                    .instructions()
                    .filter(|item| item.length > 0 && item.offset < code.len())
                    .map(|item| item.offset)
                    .collect();
                for pc in boundaries {
                    let mut reference = Reference::new(&engine, &program.blob, metering, false).expect("reference");
                    let mut ours = Ours::new(&program.blob, metering, false).expect("kestrel");
                    reference.instance.set_gas(300);
                    ours.instance.set_gas(300);
                    reference.instance.set_next_program_counter(polkavm::ProgramCounter(pc));
                    ours.instance.set_next_program_counter(pc);
                    let context = format!("{isa} {metering:?} case {case} entry at {pc}");
                    interrupts +=
                        compare_interrupts(&mut reference, &mut ours, &mut rng, metering, &context, &program.blob);
                    entries += 1;
                }
            }
            eprintln!("{isa} {metering:?}: {entries} entries, {interrupts} interrupts identical");
        }
    }
}

/// Loops in the shapes Kestrel runs inside one handler (fused loop tails, loop heads, counters
/// carried across iterations in host registers), with aliased operands. Those paths only run
/// without gas metering (a metered loop branches back to its block's `Charge`), where the other
/// tests generate no loops: here polkavm runs with sync metering and a large budget to stop
/// loops that do not end (skipped), and Kestrel without. Everything but gas must match.
#[test]
fn loops_match_the_reference() {
    let engine = reference_engine();
    for isa in Isa::ALL {
        let mut rng = Rng::new(0x100b_0000 + isa.index() as u64);
        let (mut compared, mut endless, mut gas_used) = (0, 0, 0);
        for case in 0..3000 {
            let program = random_loop_program(&mut rng, isa);
            let (Some(mut reference), Some(mut ours)) = (
                Reference::new(&engine, &program.blob, Metering::Sync, false),
                Ours::new(&program.blob, Metering::None, false),
            ) else {
                continue;
            };
            const BUDGET: i64 = 200_000;
            reference.instance.prepare_call_untyped(polkavm::ProgramCounter(0), &[]);
            reference.instance.set_gas(BUDGET);
            ours.instance.prepare_call_untyped(0, &[]).expect("prepare");
            let expected = reference_interrupt(reference.instance.run().expect("reference run"));
            if expected == "NotEnoughGas" {
                endless += 1;
                continue;
            }
            let actual = our_interrupt(ours.instance.run().expect("kestrel run"));
            let context = format!("{isa} loop case {case}\nprogram: {:02x?}", program.blob);
            let mut expected = reference.observe(expected);
            expected.gas = 0;
            let mut actual = ours.observe(actual);
            actual.gas = 0;
            assert_eq!(actual, expected, "{context}");
            assert_same_memory(&mut reference, &ours, &context);
            compared += 1;
            gas_used += BUDGET - reference.instance.gas();
        }
        eprintln!(
            "{isa}: {compared} loops identical (the reference charged {gas_used} gas), {endless} endless skipped"
        );
        assert!(compared > 1000, "{isa}: too few loops ended ({compared})");
    }
}
