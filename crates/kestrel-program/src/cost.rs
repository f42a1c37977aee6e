//! Gas cost models (`runtime.md` §9.6). Owner: interpreter helper.
