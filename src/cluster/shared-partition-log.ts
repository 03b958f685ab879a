// One partition on shared storage, as its lease holder sees it: the holder assigns offsets
// in memory (it is the only writer while its lease holds), hands each batch to the flush
// window, and advances the high watermark when the window commits. After a failed window
// the next offset is reloaded from the committed index (later batches of the failed
// window's partitions fail too: their offsets no longer follow). Reads come from the index
// and the objects it names, so a new leader — or any broker — reads everything committed.
// Idempotent producers: their state (epoch, the last five batches' sequences) is rebuilt
// from the index's recent producer entries when the lease is taken, so a retry of a batch
// the previous leader acknowledged gets its original offsets from the new one.
import { KafkaError } from '../errors.js';
import { BATCH_HEADER_SIZE, BatchField, readBatchHeader } from '../protocol/records/batch-layout.js';
import type { ObjectStore } from '../tier/object-store.js';
import type { EntryMove, IndexEntry, LeaseGuard, PartitionIndex } from '../services/leases.js';
import { compactionDue, dirtyState, planKeyCompaction, type KeyCompactionOptions, type KeyCompactionReport } from './key-compaction.js';
import type { FlushWindow } from './flush-window.js';
import { ProducerStateTable } from '../broker/producer-state.js';
import type { ActiveProducer } from '../services/partition-store.js';
import { RecentBatches } from './recent-batches.js';
import { writtenAt } from './object-collector.js';

/** Index entries read back to rebuild producer state (5 batches per producer are kept). */
const PRODUCER_ENTRIES = 2000;

/** Bytes of its latest committed batches each led partition keeps in memory for tail reads. */
const RECENT_BYTES = 2 * 1024 * 1024;

/** Index rows the compactor looks at per pass. */
const COMPACT_SCAN = 2000;

/** Index rows read per page when walking the committed entries (searches, retention, log compaction). */
const SCAN_PAGE = 500;

/** A compacted partition with nothing new is compacted again after this long. */
const KEYS_RECHECK_MS = 10 * 60 * 1000;

/** Index rows read per fetch (each names a byte range of one object). */
const MAX_ENTRIES_PER_READ = 500;

export class SharedPartitionLog {
  private next: number;
  private committed: number;
  private start = 0;
  private inFlight = 0;
  private reload: Promise<void> | undefined;
  private broken = false;
  private producers = new ProducerStateTable();
  /** The batches this leader committed last, for readers at the tail. */
  private readonly recent = new RecentBatches(RECENT_BYTES);
  /** Batches not committed yet, by base offset: a retry of one waits for it. */
  private readonly pending = new Map<number, Promise<void>>();
  /** The high watermark and time of the last complete log compaction pass here (none yet: undefined). */
  /**
   * Log compaction has nothing to do until the log grows past `end`, the topic's compaction
   * settings change, or `until` (a tombstone may expire, a dirty batch reach
   * max.compaction.lag.ms): set after each pass or look that found nothing due.
   */
  private keysQuiet: { end: number; until: number; settings: string } | undefined;
  /** Log compaction's clean part ends here (entries below it were compacted since written); none yet: undefined. */
  private cleanTo: number | undefined;

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
    const log = new SharedPartitionLog(topicId, partition, guard, guard.epoch, window, index, objects, end);
    log.start = await index.logStart(topicId, partition);
    log.producers = await SharedPartitionLog.producerState(index, topicId, partition);
    return log;
  }

  /** The first offset readers may fetch. */
  get logStart(): number {
    return this.start;
  }

  /** Moves the log start up (DeleteRecords, retention) under this leader's lease; resolves with how many index entries went. */
  async advanceLogStart(offset: number): Promise<number> {
    const { logStart, removed } = await this.index.advanceLogStart(this.topicId, this.partition, offset, this.guard);
    this.start = Math.max(this.start, logStart);
    return removed;
  }

  /**
   * The compactor's step for this partition: committed batches still in flush-window objects
   * (shared with other partitions, written at least `minAgeMs` ago) are copied, in offset
   * order and up to `maxBytes`, into one segment object of this partition, and the index is
   * pointed at it under this leader's lease. The window objects are then named by fewer
   * entries, and collected once by none. Resolves with the bytes moved (0: nothing to do).
   */
  async compact(o: { windowPrefix: string; segmentPrefix: string; minAgeMs: number; maxBytes: number; now: number }): Promise<number> {
    const run: IndexEntry[] = [];
    let bytes = 0;
    for (const e of await this.index.entries(this.topicId, this.partition, this.start, COMPACT_SCAN)) {
      const at = writtenAt(e.objectKey, o.windowPrefix);
      if (at === undefined) {
        // Already in a segment: a run is contiguous, so it ends here (or starts after).
        if (run.length > 0) break;
        continue;
      }
      const size = e.byteEnd - e.byteStart + 1;
      if (at > o.now - o.minAgeMs || (run.length > 0 && bytes + size > o.maxBytes)) break;
      run.push(e);
      bytes += size;
    }
    if (run.length === 0) return 0;
    const chunks = await Promise.all(run.map((e) => this.objects.get(e.objectKey, { start: e.byteStart, end: e.byteEnd })));
    const key = `${o.segmentPrefix}${this.topicId}/${this.partition}/${Date.now().toString(36)}-${run[0]!.baseOffset}-${run[run.length - 1]!.lastOffset}.batches`;
    await this.objects.put(key, Buffer.concat(chunks));
    let at = 0;
    const moves = run.map((e, i) => {
      const move = { baseOffset: e.baseOffset, objectKey: key, byteStart: at, byteEnd: at + chunks[i]!.length - 1 };
      at += chunks[i]!.length;
      return move;
    });
    // Refused if the lease moved or retention took some of these entries meanwhile: the
    // segment is then named by nothing and collected.
    await this.index.relocate(this.topicId, this.partition, moves, this.guard);
    return bytes;
  }

  /**
   * Log compaction of this partition (cleanup.policy=compact; key-compaction.ts): reads every
   * committed batch from the log start, writes the rewritten ones as one segment object and
   * points the index at them (forgetting entries whose records all went) under this
   * leader's lease. Runs only when something was committed since the last pass here.
   * Resolves with what it found and did, or throws when the log holds more keys than the map may.
   */
  async compactKeys(o: Omit<KeyCompactionOptions, 'now'> & { now: number; segmentPrefix: string; minCleanableDirtyRatio: number; maxCompactionLagMs: number }): Promise<KeyCompactionReport> {
    const idle: KeyCompactionReport = { dirtyRatio: undefined, ran: false, installed: false, recordsRemoved: 0, bytesRead: 0, bytesWritten: 0 };
    // Unchanged since the last pass: again only once time alone may change the answer (tombstones expire, the lag passes).
    const settings = `${o.minCleanableDirtyRatio}/${o.maxCompactionLagMs}/${o.minCompactionLagMs}/${o.deleteRetentionMs}`;
    const quiet = this.keysQuiet;
    if (quiet !== undefined && quiet.end === this.committed && quiet.settings === settings && o.now < quiet.until) return idle;
    const end = this.committed;
    const entries: IndexEntry[] = [];
    for await (const e of this.committedEntries(end)) entries.push(e);
    // Only when Kafka's cleaner would start a pass: enough written since the last one, or a
    // batch waited max.compaction.lag.ms (a new leader has no clean part yet: one full pass).
    const dirty = dirtyState(entries, Math.max(this.cleanTo ?? this.start, this.start));
    if (!compactionDue(dirty, o)) {
      // Look again at the latest when the oldest dirty batch reaches max.compaction.lag.ms.
      const lagDue = dirty.oldestDirtyTimestamp === undefined ? Infinity : dirty.oldestDirtyTimestamp + o.maxCompactionLagMs;
      this.keysQuiet = { end, until: Math.min(o.now + KEYS_RECHECK_MS, lagDue), settings };
      return { ...idle, dirtyRatio: dirty.ratio };
    }
    let bytesRead = 0;
    const plan = await planKeyCompaction(entries, async (page) => {
      const batches = await this.readEntries(page);
      for (const b of batches) bytesRead += b.length;
      return batches;
    }, o);
    if ('tooManyKeys' in plan) throw new KafkaError('UNKNOWN_SERVER_ERROR', `${this.topicId}/${this.partition} holds more than ${o.maxKeys} keys (log.cleaner.max.keys): not compacted`);
    if (plan.rewritten.length > 0 || plan.dropped.length > 0) {
      const moves: EntryMove[] = [];
      let key = '';
      if (plan.rewritten.length > 0) {
        const first = plan.rewritten[0]!.entry;
        key = `${o.segmentPrefix}${this.topicId}/${this.partition}/${Date.now().toString(36)}-${first.baseOffset}-${plan.rewritten[plan.rewritten.length - 1]!.entry.lastOffset}.compacted`;
        let at = 0;
        for (const { entry, batch } of plan.rewritten) {
          moves.push({ baseOffset: entry.baseOffset, objectKey: key, byteStart: at, byteEnd: at + batch.length - 1 });
          at += batch.length;
        }
        await this.objects.put(key, Buffer.concat(plan.rewritten.map((r) => r.batch)));
      }
      // Refused if the lease moved or retention took some of these entries meanwhile: the
      // object is then named by nothing and collected.
      await this.index.relocate(this.topicId, this.partition, moves, this.guard, plan.dropped.map((e) => e.baseOffset));
      this.recent.rewrite(new Map<number, Buffer | null>([...plan.rewritten.map((r) => [r.entry.baseOffset, r.batch] as const), ...plan.dropped.map((e) => [e.baseOffset, null] as const)]));
    }
    if (plan.cleanTo !== undefined) this.cleanTo = plan.cleanTo;
    // A pass that stopped at its byte budget leaves the rest to the next one.
    this.keysQuiet = plan.cleanTo === undefined ? undefined : { end, until: o.now + KEYS_RECHECK_MS, settings };
    return {
      dirtyRatio: plan.cleanTo === undefined ? dirty.ratio : dirtyState(entries, plan.cleanTo).ratio, ran: true,
      installed: plan.rewritten.length > 0 || plan.dropped.length > 0, recordsRemoved: plan.recordsRemoved,
      bytesRead, bytesWritten: plan.rewritten.reduce((n, r) => n + r.batch.length, 0),
    };
  }

  /** The bytes of index entries, in order: one ranged GET per run of adjacent bytes in one object. */
  private async readEntries(entries: readonly IndexEntry[]): Promise<Buffer[]> {
    const out: Buffer[] = [];
    for (let i = 0; i < entries.length;) {
      let j = i + 1;
      while (j < entries.length && entries[j]!.objectKey === entries[i]!.objectKey && entries[j]!.byteStart === entries[j - 1]!.byteEnd + 1) j++;
      const run = entries.slice(i, j);
      const bytes = await this.objects.get(run[0]!.objectKey, { start: run[0]!.byteStart, end: run[run.length - 1]!.byteEnd });
      for (const e of run) out.push(bytes.subarray(e.byteStart - run[0]!.byteStart, e.byteEnd - run[0]!.byteStart + 1));
      i = j;
    }
    return out;
  }

  /** The committed index entries from the log start up to `end` (the high watermark), a page at a time. */
  async *committedEntries(end = this.committed): AsyncGenerator<IndexEntry> {
    for (let from = this.start; from < end;) {
      const entries = await this.entries(from, SCAN_PAGE);
      if (entries.length === 0) return;
      for (const e of entries) {
        if (e.baseOffset >= end) return;
        yield e;
      }
      from = entries[entries.length - 1]!.lastOffset + 1;
    }
  }

  /** Committed index entries from the log start, in order (retention and timestamp searches page through them). */
  entries(fromOffset: number, limit: number): Promise<IndexEntry[]> {
    return this.index.entries(this.topicId, this.partition, Math.max(fromOffset, this.start), limit);
  }

  private static async producerState(index: PartitionIndex, topicId: string, partition: number): Promise<ProducerStateTable> {
    const table = new ProducerStateTable();
    for (const e of await index.producerEntries(topicId, partition, PRODUCER_ENTRIES)) {
      table.record({ producerId: BigInt(e.producerId), producerEpoch: e.producerEpoch, baseSequence: e.baseSequence, lastOffsetDelta: e.lastOffset - e.baseOffset, maxTimestamp: e.maxTimestamp }, e.baseOffset);
    }
    return table;
  }

  get highWatermark(): number {
    return this.committed;
  }

  /** Appends one batch; resolves with its offsets once it is in the object store and indexed. */
  async append(input: Buffer): Promise<{ baseOffset: number; lastOffset: number; duplicate: boolean }> {
    if (input.length < BATCH_HEADER_SIZE) throw new KafkaError('CORRUPT_MESSAGE', 'record batch shorter than its header');
    // After a failed window nothing new is taken until offsets and producer state are
    // reloaded from the index (a reload that failed is tried again here).
    if (this.broken && this.inFlight === 0 && this.reload === undefined) this.resync();
    if (this.reload !== undefined) await this.reload;
    if (this.broken) throw new KafkaError('KAFKA_STORAGE_ERROR', `${this.topicId}/${this.partition} is recovering from a failed flush`);
    const h = readBatchHeader(input, 0);
    const idempotent = h.producerId >= 0n;
    if (idempotent) {
      const seen = this.producers.check(h);
      if (seen.kind === 'duplicate') {
        // A retry: the original offsets, once the original is committed (it may still be in flight).
        const original = this.pending.get(seen.baseOffset);
        if (original !== undefined) await original;
        // The original failed and the state is not rebuilt yet: the client retries after it is.
        else if (seen.baseOffset >= this.committed) throw new KafkaError('KAFKA_STORAGE_ERROR', `the original of this retry (offset ${seen.baseOffset}) was not committed`);
        return { baseOffset: seen.baseOffset, lastOffset: seen.baseOffset + h.lastOffsetDelta, duplicate: true };
      }
    }
    const batch = Buffer.from(input.subarray(0, h.size));
    const baseOffset = this.next;
    const lastOffset = baseOffset + h.lastOffsetDelta;
    this.next = lastOffset + 1;
    // Recorded now, not at the commit: the producer's next batch may arrive before this one commits.
    if (idempotent) this.producers.record(h, baseOffset);
    batch.writeBigInt64BE(BigInt(baseOffset), BatchField.BASE_OFFSET);
    batch.writeInt32BE(this.leaderEpoch, BatchField.PARTITION_LEADER_EPOCH);
    this.inFlight++;
    const added = this.window.add({
      topicId: this.topicId, partition: this.partition, batch, baseOffset, lastOffset, maxTimestamp: h.maxTimestamp, leaderEpoch: this.leaderEpoch, guard: this.guard,
      producerId: idempotent ? Number(h.producerId) : -1, producerEpoch: idempotent ? h.producerEpoch : -1, baseSequence: idempotent ? h.baseSequence : -1,
    });
    this.pending.set(baseOffset, added);
    try {
      await added;
      this.committed = Math.max(this.committed, lastOffset + 1);
      this.recent.remember(baseOffset, lastOffset, batch);
      return { baseOffset, lastOffset, duplicate: false };
    } catch (err) {
      this.broken = true;
      throw err;
    } finally {
      this.pending.delete(baseOffset);
      if (--this.inFlight === 0 && this.broken) this.resync();
    }
  }

  /** After a failure, once nothing is in flight: continue from what the index holds. */
  private resync(): void {
    this.broken = false;
    // Offsets and producer state as the index has them (the failed batches are not there).
    this.reload = Promise.all([this.index.highWatermark(this.topicId, this.partition), SharedPartitionLog.producerState(this.index, this.topicId, this.partition)]).then(
      ([end, producers]) => {
        this.next = end;
        this.committed = end;
        this.producers = producers;
        this.reload = undefined;
      },
      () => {
        // The index is unreachable: try again on the next append.
        this.broken = true;
        this.reload = undefined;
      },
    );
  }

  /** The idempotent producers this leader keeps state for (DescribeProducers). */
  activeProducers(): ActiveProducer[] {
    return this.producers.active();
  }

  /** Whole batches from `offset` (the first may start before it), at most about `maxBytes`. */
  async read(offset: number, maxBytes: number): Promise<Buffer[]> {
    if (offset < this.start || offset > this.committed) throw new KafkaError('OFFSET_OUT_OF_RANGE', `offset ${offset} is outside [${this.start}, ${this.committed}]`);
    if (offset === this.committed) return [];
    // A consumer keeping up reads what this leader just wrote: no index query, no GET.
    const cached = this.recent.read(offset, maxBytes);
    if (cached !== undefined) return cached;
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
