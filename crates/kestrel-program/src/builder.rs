//! The blob builder/writer, byte-identical to PolkaVM 0.37's `ProgramBlobBuilder`
//! (`blob-format.md` §13, `instructions.md` §8). Owner: builder helper.
//!
//! CONTRACT: `ProgramBlobBuilder::new(isa)`, `set_ro_data_size/set_rw_data_size/set_stack_size(u32)`,
//! `set_ro_data/set_rw_data(Vec<u8>)`, `add_import(&[u8])`, `add_export_by_basic_block(block: u32, &[u8])`,
//! `add_export_by_instruction(index: u32, &[u8])`, `add_jump_table_entry(block: u32)`,
//! `push(Instruction)` (targets are basic-block indices), `add_custom_section(id: u8, Vec<u8>)`,
//! `set_ignore_instruction_set_incompatibility(bool)`, `to_vec() -> Result<Vec<u8>, BuildError>`.
