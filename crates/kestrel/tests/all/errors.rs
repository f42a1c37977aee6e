//! Errors: engine validation, module validation, run-time API errors and their messages.

use kestrel::{
    BackendKind, CacheModel, CompileError, Config, CostModelKind, Engine, ErrorKind, InstructionSetKind, Module,
    ModuleConfig, ProgramBlob, ValidationError,
};

use kestrel::Reg;
use kestrel::program::Instruction;

use crate::common::{Program, engine, load_imm, ret};

#[test]
fn error_is_small() {
    assert_eq!(std::mem::size_of::<kestrel::Error>(), std::mem::size_of::<usize>());
}

#[test]
fn engine_backend_selection() {
    let engine = Engine::new(&Config::new()).unwrap();
    assert_eq!(engine.backend(), BackendKind::Interpreter, "auto selects the interpreter");
    assert!(engine.idle_worker_pids().is_empty());

    let mut config = Config::new();
    config.set_backend(Some(BackendKind::Interpreter));
    assert_eq!(Engine::new(&config).unwrap().backend(), BackendKind::Interpreter);

    config.set_backend(Some(BackendKind::Compiler));
    let error = Engine::new(&config).unwrap_err();
    assert_eq!(error.to_string(), "the 'compiler' backend is not supported on this platform");
    assert!(matches!(error.kind(), ErrorKind::UnsupportedBackend(BackendKind::Compiler)));
    assert!(!BackendKind::Compiler.is_supported());
    assert_eq!(BackendKind::Interpreter.to_string(), "interpreter");
}

#[test]
fn engine_validation_order() {
    // The unsupported backend is reported first, then crosscheck, sandboxing, cost model.
    let mut config = Config::new();
    config
        .set_backend(Some(BackendKind::Compiler))
        .set_crosscheck(true)
        .set_sandboxing_enabled(false)
        .set_default_cost_model(Some(CostModelKind::naive()));
    let mut messages = Vec::new();
    loop {
        match Engine::new(&config) {
            Ok(_) => break,
            Err(error) => messages.push(error.to_string()),
        }
        match messages.len() {
            1 => config.set_backend(None),
            2 => config.set_crosscheck(false),
            3 => config.set_sandboxing_enabled(true),
            4 => config.set_allow_experimental(true),
            _ => panic!("too many errors: {messages:?}"),
        };
    }
    let prefixes: Vec<&str> = messages.iter().map(|message| message.split(':').next().unwrap()).collect();
    assert_eq!(
        prefixes,
        [
            "the 'compiler' backend is not supported on this platform",
            "cannot enable execution cross-checking",
            "cannot disable security sandboxing",
            "cannot override the default gas cost model",
        ]
    );
    // Everything experimental is allowed with `allow_experimental`.
    config.set_crosscheck(true).set_sandboxing_enabled(false);
    assert_eq!(Engine::new(&config).unwrap().backend(), BackendKind::Interpreter);
}

#[test]
fn full_cost_model_is_not_implemented_yet() {
    let mut config = Config::new();
    config.set_default_cost_model(Some(CostModelKind::Full(CacheModel::L1_HIT)));
    let engine = Engine::new(&config).expect("a Full default needs no experimental flag");
    let bytes = Program::new(InstructionSetKind::Latest64).code(&[ret()]).bytes();
    let error = Module::new(&engine, &ModuleConfig::new(), bytes.into()).unwrap_err();
    assert_eq!(error.to_string(), "the full gas cost model is not supported yet");
}

#[test]
fn parse_errors_are_validation_failures() {
    let error = Module::new(&engine(), &ModuleConfig::new(), vec![1, 2, 3, 4].into()).unwrap_err();
    assert!(matches!(error, CompileError::ValidationFailed(ValidationError::Parse(_))));
    assert!(error.to_string().starts_with("module validation failed: failed to parse program blob: "), "{error}");
    let error = kestrel::Error::from(error);
    assert!(error.is_validation_failure());
    let message: String = error.into();
    assert!(message.starts_with("module validation failed: "));
}

#[test]
fn memory_map_errors_are_validation_failures() {
    let bytes = Program::new(InstructionSetKind::Latest64).code(&[ret()]).bytes();
    for (page_size, message) in [
        (0x800, "invalid page size: page size is too small"),
        (0x20000, "invalid page size: page size is too big"),
        (0x3000, "invalid page size: page size is not a power of two"),
    ] {
        let mut config = ModuleConfig::new();
        config.set_page_size(page_size);
        let error = Module::new(&engine(), &config, bytes.clone().into()).unwrap_err();
        assert!(matches!(error, CompileError::ValidationFailed(ValidationError::MemoryMap(_))));
        assert_eq!(error.to_string(), format!("module validation failed: {message}"));
    }
    let mut config = ModuleConfig::new();
    config.set_aux_data_size(0xFFFB_0000);
    let error = Module::new(&engine(), &config, bytes.into()).unwrap_err();
    assert_eq!(error.to_string(), "module validation failed: maximum memory size exceeded");
}

#[test]
fn jam_v1_code_is_validated() {
    // An undecodable opcode at offset 0.
    let mut program = Program::new(InstructionSetKind::JamV1).code(&[Instruction::INVALID, ret()]);
    program.builder.set_invalid_as_undecodable(true);
    let error = Module::new(&engine(), &ModuleConfig::new(), program.bytes().into()).unwrap_err();
    assert!(matches!(error, CompileError::ValidationFailed(ValidationError::InvalidCode { offset: 0 })), "{error}");
    assert_eq!(error.to_string(), "module validation failed: validation failed at offset 0");

    // A last instruction that does not end a block is invalid in JamV1...
    let bytes = Program::new(InstructionSetKind::JamV1).code(&[load_imm(Reg::A0, 1)]).bytes();
    let error = Module::new(&engine(), &ModuleConfig::new(), bytes.into()).unwrap_err();
    assert!(matches!(error, CompileError::ValidationFailed(ValidationError::InvalidCode { .. })), "{error}");
    // ...but accepted by other ISAs (it traps at run time instead).
    let bytes = Program::new(InstructionSetKind::ReviveV1).code(&[load_imm(Reg::A0, 1)]).bytes();
    assert!(Module::new(&engine(), &ModuleConfig::new(), bytes.into()).is_ok());
}

#[test]
fn from_blob_and_from_cache() {
    let bytes = Program::new(InstructionSetKind::Latest64).code(&[ret()]).bytes();
    let blob = ProgramBlob::parse(bytes.into()).unwrap();
    let mut config = ModuleConfig::new();
    config.set_cache_by_hash(true);
    let module = Module::from_blob(&engine(), &config, blob.clone()).unwrap();
    assert!(module.config().cache_by_hash());
    assert!(Module::from_cache(&engine(), &config, &blob).is_none(), "no module cache in this version");
}

#[test]
fn run_without_a_program_counter() {
    let module = Program::new(InstructionSetKind::Latest64).code(&[ret()]).module(&engine(), &ModuleConfig::new());
    let mut instance = module.instantiate().unwrap();
    let error = instance.run().unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::NextProgramCounterNotSet));
    assert_eq!(error.to_string(), "failed to run: next program counter is not set");
}

#[test]
fn errors_chain_and_convert() {
    let error = kestrel::Error::other("inner").context("outer");
    assert_eq!(error.to_string(), "outer: inner");
    // The message already carries the cause, so it is not repeated through `source()`; the typed
    // cause is reachable through `kind()`.
    assert!(std::error::Error::source(&error).is_none());
    match error.kind() {
        ErrorKind::Context { context, inner } => {
            assert_eq!(context, "outer");
            assert_eq!(inner.to_string(), "inner");
        }
        other => panic!("unexpected kind {other:?}"),
    }
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(error);
    assert_eq!(boxed.to_string(), "outer: inner");
}

#[test]
fn messages_are_not_repeated_by_error_chains() {
    use std::error::Error as _;
    let engine = kestrel::Engine::new(&kestrel::Config::new()).expect("engine");
    let mut config = kestrel::ModuleConfig::new();
    config.set_page_size(0x100);
    let blob = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/hello.polkavm")).expect("example");
    let error = kestrel::Module::new(&engine, &config, blob.into()).expect_err("page size too small");
    assert_eq!(error.to_string(), "module validation failed: invalid page size: page size is too small");
    assert!(error.source().is_none(), "the message already contains the cause");
}
