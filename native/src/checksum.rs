use napi_derive::napi;

/// CRC-32C (Castagnoli), the Kafka record-batch checksum. `initial` continues a
/// running checksum (pass the previous result), so callers can feed chunks.
#[napi(js_name = "crc32c")]
pub fn crc32c(data: &[u8], initial: Option<u32>) -> u32 {
    match initial {
        Some(crc) => crc32c::crc32c_append(crc, data),
        None => crc32c::crc32c(data),
    }
}
