//! PolkaVM's variable-length u32 (`blob-format.md` §3). Owner: container helper.
