// Stateless CPU work that must not hold up the network thread: run by the Piscina pool's
// threads (workers/cpu-tasks.ts) in threaded mode, on the main thread in --inline mode.
// Batches move in and out as transferred ArrayBuffers, never structured-cloned.
import { readFile } from 'node:fs/promises';
import { hot } from '../native/index.js';
import type { CodecId } from '../protocol/records/compression.js';
import { recompressBatch } from '../protocol/records/recompress.js';
import { Segment } from '../storage/segment.js';
import { runCleanPass, type CleanPassInput } from '../storage/cleaner/clean-pass.js';

export type CpuTask =
  | { kind: 'recompress'; batch: Uint8Array; target: CodecId; maxRecordsBytes: number }
  | { kind: 'hashFile'; path: string }
  | { kind: 'rebuildIndexes'; dir: string; baseOffset: number; size: number; indexIntervalBytes: number }
  | { kind: 'cleanPass'; input: CleanPassInput };

export async function runCpuTask(task: CpuTask): Promise<Uint8Array | string> {
  switch (task.kind) {
    case 'recompress': {
      const batch = Buffer.from(task.batch.buffer, task.batch.byteOffset, task.batch.byteLength);
      return recompressBatch(batch, task.target, task.maxRecordsBytes);
    }
    case 'rebuildIndexes': {
      // Scans the segment's batches (read-only) and returns its index state in one buffer.
      const seg = Segment.openReadOnly(task.dir, task.baseOffset, task.size, task.indexIntervalBytes);
      try {
        seg.rebuildFromFile(task.size);
        return seg.indexSnapshot();
      } finally {
        seg.close();
      }
    }
    case 'cleanPass':
      // A log cleaner pass: reads closed segments, writes the cleaned files, returns the plan.
      return JSON.stringify(await runCleanPass(task.input));
    case 'hashFile':
      // xxHash64 of a closed segment for the tier's manifest: the whole file in one pass.
      return hot.xxhash64(await readFile(task.path)).toString(16).padStart(16, '0');
  }
}
