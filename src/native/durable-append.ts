// Durable appends (write + fdatasync for a set of files), in the mode chosen once at start:
//   uring  — the addon's io_uring path: every write linked to its fdatasync, all in flight;
//   pwrite — the addon's fallback: pwrite + fdatasync, one file after another;
//   fs     — Node's fs (no addon): the same, one after another, on libuv's pool.
// STRATA_IO_MODE=uring|pwrite|fs forces one; the default takes the best available.
// Partition logs write synchronously and group-commit their fdatasyncs (ADR 0002) through
// storage/sync-batcher.ts, which uses the same mode; bench/durable-append compares them.
import { fdatasync, write } from 'node:fs';
import { nativeIo } from './index.js';

export type IoMode = 'uring' | 'pwrite' | 'fs';

function choose(): IoMode {
  const forced = process.env.STRATA_IO_MODE;
  if (forced === 'uring' || forced === 'pwrite' || forced === 'fs') {
    if (forced !== 'fs' && nativeIo === undefined) throw new Error(`STRATA_IO_MODE=${forced} needs the native addon`);
    if (forced === 'uring' && !nativeIo!.ioUringAvailable()) throw new Error('STRATA_IO_MODE=uring: io_uring is not available here');
    return forced;
  }
  if (nativeIo === undefined) return 'fs';
  return nativeIo.ioUringAvailable() ? 'uring' : 'pwrite';
}

export const ioMode: IoMode = choose();

function fsWriteAll(fd: number, buf: Buffer, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (done: number): void => {
      if (done === buf.length) return resolve();
      write(fd, buf, done, buf.length - done, position + done, (err, n) => (err ? reject(err) : step(done + n)));
    };
    step(0);
  });
}

async function fsAppend(fds: number[], bufs: Buffer[], offsets: number[]): Promise<number> {
  for (let i = 0; i < fds.length; i++) {
    await fsWriteAll(fds[i]!, bufs[i]!, offsets[i]!);
    await new Promise<void>((resolve, reject) => fdatasync(fds[i]!, (err) => (err ? reject(err) : resolve())));
  }
  return fds.length;
}

/** Writes bufs[i] at offsets[i] of fds[i], fdatasyncs every file; resolves when all are durable. */
export function durableAppend(fds: number[], bufs: Buffer[], offsets: number[], mode: IoMode = ioMode): Promise<number> {
  if (mode === 'fs') return fsAppend(fds, bufs, offsets);
  return nativeIo!.durableAppend(fds, bufs, offsets, mode === 'uring');
}
