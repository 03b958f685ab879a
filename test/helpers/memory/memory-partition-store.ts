// A PartitionStore in memory, for handler unit tests and as the contract suite's
// reference: batches kept whole (base offset patched in), idempotence through the same
// producer-state table the real logs use, "segments" of `batchesPerSegment` batches for
// retention and truncation; transactions through the same table the real logs use.
import { KafkaError } from '../../../src/errors.js';
import { ProducerStateTable } from '../../../src/broker/producer-state.js';
import { PartitionTxns } from '../../../src/broker/partition-txns.js';
import { BATCH_HEADER_SIZE, BatchField, CONTROL_FLAG, readBatchHeader, TRANSACTIONAL_FLAG } from '../../../src/protocol/records/batch-layout.js';
import { buildMarkerBatch } from '../../../src/protocol/records/control-batch.js';
import { firstRecordAtOrAfter } from '../../../src/protocol/records/record-scan.js';
import { IsolationLevel, type ActiveProducer, type AppendOutcome, type EpochEnd, type OffsetAndTimestamp, type PartitionStore, type ReadOutcome, type TransactionMarker } from '../../../src/services/partition-store.js';

interface Stored {
  baseOffset: number;
  nextOffset: number;
  bytes: Buffer;
  maxTimestamp: number;
}

export class MemoryPartitionStore implements PartitionStore {
  private batches: Stored[] = [];
  private start = 0;
  private end = 0;
  /** DeleteRecords' floor (the start may sit inside a batch). */
  private floor = 0;
  private readonly producers = new ProducerStateTable();
  private readonly txns = new PartitionTxns();
  private readonly waiters = new Set<() => void>();

  constructor(readonly topic: string, readonly index: number, private readonly options: { batchesPerSegment?: number; retentionMs?: number; retentionBytes?: number } = {}) {}

  get logStartOffset(): number {
    return this.start;
  }

  get localLogStartOffset(): number {
    return this.logStartOffset;
  }

  /** Nothing is tiered in memory. */
  readonly highestTieredOffset = -1;

  get highWatermark(): number {
    return this.end;
  }

  get lastStableOffset(): number {
    return this.txns.lastStableOffset(this.end);
  }

  get logEndOffset(): number {
    return this.end;
  }

  get sizeBytes(): number {
    return this.batches.reduce((n, b) => n + b.bytes.length, 0);
  }

  get segmentCount(): number {
    return Math.max(1, Math.ceil(this.batches.length / (this.options.batchesPerSegment ?? 1)));
  }

  append(batch: Buffer): Promise<AppendOutcome> {
    if (batch.length < BATCH_HEADER_SIZE || batch.readInt32BE(BatchField.BATCH_LENGTH) + 12 !== batch.length) {
      return Promise.reject(new KafkaError('CORRUPT_MESSAGE', 'record batch length does not match its bytes'));
    }
    const h = readBatchHeader(batch);
    if (h.producerId >= 0n && (h.attributes & CONTROL_FLAG) === 0) {
      let check;
      try {
        check = this.producers.check(h);
      } catch (err) {
        return Promise.reject(err);
      }
      if (check.kind === 'duplicate') {
        return Promise.resolve({ baseOffset: check.baseOffset, lastOffset: check.baseOffset + h.lastOffsetDelta, logAppendTime: -1, logStartOffset: this.start, duplicate: true });
      }
    }
    const copy = Buffer.from(batch);
    const baseOffset = this.end;
    copy.writeBigInt64BE(BigInt(baseOffset), BatchField.BASE_OFFSET);
    this.batches.push({ baseOffset, nextOffset: baseOffset + h.lastOffsetDelta + 1, bytes: copy, maxTimestamp: h.maxTimestamp });
    this.end = baseOffset + h.lastOffsetDelta + 1;
    if (h.producerId >= 0n && (h.attributes & CONTROL_FLAG) === 0) this.producers.record(h, baseOffset);
    if ((h.attributes & (TRANSACTIONAL_FLAG | CONTROL_FLAG)) === TRANSACTIONAL_FLAG) this.txns.onData(Number(h.producerId), baseOffset);
    this.wake();
    return Promise.resolve({ baseOffset, lastOffset: this.end - 1, logAppendTime: -1, logStartOffset: this.start, duplicate: false });
  }

  async writeMarker(marker: TransactionMarker): Promise<AppendOutcome> {
    if (marker.producerEpoch < this.producers.epochOf(marker.producerId)) throw new KafkaError('INVALID_PRODUCER_EPOCH', `marker epoch ${marker.producerEpoch} is fenced`);
    const out = await this.append(buildMarkerBatch({ ...marker, timestamp: Date.now() }));
    this.producers.recordMarker(marker.producerId, marker.producerEpoch, Date.now());
    this.txns.onMarker(marker.producerId, out.baseOffset, marker.commit);
    this.wake();
    return out;
  }

  read(offset: number, maxBytes: number, isolation: IsolationLevel): ReadOutcome {
    if (offset < this.start || offset > this.end) throw new KafkaError('OFFSET_OUT_OF_RANGE', `offset ${offset} is outside [${this.start}, ${this.end}]`);
    const committed = isolation === IsolationLevel.READ_COMMITTED;
    const limit = committed ? this.lastStableOffset : this.end;
    const chunks: Buffer[] = [];
    let bytes = 0;
    let next = offset;
    for (const b of this.batches) {
      if (b.nextOffset <= offset) continue;
      if (b.baseOffset >= limit) break;
      if (chunks.length > 0 && bytes + b.bytes.length > maxBytes) break;
      chunks.push(b.bytes);
      bytes += b.bytes.length;
      next = b.nextOffset;
    }
    return committed ? { chunks, bytes, abortedTransactions: this.txns.abortedBetween(offset, next) } : { chunks, bytes };
  }

  offsetForTimestamp(timestamp: number): OffsetAndTimestamp | undefined {
    for (const b of this.batches) {
      const found = firstRecordAtOrAfter(b.bytes, timestamp);
      if (found !== undefined) return found.offset >= this.start ? found : this.start >= this.end ? undefined : { ...found, offset: this.start };
    }
    return undefined;
  }

  async deleteRecordsBelow(offset: number): Promise<number> {
    const target = offset === -1 ? this.end : offset;
    if (target < 0 || target > this.end) throw new KafkaError('OFFSET_OUT_OF_RANGE', `cannot delete records below ${offset}: the high watermark is ${this.end}`);
    if (target > this.start) {
      this.floor = target;
      this.batches = this.batches.filter((b, i) => b.nextOffset > target || i === this.batches.length - 1);
      this.start = target;
      this.wake();
    }
    return this.start;
  }

  maxTimestampRecord(): OffsetAndTimestamp | undefined {
    let best: Stored | undefined;
    for (const b of this.batches) if (best === undefined || b.maxTimestamp > best.maxTimestamp) best = b;
    return best === undefined ? undefined : firstRecordAtOrAfter(best.bytes, best.maxTimestamp);
  }

  async applyRetention(now: number): Promise<number> {
    const ms = this.options.retentionMs ?? -1;
    const bytes = this.options.retentionBytes ?? -1;
    let cut = 0;
    if (ms >= 0) {
      const keep = this.batches.findIndex((b) => now - b.maxTimestamp <= ms);
      cut = keep < 0 ? this.batches.length - 1 : keep; // the active segment always stays
    }
    if (bytes >= 0) {
      // Oldest first, while what is newer still holds retention.bytes (never the last batch).
      let total = this.batches.reduce((n, b) => n + b.bytes.length, 0);
      let bySize = 0;
      while (bySize < this.batches.length - 1 && total - this.batches[bySize]!.bytes.length >= bytes) total -= this.batches[bySize++]!.bytes.length;
      cut = Math.max(cut, bySize);
    }
    return this.dropBefore(cut);
  }

  async truncateBelow(offset: number): Promise<number> {
    const per = this.options.batchesPerSegment ?? 1;
    let cut = 0;
    // Whole segments only, and never the last (active) one.
    while (cut + per < this.batches.length && this.batches[cut + per - 1]!.nextOffset <= offset) cut += per;
    return this.dropBefore(cut);
  }

  private dropBefore(cut: number): number {
    if (cut <= 0) return 0;
    const per = this.options.batchesPerSegment ?? 1;
    this.batches = this.batches.slice(cut);
    this.start = Math.max(this.floor, this.batches[0]?.baseOffset ?? this.end);
    this.wake();
    return Math.ceil(cut / per);
  }

  endOffsetForEpoch(epoch: number, currentEpoch: number): EpochEnd {
    return epoch === currentEpoch ? { leaderEpoch: epoch, endOffset: this.logEndOffset } : { leaderEpoch: -1, endOffset: -1 };
  }

  activeProducers(): ActiveProducer[] {
    return this.producers.active((pid) => this.txns.openTransactionStart(pid));
  }

  onProgress(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
