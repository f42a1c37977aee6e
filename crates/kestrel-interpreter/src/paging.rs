//! Dynamic paging (`runtime.md` §11): a sparse table of page-sized pages, each absent,
//! read-only or read-write. Nothing is mapped initially; guest accesses to absent (or, for
//! writes, read-only) pages at or above 0x10000 produce a segfault naming the page.

use std::collections::HashMap;

use crate::memory::{ADDRESS_SPACE_BOTTOM, Fault};
use crate::{MemoryAccessError, MemoryProtection};

#[derive(Clone, Debug)]
struct Page {
    data: Box<[u8]>,
    writable: bool,
}

/// The page table of one dynamic-paging instance.
#[derive(Clone, Debug)]
pub struct PagedMemory {
    page_size: u32,
    page_shift: u32,
    pages: HashMap<u32, Page>,
}

impl PagedMemory {
    pub fn new(page_size: u32) -> PagedMemory {
        PagedMemory { page_size, page_shift: page_size.trailing_zeros(), pages: HashMap::new() }
    }

    pub fn clear(&mut self) {
        self.pages.clear();
    }

    fn page_address(&self, address: u32) -> u32 {
        address & !(self.page_size - 1)
    }

    /// Visits the page-sized pieces of `[address, address + len)` (which must not wrap) as
    /// `(page index, offset in page, piece length, offset in the access)`.
    fn pieces(&self, address: u32, len: usize) -> impl Iterator<Item = (u32, usize, usize, usize)> + use<> {
        let page_size = self.page_size as u64;
        let shift = self.page_shift;
        let start = u64::from(address);
        let end = start + len as u64;
        let mut at = start;
        core::iter::from_fn(move || {
            if at >= end {
                return None;
            }
            let page_end = (at / page_size + 1) * page_size;
            let piece_end = page_end.min(end);
            let item =
                ((at >> shift) as u32, (at % page_size) as usize, (piece_end - at) as usize, (at - start) as usize);
            at = piece_end;
            Some(item)
        })
    }

    /// Checks that a guest access may proceed (the first failing page decides the fault).
    fn check_guest(&self, address: u32, len: usize, write: bool) -> Result<(), Fault> {
        if address < ADDRESS_SPACE_BOTTOM {
            return Err(Fault::Trap);
        }
        if u64::from(address) + len as u64 > 1 << 32 {
            let last = u32::MAX >> self.page_shift;
            return if self.pages.contains_key(&last) {
                Err(Fault::Trap)
            } else {
                Err(Fault::Segfault { page_address: last << self.page_shift, is_write_protected: false })
            };
        }
        for (index, _, _, _) in self.pieces(address, len) {
            match self.pages.get(&index) {
                None => {
                    return Err(Fault::Segfault { page_address: index << self.page_shift, is_write_protected: false });
                }
                Some(page) if write && !page.writable => {
                    return Err(Fault::Segfault { page_address: index << self.page_shift, is_write_protected: true });
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    fn copy_out(&self, address: u32, out: &mut [u8]) {
        for (index, offset, len, at) in self.pieces(address, out.len()) {
            if let Some(page) = self.pages.get(&index) {
                out[at..at + len].copy_from_slice(&page.data[offset..offset + len]);
            }
        }
    }

    fn copy_in(&mut self, address: u32, bytes: &[u8]) {
        for (index, offset, len, at) in self.pieces(address, bytes.len()) {
            if let Some(page) = self.pages.get_mut(&index) {
                page.data[offset..offset + len].copy_from_slice(&bytes[at..at + len]);
            }
        }
    }

    pub fn guest_read(&self, address: u32, out: &mut [u8]) -> Result<(), Fault> {
        self.check_guest(address, out.len(), false)?;
        self.copy_out(address, out);
        Ok(())
    }

    pub fn guest_write(&mut self, address: u32, bytes: &[u8]) -> Result<(), Fault> {
        self.check_guest(address, bytes.len(), true)?;
        self.copy_in(address, bytes);
        Ok(())
    }

    /// How many bytes from `address` (at most `limit`) the guest may write without a fault.
    pub fn writable_run(&self, address: u32, limit: u32) -> u32 {
        if address < ADDRESS_SPACE_BOTTOM {
            return 0;
        }
        let mut run = 0u64;
        let limit = u64::from(limit).min((1u64 << 32) - u64::from(address));
        for (index, _, len, _) in self.pieces(address, limit as usize) {
            match self.pages.get(&index) {
                Some(page) if page.writable => run += len as u64,
                _ => break,
            }
        }
        run as u32
    }

    pub fn fill(&mut self, address: u32, byte: u8, len: u32) -> Result<(), Fault> {
        self.check_guest(address, len as usize, true)?;
        self.host_fill(address, byte, len).map_err(|_| Fault::Trap)
    }

    pub fn host_fill(&mut self, address: u32, byte: u8, len: u32) -> Result<(), MemoryAccessError> {
        for (index, offset, n, _) in self.pieces(address, len as usize) {
            if let Some(page) = self.pages.get_mut(&index) {
                page.data[offset..offset + n].fill(byte);
            }
        }
        Ok(())
    }

    pub fn is_accessible(&self, address: u32, length: u32, protection: MemoryProtection) -> bool {
        self.pieces(address, length as usize).all(|(index, _, _, _)| match self.pages.get(&index) {
            None => false,
            Some(page) => page.writable || protection == MemoryProtection::Read,
        })
    }

    pub fn host_read(&self, address: u32, out: &mut [u8]) -> Result<(), MemoryAccessError> {
        if !self.is_accessible(address, out.len() as u32, MemoryProtection::Read) {
            return Err(MemoryAccessError::OutOfRangeAccess { address, length: out.len() as u64 });
        }
        self.copy_out(address, out);
        Ok(())
    }

    pub fn host_write(&mut self, address: u32, bytes: &[u8]) -> Result<(), MemoryAccessError> {
        if !self.is_accessible(address, bytes.len() as u32, MemoryProtection::ReadWrite) {
            return Err(MemoryAccessError::OutOfRangeAccess { address, length: bytes.len() as u64 });
        }
        self.copy_in(address, bytes);
        Ok(())
    }

    /// Validates a page-range host call; returns the page indices covered.
    fn page_range(&self, address: u32, length: u32) -> Result<core::ops::Range<u64>, MemoryAccessError> {
        let start = u64::from(address);
        let end = start + u64::from(length).div_ceil(u64::from(self.page_size)) * u64::from(self.page_size);
        if address < ADDRESS_SPACE_BOTTOM || end > 1 << 32 {
            return Err(MemoryAccessError::OutOfRangeAccess { address, length: u64::from(length) });
        }
        Ok((start >> self.page_shift)..(end >> self.page_shift))
    }

    pub fn is_page_aligned(&self, address: u32) -> bool {
        self.page_address(address) == address
    }

    /// Creates (or zeroes) every page of the range with the given protection.
    pub fn zero_with_protection(
        &mut self,
        address: u32,
        length: u32,
        protection: MemoryProtection,
    ) -> Result<(), MemoryAccessError> {
        if length == 0 {
            return Ok(());
        }
        let range = self.page_range(address, length)?;
        let writable = protection == MemoryProtection::ReadWrite;
        for index in range {
            let page = self
                .pages
                .entry(index as u32)
                .or_insert_with(|| Page { data: vec![0; self.page_size as usize].into_boxed_slice(), writable });
            page.data.fill(0);
            page.writable = writable;
        }
        Ok(())
    }

    /// Changes the protection of present pages; fails (changing nothing) if any page is absent.
    pub fn set_protection(&mut self, address: u32, length: u32, writable: bool) -> Result<(), MemoryAccessError> {
        let range = self.page_range(address, length)?;
        if range.clone().any(|index| !self.pages.contains_key(&(index as u32))) {
            return Err(MemoryAccessError::OutOfRangeAccess { address, length: u64::from(length) });
        }
        for index in range {
            if let Some(page) = self.pages.get_mut(&(index as u32)) {
                page.writable = writable;
            }
        }
        Ok(())
    }

    pub fn free_pages(&mut self, address: u32, length: u32) -> Result<(), MemoryAccessError> {
        if length == 0 {
            return Ok(());
        }
        let range = self.page_range(address, length)?;
        for index in range {
            self.pages.remove(&(index as u32));
        }
        Ok(())
    }
}
