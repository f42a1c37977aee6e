//! The DOOM host side, shared by both VMs (and by the DOOM tests): `kestrel_test_support::doom`.

pub use kestrel_test_support::doom::{Host, fnv1a};
