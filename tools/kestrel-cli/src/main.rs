//! The `kestrel` command.

fn main() {}
