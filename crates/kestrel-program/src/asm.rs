//! Text assembler for the syntax of `instructions.md` §9, plus Kestrel's documented extensions.
//! Owner: assembler helper.
