// The raw native durable-append ceiling, measured in the same run as the broker points:
// `files` files, one `bytes` write + fdatasync each per round, all in flight together in
// the best io mode (io_uring where available), rounds back to back for `ms`. This is what
// bench/durable-append measures; a sync=always broker point is reported as a share of it.
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { durableAppend, ioMode } from '../src/native/durable-append.js';

export interface Ceiling {
  mode: string;
  files: number;
  bytes: number;
  appendsPerSec: number;
  mbPerSec: number;
}

/** `parent` must be on the same disk as the broker's data (a tmpfs would measure nothing). */
export async function durableAppendCeiling(parent: string, files: number, bytes: number, ms: number): Promise<Ceiling> {
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, 'ceiling-'));
  const fds = Array.from({ length: files }, (_, i) => openSync(join(dir, `f${i}`), 'w+'));
  const bufs = fds.map(() => Buffer.alloc(bytes, 0x61));
  const offsets = fds.map(() => 0);
  try {
    for (let i = 0; i < 20; i++) await durableAppend(fds, bufs, offsets); // warm-up
    let appends = 0;
    const started = performance.now();
    while (performance.now() - started < ms) {
      appends += await durableAppend(fds, bufs, offsets);
      for (let i = 0; i < offsets.length; i++) offsets[i]! += bytes;
    }
    const seconds = (performance.now() - started) / 1000;
    return { mode: ioMode, files, bytes, appendsPerSec: appends / seconds, mbPerSec: (appends * bytes) / 1e6 / seconds };
  } finally {
    for (const fd of fds) closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}
