//! Strict mode (`runtime.md` §12): module creation and linking checks.

use kestrel::{
    CallError, Caller, CompileError, ErrorKind, InstructionSetKind, Linker, Module, ModuleConfig, ProgramBlob,
    ProgramParts, StrictError,
};

use crate::common::{Program, ecalli, engine, ret};

fn strict() -> ModuleConfig {
    let mut config = ModuleConfig::new();
    config.set_strict(true);
    config
}

/// The parts of a small valid program, to be edited into an invalid one.
fn parts() -> ProgramParts {
    let bytes = Program::new(InstructionSetKind::Latest64).code(&[ecalli(0), ret()]).bytes();
    let blob = ProgramBlob::parse(bytes.into()).unwrap();
    let mut parts = ProgramParts::new(InstructionSetKind::Latest64);
    parts.code = blob.code().to_vec();
    parts.bitmask = blob.bitmask().to_vec();
    parts.imports = vec![b"f".to_vec()];
    parts.exports = vec![(0, b"main".to_vec())];
    parts
}

fn compile(parts: &ProgramParts, config: &ModuleConfig) -> Result<Module, CompileError> {
    Module::new(&engine(), config, parts.to_container().unwrap().into())
}

fn strict_error(result: Result<Module, CompileError>) -> StrictError {
    match result {
        Err(CompileError::Error(error)) => match error.into_kind() {
            ErrorKind::Strict(error) => error,
            kind => panic!("not a strict-mode error: {kind}"),
        },
        Err(error) => panic!("not a strict-mode error: {error}"),
        Ok(_) => panic!("module was accepted"),
    }
}

#[test]
fn out_of_range_export() {
    let mut parts = parts();
    parts.exports.push((1000, b"far".to_vec()));
    assert!(compile(&parts, &ModuleConfig::new()).is_ok());
    let error = strict_error(compile(&parts, &strict()));
    assert_eq!(
        error.to_string(),
        format!(
            "out of range export found; export 'far' points to code offset 1000, while the code blob is only {} bytes",
            parts.code.len()
        )
    );
}

#[test]
fn out_of_range_jump_table_entry() {
    let mut parts = parts();
    parts.jump_table = vec![0, 5000];
    assert!(compile(&parts, &ModuleConfig::new()).is_ok());
    assert_eq!(strict_error(compile(&parts, &strict())), StrictError::OutOfRangeJumpTableEntry);
}

#[test]
fn invalid_import() {
    let mut parts = parts();
    parts.imports = vec![b"ab".to_vec(), b"cd".to_vec()];
    let mut bytes = parts.to_container().unwrap();
    // Import offsets are [0, 2]; point the second past the symbols, which makes both invalid.
    let needle = [0, 0, 0, 0, 2, 0, 0, 0, b'a', b'b'];
    let at = bytes.windows(needle.len()).position(|window| window == needle).unwrap();
    bytes[at + 4] = 0xFF;
    let module = Module::new(&engine(), &ModuleConfig::new(), bytes.clone().into()).unwrap();
    assert_eq!(module.imports().get(0), None);
    // Non-strict linking leaves unparsable imports unresolved.
    let linker: Linker = Linker::new();
    assert!(linker.instantiate_pre(&module).is_ok());
    let result = Module::new(&engine(), &strict(), bytes.into());
    assert_eq!(strict_error(result).to_string(), "found an invalid import");
}

#[test]
fn duplicate_exports() {
    let program = Program::new(InstructionSetKind::Latest64)
        .code(&[ecalli(0), ret(), ecalli(1), ret()])
        .export(0, "main")
        .export(1, "main")
        .import("f")
        .import("g");
    let mut linker: Linker<Vec<&'static str>> = Linker::new();
    linker.define_typed("f", |caller: Caller<'_, Vec<&'static str>>| caller.user_data.push("f")).unwrap();
    linker.define_typed("g", |caller: Caller<'_, Vec<&'static str>>| caller.user_data.push("g")).unwrap();

    // Not strict: the first export of a name wins.
    let module = program.module(&engine(), &ModuleConfig::new());
    assert_eq!(module.exports().count(), 2);
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    let mut log = Vec::new();
    instance.call_typed(&mut log, "main", ()).unwrap();
    assert_eq!(log, ["f"]);

    let module = program.module(&engine(), &strict());
    let error = linker.instantiate_pre(&module).unwrap_err();
    assert_eq!(error.to_string(), "duplicate export: 'main'");
}

#[test]
fn missing_host_functions() {
    let module = compile(&parts(), &strict()).unwrap();
    assert!(module.is_strict());
    let linker: Linker = Linker::new();
    let error = linker.instantiate_pre(&module).unwrap_err();
    assert_eq!(error.to_string(), "missing host function: 'f'");
    assert!(matches!(error.kind(), ErrorKind::Strict(StrictError::MissingHostFunction(name)) if name == b"f"));

    // A fallback makes a missing host function acceptable.
    let mut linker: Linker = Linker::new();
    linker.define_fallback(|_caller: Caller<'_>, _number: u32| Ok(()));
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    instance.call_typed(&mut (), "main", ()).unwrap();

    // Without strict mode the import stays unresolved and traps when called.
    let module = compile(&parts(), &ModuleConfig::new()).unwrap();
    let linker: Linker = Linker::new();
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    assert!(matches!(instance.call_typed(&mut (), "main", ()), Err(CallError::Trap)));
}
