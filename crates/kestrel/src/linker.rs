//! The high-level API: [`Linker`] with typed host functions, [`InstancePre`], [`Instance`]
//! (`api.md` §9).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::abi::{AbiTy, ReadArgs, RegReader, RegWriter, ReturnTy};
use crate::error::{Error, ErrorKind, StrictError};
use crate::instance::RawInstance;
use crate::module::Module;
use crate::types::{InterruptKind, MemoryProtection, ProgramCounter, ProgramSymbol, Segfault};

/// What a host function gets: the embedder's data and the instance that called it.
#[non_exhaustive]
pub struct Caller<'a, UserData = ()> {
    pub user_data: &'a mut UserData,
    pub instance: &'a mut RawInstance,
}

impl<UserData> fmt::Debug for Caller<'_, UserData> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Caller").field("instance", &self.instance).finish_non_exhaustive()
    }
}

/// A host function after type erasure: reads its arguments from and writes its result to the
/// instance's registers.
type HostCall<UserData, UserError> =
    Arc<dyn Fn(&mut UserData, &mut RawInstance) -> Result<(), UserError> + Send + Sync + 'static>;

type FallbackCall<UserData, UserError> =
    Arc<dyn Fn(Caller<'_, UserData>, u32) -> Result<(), UserError> + Send + Sync + 'static>;

/// Marker for host functions whose first parameter is a [`Caller`].
#[derive(Debug)]
pub enum WithCaller {}

/// Marker for host functions without a [`Caller`] parameter.
#[derive(Debug)]
pub enum WithoutCaller {}

/// A Rust closure usable as a typed host function: `Fn([Caller,] args...) -> R` with up to six
/// [`AbiTy`] arguments and `R` one of `()`, an `AbiTy`, `Result<(), E>` or `Result<T, E>`
/// (`UserError: From<E>`). `Marker` only disambiguates the implementations.
pub trait HostFunction<UserData, UserError, Marker>: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_host_call(self) -> HostCall<UserData, UserError>;
}

/// Runs a typed host function: reads its arguments from A0, A1, ..., calls `body` and writes the
/// result into A0 (and A1).
fn call_typed_host_function<UserError, Args: ReadArgs, R: ReturnTy<UserError>>(
    instance: &mut RawInstance,
    body: impl FnOnce(&mut RawInstance, Args) -> R,
) -> Result<(), UserError> {
    let is_64_bit = instance.is_64_bit();
    let mut read = |reg| instance.reg(reg);
    let args = Args::read_args(&mut RegReader::new(&mut read), is_64_bit);
    let result = body(instance, args);
    let mut regs = RegWriter::default();
    let outcome = result.into_registers(&mut regs, is_64_bit);
    for (&reg, &value) in kestrel_program::Reg::ARG_REGS.iter().zip(regs.values()) {
        instance.set_reg(reg, value);
    }
    outcome
}

macro_rules! impl_host_function {
    ($($arg:ident)*) => {
        impl<UserData, UserError, F, R, $($arg,)*> HostFunction<UserData, UserError, (WithoutCaller, R, $($arg,)*)> for F
        where
            F: Fn($($arg),*) -> R + Send + Sync + 'static,
            R: ReturnTy<UserError>,
            $($arg: AbiTy,)*
        {
            #[allow(non_snake_case, reason = "macro-generated argument list")]
            fn into_host_call(self) -> HostCall<UserData, UserError> {
                Arc::new(move |_user_data: &mut UserData, instance: &mut RawInstance| {
                    call_typed_host_function(instance, |_, ($($arg,)*): ($($arg,)*)| self($($arg),*))
                })
            }
        }

        impl<UserData, UserError, F, R, $($arg,)*> HostFunction<UserData, UserError, (WithCaller, R, $($arg,)*)> for F
        where
            F: for<'a> Fn(Caller<'a, UserData>, $($arg),*) -> R + Send + Sync + 'static,
            R: ReturnTy<UserError>,
            $($arg: AbiTy,)*
        {
            #[allow(non_snake_case, reason = "macro-generated argument list")]
            fn into_host_call(self) -> HostCall<UserData, UserError> {
                Arc::new(move |user_data: &mut UserData, instance: &mut RawInstance| {
                    call_typed_host_function(instance, |instance, ($($arg,)*): ($($arg,)*)| {
                        self(Caller { user_data, instance }, $($arg),*)
                    })
                })
            }
        }
    };
}

impl_host_function!();
impl_host_function!(A0);
impl_host_function!(A0 A1);
impl_host_function!(A0 A1 A2);
impl_host_function!(A0 A1 A2 A3);
impl_host_function!(A0 A1 A2 A3 A4);
impl_host_function!(A0 A1 A2 A3 A4 A5);

/// A table of host functions by name, plus an optional fallback for unresolved host calls.
pub struct Linker<UserData = (), UserError = core::convert::Infallible> {
    host_functions: HashMap<Vec<u8>, HostCall<UserData, UserError>>,
    fallback: Option<FallbackCall<UserData, UserError>>,
    // `fn() -> ..` keeps the linker Send + Sync whatever the type parameters are.
    _types: PhantomData<fn() -> (UserData, UserError)>,
}

impl<UserData, UserError> Default for Linker<UserData, UserError> {
    fn default() -> Self {
        Linker::new()
    }
}

impl<UserData, UserError> fmt::Debug for Linker<UserData, UserError> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<String> =
            self.host_functions.keys().map(|name| ProgramSymbol::new(name).to_string()).collect();
        names.sort();
        f.debug_struct("Linker").field("host_functions", &names).field("fallback", &self.fallback.is_some()).finish()
    }
}

impl<UserData, UserError> Linker<UserData, UserError> {
    pub fn new() -> Self {
        Linker { host_functions: HashMap::new(), fallback: None, _types: PhantomData }
    }

    fn insert(&mut self, symbol: &[u8], call: HostCall<UserData, UserError>) -> Result<&mut Self, Error> {
        match self.host_functions.entry(symbol.to_vec()) {
            Entry::Occupied(_) => Err(Error::from(ErrorKind::DuplicateHostFunction(symbol.to_vec()))),
            Entry::Vacant(entry) => {
                entry.insert(call);
                Ok(self)
            }
        }
    }

    /// Registers a typed host function for the import `symbol`; errors if `symbol` already has
    /// one. Arguments are read from A0, A1, ... and the result is written to A0 (and A1).
    pub fn define_typed<Marker>(
        &mut self,
        symbol: impl AsRef<[u8]>,
        function: impl HostFunction<UserData, UserError, Marker>,
    ) -> Result<&mut Self, Error> {
        self.insert(symbol.as_ref(), function.into_host_call())
    }

    /// Registers a host function that reads and writes registers and memory itself.
    pub fn define_untyped(
        &mut self,
        symbol: impl AsRef<[u8]>,
        function: impl Fn(Caller<'_, UserData>) -> Result<(), UserError> + Send + Sync + 'static,
    ) -> Result<&mut Self, Error> {
        let call: HostCall<UserData, UserError> =
            Arc::new(move |user_data: &mut UserData, instance: &mut RawInstance| {
                function(Caller { user_data, instance })
            });
        self.insert(symbol.as_ref(), call)
    }

    /// Handles every host call whose import has no host function; gets the `ecalli` number.
    pub fn define_fallback(
        &mut self,
        function: impl Fn(Caller<'_, UserData>, u32) -> Result<(), UserError> + Send + Sync + 'static,
    ) {
        self.fallback = Some(Arc::new(function));
    }

    /// Resolves the module's exports by name (the first of duplicate names wins; strict mode
    /// rejects duplicates) and its imports by index (an import without a host function is
    /// left unresolved, allowed with a fallback, and rejected in strict mode).
    pub fn instantiate_pre(&self, module: &Module) -> Result<InstancePre<UserData, UserError>, Error> {
        let mut exports = HashMap::new();
        for export in module.exports() {
            match exports.entry(export.symbol().as_bytes().to_vec()) {
                Entry::Occupied(_) if module.is_strict() => {
                    return Err(Error::strict(StrictError::DuplicateExport(export.symbol().as_bytes().to_vec())));
                }
                Entry::Occupied(_) => tracing::debug!(symbol = %export.symbol(), "duplicate export ignored"),
                Entry::Vacant(entry) => {
                    entry.insert(export.program_counter());
                }
            }
        }

        let mut imports = Vec::with_capacity(module.imports().len() as usize);
        for symbol in module.imports().iter() {
            let Some(symbol) = symbol else {
                if module.is_strict() {
                    return Err(Error::strict(StrictError::UnparsableImport));
                }
                imports.push(None);
                continue;
            };
            let host_function = self.host_functions.get(symbol).cloned();
            if host_function.is_none() && self.fallback.is_none() {
                let name = ProgramSymbol::new(symbol);
                if module.is_strict() {
                    return Err(Error::strict(StrictError::MissingHostFunction(symbol.to_vec())));
                }
                tracing::debug!(symbol = %name, "missing host function");
            }
            imports.push(host_function);
        }

        Ok(InstancePre(Arc::new(PreState {
            module: module.clone(),
            imports,
            exports,
            fallback: self.fallback.clone(),
        })))
    }
}

struct PreState<UserData, UserError> {
    module: Module,
    imports: Vec<Option<HostCall<UserData, UserError>>>,
    exports: HashMap<Vec<u8>, ProgramCounter>,
    fallback: Option<FallbackCall<UserData, UserError>>,
}

/// A module linked against host functions; cheap to clone, instantiates quickly.
pub struct InstancePre<UserData = (), UserError = core::convert::Infallible>(Arc<PreState<UserData, UserError>>);

impl<UserData, UserError> Clone for InstancePre<UserData, UserError> {
    fn clone(&self) -> Self {
        InstancePre(Arc::clone(&self.0))
    }
}

impl<UserData, UserError> fmt::Debug for InstancePre<UserData, UserError> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstancePre").field("module", &self.0.module).finish_non_exhaustive()
    }
}

impl<UserData, UserError> InstancePre<UserData, UserError> {
    pub fn instantiate(&self) -> Result<Instance<UserData, UserError>, Error> {
        Ok(Instance { raw: self.0.module.instantiate()?, pre: self.clone() })
    }

    pub fn module(&self) -> &Module {
        &self.0.module
    }
}

/// Why a call through [`Instance`] did not finish.
#[derive(Debug)]
pub enum CallError<UserError = core::convert::Infallible> {
    /// The guest trapped (or called a host function that is not defined).
    Trap,
    /// The guest ran out of gas.
    NotEnoughGas,
    /// An API error (unknown export, backend failure, ...).
    Error(Error),
    /// A host function returned an error.
    User(UserError),
    /// Step tracing is on: the typed call API does not single-step.
    Step,
}

impl<UserError: fmt::Display> fmt::Display for CallError<UserError> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Trap => f.write_str("the guest trapped"),
            CallError::NotEnoughGas => f.write_str("the guest ran out of gas"),
            CallError::Error(error) => fmt::Display::fmt(error, f),
            CallError::User(error) => write!(f, "host function failed: {error}"),
            CallError::Step => f.write_str("the guest was interrupted by step tracing"),
        }
    }
}

impl<UserError: fmt::Debug + fmt::Display> core::error::Error for CallError<UserError> {}

impl<UserError> From<Error> for CallError<UserError> {
    fn from(error: Error) -> Self {
        CallError::Error(error)
    }
}

/// Where a call starts: an export name or a program counter.
pub trait EntryPoint {
    #[doc(hidden)]
    fn resolve(self, exports: &HashMap<Vec<u8>, ProgramCounter>) -> Result<ProgramCounter, Error>;
}

impl EntryPoint for &str {
    fn resolve(self, exports: &HashMap<Vec<u8>, ProgramCounter>) -> Result<ProgramCounter, Error> {
        exports.get(self.as_bytes()).copied().ok_or_else(|| Error::from(ErrorKind::ExportNotFound(self.to_owned())))
    }
}

impl EntryPoint for &String {
    fn resolve(self, exports: &HashMap<Vec<u8>, ProgramCounter>) -> Result<ProgramCounter, Error> {
        self.as_str().resolve(exports)
    }
}

impl EntryPoint for String {
    fn resolve(self, exports: &HashMap<Vec<u8>, ProgramCounter>) -> Result<ProgramCounter, Error> {
        self.as_str().resolve(exports)
    }
}

impl EntryPoint for ProgramCounter {
    fn resolve(self, _exports: &HashMap<Vec<u8>, ProgramCounter>) -> Result<ProgramCounter, Error> {
        Ok(self)
    }
}

/// An instance with its host functions. Dereferences to [`RawInstance`].
pub struct Instance<UserData = (), UserError = core::convert::Infallible> {
    raw: RawInstance,
    pre: InstancePre<UserData, UserError>,
}

impl<UserData, UserError> fmt::Debug for Instance<UserData, UserError> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Instance").field("raw", &self.raw).finish_non_exhaustive()
    }
}

impl<UserData, UserError> core::ops::Deref for Instance<UserData, UserError> {
    type Target = RawInstance;

    fn deref(&self) -> &RawInstance {
        &self.raw
    }
}

impl<UserData, UserError> core::ops::DerefMut for Instance<UserData, UserError> {
    fn deref_mut(&mut self) -> &mut RawInstance {
        &mut self.raw
    }
}

impl<UserData, UserError> Instance<UserData, UserError> {
    /// Calls `entry` with typed `args` and runs until the guest finishes
    /// ([`Instance::continue_execution`]).
    pub fn call_typed(
        &mut self,
        user_data: &mut UserData,
        entry: impl EntryPoint,
        args: impl crate::abi::FuncArgs,
    ) -> Result<(), CallError<UserError>> {
        let pc = entry.resolve(&self.pre.0.exports)?;
        self.raw.prepare_call_typed(pc, args);
        self.continue_execution(user_data)
    }

    /// Like [`Instance::call_typed`], then reads the typed result from A0 (and A1).
    pub fn call_typed_and_get_result<R: crate::abi::FuncResult>(
        &mut self,
        user_data: &mut UserData,
        entry: impl EntryPoint,
        args: impl crate::abi::FuncArgs,
    ) -> Result<R, CallError<UserError>> {
        self.call_typed(user_data, entry, args)?;
        Ok(self.raw.get_result_typed())
    }

    /// Runs until the guest finishes: host calls go to their host function (else the fallback,
    /// else the call traps); on dynamic-paging modules, faults in the stack, ro-data and rw-data
    /// ranges are resolved by loading the page; every other interrupt ends the call.
    pub fn continue_execution(&mut self, user_data: &mut UserData) -> Result<(), CallError<UserError>> {
        loop {
            match self.raw.run()? {
                InterruptKind::Finished => return Ok(()),
                InterruptKind::Trap => return Err(CallError::Trap),
                InterruptKind::NotEnoughGas => return Err(CallError::NotEnoughGas),
                InterruptKind::Step => return Err(CallError::Step),
                InterruptKind::Ecalli(number) => {
                    let state = &self.pre.0;
                    if let Some(Some(host_function)) = state.imports.get(number as usize) {
                        host_function(user_data, &mut self.raw).map_err(CallError::User)?;
                    } else if let Some(fallback) = &state.fallback {
                        fallback(Caller { user_data, instance: &mut self.raw }, number).map_err(CallError::User)?;
                    } else {
                        tracing::debug!(number, "host call without a host function");
                        return Err(CallError::Trap);
                    }
                }
                InterruptKind::Segfault(fault) => {
                    if !self.load_page(&fault)? {
                        tracing::debug!(page = fault.page_address, "unexpected segfault");
                        return Err(CallError::Trap);
                    }
                }
            }
        }
    }

    /// The lazy loader of dynamic-paging modules: maps the faulting page if it belongs to the
    /// stack (zeroed), ro data (filled, then read-only) or rw data (filled). Returns whether the
    /// page was handled.
    fn load_page(&mut self, fault: &Segfault) -> Result<bool, Error> {
        let module = self.raw.module().clone();
        let map = module.memory_map();
        let page = u64::from(fault.page_address);
        let page_end = page + u64::from(fault.page_size);
        let contains =
            |range: core::ops::Range<u32>| page >= u64::from(range.start) && page_end <= u64::from(range.end);
        let failed = |what: &str, error: crate::MemoryAccessError| {
            Error::from(error).context(format!("failed to {what} when handling a segfault at 0x{page:x}"))
        };

        if contains(map.stack_range()) {
            self.raw
                .zero_memory_with_memory_protection(fault.page_address, fault.page_size, MemoryProtection::ReadWrite)
                .map_err(|error| failed("zero memory", error))?;
            return Ok(true);
        }

        let (data, protection) = if contains(map.ro_data_range()) {
            (module.blob().ro_data(), MemoryProtection::Read)
        } else if contains(map.rw_data_range()) {
            (module.blob().rw_data(), MemoryProtection::ReadWrite)
        } else {
            return Ok(false);
        };
        let region_start =
            if protection == MemoryProtection::Read { map.ro_data_address() } else { map.rw_data_address() };
        let offset = (fault.page_address - region_start) as usize;
        let chunk = data.get(offset..).map(|rest| &rest[..rest.len().min(fault.page_size as usize)]);
        // A page with initial data is created writable so it can be filled, then protected.
        let initial = if chunk.is_some() { MemoryProtection::ReadWrite } else { protection };
        self.raw
            .zero_memory_with_memory_protection(fault.page_address, fault.page_size, initial)
            .map_err(|error| failed("zero memory", error))?;
        if let Some(chunk) = chunk {
            self.raw.write_memory(fault.page_address, chunk).map_err(|error| failed("write memory", error))?;
            if protection == MemoryProtection::Read {
                self.raw
                    .protect_memory(fault.page_address, fault.page_size)
                    .map_err(|error| failed("protect memory", error))?;
            }
        }
        Ok(true)
    }
}
