//! Record-batch codecs Node lacks on every supported version: zstd (Node 20 has none in
//! zlib) and raw snappy blocks (the Xerial framing Kafka's Java client uses is added in
//! TypeScript). gzip comes from node:zlib, lz4 frames from lz4-napi. Decompression is
//! bounded by `max_bytes`, so a small hostile payload cannot balloon in memory.
use std::io::Read;

use napi::bindgen_prelude::Buffer;
use napi::{Error, Result, Status};
use napi_derive::napi;

fn too_large(max_bytes: u32) -> Error {
    Error::new(Status::InvalidArg, format!("decompressed data exceeds {max_bytes} bytes"))
}

#[napi]
pub fn zstd_compress(data: &[u8], level: i32) -> Result<Buffer> {
    zstd::bulk::compress(data, level)
        .map(Buffer::from)
        .map_err(|e| Error::new(Status::GenericFailure, format!("zstd compress: {e}")))
}

#[napi]
pub fn zstd_decompress(data: &[u8], max_bytes: u32) -> Result<Buffer> {
    let decoder = zstd::stream::read::Decoder::new(data).map_err(|e| Error::new(Status::InvalidArg, format!("zstd: {e}")))?;
    let mut out = Vec::new();
    decoder
        .take(max_bytes as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::new(Status::InvalidArg, format!("zstd: {e}")))?;
    if out.len() > max_bytes as usize {
        return Err(too_large(max_bytes));
    }
    Ok(Buffer::from(out))
}

#[napi]
pub fn snappy_compress_block(data: &[u8]) -> Result<Buffer> {
    snap::raw::Encoder::new()
        .compress_vec(data)
        .map(Buffer::from)
        .map_err(|e| Error::new(Status::GenericFailure, format!("snappy compress: {e}")))
}

#[napi]
pub fn snappy_decompress_block(data: &[u8], max_bytes: u32) -> Result<Buffer> {
    let len = snap::raw::decompress_len(data).map_err(|e| Error::new(Status::InvalidArg, format!("snappy: {e}")))?;
    if len > max_bytes as usize {
        return Err(too_large(max_bytes));
    }
    snap::raw::Decoder::new()
        .decompress_vec(data)
        .map(Buffer::from)
        .map_err(|e| Error::new(Status::InvalidArg, format!("snappy: {e}")))
}
