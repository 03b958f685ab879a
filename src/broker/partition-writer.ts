// The write side of one partition: idempotence checked, then the append. The check, the
// append and the producer-state update happen in one synchronous step, so concurrent
// requests cannot interleave them. Runs on the thread that owns the partition's log: the
// main thread in --inline mode, the partition's log writer thread otherwise.
import { KafkaError } from '../errors.js';
import { readBatchHeader } from '../protocol/records/batch-layout.js';
import type { AppendResult, PartitionLog } from '../storage/partition-log.js';
import { ProducerStateTable } from './producer-state.js';

export interface ProduceOutcome extends AppendResult {
  duplicate: boolean;
}

/** The smallest well-formed magic-2 batch (its header). */
const MIN_BATCH_BYTES = 61;

export class PartitionWriter {
  readonly producers = new ProducerStateTable();

  constructor(readonly log: PartitionLog) {
    // Idempotence survives restarts: the producer fields of every batch are in the log.
    for (const bytes of log.batches()) {
      const h = readBatchHeader(bytes);
      if (h.producerId >= 0n) this.producers.record(h, h.baseOffset);
    }
  }

  /**
   * Appends a client batch (patched in place: the buffer may be a view into a ring),
   * applying idempotence first. Everything that touches `batch` happens before this
   * returns; the promise only waits for durability.
   */
  produce(batch: Buffer): Promise<ProduceOutcome> {
    try {
      return this.produceNow(batch);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private produceNow(batch: Buffer): Promise<ProduceOutcome> {
    if (batch.length < MIN_BATCH_BYTES) throw new KafkaError('CORRUPT_MESSAGE', 'record batch shorter than its header');
    const h = readBatchHeader(batch);
    const idempotent = h.producerId >= 0n;
    if (idempotent) {
      const check = this.producers.check(h);
      if (check.kind === 'duplicate') {
        return Promise.resolve({ baseOffset: check.baseOffset, lastOffset: check.baseOffset + h.lastOffsetDelta, logAppendTime: -1, logStartOffset: this.log.logStartOffset, duplicate: true });
      }
    }
    const endBefore = this.log.logEndOffset;
    const pending = this.log.append(batch);
    // append() assigned the offset synchronously: record it before anything else runs,
    // but only if the batch was written (a refused batch must stay retryable).
    if (idempotent && this.log.logEndOffset !== endBefore) this.producers.record(h, this.log.logEndOffset - h.lastOffsetDelta - 1);
    return pending.then((result) => ({ ...result, duplicate: false }));
  }
}
