//! JAM PVM test-vector runner (filled in below).
