// SIGKILL a child process that is appending with `always`, at random moments, many
// times over the same log; after each crash reopen and check that every append the
// child saw resolve is present and intact and that the log ends on a whole batch.
// STRATA_CRASH_ITERATIONS raises the count (default 50).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BatchField, readBatchHeader } from '../../src/protocol/records/batch-layout.js';
import { PartitionLog } from '../../src/storage/partition-log.js';
import { crashBatch } from '../fixtures/crash-batch.js';
import { rng } from '../helpers/batches.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const root = fileURLToPath(new URL('../..', import.meta.url));
const child = join(root, 'dist', 'test', 'fixtures', 'crash-appender.js');
const iterations = Number(process.env.STRATA_CRASH_ITERATIONS ?? 50);

interface Run {
  acked: Map<number, number>;
  lines: number;
}

/** Starts the child, waits until its log is open, lets it append for `runMs`, kills it. */
function runAndKill(dir: string, firstId: number, runMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, dir, String(firstId), '8'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = new Map<number, number>();
    let buffered = '';
    let stderr = '';
    let lines = 0;
    let timer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!; // an unfinished line is not an acknowledgement
      for (const line of parts) {
        lines++;
        const [kind, a, b] = line.split(' ');
        if (kind === 'READY' && timer === undefined) timer = setTimeout(() => proc.kill('SIGKILL'), runMs);
        if (kind === 'A') acked.set(Number(a), Number(b));
      }
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (timer !== undefined) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`child exited ${code ?? signal}: ${stderr}`));
      else resolve({ acked, lines });
    });
  });
}

describe('crash safety', () => {
  it(`keeps every acknowledged append across ${iterations} SIGKILLs`, async () => {
    expect(existsSync(child), `${child} missing: run npm run build first`).toBe(true);
    const dir = join(tmp(), 'log');
    const next = rng(20261122);
    const acked = new Map<number, number>();
    let nextId = 0;
    let recoveredWithCut = 0;
    for (let i = 0; i < iterations; i++) {
      const run = await runAndKill(dir, nextId, 5 + Math.floor(next() * 120));
      nextId += 1_000_000;
      for (const [id, offset] of run.acked) acked.set(id, offset);

      const log = PartitionLog.open(dir, { syncPolicy: 'always', segmentBytes: 64 * 1024 });
      expect(log.recovery.clean).toBe(false);
      if (log.recovery.truncatedBytes > 0) recoveredWithCut++;
      // The log ends on a whole batch: walking it from the start lands exactly on its size,
      // with contiguous offsets.
      const all = log.read(log.logStartOffset, 2 ** 31 - 1);
      let expectedOffset = log.logStartOffset;
      const byOffset = new Map<number, Buffer>();
      for (const c of all.chunks) {
        for (let at = 0; at < c.length; ) {
          const h = readBatchHeader(c, at);
          expect(h.baseOffset).toBe(expectedOffset);
          byOffset.set(h.baseOffset, c.subarray(at, at + h.size));
          expectedOffset = h.baseOffset + h.lastOffsetDelta + 1;
          at += h.size;
        }
      }
      expect(expectedOffset).toBe(log.logEndOffset);
      expect(all.bytes).toBe(log.sizeBytes);
      // Every acknowledged append is there, byte for byte (but for the assigned offset).
      for (const [id, offset] of acked) {
        const stored = byOffset.get(offset);
        expect(stored, `acked id ${id} at offset ${offset} is missing`).toBeDefined();
        const sent = crashBatch(id);
        expect(stored!.subarray(BatchField.BATCH_LENGTH).equals(sent.subarray(BatchField.BATCH_LENGTH))).toBe(true);
      }
      await log.close();
    }
    expect(acked.size).toBeGreaterThan(iterations); // the children did real work
    // How often a kill left a torn tail is up to the timing; it is reported, not required.
    console.log(`crash test: ${iterations} kills, ${acked.size} acknowledged appends checked, ${recoveredWithCut} recoveries cut a tail`);
  });
});
