// One partition of a topic as the broker serves it: where its log is written (a backend:
// this thread in --inline mode, a log writer thread otherwise), what readers see of it,
// and the long-poll fetches waiting for its high watermark to move.
import type { LogConfig } from '../storage/log-config.js';
import type { ReadableLog } from '../storage/log-view.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { PartitionWriter, type ProduceOutcome } from './partition-writer.js';

export type { ProduceOutcome } from './partition-writer.js';

/** Where a partition's writes happen. Reads go through `log` on the main thread either way. */
export interface PartitionBackend {
  readonly log: ReadableLog;
  /** The log settings in force (topic configs applied). */
  readonly config: LogConfig;
  produce(batch: Buffer): Promise<ProduceOutcome>;
  applyRetention(now: number): Promise<number>;
  deleteSegmentsBelow(offset: number): Promise<number>;
  reconfigure(config: Partial<LogConfig>): Promise<void>;
  close(): Promise<void>;
  delete(): Promise<void>;
  /** Called whenever the high watermark or log start may have moved. */
  onProgress: () => void;
}

/** --inline: the log lives on the main thread. */
export class InlineBackend implements PartitionBackend {
  private readonly writer: PartitionWriter;
  onProgress: () => void = () => undefined;

  constructor(readonly log: PartitionLog) {
    this.writer = new PartitionWriter(log);
  }

  get config(): LogConfig {
    return this.log.config;
  }

  async produce(batch: Buffer): Promise<ProduceOutcome> {
    const out = await this.writer.produce(batch);
    this.onProgress();
    return out;
  }

  async applyRetention(now: number): Promise<number> {
    return this.log.applyRetention(now);
  }

  async deleteSegmentsBelow(offset: number): Promise<number> {
    return this.log.deleteSegmentsBelow(offset);
  }

  async reconfigure(config: Partial<LogConfig>): Promise<void> {
    this.log.reconfigure(config);
  }

  close(): Promise<void> {
    return this.log.close();
  }

  delete(): Promise<void> {
    return this.log.delete();
  }
}

export class Partition {
  private readonly waiters = new Set<() => void>();

  constructor(readonly topic: string, readonly index: number, readonly backend: PartitionBackend) {
    backend.onProgress = () => this.wake();
  }

  get log(): ReadableLog {
    return this.backend.log;
  }

  /** Appends a client batch (idempotence applied by the owner of the log). */
  produce(batch: Buffer): Promise<ProduceOutcome> {
    return this.backend.produce(batch);
  }

  /** Resolves when the high watermark moves, or after `ms`. */
  waitForData(ms: number, signal?: AbortSignal): Promise<void> {
    return waitForAnyData([this], ms, signal);
  }

  /** Registers `fn` to run on the next wake-up; returns its removal. */
  onWake(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

/**
 * Resolves when any of `partitions` wakes (its high watermark or log start moved, or it was
 * deleted), after `ms`, or when `signal` aborts: one timer and one abort listener however
 * many partitions a long poll covers.
 */
export function waitForAnyData(partitions: readonly Partition[], ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const removals: Array<() => void> = [];
    const done = (): void => {
      clearTimeout(timer);
      for (const remove of removals) remove();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const p of partitions) removals.push(p.onWake(done));
    signal?.addEventListener('abort', done, { once: true });
  });
}
