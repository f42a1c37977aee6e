//! The guest memory map (`runtime.md` §3). Owner: container helper.
