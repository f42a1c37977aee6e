//! Integration tests of the `kestrel` API, through its public interface only.

#![allow(clippy::print_stderr, reason = "tests say when shared test data is missing, and DOOM reports its timing")]

mod common;

mod config;
mod doom;
mod dynamic_paging;
mod errors;
mod gas;
mod guests;
mod hello_world;
mod host_calls;
mod jam_vectors;
mod marshalling;
mod memory;
mod module_cache;
mod polkavm_parity;
mod step_tracing;
mod strict;
