//! The interpreter's `RawInstance`: registers, gas, program counters, memory and `run()`.

use kestrel_program::Reg;

use crate::compile::Entry;
use crate::execute::{self, Exit, Machine};
use crate::memory::{Memory, MemoryLimits};
use crate::{Error, GasMeteringKind, InterruptKind, MemoryAccessError, MemoryProtection, Module, Segfault};

/// Where `run()` continues.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum Resume {
    /// Nothing to run (`next_program_counter()` is `None`).
    None,
    /// The host set the next pc; resolve it (and charge entry gas) on `run()`.
    Entry(u32),
    /// Continue at this op (after an interrupt).
    Op(u32),
}

/// One execution context of a [`Module`].
pub struct Instance {
    module: Module,
    // Cached: every register access asks.
    is_64_bit: bool,
    /// The last host entry resolved: calls usually enter the same export again.
    last_entry: Option<Entry>,
    /// Register file and guest memory (boxed: the register file is 2 KiB; kept across runs so a
    /// call copies nothing).
    machine: Box<Machine>,
    gas: i64,
    program_counter: Option<u32>,
    resume: Resume,
}

impl core::fmt::Debug for Instance {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Instance")
            .field("regs", &&self.machine.regs[..13])
            .field("gas", &self.gas)
            .field("program_counter", &self.program_counter)
            .field("next_program_counter", &self.next_program_counter())
            .finish()
    }
}

impl Instance {
    pub(crate) fn new(module: Module) -> Instance {
        let inner = &module.0;
        let memory = if inner.config.dynamic_paging {
            Memory::new_paged(inner.layout)
        } else {
            Memory::new(inner.layout, inner.ro_data.clone(), inner.rw_data.clone())
        };
        Instance {
            is_64_bit: module.is_64_bit(),
            module,
            last_entry: None,
            machine: Box::new(Machine { regs: [0; 256], memory }),
            gas: 0,
            program_counter: None,
            resume: Resume::None,
        }
    }

    pub fn module(&self) -> &Module {
        &self.module
    }

    #[inline]
    fn is_64_bit(&self) -> bool {
        self.is_64_bit
    }

    // ----- registers, gas, program counters --------------------------------------------------

    /// A register; 32-bit ISAs see the low 32 bits, zero-extended.
    #[inline]
    pub fn reg(&self, reg: Reg) -> u64 {
        let value = self.machine.regs[reg.index() as usize];
        if self.is_64_bit() { value } else { u64::from(value as u32) }
    }

    /// Sets a register; 32-bit ISAs keep the low 32 bits.
    #[inline]
    pub fn set_reg(&mut self, reg: Reg, value: u64) {
        let value = if self.is_64_bit() { value } else { value as u32 as i32 as i64 as u64 };
        self.machine.regs[reg.index() as usize] = value;
    }

    #[inline]
    pub fn clear_regs(&mut self) {
        self.machine.regs[..16].fill(0);
    }

    #[inline]
    pub fn gas(&self) -> i64 {
        self.gas
    }

    #[inline]
    pub fn set_gas(&mut self, gas: i64) {
        self.gas = gas;
    }

    /// The instruction that caused the last interrupt.
    #[inline]
    pub fn program_counter(&self) -> Option<u32> {
        self.program_counter
    }

    /// Where `run()` continues.
    pub fn next_program_counter(&self) -> Option<u32> {
        match self.resume {
            Resume::None => None,
            Resume::Entry(pc) => Some(pc),
            Resume::Op(op) => self.module.0.code.op_pc.get(op as usize).copied(),
        }
    }

    /// Redirects execution; the next `run()` charges entry gas (`runtime.md` §9.3).
    #[inline]
    pub fn set_next_program_counter(&mut self, pc: u32) {
        self.program_counter = None;
        self.resume = Resume::Entry(pc);
    }

    /// `prepare_call_untyped`: zero registers, SP = default, RA = return-to-host, arguments in
    /// A0..A5, T0..T2, then `set_next_program_counter(pc)`. More than 9 arguments is an error.
    pub fn prepare_call_untyped(&mut self, pc: u32, args: &[u64]) -> Result<(), Error> {
        if args.len() > Reg::ARG_REGS.len() {
            return Err(Error::Other(format!("too many arguments: {} (at most 9)", args.len())));
        }
        self.clear_regs();
        self.set_reg(Reg::SP, self.module.default_sp());
        self.set_reg(Reg::RA, u64::from(kestrel_program::decode::RETURN_TO_HOST_ADDRESS));
        for (&reg, &value) in Reg::ARG_REGS.iter().zip(args) {
            self.set_reg(reg, value);
        }
        self.set_next_program_counter(pc);
        Ok(())
    }

    // ----- running ---------------------------------------------------------------------------

    /// Runs until the next interrupt (`runtime.md` §7–§10).
    pub fn run(&mut self) -> Result<InterruptKind, Error> {
        if self.resume == Resume::None {
            return Err(Error::NextProgramCounterNotSet);
        }
        if self.gas < 0 {
            return Ok(InterruptKind::NotEnoughGas);
        }
        // Field-wise borrows (not a clone of the module's `Arc`: two atomic operations per call).
        let module = &*self.module.0;
        let code = &module.code;
        let start = match self.resume {
            Resume::Op(op) => op,
            Resume::None => return Err(Error::NextProgramCounterNotSet),
            Resume::Entry(pc) => {
                let entry = match self.last_entry {
                    Some(entry) if entry.pc == pc => entry,
                    _ => {
                        let Some(entry) = code.entry(pc) else {
                            tracing::trace!(pc, "entry at a non-boundary");
                            self.program_counter = Some(pc);
                            return Ok(InterruptKind::Trap);
                        };
                        self.last_entry = Some(entry);
                        entry
                    }
                };
                if entry.charge > 0 {
                    let charge = i64::try_from(entry.charge).unwrap_or(i64::MAX);
                    match module.config.gas_metering {
                        Some(GasMeteringKind::Sync) if charge > self.gas => {
                            self.program_counter = None;
                            return Ok(InterruptKind::NotEnoughGas);
                        }
                        Some(GasMeteringKind::Async) if charge > self.gas => {
                            self.gas -= charge;
                            self.program_counter = None;
                            self.resume = Resume::None;
                            return Ok(InterruptKind::NotEnoughGas);
                        }
                        _ => self.gas -= charge,
                    }
                }
                entry.op
            }
        };

        let exit = execute::run(code, &mut self.machine, &mut self.gas, start);
        let pc_of = |op: u32| code.op_pc.get(op as usize).copied();
        let interrupt = match exit {
            Exit::Trap(op) => {
                self.program_counter = pc_of(op);
                self.resume = Resume::None;
                InterruptKind::Trap
            }
            Exit::Finished => {
                self.program_counter = None;
                self.resume = Resume::None;
                InterruptKind::Finished
            }
            Exit::Ecalli(op, number) => {
                self.program_counter = pc_of(op);
                self.resume = Resume::Op(op + 1);
                InterruptKind::Ecalli(number)
            }
            Exit::Segfault(op, page_address, is_write_protected) => {
                self.program_counter = pc_of(op);
                self.resume = Resume::Op(op);
                InterruptKind::Segfault(Segfault::new(page_address, module.layout.page_size, is_write_protected))
            }
            Exit::NotEnoughGas(op) => {
                self.program_counter = pc_of(op);
                self.resume = Resume::Op(op);
                InterruptKind::NotEnoughGas
            }
            Exit::NotEnoughGasAsync => {
                self.program_counter = None;
                self.resume = Resume::None;
                InterruptKind::NotEnoughGas
            }
            Exit::Step(op) => {
                self.program_counter = pc_of(op);
                self.resume = Resume::Op(op + 1);
                InterruptKind::Step
            }
        };
        // The interrupt override of `runtime.md` §8.
        if self.gas < 0 {
            return Ok(InterruptKind::NotEnoughGas);
        }
        Ok(interrupt)
    }

    // ----- memory ----------------------------------------------------------------------------

    pub fn read_memory_into<'a>(&self, address: u32, buffer: &'a mut [u8]) -> Result<&'a mut [u8], MemoryAccessError> {
        self.machine.memory.read(address, buffer)?;
        Ok(buffer)
    }

    pub fn read_memory(&self, address: u32, length: u32) -> Result<Vec<u8>, MemoryAccessError> {
        let mut buffer = vec![0; length as usize];
        self.machine.memory.read(address, &mut buffer)?;
        Ok(buffer)
    }

    pub fn read_u8(&self, address: u32) -> Result<u8, MemoryAccessError> {
        let mut buffer = [0; 1];
        self.machine.memory.read(address, &mut buffer)?;
        Ok(buffer[0])
    }

    pub fn read_u16(&self, address: u32) -> Result<u16, MemoryAccessError> {
        let mut buffer = [0; 2];
        self.machine.memory.read(address, &mut buffer)?;
        Ok(u16::from_le_bytes(buffer))
    }

    pub fn read_u32(&self, address: u32) -> Result<u32, MemoryAccessError> {
        let mut buffer = [0; 4];
        self.machine.memory.read(address, &mut buffer)?;
        Ok(u32::from_le_bytes(buffer))
    }

    pub fn read_u64(&self, address: u32) -> Result<u64, MemoryAccessError> {
        let mut buffer = [0; 8];
        self.machine.memory.read(address, &mut buffer)?;
        Ok(u64::from_le_bytes(buffer))
    }

    pub fn write_memory(&mut self, address: u32, data: &[u8]) -> Result<(), MemoryAccessError> {
        self.machine.memory.write(address, data)
    }

    pub fn write_u8(&mut self, address: u32, value: u8) -> Result<(), MemoryAccessError> {
        self.machine.memory.write(address, &[value])
    }

    pub fn write_u16(&mut self, address: u32, value: u16) -> Result<(), MemoryAccessError> {
        self.machine.memory.write(address, &value.to_le_bytes())
    }

    pub fn write_u32(&mut self, address: u32, value: u32) -> Result<(), MemoryAccessError> {
        self.machine.memory.write(address, &value.to_le_bytes())
    }

    pub fn write_u64(&mut self, address: u32, value: u64) -> Result<(), MemoryAccessError> {
        self.machine.memory.write(address, &value.to_le_bytes())
    }

    pub fn zero_memory(&mut self, address: u32, length: u32) -> Result<(), MemoryAccessError> {
        self.machine.memory.zero(address, length)
    }

    pub fn is_memory_accessible(&self, address: u32, length: u32, protection: MemoryProtection) -> bool {
        self.machine.memory.is_accessible(address, length, protection)
    }

    /// `reset_memory` (`runtime.md` §4.2): registers, gas and program counters are untouched.
    pub fn reset_memory(&mut self) {
        self.machine.memory.reset();
    }

    pub fn heap_size(&self) -> Result<u32, Error> {
        self.require_static("heap_size")?;
        Ok(self.machine.memory.heap_size())
    }

    /// Host `sbrk` (`runtime.md` §5): the new heap top, or `None` on failure.
    pub fn sbrk(&mut self, size: u32) -> Result<Option<u32>, Error> {
        self.require_static("sbrk")?;
        Ok(self.machine.memory.sbrk(size))
    }

    pub fn set_accessible_aux_size(&mut self, size: u32) -> Result<(), Error> {
        self.require_static("set_accessible_aux_size")?;
        let maximum = self.machine.memory.aux_size();
        if size > maximum {
            return Err(Error::Other(format!(
                "cannot set accessible aux size: the maximum is {maximum}, while tried to set {size}"
            )));
        }
        self.machine.memory.set_accessible_aux_size(size);
        Ok(())
    }

    pub fn set_host_side_aux_write_protect(&mut self, protect: bool) -> Result<(), Error> {
        self.require_static("set_host_side_aux_write_protect")?;
        self.machine.memory.set_host_aux_write_protect(protect);
        Ok(())
    }

    /// `set_interpreter_max_allocation_size` / `set_interpreter_guest_memory_limit` (§4.4).
    pub fn set_memory_limits(&mut self, limits: MemoryLimits) {
        self.machine.memory.set_limits(limits);
    }

    fn require_static(&self, what: &str) -> Result<(), Error> {
        if self.machine.memory.paged.is_some() {
            return Err(Error::Other(format!("{what} is not supported when dynamic paging is enabled")));
        }
        Ok(())
    }

    fn paged(&mut self) -> Result<&mut crate::paging::PagedMemory, Error> {
        self.machine.memory.paged.as_mut().ok_or_else(|| Error::Other("dynamic paging is not enabled".into()))
    }

    fn require_page_aligned(&mut self, address: u32) -> Result<&mut crate::paging::PagedMemory, Error> {
        let paged = self.paged()?;
        if !paged.is_page_aligned(address) {
            return Err(Error::Other("address not a multiple of page size".into()));
        }
        Ok(paged)
    }

    /// Dynamic paging: create/zero pages with a protection (`runtime.md` §11).
    pub fn zero_memory_with_memory_protection(
        &mut self,
        address: u32,
        length: u32,
        protection: MemoryProtection,
    ) -> Result<(), Error> {
        let paged = self.require_page_aligned(address)?;
        paged.zero_with_protection(address, length, protection).map_err(|error| Error::Other(error.to_string()))
    }

    pub fn protect_memory(&mut self, address: u32, length: u32) -> Result<(), Error> {
        self.paged()?.set_protection(address, length, false).map_err(|error| Error::Other(error.to_string()))
    }

    pub fn unprotect_memory(&mut self, address: u32, length: u32) -> Result<(), Error> {
        self.paged()?.set_protection(address, length, true).map_err(|error| Error::Other(error.to_string()))
    }

    pub fn free_pages(&mut self, address: u32, length: u32) -> Result<(), Error> {
        let paged = self.require_page_aligned(address)?;
        paged.free_pages(address, length).map_err(|error| Error::Other(error.to_string()))
    }
}
