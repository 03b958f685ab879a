// Cluster mode's write path (ADR 0011): appends from every partition this broker leads
// gather for a flush window (a few ms, or until a size cap); the window becomes one object
// in the object store (one PUT however many partitions), then one PostgreSQL transaction
// commits an index row per batch, guarded by each partition's lease. Only then do the
// appends resolve — an acknowledged batch is in S3 and indexed, so losing this broker's
// machine loses nothing acknowledged. Windows commit one after another (offsets stay
// contiguous per partition); a failed window fails all its appends with a retriable error.
import { randomBytes } from 'node:crypto';
import { KafkaError } from '../errors.js';
import type { ObjectStore } from '../tier/object-store.js';
import type { IndexEntry, LeaseGuard, PartitionIndex } from '../services/leases.js';

export interface PendingAppend {
  topicId: string;
  partition: number;
  /** The batch with its final offsets already patched in. */
  batch: Buffer;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  leaderEpoch: number;
  /** From the batch header: -1 for a batch without an idempotent producer. */
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  guard: LeaseGuard;
}

export interface FlushStats {
  batches: number;
  bytes: number;
  partitions: number;
  /** Time from the window's first append to its commit. */
  windowSeconds: number;
  putSeconds: number;
  commitSeconds: number;
  ok: boolean;
}

export interface FlushWindowOptions {
  windowMs: number;
  /** A window reaching this many bytes flushes at once. */
  maxBytes: number;
  /** Object keys start with this (the broker's prefix in the bucket). */
  keyPrefix: string;
  onFlush?: (stats: FlushStats) => void;
}

interface Waiting {
  append: PendingAppend;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class FlushWindow {
  private current: Waiting[] = [];
  private currentBytes = 0;
  private openedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The flush in progress (windows commit in order). */
  private chain: Promise<void> = Promise.resolve();
  private seq = 0;
  private closed = false;

  constructor(private readonly objects: ObjectStore, private readonly index: PartitionIndex, private readonly options: FlushWindowOptions) {}

  /** Resolves once the batch is in the object store and its index row is committed. */
  add(append: PendingAppend): Promise<void> {
    if (this.closed) return Promise.reject(new KafkaError('NOT_LEADER_OR_FOLLOWER', 'this broker is shutting down'));
    return new Promise((resolve, reject) => {
      if (this.current.length === 0) {
        this.openedAt = performance.now();
        this.timer = setTimeout(() => this.cut(), this.options.windowMs);
      }
      this.current.push({ append, resolve, reject });
      this.currentBytes += append.batch.length;
      if (this.currentBytes >= this.options.maxBytes) this.cut();
    });
  }

  /** Ends the current window and queues its flush. */
  private cut(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const window = this.current;
    const openedAt = this.openedAt;
    this.current = [];
    this.currentBytes = 0;
    if (window.length === 0) return;
    // The object goes up at once, while earlier windows may still be committing; commits
    // stay in window order (offsets must follow each other in the index).
    const body = Buffer.concat(window.map((w) => w.append.batch));
    const key = `${this.options.keyPrefix}${Date.now().toString(36)}-${(this.seq++).toString(36)}-${randomBytes(4).toString('hex')}.batches`;
    const putStarted = performance.now();
    const put = this.objects.put(key, body).then(() => performance.now() - putStarted);
    put.catch(() => undefined); // handled in flush, in order
    this.chain = this.chain.then(() => this.flush(window, openedAt, key, body, put));
  }

  private async flush(window: Waiting[], openedAt: number, key: string, body: Buffer, put: Promise<number>): Promise<void> {
    let at = 0;
    const entries: IndexEntry[] = window.map(({ append: a }) => {
      const e: IndexEntry = {
        topicId: a.topicId, partition: a.partition, baseOffset: a.baseOffset, lastOffset: a.lastOffset, objectKey: key, byteStart: at, byteEnd: at + a.batch.length - 1,
        maxTimestamp: a.maxTimestamp, leaderEpoch: a.leaderEpoch, producerId: a.producerId, producerEpoch: a.producerEpoch, baseSequence: a.baseSequence,
      };
      at += a.batch.length;
      return e;
    });
    const guards = [...new Map(window.map(({ append: a }) => [`${a.guard.resource}\u0000${a.guard.epoch}`, a.guard])).values()];
    const stats: FlushStats = { batches: window.length, bytes: body.length, partitions: new Set(entries.map((e) => `${e.topicId}/${e.partition}`)).size, windowSeconds: 0, putSeconds: 0, commitSeconds: 0, ok: false };
    try {
      try {
        stats.putSeconds = (await put) / 1000;
      } catch (err) {
        // Nothing is visible yet: the producer may retry.
        throw new KafkaError('KAFKA_STORAGE_ERROR', `the object store did not take the flush window: ${(err as Error).message}`, { cause: err });
      }
      const t1 = performance.now();
      try {
        await this.index.commit(entries, guards);
      } catch (err) {
        if (err instanceof KafkaError) throw err;
        throw new KafkaError('KAFKA_STORAGE_ERROR', `the index commit failed: ${(err as Error).message}`, { cause: err });
      }
      const t2 = performance.now();
      stats.commitSeconds = (t2 - t1) / 1000;
      stats.windowSeconds = (t2 - openedAt) / 1000;
      stats.ok = true;
      for (const w of window) w.resolve();
    } catch (err) {
      // The object (if written) is unreferenced: garbage for the compactor to collect.
      for (const w of window) w.reject(err as Error);
    } finally {
      this.options.onFlush?.(stats);
    }
  }

  /** Flushes what is pending (a hand-off waits for it); appends keep being taken. */
  async drain(): Promise<void> {
    this.cut();
    await this.chain;
  }

  /** Flushes what is pending and refuses new appends. */
  async close(): Promise<void> {
    this.cut();
    this.closed = true;
    await this.chain;
  }
}
