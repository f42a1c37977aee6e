//! Disassembler: instruction text, program listings and re-assemblable program text.
//! Owner: disassembler helper.
//!
//! # Instruction text
//!
//! [`Instruction`](crate::Instruction) implements [`Display`](core::fmt::Display) with the text
//! PolkaVM 0.37 prints (`instructions.md` §9.5); [`Instruction::display`](crate::Instruction::display)
//! takes an [`InstructionFormat`]:
//!
//! | option | default | effect |
//! |---|---|---|
//! | `prefer_non_abi_reg_names` | `false` | `r0`..`r12` instead of `ra sp t0 t1 t2 s0 s1 a0`..`a5` |
//! | `prefer_unaliased` | `false` | no `ret`, `jump [b]`, `d = s - N`, `d = -s`; zero displacements print ` + 0` |
//! | `is_64_bit` | `true` | `i32 ` prefix on every `_32` mnemonic, immediates sign-extended to 64 bits; `false` (Latest32): no prefix, 32-bit patterns |
//! | `jump_target_formatter` | `None` | prints static targets (default: decimal code offset) |
//!
//! The syntax in short (`d` destination, `s` source, `b` base, `c` condition register):
//!
//! * immediates (`IMM`): `0`, else `0x` + lowercase hex (`-1` → `0xffffffffffffffff`, or
//!   `0xffffffff` with `is_64_bit = false`); `load_imm64` always in hex (`0x0`);
//! * memory: `d = u8 [0x10000]` (absolute, hex u32), `d = i16 [b + 4]`, `u64 [b - 8] = s`,
//!   `u32 [b] = IMM` (register-relative displacements in signed decimal);
//! * control: `jump 14`, `jump 14 if a0 == a1`, `jump 14 if a0 <s -5` (branch values in signed
//!   decimal), `ret`, `jump [b + 8]`, `d = 5, jump 14`, `d = 5, jump [b]` and, when `d == b`,
//!   `tmp = b, d = 5, jump [tmp]`; `ecalli 3`; `trap`, `fallthrough`, `unlikely`, `invalid`;
//! * ALU: `d = s1 + s2` with `+ - & ^ | * /u /s %u %s << >> >>a <<r >>r <u <s mulh mulhu mulhsu`,
//!   `d = s OP IMM` (also `>u >s`), `d = IMM OP s` (`_alt` shifts/rotates), `d = IMM - s`, `d = -s`,
//!   `d = s - N` (add_imm with -4095 ≤ imm ≤ -1), `d = s1 & ~s2`, `d = s1 | ~s2`, `d = ~(s1 ^ s2)`,
//!   `d = maxs(s1, s2)` (`maxu mins minu`), `d = s if c == 0`, `d = IMM if c != 0`,
//!   `d = clz s` (`ctz cpop sext8 sext16 zext16 reverse`), `d = s`, `d = sbrk s`,
//!   `[a0..a0 + a2] = u8 a1` (memset).
//!
//! PolkaVM's quirks are reproduced: the source of `store_indirect_u8` always uses its ABI name, and
//! with `is_64_bit = false` `rotate_right_imm_32`/`rotate_right_imm_alt_32` print `>>`.
//!
//! # Listings
//!
//! [`disassemble`] prints one `{offset:>7}: {text}` line per decoded item, as PolkaVM prints a
//! parsed instruction (`disassemble(code.instructions(), &format)`). [`write_listing`] with
//! [`ListingOptions`] adds `// export: NAME` comments, `@_<offset>:` markers at valid jump targets
//! (static targets then print as `@_<offset>` too), import names after `ecalli N` and optionally
//! the raw code bytes of each item; [`blob_listing`] does all of that for a parsed blob. Listings
//! are for reading, not for re-assembly.
//!
//! # Re-assemblable source
//!
//! [`to_assembly`] (or [`blob_to_assembly`] for a parsed blob) turns the pieces of a program
//! ([`AssemblySource`], e.g. [`AssemblySource::from_blob`]) into text in the Kestrel
//! assembly dialect read by [`crate::asm`]: `%isa`, the sizes, `%ro_data`/`%rw_data` in hex (one
//! line each), one `%import` per import in order, one `%export = NAME @_<offset>` per export in
//! order, `%jump_table = @_<offset> ...`, then the code with a label `@_<offset>:` before every
//! static target, jump-table entry and export. Instructions are printed in the form PolkaVM's
//! assembler reads back (64-bit immediates and `i32 ` prefixes for every instruction set, `[b + -4]`
//! displacements, `0 - s`, `i64 0x...` for `load_imm64`, decimal cmov values); only `mulh`,
//! `mulhu`, `mulhsu`, `sbrk`, memset, `invalid`, the `%import`/`%export`/`%jump_table`
//! directives and `d = s if c != 0` / `d = IMM if c != 0` (which PolkaVM's assembler inverts) need
//! Kestrel's dialect. The legacy implicit end trap is omitted.
//! A label is only written where the previous instruction ends a basic block, because anywhere else
//! the assembler would insert a `fallthrough`; a static target or jump-table entry inside a block
//! is a [`DisasmError`] (it is never a valid jump target), while an export there gets
//! `@_<offset>: %no_fallthrough` (a host entry only needs an instruction boundary).
//!
//! Known limit: PolkaVM's assembler only reads `u8 [..] = I` / `u16 [..] = I` with I in 0..=255 /
//! 0..=65535, but real blobs contain e.g. `u16 [a5] = 0xffffffffffffffff` (the instruction stores
//! the low bits). The exact value is printed; the Kestrel assembler has to accept it.

mod format;
mod listing;
mod source;

pub use format::{InstructionDisplay, InstructionFormat, JumpTargetFormatter, ParsedInstructionDisplay};
pub use listing::{ListingOptions, blob_listing, disassemble, listing, write_listing};
pub use source::{AssemblySource, DisasmError, LabelUse, blob_to_assembly, to_assembly};
