use napi::bindgen_prelude::BigInt;
use napi_derive::napi;

/// xxHash64 of a whole buffer; used to fingerprint closed segments for the S3 tier.
/// Returned as a BigInt because the value is a full unsigned 64-bit integer.
#[napi]
pub fn xxhash64(data: &[u8], seed: Option<BigInt>) -> BigInt {
    let seed = seed.map(|s| s.get_u64().1).unwrap_or(0);
    BigInt::from(xxhash_rust::xxh64::xxh64(data, seed))
}
