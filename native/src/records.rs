//! The records inside a magic-2 batch, walked as Kafka's LogValidator and DefaultRecord
//! read them: every record's length, varints, attributes, timestamp and offset deltas,
//! key, value and headers must frame exactly, `count` records must fill the bytes
//! exactly, and offset deltas must run 0, 1, 2, ... Nothing is copied.
//! Record layout: length varint | attributes i8 | timestampDelta varlong |
//!   offsetDelta varint | keyLength varint + key | valueLength varint + value |
//!   headerCount varint | (headerKeyLength varint + key | headerValueLength varint + value)*
use napi_derive::napi;

// Status codes shared with the TypeScript twin (src/native/fallback-records.ts).
pub const RECORDS_OK: u32 = 0;
/// The bytes end before `count` records were read.
pub const RECORDS_TRUNCATED: u32 = 7;
/// A varint runs past 5 bytes (varlong: 10) or past the bytes.
pub const RECORDS_BAD_VARINT: u32 = 8;
/// A record's length is not positive, runs past the bytes, or disagrees with its fields.
pub const RECORDS_BAD_SIZE: u32 = 9;
/// A record's offset delta is not its position in the batch.
pub const RECORDS_BAD_OFFSET_DELTA: u32 = 10;
/// A header count is negative, or a header key length is negative.
pub const RECORDS_BAD_HEADERS: u32 = 11;
/// Bytes remain after the `count`th record.
pub const RECORDS_TRAILING_BYTES: u32 = 12;
/// A key or value length is below -1 or runs past its record.
pub const RECORDS_BAD_FIELD_LENGTH: u32 = 13;
/// The compressed records do not decompress, or not within the byte limit.
pub const RECORDS_DECOMPRESS_FAILED: u32 = 14;

struct Cursor<'a> {
    buf: &'a [u8],
    at: usize,
    end: usize,
}

impl Cursor<'_> {
    /// A zigzag varint of at most `max_bytes` bytes (5: int32, 10: int64).
    fn varint(&mut self, max_bytes: usize) -> Result<i64, u32> {
        let mut raw: u64 = 0;
        for i in 0..max_bytes {
            if self.at >= self.end {
                return Err(RECORDS_BAD_VARINT);
            }
            let b = self.buf[self.at];
            self.at += 1;
            raw |= ((b & 0x7f) as u64) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(((raw >> 1) as i64) ^ -((raw & 1) as i64));
            }
        }
        Err(RECORDS_BAD_VARINT)
    }

    fn int32(&mut self) -> Result<i64, u32> {
        let v = self.varint(5)?;
        if v < i32::MIN as i64 || v > i32::MAX as i64 {
            return Err(RECORDS_BAD_VARINT);
        }
        Ok(v)
    }

    /// Skips a length-prefixed field; `min` is the smallest legal length (-1 = null allowed).
    fn skip_field(&mut self, min: i64, bad: u32) -> Result<(), u32> {
        let len = self.int32()?;
        if len < min || len > (self.end - self.at) as i64 {
            return Err(bad);
        }
        if len > 0 {
            self.at += len as usize;
        }
        Ok(())
    }
}

fn walk(buf: &[u8], count: i32) -> Result<(), u32> {
    let mut c = Cursor { buf, at: 0, end: buf.len() };
    for i in 0..count {
        if c.at >= c.end {
            return Err(RECORDS_TRUNCATED);
        }
        let length = c.int32()?;
        if length <= 0 || length > (c.end - c.at) as i64 {
            return Err(RECORDS_BAD_SIZE);
        }
        let record_end = c.at + length as usize;
        let mut r = Cursor { buf, at: c.at, end: record_end };
        r.at += 1; // attributes: unused in magic 2
        r.varint(10)?; // timestamp delta
        if r.int32()? != i as i64 {
            return Err(RECORDS_BAD_OFFSET_DELTA);
        }
        r.skip_field(-1, RECORDS_BAD_FIELD_LENGTH)?; // key
        r.skip_field(-1, RECORDS_BAD_FIELD_LENGTH)?; // value
        let headers = r.int32()?;
        if headers < 0 {
            return Err(RECORDS_BAD_HEADERS);
        }
        for _ in 0..headers {
            r.skip_field(0, RECORDS_BAD_HEADERS)?; // header key: never null
            r.skip_field(-1, RECORDS_BAD_HEADERS)?; // header value
        }
        if r.at != record_end {
            return Err(RECORDS_BAD_SIZE);
        }
        c.at = record_end;
    }
    if c.at != c.end {
        return Err(RECORDS_TRAILING_BYTES);
    }
    Ok(())
}

/// Checks the records section (uncompressed bytes) of a batch declaring `count` records;
/// returns a status code (0 = OK).
#[napi]
pub fn validate_records(records: &[u8], count: i32) -> u32 {
    if count < 0 {
        return RECORDS_TRUNCATED;
    }
    walk_status(records, count)
}

fn walk_status(records: &[u8], count: i32) -> u32 {
    match walk(records, count) {
        Ok(()) => RECORDS_OK,
        Err(status) => status,
    }
}

/// Reused buffers keep their memory for the next batch, but not a huge one a single batch needed.
fn release_if_huge(buf: &mut Vec<u8>) {
    if buf.capacity() > 16 << 20 {
        *buf = Vec::new();
    }
}

thread_local! {
    /// One zstd context and one output buffer per thread, reused: creating a context per
    /// batch costs more than decompressing a small batch.
    static ZSTD: std::cell::RefCell<Option<(zstd::bulk::Decompressor<'static>, Vec<u8>)>> = const { std::cell::RefCell::new(None) };
}

/// Decompresses a zstd records section into a reused buffer of at most `max_bytes` and
/// walks it as `validate_records` does; nothing is handed back to JavaScript.
#[napi]
pub fn validate_zstd_records(data: &[u8], count: i32, max_bytes: u32) -> u32 {
    if count < 0 {
        return RECORDS_TRUNCATED;
    }
    ZSTD.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            match zstd::bulk::Decompressor::new() {
                Ok(d) => *slot = Some((d, Vec::new())),
                Err(_) => return RECORDS_DECOMPRESS_FAILED,
            }
        }
        let (decompressor, buf) = slot.as_mut().unwrap();
        buf.clear();
        buf.reserve_exact(max_bytes as usize);
        // Output goes into the spare capacity (no zeroing); a frame that needs more than
        // the capacity fails, and one that fits a larger capacity is checked below.
        let written = match decompressor.decompress_to_buffer(data, buf) {
            Ok(n) => n,
            Err(_) => return RECORDS_DECOMPRESS_FAILED,
        };
        if written > max_bytes as usize {
            return RECORDS_DECOMPRESS_FAILED;
        }
        let status = walk_status(&buf[..written], count);
        release_if_huge(buf);
        status
    })
}

thread_local! {
    /// Decompressed LZ4 records: one buffer per thread, zeroed once, reused.
    static LZ4_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

const LZ4_MAGIC: u32 = 0x184D_2204;
/// Linked blocks may refer back this far into the previous blocks' output.
const LZ4_WINDOW: usize = 64 * 1024;

fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4).map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
}

/// Decodes LZ4 frames (the format Kafka's clients write) into `out`, straight from the
/// block API: lz4_flex's FrameDecoder allocates a buffer of the frame's block size (4 MiB
/// for frames written by Node's lz4 packages) per frame, which cost ten times the
/// decompression itself. Checksums are not verified: the batch CRC covers these bytes.
/// Returns the decoded length, or None for a malformed frame or output past `out`.
fn lz4_frames_into(data: &[u8], out: &mut [u8]) -> Option<usize> {
    let mut at = 0;
    let mut written = 0;
    while at < data.len() {
        if le_u32(data, at)? != LZ4_MAGIC {
            return None;
        }
        let flg = *data.get(at + 4)?;
        if flg >> 6 != 1 || flg & 0x01 != 0 {
            return None; // version 01 only; no dictionaries
        }
        let independent = flg & 0x20 != 0;
        let block_checksums = flg & 0x10 != 0;
        let content_size = flg & 0x08 != 0;
        let content_checksum = flg & 0x04 != 0;
        at += 4 + 2 + if content_size { 8 } else { 0 } + 1; // magic, FLG, BD, [size], HC
        let frame_start = written;
        loop {
            let word = le_u32(data, at)?;
            at += 4;
            if word == 0 {
                break;
            }
            let size = (word & 0x7fff_ffff) as usize;
            let block = data.get(at..at + size)?;
            at += size + if block_checksums { 4 } else { 0 };
            if word & 0x8000_0000 != 0 {
                out.get_mut(written..written + size)?.copy_from_slice(block);
                written += size;
                continue;
            }
            let (prev, rest) = out.split_at_mut(written);
            let n = if independent || written == frame_start {
                lz4_flex::block::decompress_into(block, rest).ok()?
            } else {
                let from = written.saturating_sub(LZ4_WINDOW).max(frame_start);
                lz4_flex::block::decompress_into_with_dict(block, rest, &prev[from..]).ok()?
            };
            written += n;
        }
        if content_checksum {
            at += 4;
        }
        if at > data.len() {
            return None;
        }
    }
    Some(written)
}

/// As `validate_zstd_records`, for LZ4 frames.
#[napi]
pub fn validate_lz4_records(data: &[u8], count: i32, max_bytes: u32) -> u32 {
    if count < 0 {
        return RECORDS_TRUNCATED;
    }
    LZ4_BUF.with(|cell| {
        let mut buf = cell.borrow_mut();
        let limit = max_bytes as usize;
        if buf.len() < limit {
            buf.resize(limit, 0);
        }
        let written = match lz4_frames_into(data, &mut buf[..limit]) {
            Some(n) => n,
            None => return RECORDS_DECOMPRESS_FAILED,
        };
        let status = walk_status(&buf[..written], count);
        release_if_huge(&mut buf);
        status
    })
}
