// kill -9 at every step of a cleaning pass and its swap: reopening the log must find either
// the old segment set or the new one (compared record by record), never a mix or a loss.
// The points: after a cleaned file is written (before the commit record), right after the
// commit record, in the middle of a group's swap (old files gone, cleaned file not yet
// renamed), and before the commit record is removed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.js';
import { readBatchHeader } from '../../src/protocol/records/batch-layout.js';
import { walkBatchRecords } from '../../src/storage/cleaner/batch-filter.js';
import { PartitionLog } from '../../src/storage/partition-log.js';
import { root } from '../helpers/broker.js';

const child = join(root, 'dist', 'test', 'fixtures', 'cleaner-crash.js');
const T0 = 1_700_000_000_000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const config = { cleanupPolicy: 'compact' as const, segmentBytes: 1024, syncPolicy: 'never' as const };

/** Six rounds over 12 keys, the last round's key 3 a tombstone; every segment closed. */
async function filledLog(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-cleaner-crash-'));
  dirs.push(dir);
  const log = PartitionLog.open(dir, config);
  for (let round = 0; round < 6; round++) {
    for (let k = 0; k < 12; k += 3) {
      const records = [0, 1, 2].map((i) => ({ key: Buffer.from(`k${k + i}`), value: round === 5 && k + i === 3 ? null : Buffer.from(`${round}`), timestamp: T0 + round }));
      await log.append(buildRecordBatch(records, { baseTimestamp: T0 + round }));
    }
  }
  log.roll();
  await log.close();
  return dir;
}

function contents(dir: string): string[] {
  const log = PartitionLog.open(dir, config);
  try {
    const all = Buffer.concat(log.read(log.logStartOffset, 1 << 30).chunks);
    const out: string[] = [];
    for (let at = 0; at < all.length;) {
      const h = readBatchHeader(all, at);
      for (const r of walkBatchRecords(all.subarray(at, at + h.size), 1 << 20).list) out.push(`${r.offset}:${r.key?.toString()}:${r.tombstone ? 'x' : ''}`);
      at += h.size;
    }
    return out;
  } finally {
    log.closeFresh();
  }
}

function runChild(dir: string, crashAt: string | undefined): Promise<{ signal: string | null; out: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    if (crashAt === undefined) delete env.STRATA_TEST_CLEANER_CRASH_AT;
    else env.STRATA_TEST_CLEANER_CRASH_AT = crashAt;
    const p = spawn(process.execPath, [child, dir, String(T0 + 1000)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ signal, out });
    });
  });
}

describe('log cleaner crash safety (kill -9 at each step)', () => {
  it('a completed pass: the baseline old and new record sets differ', async () => {
    const dir = await filledLog();
    const old = contents(dir);
    const r = await runChild(dir, undefined);
    expect(r.out).toContain('INSTALLED');
    const cleaned = contents(dir);
    expect(cleaned.length).toBeLessThan(old.length);
    // The latest record of each key survives (key 3's tombstone expired: deleteRetentionMs 0).
    expect(cleaned).toEqual(old.filter((r) => Number(r.split(':')[0]) >= 60 && !r.endsWith(':x')));
    expect(cleaned).toHaveLength(11);
  });

  for (const point of ['cleaned-written', 'after-commit', 'mid-swap', 'before-swap-record-removed']) {
    it(`killed at ${point}: the reopened log is the old set or the new set, and opens clean after`, async () => {
      const dir = await filledLog();
      const old = contents(dir);
      const reference = await filledLog();
      await runChild(reference, undefined);
      const cleaned = contents(reference);

      const r = await runChild(dir, point);
      expect(r.signal).toBe('SIGKILL');
      const seen = contents(dir);
      const before = point === 'cleaned-written';
      expect(seen).toEqual(before ? old : cleaned);
      // Nothing of the pass is left behind, and a second open sees the same.
      expect(readdirSync(dir).filter((f) => f.endsWith('.cleaned') || f === 'strata-cleaner-swap')).toEqual([]);
      expect(contents(dir)).toEqual(seen);
    });
  }
});
