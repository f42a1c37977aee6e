//! Disassembler: instruction text in the syntax of `instructions.md` §9.5, program listings, and
//! re-assemblable program text. Owner: disassembler helper.
