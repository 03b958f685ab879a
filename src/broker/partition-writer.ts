// The write side of one partition: idempotence checked, then the append. The check, the
// append and the producer-state update happen in one synchronous step, so concurrent
// requests cannot interleave them. Runs on the thread that owns the partition's log: the
// main thread in --inline mode, the partition's log writer thread otherwise. Transaction
// markers take the same path (the produce handler refuses control batches from clients),
// so the partition's open transactions and last stable offset are kept here too.
import { KafkaError } from '../errors.js';
import { CONTROL_FLAG, readBatchHeader, TRANSACTIONAL_FLAG, type BatchHeader } from '../protocol/records/batch-layout.js';
import { ControlType, markerType } from '../protocol/records/control-batch.js';
import type { AppendResult, PartitionLog } from '../storage/partition-log.js';
import { PartitionTxns } from './partition-txns.js';
import { ProducerStateTable } from './producer-state.js';

export interface ProduceOutcome extends AppendResult {
  duplicate: boolean;
  /** A marker that aborted this producer's data here: the aborted transaction's first offset; else -1. */
  abortedFirstOffset: number;
  abortedProducerId: number;
}

/** The smallest well-formed magic-2 batch (its header). */
const MIN_BATCH_BYTES = 61;

export class PartitionWriter {
  readonly producers = new ProducerStateTable();
  readonly txns = new PartitionTxns();

  constructor(readonly log: PartitionLog) {
    // Idempotence and transactions survive restarts: the producer fields of every batch
    // and every marker are in the log.
    for (const bytes of log.batches()) {
      const h = readBatchHeader(bytes);
      if (h.producerId < 0n) continue;
      if ((h.attributes & CONTROL_FLAG) !== 0) this.applyMarker(h, bytes, h.baseOffset);
      else {
        this.producers.record(h, h.baseOffset);
        if ((h.attributes & TRANSACTIONAL_FLAG) !== 0) this.txns.onData(Number(h.producerId), h.baseOffset);
      }
    }
  }

  /** The last stable offset as of the log's high watermark now. */
  lastStableOffset(): number {
    return this.txns.isEmpty ? this.log.highWatermark : this.txns.lastStableOffset(this.log.highWatermark);
  }

  private applyMarker(h: BatchHeader, bytes: Buffer, offset: number): number {
    const type = markerType(bytes);
    if (type === undefined) return -1;
    const pid = Number(h.producerId);
    this.producers.recordMarker(pid, h.producerEpoch, h.maxTimestamp);
    return this.txns.onMarker(pid, offset, type === ControlType.COMMIT);
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
    if ((h.attributes & CONTROL_FLAG) !== 0) return this.appendMarker(h, batch);
    const idempotent = h.producerId >= 0n;
    if (idempotent) {
      const check = this.producers.check(h);
      if (check.kind === 'duplicate') {
        return Promise.resolve({ baseOffset: check.baseOffset, lastOffset: check.baseOffset + h.lastOffsetDelta, logAppendTime: -1, logStartOffset: this.log.logStartOffset, duplicate: true, abortedFirstOffset: -1, abortedProducerId: -1 });
      }
    }
    const endBefore = this.log.logEndOffset;
    const pending = this.log.append(batch);
    // append() assigned the offset synchronously: record it before anything else runs,
    // but only if the batch was written (a refused batch must stay retryable).
    if (idempotent && this.log.logEndOffset !== endBefore) {
      const baseOffset = this.log.logEndOffset - h.lastOffsetDelta - 1;
      this.producers.record(h, baseOffset);
      if ((h.attributes & TRANSACTIONAL_FLAG) !== 0) this.txns.onData(Number(h.producerId), baseOffset);
    }
    return pending.then((result) => ({ ...result, duplicate: false, abortedFirstOffset: -1, abortedProducerId: -1 }));
  }

  /** A transaction marker from the coordinator: a producer's epoch older than the partition knows is fenced. */
  private appendMarker(h: BatchHeader, batch: Buffer): Promise<ProduceOutcome> {
    const pid = Number(h.producerId);
    if (h.producerEpoch < this.producers.epochOf(pid)) {
      throw new KafkaError('INVALID_PRODUCER_EPOCH', `marker for producer ${pid} epoch ${h.producerEpoch} is older than ${this.producers.epochOf(pid)}`);
    }
    const endBefore = this.log.logEndOffset;
    const pending = this.log.append(batch);
    const aborted = this.log.logEndOffset !== endBefore ? this.applyMarker(h, batch, endBefore) : -1;
    return pending.then((result) => ({ ...result, duplicate: false, abortedFirstOffset: aborted, abortedProducerId: pid }));
  }
}
