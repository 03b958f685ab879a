// Durable appends: io_uring, the native pwrite fallback and Node's fs write the same
// bytes, and report errors the same way.
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { durableAppend, ioMode, type IoMode } from '../../../src/native/durable-append.js';
import { nativeIo } from '../../../src/native/index.js';
import { randomBytes, rng } from '../../helpers/batches.js';
import { useTmpDirs } from '../../helpers/tmp.js';

const tmp = useTmpDirs();
const modes: IoMode[] = ['fs'];
if (nativeIo !== undefined) modes.push('pwrite');
if (nativeIo?.ioUringAvailable()) modes.push('uring');

describe('durable appends', () => {
  it('picks the best available mode by default', () => {
    if (process.env.STRATA_IO_MODE === undefined) expect(ioMode).toBe(nativeIo?.ioUringAvailable() ? 'uring' : nativeIo ? 'pwrite' : 'fs');
  });

  it.each(modes)('%s: appends to many files at their offsets, identical to the other modes', async (mode) => {
    const dir = tmp();
    const next = rng(31);
    const files = Array.from({ length: 20 }, (_, i) => join(dir, `f${i}`));
    const fds = files.map((f) => openSync(f, 'w+'));
    const expected = files.map(() => [] as Buffer[]);
    const offsets = files.map(() => 0);
    for (let round = 0; round < 10; round++) {
      const bufs = fds.map((_, i) => {
        const b = randomBytes(next, 1 + Math.floor(next() * 40_000));
        expected[i]!.push(b);
        return b;
      });
      const at = [...offsets];
      expect(await durableAppend(fds, bufs, at, mode)).toBe(fds.length);
      bufs.forEach((b, i) => (offsets[i]! += b.length));
    }
    fds.forEach((fd) => closeSync(fd));
    files.forEach((f, i) => expect(readFileSync(f).equals(Buffer.concat(expected[i]!))).toBe(true));
  });

  it.each(modes)('%s: an invalid file descriptor rejects with EBADF', async (mode) => {
    await expect(durableAppend([987_654], [Buffer.from('x')], [0], mode)).rejects.toThrow(/EBADF|Bad file descriptor/);
  });

  it('rejects mismatched argument lists (native)', async () => {
    if (nativeIo === undefined) return;
    expect(() => nativeIo!.durableAppend([1, 2], [Buffer.from('x')], [0], false)).toThrow(/same length/);
  });
});
