// Recovery on real files: flipped bytes, torn tails, missing and stale indexes.
import { appendFileSync, existsSync, openSync, closeSync, readdirSync, readSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchField, readBatchHeader } from '../../../src/protocol/records/batch-layout.js';
import { CLEAN_SHUTDOWN_FILE, logFileName, offsetIndexFileName, timeIndexFileName } from '../../../src/storage/names.js';
import { PartitionLog } from '../../../src/storage/partition-log.js';
import { batchFor } from '../../helpers/batches.js';
import { useTmpDirs } from '../../helpers/tmp.js';

const tmp = useTmpDirs();
const config = { segmentBytes: 4096, syncPolicy: 'never' as const };

/** Writes `n` batches of 2 records (offsets 2i, 2i+1) and closes cleanly. */
async function filled(n: number): Promise<string> {
  const dir = tmp();
  const log = PartitionLog.open(dir, config);
  for (let i = 0; i < n; i++) await log.append(batchFor(i, 2, 150));
  await log.close();
  return dir;
}

function segmentFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
}

function crash(dir: string): void {
  rmSync(join(dir, CLEAN_SHUTDOWN_FILE), { force: true });
}

/** Position of the k-th batch inside a segment file. */
function batchPosition(path: string, k: number): number {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(12);
  let pos = 0;
  for (let i = 0; i < k; i++) {
    readSync(fd, head, 0, 12, pos);
    pos += head.readInt32BE(BatchField.BATCH_LENGTH) + 12;
  }
  closeSync(fd);
  return pos;
}

function flipByte(path: string, at: number): void {
  const fd = openSync(path, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  b[0]! ^= 0x40;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
}

async function allBatchOffsets(log: PartitionLog): Promise<number[]> {
  const out: number[] = [];
  const r = log.read(log.logStartOffset, 1 << 30);
  for (const c of r.chunks) {
    for (let at = 0; at < c.length; at += c.readInt32BE(at + 8) + 12) out.push(readBatchHeader(c, at).baseOffset);
  }
  return out;
}

describe('recovery', () => {
  it('detects a flipped byte inside a segment and cuts the log there', async () => {
    const dir = await filled(60);
    const files = segmentFiles(dir);
    expect(files.length).toBeGreaterThan(3);
    const victim = join(dir, files[1]!);
    const base = Number(files[1]!.slice(0, 20));
    flipByte(victim, batchPosition(victim, 3) + 70); // inside the 4th batch's records
    crash(dir);
    // The recovery point says the early segments were synced; a flipped byte there is
    // only caught by a full scan, so move the recovery point back as after a crash
    // right after the first roll.
    writeFileSync(join(dir, 'recovery-point'), '0');
    const log = PartitionLog.open(dir, config);
    expect(log.recovery.clean).toBe(false);
    expect(log.recovery.cutReason).toMatch(/status 4/); // BAD_CRC
    expect(log.logEndOffset).toBe(base + 6);
    expect(log.recovery.truncatedBytes).toBeGreaterThan(0);
    expect(log.recovery.truncatedBatches).toBeGreaterThanOrEqual(60 - (base / 2 + 3) - 1);
    expect(segmentFiles(dir).length).toBe(2); // everything after the cut is gone
    expect(await allBatchOffsets(log)).toEqual(Array.from({ length: base / 2 + 3 }, (_, i) => i * 2));
    expect((await log.append(batchFor(999))).baseOffset).toBe(base + 6); // and it keeps working
    await log.close();
  });

  it('cuts a torn tail to the last whole batch', async () => {
    const dir = await filled(10);
    const last = join(dir, segmentFiles(dir).at(-1)!);
    const size = statSync(last).size;
    truncateSync(last, size - 17); // half-written final batch
    appendFileSync(last, Buffer.alloc(5, 0xee));
    crash(dir);
    const log = PartitionLog.open(dir, config);
    expect(log.logEndOffset).toBe(18);
    expect(log.recovery.truncatedBytes).toBe(statSync(last).size === 0 ? 0 : size - 17 + 5 - statSync(last).size);
    expect(log.recovery.cutReason).toMatch(/torn batch/);
    expect(await allBatchOffsets(log)).toEqual(Array.from({ length: 9 }, (_, i) => i * 2));
    await log.close();
  });

  it('cuts zero-filled garbage after the last batch (a preallocated or torn tail)', async () => {
    const dir = await filled(3);
    const last = join(dir, segmentFiles(dir).at(-1)!);
    appendFileSync(last, Buffer.alloc(500));
    crash(dir);
    const log = PartitionLog.open(dir, config);
    expect(log.logEndOffset).toBe(6);
    expect(log.recovery.truncatedBytes).toBe(500);
    await log.close();
  });

  it('rebuilds missing and stale indexes on a clean open', async () => {
    const dir = await filled(60);
    const files = segmentFiles(dir);
    const base0 = Number(files[0]!.slice(0, 20));
    const base1 = Number(files[1]!.slice(0, 20));
    unlinkSync(join(dir, offsetIndexFileName(base0)));
    writeFileSync(join(dir, timeIndexFileName(base1)), Buffer.alloc(13, 0xff)); // torn entry
    const log = PartitionLog.open(dir, config);
    expect(log.recovery.clean).toBe(true);
    expect(log.recovery.indexesRebuilt).toBe(2);
    expect(log.offsetForTimestamp(1_700_000_000_000 + 5)).toBe(9);
    expect(await allBatchOffsets(log)).toEqual(Array.from({ length: 60 }, (_, i) => i * 2));
    await log.close();
    expect(existsSync(join(dir, offsetIndexFileName(base0)))).toBe(true);
  });

  it('scans only from the recovery point after a crash', async () => {
    const dir = await filled(60);
    const files = segmentFiles(dir);
    crash(dir);
    const log = PartitionLog.open(dir, config);
    expect(log.recovery.segmentsScanned).toBe(1); // the active segment only
    expect(log.recovery.batchesScanned).toBeLessThan(60);
    expect(log.segmentCount).toBe(files.length);
    await log.close();
  });

  it('removes a segment that does not continue the offsets of the one before', async () => {
    const dir = await filled(60);
    const files = segmentFiles(dir);
    // Offsets must be contiguous: a stray segment file with a base inside the previous
    // segment is corruption, not data.
    const lastBase = Number(files.at(-1)!.slice(0, 20));
    const strayBase = lastBase + 10_000;
    writeFileSync(join(dir, logFileName(strayBase)), batchFor(1));
    crash(dir);
    const log = PartitionLog.open(dir, config);
    expect(log.logEndOffset).toBe(120);
    expect(existsSync(join(dir, logFileName(strayBase)))).toBe(false);
    await log.close();
  });
});
