//! Guest memory without dynamic paging (`runtime.md` §3–§5).
//!
//! Four regions: read-only data, read-write data + heap, stack and aux data. Each keeps a lazily
//! grown backing `Vec`: bytes inside the accessible range but outside the backing read as zero
//! and are allocated on the first write (rw and aux grow upward from their start, the stack grows
//! downward from its top). The guest hot path ([`Memory::load_fast`] / [`Memory::store_fast`])
//! only checks the rw and stack backings; everything else goes through the slow path.

use crate::paging::PagedMemory;
use crate::{MemoryAccessError, MemoryProtection};

/// Lowest guest-accessible address.
pub const ADDRESS_SPACE_BOTTOM: u32 = 0x10000;

/// Smallest backing allocation step.
const MIN_BACKING: u64 = 4096;

/// Where the regions are, from the module's memory map.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Layout {
    pub page_size: u32,
    pub ro_address: u32,
    pub ro_size: u32,
    pub rw_address: u32,
    pub rw_size: u32,
    pub heap_base: u32,
    pub max_heap_size: u32,
    pub stack_low: u32,
    pub stack_high: u32,
    pub aux_address: u32,
    pub aux_size: u32,
}

/// Why a guest access failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fault {
    Trap,
    Segfault { page_address: u32, is_write_protected: bool },
}

/// Optional caps on backing allocations (`runtime.md` §4.4).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct MemoryLimits {
    pub max_allocation_size: Option<usize>,
    pub guest_memory_limit: Option<usize>,
}

fn round_up(value: u64, align: u64) -> u64 {
    value.div_ceil(align) * align
}

fn backing_step(needed: u64, cap: u64) -> u64 {
    needed.max(MIN_BACKING).next_power_of_two().min(cap)
}

/// Copies `out.len()` bytes starting at offset `at` of a backing that is zero beyond its end.
fn read_from_backing(backing: &[u8], at: usize, out: &mut [u8]) {
    let available = backing.len().saturating_sub(at).min(out.len());
    let (head, tail) = out.split_at_mut(available);
    if available > 0 {
        head.copy_from_slice(&backing[at..at + available]);
    }
    tail.fill(0);
}

/// All guest memory of one instance.
#[derive(Clone, Debug)]
pub struct Memory {
    layout: Layout,
    /// The module's read-only data, at most `layout.ro_size` bytes.
    ro: std::sync::Arc<[u8]>,
    /// rw + heap backing, starting at `layout.rw_address`.
    rw: Vec<u8>,
    /// The rw backing does not hold the initial rw data yet (see [`Memory::materialize_rw`]).
    rw_pending: bool,
    /// Currently accessible rw length (grows with `sbrk`, page-rounded).
    rw_accessible: u32,
    /// Stack backing, ending at `layout.stack_high`; starts at `stack_backing_low`.
    stack: Vec<u8>,
    stack_backing_low: u32,
    aux: Vec<u8>,
    aux_accessible: u32,
    heap_size: u32,
    host_aux_write_protect: bool,
    rw_initial: std::sync::Arc<[u8]>,
    limits: MemoryLimits,
    pub(crate) paged: Option<PagedMemory>,
}

impl Memory {
    /// Fresh memory for a static (non-paged) module.
    /// `ro_data` is shared with the module (the guest and the host can only read it);
    /// `rw_data` is copied into the rw backing on first use, not here.
    pub fn new(layout: Layout, ro_data: std::sync::Arc<[u8]>, rw_data: std::sync::Arc<[u8]>) -> Memory {
        let mut memory = Memory {
            layout,
            ro: ro_data,
            rw: Vec::new(),
            rw_pending: false,
            rw_accessible: layout.rw_size,
            stack: Vec::new(),
            stack_backing_low: layout.stack_high,
            aux: Vec::new(),
            aux_accessible: layout.aux_size,
            heap_size: 0,
            host_aux_write_protect: false,
            rw_initial: rw_data,
            limits: MemoryLimits::default(),
            paged: None,
        };
        memory.reset();
        memory
    }

    /// Fresh memory for a dynamic-paging module: nothing is mapped.
    pub fn new_paged(layout: Layout) -> Memory {
        let empty: std::sync::Arc<[u8]> = std::sync::Arc::from(Vec::new());
        let mut memory = Memory::new(layout, empty.clone(), empty);
        memory.rw_accessible = 0;
        memory.aux_accessible = 0;
        memory.paged = Some(PagedMemory::new(layout.page_size));
        memory
    }

    pub fn set_limits(&mut self, limits: MemoryLimits) {
        self.limits = limits;
    }

    /// `reset_memory` (`runtime.md` §4.2).
    pub fn reset(&mut self) {
        if let Some(paged) = self.paged.as_mut() {
            paged.clear();
            return;
        }
        self.rw.clear();
        self.rw_pending = !self.rw_initial().is_empty();
        self.rw_accessible = self.layout.rw_size;
        self.heap_size = 0;
        self.stack.clear();
        self.stack_backing_low = self.layout.stack_high;
        self.aux.clear();
        self.aux_accessible = self.layout.aux_size;
    }

    // ----- guest accesses -------------------------------------------------------------------

    /// Makes the backings ready for the dispatch loop's fast path (copies the initial rw data
    /// if that has not happened yet).
    #[inline(always)]
    pub fn prepare_fast_path(&mut self) {
        if self.rw_pending {
            self.materialize_rw();
        }
    }

    /// Guest load of `N` bytes: the fast path (backed rw/heap, then backed stack), else `None`.
    #[inline(always)]
    pub fn load_fast<const N: usize>(&self, address: u32) -> Option<[u8; N]> {
        let offset = address.wrapping_sub(self.layout.rw_address) as usize;
        if let Some(bytes) = self.rw.get(offset..offset + N) {
            return bytes.first_chunk::<N>().copied();
        }
        let offset = address.wrapping_sub(self.stack_backing_low) as usize;
        self.stack.get(offset..offset + N).and_then(|bytes| bytes.first_chunk::<N>().copied())
    }

    /// [`Memory::load_fast`] with the stack backing checked first (stack-pointer-based accesses).
    #[inline(always)]
    pub fn load_fast_stack_first<const N: usize>(&self, address: u32) -> Option<[u8; N]> {
        let offset = address.wrapping_sub(self.stack_backing_low) as usize;
        if let Some(bytes) = self.stack.get(offset..offset + N) {
            return bytes.first_chunk::<N>().copied();
        }
        let offset = address.wrapping_sub(self.layout.rw_address) as usize;
        self.rw.get(offset..offset + N).and_then(|bytes| bytes.first_chunk::<N>().copied())
    }

    /// [`Memory::store_fast`] with the stack backing checked first (stack-pointer-based accesses).
    #[inline(always)]
    pub fn store_fast_stack_first<const N: usize>(&mut self, address: u32, bytes: [u8; N]) -> bool {
        let offset = address.wrapping_sub(self.stack_backing_low) as usize;
        if let Some(slot) = self.stack.get_mut(offset..offset + N) {
            slot.copy_from_slice(&bytes);
            return true;
        }
        let offset = address.wrapping_sub(self.layout.rw_address) as usize;
        if let Some(slot) = self.rw.get_mut(offset..offset + N) {
            slot.copy_from_slice(&bytes);
            return true;
        }
        false
    }

    /// Guest store of `N` bytes on the fast path; false if it is not there.
    #[inline(always)]
    pub fn store_fast<const N: usize>(&mut self, address: u32, bytes: [u8; N]) -> bool {
        let offset = address.wrapping_sub(self.layout.rw_address) as usize;
        if let Some(slot) = self.rw.get_mut(offset..offset + N) {
            slot.copy_from_slice(&bytes);
            return true;
        }
        let offset = address.wrapping_sub(self.stack_backing_low) as usize;
        if let Some(slot) = self.stack.get_mut(offset..offset + N) {
            slot.copy_from_slice(&bytes);
            return true;
        }
        false
    }

    /// The part of the module's rw data inside the rw region.
    fn rw_initial(&self) -> &[u8] {
        let len = self.rw_initial.len().min(self.layout.rw_size as usize);
        &self.rw_initial[..len]
    }

    /// Copies the initial rw data into the rw backing (deferred from instantiation and reset).
    #[cold]
    fn materialize_rw(&mut self) {
        self.rw_pending = false;
        let initial_len = self.rw_initial().len();
        let len = backing_step(initial_len as u64, u64::from(self.layout.rw_size)) as usize;
        let mut rw = vec![0; len];
        rw[..initial_len].copy_from_slice(self.rw_initial());
        self.rw = rw;
    }

    /// Guest load of `N` bytes outside the fast path.
    #[inline(never)]
    pub fn load_slow_n<const N: usize>(&self, address: u32) -> Result<[u8; N], Fault> {
        let mut out = [0; N];
        self.load_slow(address, &mut out)?;
        Ok(out)
    }

    /// Guest store of `N` bytes outside the fast path.
    #[inline(never)]
    pub fn store_slow_n<const N: usize>(&mut self, address: u32, bytes: [u8; N]) -> Result<(), Fault> {
        self.store_slow(address, &bytes)
    }

    #[inline(never)]
    fn load_slow(&self, address: u32, out: &mut [u8]) -> Result<(), Fault> {
        if let Some(paged) = self.paged.as_ref() {
            return paged.guest_read(address, out);
        }
        if u64::from(address) + out.len() as u64 > 1 << 32 {
            return Err(Fault::Trap);
        }
        if self.read_static(address, out) { Ok(()) } else { Err(Fault::Trap) }
    }

    #[inline(never)]
    fn store_slow(&mut self, address: u32, bytes: &[u8]) -> Result<(), Fault> {
        if let Some(paged) = self.paged.as_mut() {
            return paged.guest_write(address, bytes);
        }
        if u64::from(address) + bytes.len() as u64 > 1 << 32 {
            return Err(Fault::Trap);
        }
        match self.write_static(address, bytes, false) {
            Ok(()) => Ok(()),
            Err(_) => Err(Fault::Trap),
        }
    }

    /// Guest `memset`: writes `byte` to `[address, address + count)` (wrapping at 2^32) until
    /// the first fault. Returns how many bytes were written and the fault, if any.
    pub fn memset(&mut self, address: u32, byte: u8, count: u32) -> (u32, Option<Fault>) {
        let mut done = 0u32;
        while done < count {
            let at = address.wrapping_add(done);
            let chunk = self.writable_run(at, count - done);
            if chunk == 0 {
                // Let the single-byte store report the exact fault.
                match self.store_slow(at, &[byte]) {
                    Ok(()) => done += 1,
                    Err(fault) => return (done, Some(fault)),
                }
                continue;
            }
            if let Err(fault) = self.fill(at, byte, chunk) {
                return (done, Some(fault));
            }
            done += chunk;
        }
        (done, None)
    }

    /// How many bytes starting at `address` (at most `limit`) lie in one guest-writable region.
    fn writable_run(&self, address: u32, limit: u32) -> u32 {
        if let Some(paged) = self.paged.as_ref() {
            return paged.writable_run(address, limit);
        }
        let address = u64::from(address);
        let limit = u64::from(limit);
        let mut run = 0;
        for (start, len) in [self.rw_range(), self.stack_range()] {
            if address >= start && address < start + len {
                run = (start + len - address).min(limit);
            }
        }
        run as u32
    }

    fn fill(&mut self, address: u32, byte: u8, len: u32) -> Result<(), Fault> {
        if let Some(paged) = self.paged.as_mut() {
            return paged.fill(address, byte, len);
        }
        // Chunked so a large memset does not need a huge temporary buffer.
        let chunk = [byte; 4096];
        let mut done = 0u32;
        while done < len {
            let n = (len - done).min(4096);
            self.store_slow(address + done, &chunk[..n as usize])?;
            done += n;
        }
        Ok(())
    }

    // ----- region bookkeeping ---------------------------------------------------------------

    fn ro_range(&self) -> (u64, u64) {
        (u64::from(self.layout.ro_address), u64::from(self.layout.ro_size))
    }

    fn rw_range(&self) -> (u64, u64) {
        (u64::from(self.layout.rw_address), u64::from(self.rw_accessible))
    }

    fn stack_range(&self) -> (u64, u64) {
        (u64::from(self.layout.stack_low), u64::from(self.layout.stack_high - self.layout.stack_low))
    }

    fn aux_range(&self) -> (u64, u64) {
        (u64::from(self.layout.aux_address), u64::from(self.aux_accessible))
    }

    fn within((start, len): (u64, u64), address: u64, size: u64) -> bool {
        address >= start && address + size <= start + len
    }

    /// Reads from the static regions; false if the range is not inside one readable region.
    fn read_static(&self, address: u32, out: &mut [u8]) -> bool {
        let a = u64::from(address);
        let n = out.len() as u64;
        if Self::within(self.rw_range(), a, n) {
            let backing = if self.rw_pending { self.rw_initial() } else { &self.rw[..] };
            read_from_backing(backing, (a - u64::from(self.layout.rw_address)) as usize, out);
        } else if Self::within(self.stack_range(), a, n) {
            let backing_low = u64::from(self.stack_backing_low);
            if a >= backing_low {
                read_from_backing(&self.stack, (a - backing_low) as usize, out);
            } else {
                // Partly (or wholly) below the backing: zeros, then the backed tail.
                let zeros = ((backing_low - a) as usize).min(out.len());
                let (head, tail) = out.split_at_mut(zeros);
                head.fill(0);
                read_from_backing(&self.stack, 0, tail);
            }
        } else if Self::within(self.ro_range(), a, n) {
            read_from_backing(&self.ro, (a - u64::from(self.layout.ro_address)) as usize, out);
        } else if Self::within(self.aux_range(), a, n) {
            read_from_backing(&self.aux, (a - u64::from(self.layout.aux_address)) as usize, out);
        } else {
            return false;
        }
        true
    }

    fn total_backing(&self) -> usize {
        self.rw.len() + self.stack.len() + self.aux.len()
    }

    fn grow_allowed(&self, old_len: usize, new_len: usize) -> bool {
        if let Some(max) = self.limits.max_allocation_size
            && new_len > max
        {
            return false;
        }
        if let Some(limit) = self.limits.guest_memory_limit
            && self.total_backing() - old_len + new_len > limit
        {
            return false;
        }
        true
    }

    /// Writes into the static regions. `host` selects the host rules (aux writable unless
    /// protected); the guest may only write rw and stack.
    fn write_static(&mut self, address: u32, bytes: &[u8], host: bool) -> Result<(), MemoryAccessError> {
        let a = u64::from(address);
        let n = bytes.len() as u64;
        let out_of_range = MemoryAccessError::OutOfRangeAccess { address, length: n };
        if Self::within(self.rw_range(), a, n) {
            if self.rw_pending {
                self.materialize_rw();
            }
            let at = (a - u64::from(self.layout.rw_address)) as usize;
            let end = at + bytes.len();
            if end > self.rw.len() {
                let new_len = backing_step(end as u64, u64::from(self.rw_accessible)) as usize;
                if !self.grow_allowed(self.rw.len(), new_len) {
                    return Err(MemoryAccessError::MemoryLimitReached);
                }
                self.rw.resize(new_len, 0);
            }
            self.rw[at..end].copy_from_slice(bytes);
        } else if Self::within(self.stack_range(), a, n) {
            if a < u64::from(self.stack_backing_low) {
                let high = u64::from(self.layout.stack_high);
                let cap = high - u64::from(self.layout.stack_low);
                let new_len = backing_step(high - a, cap) as usize;
                if !self.grow_allowed(self.stack.len(), new_len) {
                    return Err(MemoryAccessError::MemoryLimitReached);
                }
                let mut grown = vec![0; new_len];
                let old_len = self.stack.len();
                grown[new_len - old_len..].copy_from_slice(&self.stack);
                self.stack = grown;
                self.stack_backing_low = (high - new_len as u64) as u32;
            }
            let at = (a - u64::from(self.stack_backing_low)) as usize;
            self.stack[at..at + bytes.len()].copy_from_slice(bytes);
        } else if host && !self.host_aux_write_protect && Self::within(self.aux_range(), a, n) {
            let at = (a - u64::from(self.layout.aux_address)) as usize;
            let end = at + bytes.len();
            if end > self.aux.len() {
                let new_len = backing_step(end as u64, u64::from(self.aux_accessible)) as usize;
                if !self.grow_allowed(self.aux.len(), new_len) {
                    return Err(MemoryAccessError::MemoryLimitReached);
                }
                self.aux.resize(new_len, 0);
            }
            self.aux[at..end].copy_from_slice(bytes);
        } else {
            return Err(out_of_range);
        }
        Ok(())
    }

    // ----- host accesses (`runtime.md` §4.1) -----------------------------------------------

    fn host_range_ok(address: u32, length: u64) -> Result<(), MemoryAccessError> {
        if address < ADDRESS_SPACE_BOTTOM || u64::from(address) + length > 1 << 32 {
            return Err(MemoryAccessError::OutOfRangeAccess { address, length });
        }
        Ok(())
    }

    pub fn read(&self, address: u32, out: &mut [u8]) -> Result<(), MemoryAccessError> {
        if out.is_empty() {
            return Ok(());
        }
        let length = out.len() as u64;
        Self::host_range_ok(address, length)?;
        if let Some(paged) = self.paged.as_ref() {
            return paged.host_read(address, out);
        }
        if self.read_static(address, out) {
            Ok(())
        } else {
            Err(MemoryAccessError::OutOfRangeAccess { address, length })
        }
    }

    pub fn write(&mut self, address: u32, bytes: &[u8]) -> Result<(), MemoryAccessError> {
        if bytes.is_empty() {
            return Ok(());
        }
        let length = bytes.len() as u64;
        Self::host_range_ok(address, length)?;
        if let Some(paged) = self.paged.as_mut() {
            return paged.host_write(address, bytes);
        }
        self.write_static(address, bytes, true)
    }

    pub fn zero(&mut self, address: u32, length: u32) -> Result<(), MemoryAccessError> {
        if length == 0 {
            return Ok(());
        }
        Self::host_range_ok(address, u64::from(length))?;
        if !self.is_accessible(address, length, MemoryProtection::ReadWrite) {
            return Err(MemoryAccessError::OutOfRangeAccess { address, length: u64::from(length) });
        }
        if let Some(paged) = self.paged.as_mut() {
            return paged.host_fill(address, 0, length);
        }
        let zeros = [0u8; 4096];
        let mut done = 0u32;
        while done < length {
            let n = (length - done).min(4096);
            self.write_static(address + done, &zeros[..n as usize], true)?;
            done += n;
        }
        Ok(())
    }

    pub fn is_accessible(&self, address: u32, length: u32, protection: MemoryProtection) -> bool {
        if length == 0 {
            return true;
        }
        let (a, n) = (u64::from(address), u64::from(length));
        if address < ADDRESS_SPACE_BOTTOM || a + n > 1 << 32 {
            return false;
        }
        if let Some(paged) = self.paged.as_ref() {
            return paged.is_accessible(address, length, protection);
        }
        let writable = Self::within(self.rw_range(), a, n)
            || Self::within(self.stack_range(), a, n)
            || (!self.host_aux_write_protect && Self::within(self.aux_range(), a, n));
        match protection {
            MemoryProtection::ReadWrite => writable,
            MemoryProtection::Read => {
                writable || Self::within(self.ro_range(), a, n) || Self::within(self.aux_range(), a, n)
            }
        }
    }

    // ----- heap and aux ----------------------------------------------------------------------

    pub fn heap_size(&self) -> u32 {
        self.heap_size
    }

    /// `sbrk` (`runtime.md` §5): returns the new heap top, or `None` (nothing changed).
    pub fn sbrk(&mut self, size: u32) -> Option<u32> {
        let new_size = self.heap_size.checked_add(size)?;
        if new_size > self.layout.max_heap_size {
            return None;
        }
        self.heap_size = new_size;
        let top = u64::from(self.layout.heap_base) + u64::from(new_size);
        let rw_end = u64::from(self.layout.rw_address) + u64::from(self.rw_accessible);
        if top > rw_end {
            let new_len = round_up(top, u64::from(self.layout.page_size)) - u64::from(self.layout.rw_address);
            self.rw_accessible = new_len as u32;
        }
        Some(top as u32)
    }

    pub fn aux_size(&self) -> u32 {
        self.layout.aux_size
    }

    pub fn set_accessible_aux_size(&mut self, size: u32) {
        let size = round_up(u64::from(size), u64::from(self.layout.page_size)) as u32;
        self.aux_accessible = size;
        self.aux.truncate(size as usize);
    }

    pub fn set_host_aux_write_protect(&mut self, protect: bool) {
        self.host_aux_write_protect = protect;
    }
}
