// The hot paths, chosen once at start: the napi-rs addon when it loads, otherwise the
// TypeScript fallback, with a process warning (code STRATA_NATIVE_FALLBACK) saying why.
// STRATA_NATIVE=0 forces the fallback (tests and benchmarks compare the two);
// STRATA_NATIVE_ADDON=/path/to/addon.node loads a specific build.
import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BatchStatusCode, RecordsStatusCode } from '../protocol/records/batch-layout.js';
import { checkBatchJs, patchBatchJs } from './fallback-batch.js';
import { crc32cJs } from './fallback-crc32c.js';
import { validateRecordsJs } from './fallback-records.js';
import { xxhash64Js } from './fallback-xxhash64.js';

export interface HotPaths {
  /** CRC-32C of data; `initial` continues a previous result. */
  crc32c(data: Uint8Array, initial?: number): number;
  xxhash64(data: Uint8Array, seed?: bigint): bigint;
  /** One whole magic-2 batch no larger than maxBytes? Returns a BatchStatus code. */
  checkBatch(buf: Buffer, maxBytes: number): BatchStatusCode;
  /** Writes baseOffset in place; logAppendTimeMs >= 0 also stamps LogAppendTime. */
  patchBatch(buf: Buffer, baseOffset: number, logAppendTimeMs: number): void;
  /** Walks `count` records of an uncompressed records section; returns a RecordsStatus code. */
  validateRecords(records: Buffer, count: number): RecordsStatusCode;
}

/** The addon's I/O functions (no TypeScript twin: src/native/durable-append.ts falls back to fs). */
export interface NativeIo {
  durableAppend(fds: number[], bufs: Buffer[], offsets: number[], useUring: boolean): Promise<number>;
  /** fdatasync of every file: all in flight at once with io_uring, else one after another. */
  fdatasyncAll(fds: number[], useUring: boolean): Promise<number>;
  ioUringAvailable(): boolean;
  /** Codecs Node lacks (src/protocol/records/compression.ts); decompression bounded by maxBytes. */
  zstdCompress(data: Uint8Array, level: number): Buffer;
  zstdDecompress(data: Uint8Array, maxBytes: number): Buffer;
  /** zstd-compressed records decompressed into a reused native buffer (at most maxBytes) and walked: a RecordsStatus code. */
  validateZstdRecords(data: Uint8Array, count: number, maxBytes: number): RecordsStatusCode;
  /** The same for LZ4 frames. */
  validateLz4Records(data: Uint8Array, count: number, maxBytes: number): RecordsStatusCode;
  snappyCompressBlock(data: Uint8Array): Buffer;
  snappyDecompressBlock(data: Uint8Array, maxBytes: number): Buffer;
  /** fallocate(FALLOC_FL_KEEP_SIZE): reserve disk blocks without growing the file. */
  preallocate(fd: number, length: number): void;
}

export const fallback: HotPaths = {
  crc32c: crc32cJs,
  xxhash64: xxhash64Js,
  checkBatch: checkBatchJs,
  patchBatch: patchBatchJs,
  validateRecords: validateRecordsJs,
};

export interface NativeStatus {
  mode: 'native' | 'fallback';
  /** Why the fallback is in use, or the addon's path when native. */
  detail: string;
}

const ADDON_PREFIX = 'strata-native.';

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'native', 'Cargo.toml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package root (native/Cargo.toml) not found');
    dir = parent;
  }
  return dir;
}

/** napi-rs names the addon strata-native.<platform>-<arch>[-abi].node. */
function findAddon(): string {
  // STRATA_NATIVE_ADDON names the addon file explicitly (packaging, and the test that
  // proves a missing addon falls back with a warning).
  const explicit = process.env.STRATA_NATIVE_ADDON;
  if (explicit !== undefined && explicit !== '') return explicit;
  const nativeDir = join(packageRoot(), 'native');
  const platform = `${ADDON_PREFIX}${process.platform}-${process.arch}`;
  const match = readdirSync(nativeDir).find((f) => f.startsWith(platform) && f.endsWith('.node'));
  if (match === undefined) throw new Error(`no ${platform}*.node in ${nativeDir} (run npm run build:native)`);
  return join(nativeDir, match);
}

function load(): { paths: HotPaths; status: NativeStatus } {
  if (process.env.STRATA_NATIVE === '0') {
    return { paths: fallback, status: { mode: 'fallback', detail: 'STRATA_NATIVE=0' } };
  }
  try {
    const path = findAddon();
    const addon = createRequire(import.meta.url)(path) as HotPaths;
    return { paths: withFastOffsetPatch(addon), status: { mode: 'native', detail: path } };
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    process.emitWarning(`native addon unavailable, using the TypeScript fallback: ${detail}`, {
      code: 'STRATA_NATIVE_FALLBACK',
    });
    return { paths: fallback, status: { mode: 'fallback', detail } };
  }
}

/**
 * Writing only baseOffset needs no CRC work, and an 8-byte store from JS (~80 ns) beats
 * the napi call (~210 ns, bench/check-batch); the addon patches when the CRC changes.
 */
function withFastOffsetPatch(addon: HotPaths): HotPaths {
  return {
    crc32c: addon.crc32c,
    xxhash64: addon.xxhash64,
    checkBatch: addon.checkBatch,
    validateRecords: addon.validateRecords,
    patchBatch: (buf, baseOffset, logAppendTimeMs) => {
      if (logAppendTimeMs >= 0) addon.patchBatch(buf, baseOffset, logAppendTimeMs);
      else fallback.patchBatch(buf, baseOffset, logAppendTimeMs);
    },
  };
}

const loaded = load();

/** The implementation in use for this process. */
export const hot: HotPaths = loaded.paths;
export const nativeStatus: NativeStatus = loaded.status;
/** The addon itself, or undefined: lets tests and benchmarks run both side by side. */
export const native: (HotPaths & NativeIo) | undefined = loaded.status.mode === 'native' ? loadAddonDirect() : undefined;

function loadAddonDirect(): HotPaths & NativeIo {
  return createRequire(import.meta.url)(nativeStatus.detail) as HotPaths & NativeIo;
}

/** The addon's I/O functions when it loaded. */
export const nativeIo: NativeIo | undefined = native as (HotPaths & NativeIo) | undefined;
