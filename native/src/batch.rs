//! Record batch (magic 2) header checks and in-place patching.
//! Layout (big endian), as in Kafka's DefaultRecordBatch:
//!   0 baseOffset i64 | 8 batchLength i32 | 12 partitionLeaderEpoch i32 | 16 magic i8
//!  17 crc u32 | 21 attributes i16 | 23 lastOffsetDelta i32 | 27 baseTimestamp i64
//!  35 maxTimestamp i64 | 43 producerId i64 | 51 producerEpoch i16 | 53 baseSequence i32
//!  57 recordCount i32 | 61 records...
//! The CRC covers attributes..end, so patching baseOffset never changes it.
use napi::bindgen_prelude::Buffer;
use napi::{Error, Result, Status};
use napi_derive::napi;

const BASE_OFFSET: usize = 0;
const BATCH_LENGTH: usize = 8;
const MAGIC: usize = 16;
const CRC: usize = 17;
const ATTRIBUTES: usize = 21;
const LAST_OFFSET_DELTA: usize = 23;
const MAX_TIMESTAMP: usize = 35;
const RECORD_COUNT: usize = 57;
const HEADER_SIZE: usize = 61;
/// Bytes before the part counted by batchLength (baseOffset + batchLength).
const LOG_OVERHEAD: usize = 12;
const TIMESTAMP_TYPE_LOG_APPEND: u8 = 0x08;

// Status codes shared with the TypeScript fallback (src/native/batch-status.ts).
const OK: u32 = 0;
const TOO_SHORT: u32 = 1;
const LENGTH_MISMATCH: u32 = 2;
const BAD_MAGIC: u32 = 3;
const BAD_CRC: u32 = 4;
const TOO_LARGE: u32 = 5;
const BAD_RECORD_COUNT: u32 = 6;

fn be_i32(b: &[u8], at: usize) -> i32 {
    i32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn be_u32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Checks that `buf` holds exactly one well-formed magic-2 batch no larger than
/// `max_bytes`; returns a status code (0 = OK). Order matters: cheap framing checks
/// first, so an absurd length is reported before any CRC work is done.
#[napi]
pub fn check_batch(buf: &[u8], max_bytes: u32) -> u32 {
    if buf.len() < HEADER_SIZE {
        return TOO_SHORT;
    }
    let batch_length = be_i32(buf, BATCH_LENGTH);
    if batch_length < (HEADER_SIZE - LOG_OVERHEAD) as i32
        || batch_length as usize + LOG_OVERHEAD != buf.len()
    {
        return LENGTH_MISMATCH;
    }
    if buf.len() > max_bytes as usize {
        return TOO_LARGE;
    }
    if buf[MAGIC] != 2 {
        return BAD_MAGIC;
    }
    if crc32c::crc32c(&buf[ATTRIBUTES..]) != be_u32(buf, CRC) {
        return BAD_CRC;
    }
    let count = be_i32(buf, RECORD_COUNT);
    if count < 1 || be_i32(buf, LAST_OFFSET_DELTA) != count - 1 {
        return BAD_RECORD_COUNT;
    }
    OK
}

/// Writes the log-assigned baseOffset into the batch in place. With
/// `log_append_time_ms` >= 0 the batch also becomes LogAppendTime: the timestamp type
/// bit is set, maxTimestamp is replaced and the CRC is recomputed.
#[napi]
pub fn patch_batch(mut buffer: Buffer, base_offset: i64, log_append_time_ms: i64) -> Result<()> {
    // Buffer is a view of the caller's memory (napi_get_buffer_info): writes land in place.
    let buf: &mut [u8] = buffer.as_mut();
    if buf.len() < HEADER_SIZE {
        return Err(Error::new(Status::InvalidArg, "buffer shorter than a batch header"));
    }
    buf[BASE_OFFSET..BASE_OFFSET + 8].copy_from_slice(&base_offset.to_be_bytes());
    if log_append_time_ms >= 0 {
        buf[ATTRIBUTES + 1] |= TIMESTAMP_TYPE_LOG_APPEND;
        buf[MAX_TIMESTAMP..MAX_TIMESTAMP + 8].copy_from_slice(&log_append_time_ms.to_be_bytes());
        let crc = crc32c::crc32c(&buf[ATTRIBUTES..]);
        buf[CRC..CRC + 4].copy_from_slice(&crc.to_be_bytes());
    }
    Ok(())
}
