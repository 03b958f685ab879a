//! Exports only: each concern lives in its own module.
//! Every function borrows the caller's Buffer (`&[u8]` / `&mut [u8]`): no copies.
mod batch;
mod checksum;
mod codecs;
mod durable_append;
mod hash;
mod records;

pub use batch::{check_batch, patch_batch};
pub use checksum::crc32c;
pub use codecs::{snappy_compress_block, snappy_decompress_block, zstd_compress, zstd_decompress};
pub use durable_append::{durable_append, fdatasync_all, io_uring_available, preallocate};
pub use hash::xxhash64;
pub use records::{validate_lz4_records, validate_records, validate_zstd_records};
