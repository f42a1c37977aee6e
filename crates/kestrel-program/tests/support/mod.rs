//! Helpers shared by the integration tests of `kestrel-program`. Each test binary declares
//! `mod support;` and imports what it needs from the submodules.
#![allow(dead_code, reason = "each test binary uses a different subset")]

pub mod asm;
pub mod code;
pub mod decode;
pub mod normalise;
pub mod rng;
pub mod spec;
pub mod testdata;
