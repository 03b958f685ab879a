//! Exports only: each concern lives in its own module.
//! Every function borrows the caller's Buffer (`&[u8]` / `&mut [u8]`): no copies.
mod batch;
mod checksum;
mod hash;

pub use batch::{check_batch, patch_batch};
pub use checksum::crc32c;
pub use hash::xxhash64;
