//! Marshalling of typed values through the guest's argument registers (`api.md` §9).
//!
//! Values travel in A0, A1, ... in order (then T0, T1, T2: nine registers at most). On 64-bit
//! ISAs every value takes one register: `u32` is zero-extended and `i32` sign-extended. On 32-bit
//! ISAs registers hold 32 bits, so `u64`/`i64` take two registers, low half first.

use kestrel_program::Reg;

use crate::types::RegValue;

mod sealed {
    pub trait Sealed {}
    impl Sealed for u32 {}
    impl Sealed for i32 {}
    impl Sealed for u64 {}
    impl Sealed for i64 {}
}

/// Reads consecutive argument registers.
#[doc(hidden)]
pub struct RegReader<'a> {
    read: &'a mut dyn FnMut(Reg) -> RegValue,
    next: usize,
}

impl core::fmt::Debug for RegReader<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RegReader").field("next", &self.next).finish_non_exhaustive()
    }
}

impl<'a> RegReader<'a> {
    pub(crate) fn new(read: &'a mut dyn FnMut(Reg) -> RegValue) -> Self {
        RegReader { read, next: 0 }
    }

    fn take(&mut self) -> RegValue {
        let Some(&reg) = Reg::ARG_REGS.get(self.next) else {
            panic!("too many registers required: at most {} argument registers exist", Reg::ARG_REGS.len());
        };
        self.next += 1;
        (self.read)(reg)
    }
}

/// Collects values for consecutive argument registers.
#[derive(Default, Debug)]
#[doc(hidden)]
pub struct RegWriter {
    values: [RegValue; 9],
    count: usize,
}

impl RegWriter {
    fn push(&mut self, value: RegValue) {
        let Some(slot) = self.values.get_mut(self.count) else {
            panic!("too many registers required: at most {} argument registers exist", Reg::ARG_REGS.len());
        };
        *slot = value;
        self.count += 1;
    }

    pub(crate) fn values(&self) -> &[RegValue] {
        &self.values[..self.count]
    }
}

/// A value that can cross the host/guest boundary: `u32`, `i32`, `u64` or `i64`.
pub trait AbiTy: sealed::Sealed + Copy + Send + 'static {
    #[doc(hidden)]
    fn from_regs(regs: &mut RegReader<'_>, is_64_bit: bool) -> Self;
    #[doc(hidden)]
    fn to_regs(self, regs: &mut RegWriter, is_64_bit: bool);
}

impl AbiTy for u32 {
    fn from_regs(regs: &mut RegReader<'_>, _is_64_bit: bool) -> Self {
        regs.take() as u32
    }

    fn to_regs(self, regs: &mut RegWriter, _is_64_bit: bool) {
        regs.push(u64::from(self));
    }
}

impl AbiTy for i32 {
    fn from_regs(regs: &mut RegReader<'_>, is_64_bit: bool) -> Self {
        u32::from_regs(regs, is_64_bit) as i32
    }

    fn to_regs(self, regs: &mut RegWriter, is_64_bit: bool) {
        if is_64_bit {
            // Sign-extended: the guest sees a proper 64-bit negative number.
            regs.push(i64::from(self) as u64);
        } else {
            regs.push(u64::from(self as u32));
        }
    }
}

impl AbiTy for u64 {
    fn from_regs(regs: &mut RegReader<'_>, is_64_bit: bool) -> Self {
        if is_64_bit {
            regs.take()
        } else {
            let low = regs.take() & 0xFFFF_FFFF;
            let high = regs.take() & 0xFFFF_FFFF;
            low | (high << 32)
        }
    }

    fn to_regs(self, regs: &mut RegWriter, is_64_bit: bool) {
        if is_64_bit {
            regs.push(self);
        } else {
            regs.push(self & 0xFFFF_FFFF);
            regs.push(self >> 32);
        }
    }
}

impl AbiTy for i64 {
    fn from_regs(regs: &mut RegReader<'_>, is_64_bit: bool) -> Self {
        u64::from_regs(regs, is_64_bit) as i64
    }

    fn to_regs(self, regs: &mut RegWriter, is_64_bit: bool) {
        (self as u64).to_regs(regs, is_64_bit);
    }
}

/// The arguments of a guest call: a tuple of up to six [`AbiTy`] values.
pub trait FuncArgs: Send {
    #[doc(hidden)]
    fn write_args(self, regs: &mut RegWriter, is_64_bit: bool);
}

/// The arguments of a host function, read in the same layout [`FuncArgs`] writes.
pub(crate) trait ReadArgs: Sized {
    fn read_args(regs: &mut RegReader<'_>, is_64_bit: bool) -> Self;
}

/// The result of a guest call read from A0 (and A1): `()` or an [`AbiTy`].
pub trait FuncResult: Send + Sized {
    #[doc(hidden)]
    fn read_result(regs: &mut RegReader<'_>, is_64_bit: bool) -> Self;
}

impl FuncResult for () {
    fn read_result(_regs: &mut RegReader<'_>, _is_64_bit: bool) -> Self {}
}

impl<T: AbiTy> FuncResult for T {
    fn read_result(regs: &mut RegReader<'_>, is_64_bit: bool) -> Self {
        T::from_regs(regs, is_64_bit)
    }
}

/// What a host function may return: `()`, an [`AbiTy`], `Result<(), E>` or `Result<T, E>` with
/// `T: AbiTy` and `UserError: From<E>`.
pub trait ReturnTy<UserError>: 'static {
    #[doc(hidden)]
    fn into_registers(self, regs: &mut RegWriter, is_64_bit: bool) -> Result<(), UserError>;
}

impl<UserError> ReturnTy<UserError> for () {
    fn into_registers(self, _regs: &mut RegWriter, _is_64_bit: bool) -> Result<(), UserError> {
        Ok(())
    }
}

impl<UserError, T: AbiTy> ReturnTy<UserError> for T {
    fn into_registers(self, regs: &mut RegWriter, is_64_bit: bool) -> Result<(), UserError> {
        self.to_regs(regs, is_64_bit);
        Ok(())
    }
}

impl<UserError, E: 'static> ReturnTy<UserError> for Result<(), E>
where
    UserError: From<E>,
{
    fn into_registers(self, _regs: &mut RegWriter, _is_64_bit: bool) -> Result<(), UserError> {
        Ok(self?)
    }
}

impl<UserError, T: AbiTy, E: 'static> ReturnTy<UserError> for Result<T, E>
where
    UserError: From<E>,
{
    fn into_registers(self, regs: &mut RegWriter, is_64_bit: bool) -> Result<(), UserError> {
        self?.to_regs(regs, is_64_bit);
        Ok(())
    }
}

macro_rules! impl_func_args {
    ($($arg:ident)*) => {
        impl<$($arg: AbiTy,)*> FuncArgs for ($($arg,)*) {
            #[allow(non_snake_case, unused_variables, reason = "tuple fields are named after their type parameters")]
            fn write_args(self, regs: &mut RegWriter, is_64_bit: bool) {
                let ($($arg,)*) = self;
                $($arg.to_regs(regs, is_64_bit);)*
            }
        }

        impl<$($arg: AbiTy,)*> ReadArgs for ($($arg,)*) {
            #[allow(unused_variables, clippy::unused_unit, reason = "the empty tuple reads nothing")]
            fn read_args(regs: &mut RegReader<'_>, is_64_bit: bool) -> Self {
                ($($arg::from_regs(regs, is_64_bit),)*)
            }
        }
    };
}

impl_func_args!();
impl_func_args!(A0);
impl_func_args!(A0 A1);
impl_func_args!(A0 A1 A2);
impl_func_args!(A0 A1 A2 A3);
impl_func_args!(A0 A1 A2 A3 A4);
impl_func_args!(A0 A1 A2 A3 A4 A5);

#[cfg(test)]
mod tests {
    use super::*;

    fn written(args: impl FuncArgs, is_64_bit: bool) -> Vec<u64> {
        let mut regs = RegWriter::default();
        args.write_args(&mut regs, is_64_bit);
        regs.values().to_vec()
    }

    #[test]
    fn argument_layout() {
        assert_eq!(written((1u32, -1i32), true), [1, u64::MAX]);
        assert_eq!(written((1u32, -1i32), false), [1, 0xFFFF_FFFF]);
        assert_eq!(written((0x1122_3344_5566_7788u64, 7u32), false), [0x5566_7788, 0x1122_3344, 7]);
        assert_eq!(written((0x1122_3344_5566_7788u64, 7u32), true), [0x1122_3344_5566_7788, 7]);
        assert_eq!(written((-2i64,), false), [0xFFFF_FFFE, 0xFFFF_FFFF]);
        assert_eq!(written((), true), [] as [u64; 0]);
    }

    #[test]
    fn reading_results() {
        let regs = [0x5566_7788u64, 0x1122_3344];
        let mut read = |reg: Reg| regs[Reg::ARG_REGS.iter().position(|&r| r == reg).unwrap()];
        let value = u64::from_regs(&mut RegReader::new(&mut read), false);
        assert_eq!(value, 0x1122_3344_5566_7788);
        let value = <i32 as FuncResult>::read_result(&mut RegReader::new(&mut read), true);
        assert_eq!(value, 0x5566_7788);
    }

    #[test]
    #[should_panic(expected = "too many registers")]
    fn too_many_registers() {
        written((1u64, 2u64, 3u64, 4u64, 5u64), false);
    }
}
