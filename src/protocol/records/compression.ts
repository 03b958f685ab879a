// Record-batch compression codecs, by the attribute values Kafka assigns them:
// gzip (node:zlib), snappy (raw blocks from the addon, wrapped in the Xerial framing
// Kafka's Java client writes and reads; raw snappy as librdkafka may send is also read),
// lz4 (LZ4 frames, lz4-napi), zstd (the addon: Node 20's zlib has none).
// Decompression is bounded: a batch that inflates past the limit is refused.
import { gunzipSync, gzipSync } from 'node:zlib';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { KafkaError } from '../../errors.js';
import { nativeIo } from '../../native/index.js';

export const Codec = { NONE: 0, GZIP: 1, SNAPPY: 2, LZ4: 3, ZSTD: 4 } as const;
export type CodecId = (typeof Codec)[keyof typeof Codec];

/** compression.type topic values → codec (producer: keep what the producer sent). */
export const COMPRESSION_TYPES: Record<string, CodecId | 'producer'> = {
  producer: 'producer', uncompressed: Codec.NONE, gzip: Codec.GZIP, snappy: Codec.SNAPPY, lz4: Codec.LZ4, zstd: Codec.ZSTD,
};

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER = 16;
const XERIAL_BLOCK = 32 * 1024;
const ZSTD_LEVEL = 3;

function needNative(what: string): NonNullable<typeof nativeIo> {
  if (nativeIo === undefined) throw new KafkaError('UNSUPPORTED_COMPRESSION_TYPE', `${what} needs the native addon, which is not loaded`);
  return nativeIo;
}

function snappyCompress(data: Buffer): Buffer {
  const io = needNative('snappy');
  const parts: Buffer[] = [Buffer.alloc(XERIAL_HEADER)];
  XERIAL_MAGIC.copy(parts[0]!, 0);
  parts[0]!.writeInt32BE(1, 8); // version
  parts[0]!.writeInt32BE(1, 12); // minimum compatible version
  for (let at = 0; at < data.length; at += XERIAL_BLOCK) {
    const block = io.snappyCompressBlock(data.subarray(at, at + XERIAL_BLOCK));
    const len = Buffer.alloc(4);
    len.writeInt32BE(block.length, 0);
    parts.push(len, block);
  }
  return Buffer.concat(parts);
}

function snappyDecompress(data: Buffer, maxBytes: number): Buffer {
  const io = needNative('snappy');
  if (data.length < XERIAL_HEADER || !data.subarray(0, 8).equals(XERIAL_MAGIC)) return io.snappyDecompressBlock(data, maxBytes);
  const out: Buffer[] = [];
  let total = 0;
  for (let at = XERIAL_HEADER; at < data.length; ) {
    if (at + 4 > data.length) throw new Error('truncated xerial snappy block header');
    const len = data.readInt32BE(at);
    if (len < 0 || at + 4 + len > data.length) throw new Error('xerial snappy block runs past the data');
    const block = io.snappyDecompressBlock(data.subarray(at + 4, at + 4 + len), maxBytes - total);
    total += block.length;
    out.push(block);
    at += 4 + len;
  }
  return Buffer.concat(out, total);
}

export function compress(codec: CodecId, data: Buffer): Buffer {
  switch (codec) {
    case Codec.NONE:
      return data;
    case Codec.GZIP:
      return gzipSync(data);
    case Codec.SNAPPY:
      return snappyCompress(data);
    case Codec.LZ4:
      return compressFrameSync(data);
    case Codec.ZSTD:
      return needNative('zstd').zstdCompress(data, ZSTD_LEVEL);
  }
}

/** Throws CORRUPT_MESSAGE when the data does not decode or inflates past maxBytes. */
export function decompress(codec: number, data: Buffer, maxBytes: number): Buffer {
  let out: Buffer;
  try {
    switch (codec) {
      case Codec.NONE:
        return data;
      case Codec.GZIP:
        out = gunzipSync(data, { maxOutputLength: maxBytes });
        break;
      case Codec.SNAPPY:
        out = snappyDecompress(data, maxBytes);
        break;
      case Codec.LZ4:
        out = decompressFrameSync(data);
        break;
      case Codec.ZSTD:
        out = needNative('zstd').zstdDecompress(data, maxBytes);
        break;
      default:
        throw new KafkaError('UNSUPPORTED_COMPRESSION_TYPE', `compression codec ${codec} is not one Kafka defines`);
    }
  } catch (err) {
    if (err instanceof KafkaError) throw err;
    throw new KafkaError('CORRUPT_MESSAGE', `records do not decompress: ${(err as Error).message}`);
  }
  if (out.length > maxBytes) throw new KafkaError('CORRUPT_MESSAGE', `records decompress to more than ${maxBytes} bytes`);
  return out;
}
