//! The guest memory map (`runtime.md` §2–§3). Owner: container helper.
//!
//! Regions, from low to high addresses: an inaccessible bottom `[0, 0x10000)`, read-only data,
//! a guard, read-write data followed by the heap, a guard, ..., the stack, a guard, aux data, and
//! the inaccessible top `[0xFFFF0000, 2^32)`. Every region starts on a multiple of
//! [`VM_MAX_PAGE_SIZE`] and is [`VM_MAX_PAGE_SIZE`] away from its neighbours; its accessible size
//! is its declared size rounded up to the page size.

use core::ops::Range;

/// The smallest legal page size.
pub const VM_MIN_PAGE_SIZE: u32 = 0x1000;
/// The largest legal page size; also the granularity of region placement and guard gaps.
pub const VM_MAX_PAGE_SIZE: u32 = 0x10000;
/// `[0, VM_ADDRESS_SPACE_BOTTOM)` is never accessible; read-only data starts here.
pub const VM_ADDRESS_SPACE_BOTTOM: u32 = VM_MAX_PAGE_SIZE;
/// `[VM_ADDRESS_SPACE_TOP, 2^32)` is never accessible; aux data ends here.
pub const VM_ADDRESS_SPACE_TOP: u32 = 0xFFFF_0000;
/// A dynamic jump to this address ends execution with `Finished`.
pub const VM_ADDR_RETURN_TO_HOST: u32 = 0xFFFF_0000;
/// The largest code section the parser accepts (32 MiB).
pub const VM_MAXIMUM_CODE_SIZE: u32 = 32 * 1024 * 1024;
/// The largest jump-table entry count the parser accepts (16 Mi).
pub const VM_MAXIMUM_JUMP_TABLE_ENTRIES: u32 = 16 * 1024 * 1024;
/// The largest import count the parser accepts.
pub const VM_MAXIMUM_IMPORT_COUNT: u32 = 1024;
/// Dynamic jump addresses are multiples of this.
pub const VM_CODE_ADDRESS_ALIGNMENT: u32 = 2;

/// Why a memory map could not be built; `Display` is PolkaVM's text.
#[derive(Copy, Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum MemoryMapError {
    #[error("invalid page size: page size is too small")]
    PageSizeTooSmall,
    #[error("invalid page size: page size is too big")]
    PageSizeTooBig,
    #[error("invalid page size: page size is not a power of two")]
    PageSizeNotPowerOfTwo,
    #[error("the size of read-only data is too big")]
    RoDataTooBig,
    #[error("the size of read-write data is too big")]
    RwDataTooBig,
    #[error("the size of the stack is too big")]
    StackTooBig,
    #[error("the size of the aux data is too big")]
    AuxDataTooBig,
    #[error("maximum memory size exceeded")]
    MaximumMemorySizeExceeded,
}

impl MemoryMapError {
    /// The message as a static string (PolkaVM's builder returns `&'static str`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PageSizeTooSmall => "invalid page size: page size is too small",
            Self::PageSizeTooBig => "invalid page size: page size is too big",
            Self::PageSizeNotPowerOfTwo => "invalid page size: page size is not a power of two",
            Self::RoDataTooBig => "the size of read-only data is too big",
            Self::RwDataTooBig => "the size of read-write data is too big",
            Self::StackTooBig => "the size of the stack is too big",
            Self::AuxDataTooBig => "the size of the aux data is too big",
            Self::MaximumMemorySizeExceeded => "maximum memory size exceeded",
        }
    }
}

/// Collects the inputs of a [`MemoryMap`]; all sizes default to 0.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct MemoryMapBuilder {
    page_size: u32,
    ro_data_size: u32,
    rw_data_size: u32,
    stack_size: u32,
    aux_data_size: u32,
}

/// `value` rounded up to a multiple of the power of two `alignment`, if it fits in `limit`.
fn round_up(value: u64, alignment: u64, limit: u64) -> Option<u64> {
    let rounded = value.checked_add(alignment - 1)? & !(alignment - 1);
    (rounded <= limit).then_some(rounded)
}

/// Rounds one declared size: up to the page size (must fit in u32, it is guest-visible) and up to
/// [`VM_MAX_PAGE_SIZE`] (the address space the region reserves).
fn region_sizes(size: u32, page_size: u32, error: MemoryMapError) -> Result<(u32, u64), MemoryMapError> {
    let span = round_up(u64::from(size), u64::from(VM_MAX_PAGE_SIZE), u64::MAX).ok_or(error)?;
    let visible = round_up(u64::from(size), u64::from(page_size), u64::from(u32::MAX)).ok_or(error)?;
    Ok((visible as u32, span))
}

impl MemoryMapBuilder {
    /// Starts a map for the given page size (validated by [`MemoryMapBuilder::build`]).
    pub fn new(page_size: u32) -> Self {
        MemoryMapBuilder { page_size, ro_data_size: 0, rw_data_size: 0, stack_size: 0, aux_data_size: 0 }
    }

    pub fn ro_data_size(&mut self, size: u32) -> &mut Self {
        self.ro_data_size = size;
        self
    }

    pub fn rw_data_size(&mut self, size: u32) -> &mut Self {
        self.rw_data_size = size;
        self
    }

    pub fn stack_size(&mut self, size: u32) -> &mut Self {
        self.stack_size = size;
        self
    }

    pub fn aux_data_size(&mut self, size: u32) -> &mut Self {
        self.aux_data_size = size;
        self
    }

    /// Lays out the regions (`runtime.md` §3.2), checking in PolkaVM's order: page size, then the
    /// read-only, read-write, stack and aux sizes, then the total.
    pub fn build(&self) -> Result<MemoryMap, MemoryMapError> {
        let page_size = self.page_size;
        if page_size < VM_MIN_PAGE_SIZE {
            return Err(MemoryMapError::PageSizeTooSmall);
        }
        if page_size > VM_MAX_PAGE_SIZE {
            return Err(MemoryMapError::PageSizeTooBig);
        }
        if !page_size.is_power_of_two() {
            return Err(MemoryMapError::PageSizeNotPowerOfTwo);
        }

        let (ro_data_size, ro_span) = region_sizes(self.ro_data_size, page_size, MemoryMapError::RoDataTooBig)?;
        let (rw_data_size, rw_span) = region_sizes(self.rw_data_size, page_size, MemoryMapError::RwDataTooBig)?;
        let (stack_size, stack_span) = region_sizes(self.stack_size, page_size, MemoryMapError::StackTooBig)?;
        let (aux_data_size, aux_span) = region_sizes(self.aux_data_size, page_size, MemoryMapError::AuxDataTooBig)?;

        let guard = u64::from(VM_MAX_PAGE_SIZE);
        let ro_data_address = u64::from(VM_ADDRESS_SPACE_BOTTOM);
        let rw_data_address = ro_data_address + ro_span + guard;
        let heap_base = rw_data_address + u64::from(self.rw_data_size);
        // The lowest address the stack side may reach without touching the rw guard.
        let low_end = rw_data_address + rw_span + guard;

        // Signed: with huge aux/stack sizes the top-down layout goes below zero.
        let aux_data_address = i128::from(VM_ADDRESS_SPACE_TOP) - i128::from(aux_span);
        let stack_address_high = aux_data_address - i128::from(guard);
        let high = stack_address_high - i128::from(stack_span);
        if i128::from(low_end) > high {
            return Err(MemoryMapError::MaximumMemorySizeExceeded);
        }
        // Everything below is non-negative and below 2^32 now: low_end >= 0x30000 and
        // high <= 0xFFFE0000.
        let high = high as u64;
        let max_heap_size = (high - guard) - heap_base;

        Ok(MemoryMap {
            page_size,
            ro_data_address: ro_data_address as u32,
            ro_data_size,
            rw_data_address: rw_data_address as u32,
            rw_data_size,
            heap_base: heap_base as u32,
            max_heap_size: max_heap_size as u32,
            stack_address_high: stack_address_high as u32,
            stack_size,
            aux_data_address: aux_data_address as u32,
            aux_data_size,
        })
    }
}

/// The placement of the guest's memory regions.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct MemoryMap {
    page_size: u32,
    ro_data_address: u32,
    ro_data_size: u32,
    rw_data_address: u32,
    rw_data_size: u32,
    heap_base: u32,
    max_heap_size: u32,
    stack_address_high: u32,
    stack_size: u32,
    aux_data_address: u32,
    aux_data_size: u32,
}

impl MemoryMap {
    pub fn page_size(&self) -> u32 {
        self.page_size
    }

    pub fn ro_data_address(&self) -> u32 {
        self.ro_data_address
    }

    /// The guest-visible read-only size (declared size rounded up to the page size).
    pub fn ro_data_size(&self) -> u32 {
        self.ro_data_size
    }

    pub fn ro_data_range(&self) -> Range<u32> {
        self.ro_data_address..self.ro_data_address + self.ro_data_size
    }

    pub fn rw_data_address(&self) -> u32 {
        self.rw_data_address
    }

    /// The guest-visible read-write size (declared size rounded up to the page size).
    pub fn rw_data_size(&self) -> u32 {
        self.rw_data_size
    }

    pub fn rw_data_range(&self) -> Range<u32> {
        self.rw_data_address..self.rw_data_address + self.rw_data_size
    }

    /// Where the heap starts: right after the *declared* read-write size (not page aligned).
    pub fn heap_base(&self) -> u32 {
        self.heap_base
    }

    /// How far the heap may grow: up to one guard below the stack's reservation.
    pub fn max_heap_size(&self) -> u32 {
        self.max_heap_size
    }

    pub fn stack_address_low(&self) -> u32 {
        self.stack_address_high - self.stack_size
    }

    /// The initial stack pointer (`Module::default_sp()`).
    pub fn stack_address_high(&self) -> u32 {
        self.stack_address_high
    }

    /// The stack size rounded up to the page size.
    pub fn stack_size(&self) -> u32 {
        self.stack_size
    }

    pub fn stack_range(&self) -> Range<u32> {
        self.stack_address_low()..self.stack_address_high
    }

    pub fn aux_data_address(&self) -> u32 {
        self.aux_data_address
    }

    /// The aux size rounded up to the page size.
    pub fn aux_data_size(&self) -> u32 {
        self.aux_data_size
    }

    pub fn aux_data_range(&self) -> Range<u32> {
        self.aux_data_address..self.aux_data_address + self.aux_data_size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(page_size: u32, ro: u32, rw: u32, stack: u32, aux: u32) -> Result<MemoryMap, MemoryMapError> {
        MemoryMapBuilder::new(page_size).ro_data_size(ro).rw_data_size(rw).stack_size(stack).aux_data_size(aux).build()
    }

    #[test]
    fn example_a() {
        let map = map(0x1000, 5000, 3000, 65536, 0).unwrap();
        assert_eq!(map.page_size(), 0x1000);
        assert_eq!(map.ro_data_range(), 0x10000..0x12000);
        assert_eq!((map.ro_data_address(), map.ro_data_size()), (0x10000, 0x2000));
        assert_eq!(map.rw_data_range(), 0x30000..0x31000);
        assert_eq!((map.rw_data_address(), map.rw_data_size()), (0x30000, 0x1000));
        assert_eq!(map.heap_base(), 0x30BB8);
        assert_eq!(map.aux_data_range(), 0xFFFF0000..0xFFFF0000);
        assert_eq!(map.stack_address_high(), 0xFFFE0000);
        assert_eq!(map.stack_address_low(), 0xFFFD0000);
        assert_eq!(map.stack_range(), 0xFFFD0000..0xFFFE0000);
        assert_eq!(map.stack_size(), 0x10000);
        assert_eq!(map.max_heap_size(), 0xFFF8F448);
    }

    #[test]
    fn example_b() {
        let map = map(0x4000, 1, 0x4001, 0x10000, 0x5000).unwrap();
        assert_eq!(map.ro_data_range(), 0x10000..0x14000);
        assert_eq!(map.rw_data_address(), 0x30000);
        assert_eq!(map.rw_data_range(), 0x30000..0x38000);
        assert_eq!(map.heap_base(), 0x34001);
        assert_eq!(map.aux_data_address(), 0xFFFE0000);
        assert_eq!(map.aux_data_range(), 0xFFFE0000..0xFFFE8000);
        assert_eq!(map.aux_data_size(), 0x8000);
        assert_eq!(map.stack_address_high(), 0xFFFD0000);
        assert_eq!(map.stack_range(), 0xFFFC0000..0xFFFD0000);
        assert_eq!(map.max_heap_size(), 0xFFF7BFFF);
    }

    #[test]
    fn other_verified_points() {
        let empty = map(0x1000, 0, 0, 0, 0).unwrap();
        assert_eq!(empty.ro_data_range(), 0x10000..0x10000);
        assert_eq!(empty.rw_data_range(), 0x20000..0x20000);
        assert_eq!(empty.heap_base(), 0x20000);
        assert_eq!(empty.max_heap_size(), 0xFFFB0000);
        assert_eq!(empty.stack_range(), 0xFFFE0000..0xFFFE0000);
        assert_eq!(empty.aux_data_range(), 0xFFFF0000..0xFFFF0000);

        let big_pages = map(0x10000, 0x10001, 0, 0, 0).unwrap();
        assert_eq!(big_pages.ro_data_range(), 0x10000..0x30000);
        assert_eq!(big_pages.rw_data_address(), 0x40000);

        // runtime.md §5: rw_data_size 0x1001 with 4 KiB pages puts the heap at 0x21001.
        assert_eq!(map(0x1000, 0, 0x1001, 0, 0).unwrap().heap_base(), 0x21001);
    }

    #[test]
    fn page_size_errors() {
        assert_eq!(map(0x800, 0, 0, 0, 0), Err(MemoryMapError::PageSizeTooSmall));
        assert_eq!(map(0, 0, 0, 0, 0), Err(MemoryMapError::PageSizeTooSmall));
        assert_eq!(map(0x20000, 0, 0, 0, 0), Err(MemoryMapError::PageSizeTooBig));
        assert_eq!(map(0x3000, 0, 0, 0, 0), Err(MemoryMapError::PageSizeNotPowerOfTwo));
        for page_size in [0x1000, 0x2000, 0x4000, 0x8000, 0x10000] {
            assert!(map(page_size, 0, 0, 0, 0).is_ok());
        }
        assert_eq!(
            MemoryMapError::PageSizeNotPowerOfTwo.to_string(),
            "invalid page size: page size is not a power of two"
        );
    }

    #[test]
    fn size_errors() {
        // Rounding 0xFFFFFFFF up to the page size overflows u32.
        assert_eq!(map(0x1000, u32::MAX, 0, 0, 0), Err(MemoryMapError::RoDataTooBig));
        assert_eq!(map(0x1000, 0, u32::MAX, 0, 0), Err(MemoryMapError::RwDataTooBig));
        assert_eq!(map(0x1000, 0, 0, u32::MAX, 0), Err(MemoryMapError::StackTooBig));
        assert_eq!(map(0x1000, 0, 0, 0, u32::MAX), Err(MemoryMapError::AuxDataTooBig));
        // The checks run in region order.
        assert_eq!(map(0x1000, u32::MAX, u32::MAX, 0, 0), Err(MemoryMapError::RoDataTooBig));
        for error in [
            MemoryMapError::RoDataTooBig,
            MemoryMapError::RwDataTooBig,
            MemoryMapError::StackTooBig,
            MemoryMapError::AuxDataTooBig,
            MemoryMapError::MaximumMemorySizeExceeded,
        ] {
            assert_eq!(alloc::string::ToString::to_string(&error), error.as_str());
        }
    }

    #[test]
    fn total_size_limit() {
        // The four G-rounded sizes may total at most 2^32 - 5 * G = 0xFFFB0000.
        let limit = 0xFFFB_0000u32;
        let fits = map(0x1000, limit - 0x30000, 0x10000, 0x10000, 0x10000).unwrap();
        assert_eq!(fits.max_heap_size(), 0);
        assert_eq!(fits.heap_base(), fits.rw_data_address() + 0x10000);
        assert_eq!(
            map(0x1000, limit - 0x30000 + 1, 0x10000, 0x10000, 0x10000),
            Err(MemoryMapError::MaximumMemorySizeExceeded)
        );
        assert_eq!(map(0x1000, 0, 0, 0, limit).unwrap().aux_data_address(), 0x40000);
        assert_eq!(map(0x1000, 0, 0, 0, limit + 1), Err(MemoryMapError::MaximumMemorySizeExceeded));
        assert_eq!(map(0x1000, 0, 0, 0xFFFF_F000, 0), Err(MemoryMapError::MaximumMemorySizeExceeded));
        assert_eq!(map(0x10000, 0, 0, 0, 0xFFFF_0000), Err(MemoryMapError::MaximumMemorySizeExceeded));
    }
}
