// The pool for stateless CPU work (Piscina): recompression where a topic's
// compression.type differs from the producer's, xxHash64 of closed segments for the
// tier, and index rebuilds for the main thread's log views. In --inline mode the same functions run on the main thread (the baseline).
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { CodecId } from '../protocol/records/compression.js';
import { runCpuTask } from './cpu-tasks.js';
import type { CleanPassInput, CleanPlan } from '../storage/cleaner/clean-pass.js';

const TASKS_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/workers/cpu-tasks.js', import.meta.url)
  : new URL('../../workers/cpu-tasks.js', import.meta.url);

export interface PoolStats {
  threads: number;
  queueSize: number;
  /** Piscina's utilisation: run time over capacity since the pool started (0 to 1). */
  utilization: number;
  completed: number;
}

export class CpuPool {
  private readonly piscina: Piscina | undefined;

  /** threads = 0: run on the calling thread. */
  constructor(threads: number) {
    this.piscina = threads === 0 ? undefined : new Piscina({
      filename: TASKS_URL.href,
      minThreads: 1,
      maxThreads: Math.min(threads, Math.max(1, availableParallelism())),
      idleTimeout: 30_000,
    });
  }

  get inline(): boolean {
    return this.piscina === undefined;
  }

  /** The batch recompressed with `target`; the input buffer is not modified (it is copied once for transfer). */
  async recompress(batch: Buffer, target: CodecId, maxRecordsBytes: number): Promise<Buffer> {
    if (this.piscina === undefined) return (await runCpuTask({ kind: 'recompress', batch, target, maxRecordsBytes })) as Buffer;
    // The request's bytes are a view into a larger socket buffer: copy them into an
    // ArrayBuffer of their own, which is then moved to the pool thread without copying.
    const own = new Uint8Array(batch.length);
    own.set(batch);
    const out = (await this.piscina.run({ kind: 'recompress', batch: own, target, maxRecordsBytes }, { transferList: [own.buffer] })) as Uint8Array;
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  }

  /** A segment's offset and time indexes rebuilt from its batches (Segment.indexSnapshot form). */
  async rebuildIndexes(dir: string, baseOffset: number, size: number, indexIntervalBytes: number): Promise<Uint8Array> {
    const task = { kind: 'rebuildIndexes' as const, dir, baseOffset, size, indexIntervalBytes };
    if (this.piscina === undefined) return (await runCpuTask(task)) as Uint8Array;
    return (await this.piscina.run(task)) as Uint8Array;
  }

  /** A log cleaner pass (clean-pass.ts): on a pool thread, or here in slices that yield to the event loop. */
  async cleanPass(input: CleanPassInput): Promise<CleanPlan> {
    const task = { kind: 'cleanPass' as const, input };
    const json = this.piscina === undefined ? await runCpuTask(task) : await this.piscina.run(task);
    return JSON.parse(json as string) as CleanPlan;
  }

  async hashFile(path: string): Promise<string> {
    if (this.piscina === undefined) return (await runCpuTask({ kind: 'hashFile', path })) as string;
    return (await this.piscina.run({ kind: 'hashFile', path })) as string;
  }

  stats(): PoolStats {
    const p = this.piscina;
    if (p === undefined) return { threads: 0, queueSize: 0, utilization: 0, completed: 0 };
    return { threads: p.threads.length, queueSize: p.queueSize, utilization: p.utilization, completed: p.completed };
  }

  async close(): Promise<void> {
    await this.piscina?.destroy();
  }
}
