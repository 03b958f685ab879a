// One partition of a topic as the broker serves it: its log, its idempotent producer
// state, and the long-poll fetches waiting for its high watermark to move.
import { KafkaError } from '../errors.js';
import { readBatchHeader } from '../protocol/records/batch-layout.js';
import type { AppendResult, PartitionLog } from '../storage/partition-log.js';
import { ProducerStateTable } from './producer-state.js';

export interface ProduceOutcome extends AppendResult {
  duplicate: boolean;
}

export class Partition {
  readonly producers = new ProducerStateTable();
  private readonly waiters = new Set<() => void>();

  constructor(readonly topic: string, readonly index: number, readonly log: PartitionLog) {
    this.rebuildProducerState();
  }

  /**
   * Appends a client batch, applying idempotence first. Check, append and state update
   * happen in one synchronous step, so concurrent requests cannot interleave them.
   */
  async produce(batch: Buffer): Promise<ProduceOutcome> {
    if (batch.length < 61) throw new KafkaError('CORRUPT_MESSAGE', 'record batch shorter than its header');
    const h = readBatchHeader(batch);
    const idempotent = h.producerId >= 0n;
    if (idempotent) {
      const check = this.producers.check(h);
      if (check.kind === 'duplicate') {
        return { baseOffset: check.baseOffset, lastOffset: check.baseOffset + h.lastOffsetDelta, logAppendTime: -1, logStartOffset: this.log.logStartOffset, duplicate: true };
      }
    }
    const pending = this.log.append(batch);
    // append() assigned the offset synchronously: record it before anything else runs.
    if (idempotent) this.producers.record(h, this.log.logEndOffset - h.lastOffsetDelta - 1);
    const result = await pending;
    this.wake();
    return { ...result, duplicate: false };
  }

  /** Resolves when the high watermark moves, or after `ms`. */
  waitForData(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Idempotence survives restarts: the producer fields of every batch are in the log. */
  private rebuildProducerState(): void {
    for (const bytes of this.log.batches()) {
      const h = readBatchHeader(bytes);
      if (h.producerId >= 0n) this.producers.record(h, h.baseOffset);
    }
  }
}
