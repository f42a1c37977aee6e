//! `RawInstance`: the low-level instance (`api.md` §7).
//!
//! Every call dispatches on [`Backend`], an enum with one variant per execution backend. The
//! checks that do not depend on the backend (argument validation, dynamic-paging gating, the
//! error types of the public API) are done here, once.

use kestrel_interpreter::MemoryLimits;
use kestrel_program::Reg;

use crate::abi::{FuncArgs, FuncResult, RegReader, RegWriter};
use crate::error::{Error, ErrorKind, MemoryAccessError};
use crate::module::Module;
use crate::types::{Gas, InterruptKind, MemoryProtection, ProgramCounter, RETURN_TO_HOST, RegValue};

/// Lowest address the host or guest may ever access.
const ADDRESS_SPACE_BOTTOM: u32 = 0x10000;
/// One past the highest guest address.
const ADDRESS_SPACE_END: u64 = 1 << 32;

/// Polkavm's interpreter accounts its block cache in entries of this many bytes; Kestrel keeps
/// the same arithmetic for `set_interpreter_cache_size_limit` so limits behave alike.
const CACHE_ENTRY_SIZE: usize = 24;

/// Bounds for the interpreter's cache of pre-decoded code (`set_interpreter_cache_size_limit`).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct SetCacheSizeLimitArgs {
    pub max_block_size: u32,
    pub max_cache_size_bytes: usize,
}

/// The execution state of one backend.
#[derive(Debug)]
enum Backend {
    Interpreter(Box<kestrel_interpreter::Instance>),
}

/// What [`RawInstance::run_fast`] returns.
pub(crate) enum RunOutcome {
    Finished,
    Ecalli(u32),
    /// Any other interrupt or an error, as `run()` reports it.
    Other(Result<InterruptKind, Error>),
}

/// One execution context of a [`Module`]: registers, gas, program counters and guest memory.
#[derive(Debug)]
pub struct RawInstance {
    module: Module,
    backend: Backend,
    // Cached: the typed call paths ask for every argument they marshal, and every call for SP.
    is_64_bit: bool,
    default_sp: RegValue,
    limits: MemoryLimits,
    cache_size_limit: Option<SetCacheSizeLimitArgs>,
}

fn round_up(value: u64, align: u64) -> u64 {
    value.div_ceil(align) * align
}

impl RawInstance {
    pub(crate) fn new(module: Module) -> RawInstance {
        let backend = Backend::Interpreter(Box::new(module.interpreter().instantiate()));
        let is_64_bit = module.is_64_bit();
        let default_sp = module.default_sp();
        RawInstance { module, backend, is_64_bit, default_sp, limits: MemoryLimits::default(), cache_size_limit: None }
    }

    pub fn module(&self) -> &Module {
        &self.module
    }

    #[inline]
    pub fn is_64_bit(&self) -> bool {
        self.is_64_bit
    }

    // ----- execution -----------------------------------------------------------------------

    /// Runs until the next interrupt (`runtime.md` §7–§10). Errors if no next program counter
    /// is set; returns `NotEnoughGas` at once if gas is negative.
    #[inline]
    pub fn run(&mut self) -> Result<InterruptKind, Error> {
        match self.run_fast() {
            RunOutcome::Finished => Ok(InterruptKind::Finished),
            RunOutcome::Ecalli(number) => Ok(InterruptKind::Ecalli(number)),
            RunOutcome::Other(result) => result,
        }
    }

    /// `run()` with the two interrupts of every call (finished, host call) kept apart from the
    /// rest, which are converted out of line: the typed call loop matches on this directly.
    #[inline]
    pub(crate) fn run_fast(&mut self) -> RunOutcome {
        let result = match &mut self.backend {
            Backend::Interpreter(instance) => instance.run(),
        };
        match result {
            Ok(kestrel_interpreter::InterruptKind::Ecalli(number)) => RunOutcome::Ecalli(number),
            Ok(kestrel_interpreter::InterruptKind::Finished) => RunOutcome::Finished,
            result => RunOutcome::Other(self.run_result_slow(result)),
        }
    }

    #[cold]
    #[inline(never)]
    fn run_result_slow(
        &self,
        result: Result<kestrel_interpreter::InterruptKind, kestrel_interpreter::Error>,
    ) -> Result<InterruptKind, Error> {
        match result {
            Ok(interrupt) => {
                if interrupt == InterruptKind::Trap {
                    tracing::debug!(pc = ?self.program_counter().map(|pc| pc.0), "guest trapped");
                }
                Ok(interrupt)
            }
            Err(kestrel_interpreter::Error::NextProgramCounterNotSet) => {
                Err(Error::from(ErrorKind::NextProgramCounterNotSet))
            }
            Err(error) => Err(Error::from(ErrorKind::Execution(error.to_string()))),
        }
    }

    /// A register. On 32-bit ISAs the low 32 bits, zero-extended.
    #[inline]
    pub fn reg(&self, reg: Reg) -> RegValue {
        match &self.backend {
            Backend::Interpreter(instance) => instance.reg(reg),
        }
    }

    /// Sets a register. On 32-bit ISAs only the low 32 bits are kept.
    #[inline]
    pub fn set_reg(&mut self, reg: Reg, value: RegValue) {
        match &mut self.backend {
            Backend::Interpreter(instance) => instance.set_reg(reg, value),
        }
    }

    /// Sets every register to zero.
    pub fn clear_regs(&mut self) {
        match &mut self.backend {
            Backend::Interpreter(instance) => instance.clear_regs(),
        }
    }

    /// The gas counter (meaningful without metering too: negative gas stops `run()`).
    pub fn gas(&self) -> Gas {
        match &self.backend {
            Backend::Interpreter(instance) => instance.gas(),
        }
    }

    pub fn set_gas(&mut self, gas: Gas) {
        match &mut self.backend {
            Backend::Interpreter(instance) => instance.set_gas(gas),
        }
    }

    /// The instruction that caused the last interrupt.
    pub fn program_counter(&self) -> Option<ProgramCounter> {
        match &self.backend {
            Backend::Interpreter(instance) => instance.program_counter().map(ProgramCounter),
        }
    }

    /// Where the next `run()` continues.
    pub fn next_program_counter(&self) -> Option<ProgramCounter> {
        match &self.backend {
            Backend::Interpreter(instance) => instance.next_program_counter().map(ProgramCounter),
        }
    }

    /// Redirects execution to `pc`; clears `program_counter()` and arms the entry gas charge.
    pub fn set_next_program_counter(&mut self, pc: ProgramCounter) {
        match &mut self.backend {
            Backend::Interpreter(instance) => instance.set_next_program_counter(pc.0),
        }
    }

    /// The native program counter (compiler backend only).
    pub fn next_native_program_counter(&self) -> Option<usize> {
        None
    }

    /// Sets up a call: all registers zero, SP = `default_sp`, RA = [`RETURN_TO_HOST`], `args` in
    /// A0..A5, T0..T2, next program counter = `pc`.
    ///
    /// # Panics
    /// If `args` has more than nine elements.
    #[inline]
    pub fn prepare_call_untyped(&mut self, pc: ProgramCounter, args: &[RegValue]) {
        assert!(args.len() <= Reg::ARG_REGS.len(), "too many arguments: {} (at most 9)", args.len());
        let sp = self.default_sp;
        // Dispatch on the backend once for the whole set-up.
        match &mut self.backend {
            Backend::Interpreter(instance) => {
                instance.clear_regs();
                instance.set_reg(Reg::SP, sp);
                instance.set_reg(Reg::RA, RETURN_TO_HOST);
                for (&reg, &value) in Reg::ARG_REGS.iter().zip(args) {
                    instance.set_reg(reg, value);
                }
                instance.set_next_program_counter(pc.0);
            }
        }
    }

    /// Like [`RawInstance::prepare_call_untyped`] with typed arguments (a tuple of up to six
    /// `u32`/`i32`/`u64`/`i64`; 64-bit values take two registers on 32-bit ISAs).
    ///
    /// # Panics
    /// If the arguments need more than nine registers.
    #[inline]
    pub fn prepare_call_typed(&mut self, pc: ProgramCounter, args: impl FuncArgs) {
        let mut regs = RegWriter::default();
        args.write_args(&mut regs, self.is_64_bit);
        self.prepare_call_untyped(pc, regs.values());
    }

    /// Reads a typed result from A0 (and A1).
    #[inline]
    pub fn get_result_typed<R: FuncResult>(&self) -> R {
        R::read_result(&mut RegReader::new(self), self.is_64_bit)
    }

    // ----- memory ----------------------------------------------------------------------------

    /// Fills `buffer` from guest memory at `address`; the whole range must be readable.
    pub fn read_memory_into<'a>(&self, address: u32, buffer: &'a mut [u8]) -> Result<&'a mut [u8], MemoryAccessError> {
        match &self.backend {
            Backend::Interpreter(instance) => instance.read_memory_into(address, buffer).map_err(Into::into),
        }
    }

    pub fn read_memory(&self, address: u32, length: u32) -> Result<Vec<u8>, MemoryAccessError> {
        let mut buffer = vec![0; length as usize];
        self.read_memory_into(address, &mut buffer)?;
        Ok(buffer)
    }

    fn read_array<const N: usize>(&self, address: u32) -> Result<[u8; N], MemoryAccessError> {
        let mut buffer = [0; N];
        self.read_memory_into(address, &mut buffer)?;
        Ok(buffer)
    }

    pub fn read_u8(&self, address: u32) -> Result<u8, MemoryAccessError> {
        self.read_array::<1>(address).map(|[byte]| byte)
    }

    pub fn read_u16(&self, address: u32) -> Result<u16, MemoryAccessError> {
        self.read_array(address).map(u16::from_le_bytes)
    }

    pub fn read_u32(&self, address: u32) -> Result<u32, MemoryAccessError> {
        self.read_array(address).map(u32::from_le_bytes)
    }

    pub fn read_u64(&self, address: u32) -> Result<u64, MemoryAccessError> {
        self.read_array(address).map(u64::from_le_bytes)
    }

    /// Writes `data` at `address`; the whole range must be writable (never partially written).
    pub fn write_memory(&mut self, address: u32, data: &[u8]) -> Result<(), MemoryAccessError> {
        match &mut self.backend {
            Backend::Interpreter(instance) => instance.write_memory(address, data).map_err(Into::into),
        }
    }

    pub fn write_u8(&mut self, address: u32, value: u8) -> Result<(), MemoryAccessError> {
        self.write_memory(address, &[value])
    }

    pub fn write_u16(&mut self, address: u32, value: u16) -> Result<(), MemoryAccessError> {
        self.write_memory(address, &value.to_le_bytes())
    }

    pub fn write_u32(&mut self, address: u32, value: u32) -> Result<(), MemoryAccessError> {
        self.write_memory(address, &value.to_le_bytes())
    }

    pub fn write_u64(&mut self, address: u32, value: u64) -> Result<(), MemoryAccessError> {
        self.write_memory(address, &value.to_le_bytes())
    }

    /// Zeroes `[address, address + length)`; the whole range must be writable.
    pub fn zero_memory(&mut self, address: u32, length: u32) -> Result<(), MemoryAccessError> {
        match &mut self.backend {
            Backend::Interpreter(instance) => instance.zero_memory(address, length).map_err(Into::into),
        }
    }

    /// Whether the host may access `[address, address + length)` with `protection`.
    pub fn is_memory_accessible(&self, address: u32, length: u32, protection: MemoryProtection) -> bool {
        match &self.backend {
            Backend::Interpreter(instance) => instance.is_memory_accessible(address, length, protection),
        }
    }

    fn require_dynamic_paging(&self, what: &'static str) -> Result<(), Error> {
        if self.module.is_dynamic_paging() { Ok(()) } else { Err(Error::from(ErrorKind::RequiresDynamicPaging(what))) }
    }

    fn require_static_memory(&self, what: &'static str) -> Result<(), Error> {
        if self.module.is_dynamic_paging() { Err(Error::from(ErrorKind::RequiresStaticMemory(what))) } else { Ok(()) }
    }

    /// Checks a page-granular range: inside `[0x10000, 2^32)` once rounded up to whole pages.
    fn check_page_range(&self, address: u32, length: u32) -> Result<(), MemoryAccessError> {
        let page_size = u64::from(self.module.memory_map().page_size());
        if address < ADDRESS_SPACE_BOTTOM
            || u64::from(address) + round_up(u64::from(length), page_size) > ADDRESS_SPACE_END
        {
            return Err(MemoryAccessError::out_of_range(address, u64::from(length)));
        }
        Ok(())
    }

    fn is_page_aligned(&self, address: u32) -> bool {
        address.is_multiple_of(self.module.memory_map().page_size())
    }

    /// Dynamic paging: creates (if absent) and zeroes every page of
    /// `[address, address + round_up(length))` with the given protection.
    pub fn zero_memory_with_memory_protection(
        &mut self,
        address: u32,
        length: u32,
        protection: MemoryProtection,
    ) -> Result<(), MemoryAccessError> {
        self.require_dynamic_paging("'zero_memory_with_memory_protection'").map_err(MemoryAccessError::Error)?;
        if length == 0 {
            return Ok(());
        }
        if !self.is_page_aligned(address) {
            return Err(MemoryAccessError::Error(Error::from(ErrorKind::NotPageAligned)));
        }
        self.check_page_range(address, length)?;
        match &mut self.backend {
            Backend::Interpreter(instance) => instance
                .zero_memory_with_memory_protection(address, length, protection)
                .map_err(|error| MemoryAccessError::Error(Error::other(error.to_string()))),
        }
    }

    /// Dynamic paging: makes the (present) pages of the range read-only.
    pub fn protect_memory(&mut self, address: u32, length: u32) -> Result<(), MemoryAccessError> {
        self.change_protection(address, length, false)
    }

    /// Dynamic paging: makes the (present) pages of the range read-write.
    pub fn unprotect_memory(&mut self, address: u32, length: u32) -> Result<(), MemoryAccessError> {
        self.change_protection(address, length, true)
    }

    fn change_protection(&mut self, address: u32, length: u32, writable: bool) -> Result<(), MemoryAccessError> {
        self.require_dynamic_paging("protecting/unprotecting memory").map_err(MemoryAccessError::Error)?;
        if length == 0 {
            return Ok(());
        }
        self.check_page_range(address, length)?;
        // Every page must exist; report a missing one as an out-of-range access.
        let page_size = u64::from(self.module.memory_map().page_size());
        let span = round_up(u64::from(length), page_size) as u32;
        if !self.is_memory_accessible(address, span, MemoryProtection::Read) {
            return Err(MemoryAccessError::out_of_range(address, u64::from(length)));
        }
        let result = match &mut self.backend {
            Backend::Interpreter(instance) => {
                if writable {
                    instance.unprotect_memory(address, length)
                } else {
                    instance.protect_memory(address, length)
                }
            }
        };
        result.map_err(|error| MemoryAccessError::Error(Error::other(error.to_string())))
    }

    /// Dynamic paging: removes the pages of the range (the next access faults again).
    pub fn free_pages(&mut self, address: u32, length: u32) -> Result<(), Error> {
        if length == 0 {
            return Ok(());
        }
        if !self.is_page_aligned(address) {
            return Err(Error::from(ErrorKind::NotPageAligned));
        }
        self.require_dynamic_paging("freeing pages")?;
        self.check_page_range(address, length).map_err(|error| Error::from(error).context("free pages failed"))?;
        match &mut self.backend {
            Backend::Interpreter(instance) => instance
                .free_pages(address, length)
                .map_err(|error| Error::other(error.to_string()).context("free pages failed")),
        }
    }

    /// The current heap size (0 for dynamic-paging modules, which have no heap).
    pub fn heap_size(&self) -> u32 {
        match &self.backend {
            Backend::Interpreter(instance) => instance.heap_size().unwrap_or(0),
        }
    }

    /// Grows the heap by `size` bytes (`runtime.md` §5): the new heap top, or `None` if the heap
    /// cannot grow that much. Errors on dynamic-paging modules.
    pub fn sbrk(&mut self, size: u32) -> Result<Option<u32>, Error> {
        self.require_static_memory("sbrk")?;
        match &mut self.backend {
            Backend::Interpreter(instance) => {
                instance.sbrk(size).map_err(|error| Error::other(error.to_string()).context("sbrk failed"))
            }
        }
    }

    /// Restores memory to its initial contents (`runtime.md` §4.2); registers, gas and program
    /// counters are untouched. Dynamic-paging modules lose every page.
    pub fn reset_memory(&mut self) -> Result<(), Error> {
        match &mut self.backend {
            Backend::Interpreter(instance) => instance.reset_memory(),
        }
        Ok(())
    }

    /// Sets how much of the aux region is accessible (rounded up to the page size).
    pub fn set_accessible_aux_size(&mut self, size: u32) -> Result<(), Error> {
        self.require_static_memory("setting accessible aux size")?;
        let maximum = self.module.memory_map().aux_data_size();
        if size > maximum {
            return Err(Error::from(ErrorKind::AuxSizeTooLarge { maximum, requested: size }));
        }
        match &mut self.backend {
            Backend::Interpreter(instance) => instance
                .set_accessible_aux_size(size)
                .map_err(|error| Error::other(error.to_string()).context("failed to set accessible aux size")),
        }
    }

    /// Makes host writes into the aux region fail (guest reads are unaffected).
    pub fn set_host_side_aux_write_protect(&mut self, protect: bool) -> Result<(), Error> {
        self.require_static_memory("write-protecting the aux data region")?;
        match &mut self.backend {
            Backend::Interpreter(instance) => {
                instance.set_host_side_aux_write_protect(protect).map_err(|error| Error::other(error.to_string()))
            }
        }
    }

    // ----- backend specifics -------------------------------------------------------------------

    /// The worker process id (sandboxed compiler backend only).
    pub fn pid(&self) -> Option<u32> {
        None
    }

    /// Drops cached pre-decoded code. Kestrel's interpreter decodes a module once, when it is
    /// created, and shares that between instances, so there is nothing per-instance to drop.
    pub fn reset_interpreter_cache(&mut self) {}

    /// Bounds the interpreter's code cache. The limit is validated like polkavm's (it must hold
    /// two blocks of `max_block_size + 1` entries) and stored; Kestrel's pre-decoded code lives in
    /// the module, so it does not grow per instance.
    pub fn set_interpreter_cache_size_limit(&mut self, limit: Option<SetCacheSizeLimitArgs>) -> Result<(), Error> {
        if let Some(args) = limit {
            let entries = args.max_cache_size_bytes / CACHE_ENTRY_SIZE;
            let minimum = (args.max_block_size as usize).saturating_add(1).saturating_mul(2);
            if entries < minimum {
                return Err(Error::from(ErrorKind::CacheSizeLimitTooSmall));
            }
        }
        self.cache_size_limit = limit;
        Ok(())
    }

    /// Caps the backing allocation of each of rw/heap, stack and aux (`runtime.md` §4.4).
    pub fn set_interpreter_max_allocation_size(&mut self, value: Option<usize>) {
        self.limits.max_allocation_size = value;
        self.apply_limits();
    }

    /// Caps the sum of the rw/heap, stack and aux backing allocations (`runtime.md` §4.4).
    pub fn set_interpreter_guest_memory_limit(&mut self, value: Option<usize>) {
        self.limits.guest_memory_limit = value;
        self.apply_limits();
    }

    fn apply_limits(&mut self) {
        match &mut self.backend {
            Backend::Interpreter(instance) => instance.set_memory_limits(self.limits),
        }
    }
}
