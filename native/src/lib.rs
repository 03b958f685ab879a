//! Exports only: each concern lives in its own module.
//! Every function borrows the caller's Buffer (`&[u8]` / `&mut [u8]`): no copies.
mod batch;
mod checksum;
mod durable_append;
mod hash;

pub use batch::{check_batch, patch_batch};
pub use checksum::crc32c;
pub use durable_append::{durable_append, io_uring_available, preallocate};
pub use hash::xxhash64;
