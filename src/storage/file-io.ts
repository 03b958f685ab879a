// Positional reads and writes that finish the job: the kernel may move fewer bytes
// than asked (signals, full disks), so each loops until done or an error is thrown.
import { readSync, writeSync } from 'node:fs';

/** Reads up to `length` bytes at `position`; shorter only at end of file. */
export function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

/** Writes all of `buf` at `position` or throws (possibly after writing a prefix). */
export function writeAllAt(fd: number, buf: Uint8Array, position: number): void {
  let done = 0;
  while (done < buf.length) {
    done += writeSync(fd, buf, done, buf.length - done, position + done);
  }
}
