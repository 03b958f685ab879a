// Stateless CPU work that must not hold up the network thread: run by the Piscina pool's
// threads (workers/cpu-tasks.ts) in threaded mode, on the main thread in --inline mode.
// Batches move in and out as transferred ArrayBuffers, never structured-cloned.
import { readFile } from 'node:fs/promises';
import { hot } from '../native/index.js';
import type { CodecId } from '../protocol/records/compression.js';
import { recompressBatch } from '../protocol/records/recompress.js';

export type CpuTask =
  | { kind: 'recompress'; batch: Uint8Array; target: CodecId; maxRecordsBytes: number }
  | { kind: 'hashFile'; path: string };

export async function runCpuTask(task: CpuTask): Promise<Uint8Array | string> {
  switch (task.kind) {
    case 'recompress': {
      const batch = Buffer.from(task.batch.buffer, task.batch.byteOffset, task.batch.byteLength);
      return recompressBatch(batch, task.target, task.maxRecordsBytes);
    }
    case 'hashFile':
      // xxHash64 of a closed segment for the tier's manifest: the whole file in one pass.
      return hot.xxhash64(await readFile(task.path)).toString(16).padStart(16, '0');
  }
}
