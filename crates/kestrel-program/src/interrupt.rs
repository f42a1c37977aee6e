//! The run-time vocabulary every execution backend reports in (`runtime.md` §8, §9, §11): why a
//! run stopped, the details of a dynamic-paging fault, page protections and gas metering kinds.
//! They live here, below every backend, so the interpreter, a compiler backend and the API share
//! one definition instead of converting between copies.

/// Why a run returned (`runtime.md` §8).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum InterruptKind {
    /// The guest jumped to the return-to-host address
    /// ([`RETURN_TO_HOST_ADDRESS`](crate::decode::RETURN_TO_HOST_ADDRESS)).
    Finished,
    /// The guest trapped; not resumable.
    Trap,
    /// The guest executed `ecalli n`; handle it, then run again.
    Ecalli(u32),
    /// Dynamic paging: a page must be mapped (or unprotected) before the run is retried.
    Segfault(Segfault),
    /// Not enough gas.
    NotEnoughGas,
    /// Step tracing: about to execute the instruction at the program counter.
    Step,
}

/// Details of a dynamic-paging fault (`runtime.md` §11).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct Segfault {
    /// The page-aligned address of the page that is missing (or read-only, for a write).
    pub page_address: u32,
    /// The module's page size.
    pub page_size: u32,
    /// Whether the page exists but the access was a write to a read-only page.
    pub is_write_protected: bool,
}

impl Segfault {
    /// A fault on the page at `page_address` (backends construct these; hosts read them).
    pub fn new(page_address: u32, page_size: u32, is_write_protected: bool) -> Segfault {
        Segfault { page_address, page_size, is_write_protected }
    }
}

/// The protection a host asks for in accessibility checks and dynamic-paging calls.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum MemoryProtection {
    Read,
    ReadWrite,
}

/// How gas is metered (`runtime.md` §9.1).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum GasMeteringKind {
    /// Exact: execution stops before a basic block it cannot pay for.
    Sync,
    /// Cheaper: may overrun; only "finished within budget or not" is deterministic.
    Async,
}
