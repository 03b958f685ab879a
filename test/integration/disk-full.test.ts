// A full disk surfaces as KAFKA_STORAGE_ERROR, damages nothing already written, and the
// log works again once space returns. Two real ways to run out of space:
//  - a per-process file size limit (RLIMIT_FSIZE, EFBIG), which needs no privileges;
//  - a tiny tmpfs (ENOSPC), which needs root to mount (CI runs as root).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isKafkaError } from '../../src/errors.js';
import { readBatchHeader } from '../../src/protocol/records/batch-layout.js';
import { PartitionLog } from '../../src/storage/partition-log.js';
import { crashBatch } from '../fixtures/crash-batch.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const root = fileURLToPath(new URL('../..', import.meta.url));
const isRoot = process.getuid?.() === 0;

function batchesIn(log: PartitionLog): number[] {
  const out: number[] = [];
  for (const c of log.read(log.logStartOffset, 2 ** 31 - 1).chunks) {
    for (let at = 0; at < c.length; ) {
      const h = readBatchHeader(c, at);
      out.push(h.baseOffset);
      at += h.size;
    }
  }
  return out;
}

describe('disk full', () => {
  it('file size limit: KAFKA_STORAGE_ERROR, no partial batch, works again when the limit lifts', async () => {
    const dir = join(tmp(), 'log');
    const child = join(root, 'dist', 'test', 'fixtures', 'file-size-limit-child.js');
    const r = spawnSync('bash', ['-c', `ulimit -S -f 256 && exec "${process.execPath}" "${child}" "${dir}"`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout.trim()) as {
      acked: number; failure?: { errorName: string; message: string }; sizeBefore: number; fileSizeAfterFailure: number; afterSpaceReturns: number | string; logEnd: number;
    };
    expect(report.failure?.errorName).toBe('KAFKA_STORAGE_ERROR');
    expect(report.failure?.message).toMatch(/EFBIG/);
    expect(report.acked).toBeGreaterThan(10);
    expect(report.fileSizeAfterFailure).toBe(report.sizeBefore); // the partial write was cut
    expect(typeof report.afterSpaceReturns).toBe('number');
    const log = PartitionLog.open(dir);
    expect(log.recovery.clean).toBe(true);
    const offsets = batchesIn(log);
    expect(offsets.length).toBe(report.acked + 1);
    expect(offsets.at(-1)).toBe(report.afterSpaceReturns);
    await log.close();
  });

  it.runIf(isRoot)('tmpfs: ENOSPC, nothing lost, the log keeps working once space returns', async () => {
    const mnt = tmp();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mnt]);
    try {
      const dir = join(mnt, 'log');
      mkdirSync(dir);
      const log = PartitionLog.open(dir, { syncPolicy: 'always', segmentBytes: 96 * 1024 });
      const acked: Array<[number, number]> = [];
      let failure: unknown;
      for (let id = 0; id < 5000 && failure === undefined; id++) {
        try {
          acked.push([id, (await log.append(crashBatch(id))).baseOffset]);
        } catch (err) {
          failure = err;
        }
      }
      expect(isKafkaError(failure, 'KAFKA_STORAGE_ERROR')).toBe(true);
      expect(String(failure)).toMatch(/ENOSPC/);
      // Still full: another append fails the same way, and reads keep working.
      await expect(log.append(crashBatch(99_999))).rejects.toMatchObject({ errorName: 'KAFKA_STORAGE_ERROR' });
      expect(batchesIn(log)).toEqual(acked.map(([, o]) => o));
      // Space returns.
      execFileSync('mount', ['-o', 'remount,size=4m', mnt]);
      const after = await log.append(crashBatch(100_000));
      expect(after.baseOffset).toBe(log.logEndOffset - (1 + (100_000 % 4)));
      await log.close();
      const reopened = PartitionLog.open(dir, { syncPolicy: 'always', segmentBytes: 96 * 1024 });
      expect(reopened.recovery.clean).toBe(true);
      expect(batchesIn(reopened)).toEqual([...acked.map(([, o]) => o), after.baseOffset]);
      await reopened.close();
    } finally {
      execFileSync('umount', [mnt]);
    }
    expect(existsSync(mnt)).toBe(true);
    writeFileSync(join(mnt, 'unmounted'), '');
  });
});
