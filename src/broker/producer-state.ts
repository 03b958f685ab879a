// Idempotent producer state of one partition: per producer id the epoch and the last
// five batches (sequence range → offset), as Kafka keeps (max.in.flight <= 5). A retried
// batch is answered with its original offset; a gap with OUT_OF_ORDER_SEQUENCE_NUMBER.
import { KafkaError } from '../errors.js';
import type { BatchHeader } from '../protocol/records/batch-layout.js';
import type { ActiveProducer } from '../services/partition-store.js';

const KEPT_BATCHES = 5;

interface BatchEntry {
  firstSeq: number;
  lastSeq: number;
  baseOffset: number;
}

interface ProducerEntry {
  epoch: number;
  batches: BatchEntry[];
  /** The max timestamp of the producer's last batch (DescribeProducers). */
  lastTimestamp: number;
}

export type SequenceCheck = { kind: 'append' } | { kind: 'duplicate'; baseOffset: number };

/** Sequence numbers wrap at 2^31 - 1, as in Kafka's DefaultRecordBatch. */
function nextSeq(seq: number): number {
  return seq === 0x7fffffff ? 0 : seq + 1;
}

function lastSeqOf(h: Pick<BatchHeader, 'baseSequence' | 'lastOffsetDelta'>): number {
  return (h.baseSequence + h.lastOffsetDelta) % 0x80000000;
}

export class ProducerStateTable {
  private readonly producers = new Map<number, ProducerEntry>();

  get size(): number {
    return this.producers.size;
  }

  /** Decides what to do with an idempotent batch before it is appended. */
  check(h: Pick<BatchHeader, 'producerId' | 'producerEpoch' | 'baseSequence' | 'lastOffsetDelta'>): SequenceCheck {
    const pid = Number(h.producerId);
    const entry = this.producers.get(pid);
    if (entry === undefined) {
      // Unknown producer: a new one (or one whose state aged out) must start a sequence;
      // Kafka 2.5+ accepts any start for a producer it no longer knows, so we do too.
      return { kind: 'append' };
    }
    if (h.producerEpoch < entry.epoch) {
      throw new KafkaError('INVALID_PRODUCER_EPOCH', `producer ${pid} epoch ${h.producerEpoch} is older than ${entry.epoch}`);
    }
    if (h.producerEpoch > entry.epoch) {
      if (h.baseSequence !== 0) {
        throw new KafkaError('OUT_OF_ORDER_SEQUENCE_NUMBER', `producer ${pid} new epoch ${h.producerEpoch} must start at sequence 0, got ${h.baseSequence}`);
      }
      return { kind: 'append' };
    }
    const lastSeq = lastSeqOf(h);
    const dup = entry.batches.find((b) => b.firstSeq === h.baseSequence && b.lastSeq === lastSeq);
    if (dup !== undefined) return { kind: 'duplicate', baseOffset: dup.baseOffset };
    const last = entry.batches[entry.batches.length - 1];
    if (last !== undefined && h.baseSequence !== nextSeq(last.lastSeq)) {
      throw new KafkaError('OUT_OF_ORDER_SEQUENCE_NUMBER', `producer ${pid}: expected sequence ${nextSeq(last.lastSeq)}, got ${h.baseSequence}`);
    }
    return { kind: 'append' };
  }

  /** Records an appended (or recovered) batch. */
  record(h: Pick<BatchHeader, 'producerId' | 'producerEpoch' | 'baseSequence' | 'lastOffsetDelta' | 'maxTimestamp'>, baseOffset: number): void {
    const pid = Number(h.producerId);
    let entry = this.producers.get(pid);
    if (entry === undefined || h.producerEpoch > entry.epoch) {
      entry = { epoch: h.producerEpoch, batches: [], lastTimestamp: -1 };
      this.producers.set(pid, entry);
    }
    entry.lastTimestamp = h.maxTimestamp;
    entry.batches.push({ firstSeq: h.baseSequence, lastSeq: lastSeqOf(h), baseOffset });
    if (entry.batches.length > KEPT_BATCHES) entry.batches.shift();
  }

  /**
   * A transaction marker written for `producerId` at `epoch`: a newer epoch fences the old
   * one (its batches are refused from now on) and starts the sequences afresh.
   */
  recordMarker(producerId: number, epoch: number, timestamp: number): void {
    const entry = this.producers.get(producerId);
    if (entry === undefined || epoch > entry.epoch) this.producers.set(producerId, { epoch, batches: [], lastTimestamp: timestamp });
  }

  /** The epoch the partition knows for `producerId`, or -1. */
  epochOf(producerId: number): number {
    return this.producers.get(producerId)?.epoch ?? -1;
  }

  /** Every producer the partition knows, with its last sequence and timestamp. */
  active(openTransactionStart: (producerId: number) => number = () => -1): ActiveProducer[] {
    return [...this.producers].map(([producerId, e]) => ({
      producerId,
      producerEpoch: e.epoch,
      lastSequence: e.batches.at(-1)?.lastSeq ?? -1,
      lastTimestamp: e.lastTimestamp,
      currentTxnStartOffset: openTransactionStart(producerId),
    }));
  }
}
