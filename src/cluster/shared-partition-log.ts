// One partition on shared storage, as its lease holder sees it: the holder assigns offsets
// in memory (it is the only writer while its lease holds), hands each batch to the flush
// window, and advances the high watermark when the window commits. After a failed window
// the next offset is reloaded from the committed index (later batches of the failed
// window's partitions fail too: their offsets no longer follow). Reads come from the index
// and the objects it names, so a new leader — or any broker — reads everything committed.
import { KafkaError } from '../errors.js';
import { BATCH_HEADER_SIZE, BatchField, readBatchHeader } from '../protocol/records/batch-layout.js';
import type { ObjectStore } from '../tier/object-store.js';
import type { LeaseGuard, PartitionIndex } from '../services/leases.js';
import type { FlushWindow } from './flush-window.js';

/** Index rows read per fetch (each names a byte range of one object). */
const MAX_ENTRIES_PER_READ = 500;

export class SharedPartitionLog {
  private next: number;
  private committed: number;
  private inFlight = 0;
  private reload: Promise<void> | undefined;
  private broken = false;

  private constructor(
    readonly topicId: string, readonly partition: number, private readonly guard: LeaseGuard, private readonly leaderEpoch: number,
    private readonly window: FlushWindow, private readonly index: PartitionIndex, private readonly objects: ObjectStore, end: number,
  ) {
    this.next = end;
    this.committed = end;
  }

  /** Takes up a partition whose lease this broker now holds: writing resumes at the committed end. */
  static async open(topicId: string, partition: number, guard: LeaseGuard, window: FlushWindow, index: PartitionIndex, objects: ObjectStore): Promise<SharedPartitionLog> {
    const end = await index.highWatermark(topicId, partition);
    return new SharedPartitionLog(topicId, partition, guard, guard.epoch, window, index, objects, end);
  }

  get highWatermark(): number {
    return this.committed;
  }

  /** Appends one batch; resolves with its offsets once it is in the object store and indexed. */
  async append(input: Buffer): Promise<{ baseOffset: number; lastOffset: number }> {
    if (input.length < BATCH_HEADER_SIZE) throw new KafkaError('CORRUPT_MESSAGE', 'record batch shorter than its header');
    if (this.reload !== undefined) await this.reload;
    const h = readBatchHeader(input, 0);
    const batch = Buffer.from(input.subarray(0, h.size));
    const baseOffset = this.next;
    const lastOffset = baseOffset + h.lastOffsetDelta;
    this.next = lastOffset + 1;
    batch.writeBigInt64BE(BigInt(baseOffset), BatchField.BASE_OFFSET);
    batch.writeInt32BE(this.leaderEpoch, BatchField.PARTITION_LEADER_EPOCH);
    this.inFlight++;
    try {
      await this.window.add({ topicId: this.topicId, partition: this.partition, batch, baseOffset, lastOffset, maxTimestamp: h.maxTimestamp, leaderEpoch: this.leaderEpoch, guard: this.guard });
      this.committed = Math.max(this.committed, lastOffset + 1);
      return { baseOffset, lastOffset };
    } catch (err) {
      this.broken = true;
      throw err;
    } finally {
      if (--this.inFlight === 0 && this.broken) this.resync();
    }
  }

  /** After a failure, once nothing is in flight: continue from what the index holds. */
  private resync(): void {
    this.broken = false;
    this.reload = this.index.highWatermark(this.topicId, this.partition).then(
      (end) => {
        this.next = end;
        this.committed = end;
        this.reload = undefined;
      },
      () => {
        // The index is unreachable: try again on the next append.
        this.broken = true;
        this.reload = undefined;
      },
    );
  }

  /** Whole batches from `offset` (the first may start before it), at most about `maxBytes`. */
  async read(offset: number, maxBytes: number): Promise<Buffer[]> {
    if (offset < 0 || offset > this.committed) throw new KafkaError('OFFSET_OUT_OF_RANGE', `offset ${offset} is outside [0, ${this.committed}]`);
    const entries = await this.index.entries(this.topicId, this.partition, offset, MAX_ENTRIES_PER_READ);
    const chunks: Buffer[] = [];
    let bytes = 0;
    for (const e of entries) {
      if (e.baseOffset >= this.committed || (chunks.length > 0 && bytes + (e.byteEnd - e.byteStart + 1) > maxBytes)) break;
      const chunk = await this.objects.get(e.objectKey, { start: e.byteStart, end: e.byteEnd });
      chunks.push(chunk);
      bytes += chunk.length;
    }
    return chunks;
  }
}
