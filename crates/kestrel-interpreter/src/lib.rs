//! Kestrel's interpreter backend. Owner: interpreter helper.
#![forbid(unsafe_code)]
