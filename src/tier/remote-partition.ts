// One tiered partition: uploads its closed segments (log and indexes) with their xxHash64,
// records them in the manifest once confirmed, deletes local copies only after that and
// when local retention allows, applies total retention to the remote copies, and reads
// batches below the local log start back with ranged GETs through the segment's index.
import type { Logger } from '../logger.js';
import { BatchField, LOG_OVERHEAD } from '../protocol/records/batch-layout.js';
import { OffsetIndex } from '../storage/offset-index.js';
import { TimeIndex } from '../storage/time-index.js';
import { firstRecordAtOrAfter, type OffsetAndTimestamp } from '../protocol/records/record-scan.js';
import type { ReadableLog } from '../storage/log-view.js';
import { readClosedSegment } from '../storage/log-reads.js';

/** What the tier needs of a partition: its closed segments, and a way to delete them locally. */
/** What the tier needs of a partition's transactions (PartitionBackend provides it). */
export interface PartitionTransactions {
  readonly lastStableOffset: number;
  abortedBetween(from: number, to: number): Array<{ producerId: number; firstOffset: number; lastOffset: number }>;
}

export interface TieredLog {
  readonly log: ReadableLog;
  deleteSegmentsBelow(offset: number): Promise<number>;
}
import { emptyManifest, manifestKey, parseManifest, segmentKeys, type Manifest, type RemoteSegment } from './manifest.js';
import type { ObjectStore } from './object-store.js';
import { ObjectNotFoundError } from './tier-errors.js';
import type { RangeCache } from './range-cache.js';

export interface TierPolicy {
  /** retention.local.ms / retention.local.bytes: how long uploaded segments stay local (-1: as long as retention). */
  localRetentionMs: number;
  localRetentionBytes: number;
  /** Total retention (retention.ms / retention.bytes), applied to the remote copies. */
  retentionMs: number;
  retentionBytes: number;
}

export interface UploadOutcome {
  segments: number;
  bytes: number;
}

export class RemotePartition {
  manifest: Manifest;
  private loaded = false;

  constructor(
    readonly topic: string,
    readonly topicId: string,
    readonly partition: number,
    private readonly store: ObjectStore,
    private readonly cache: RangeCache,
    private readonly logger: Logger,
  ) {
    this.manifest = emptyManifest(topicId, partition);
  }

  /** Reads the manifest back from the store (at start). */
  async load(): Promise<void> {
    try {
      this.manifest = parseManifest(await this.store.get(manifestKey(this.topicId, this.partition)), this.topicId, this.partition);
    } catch (err) {
      if (!(err instanceof ObjectNotFoundError)) throw err;
    }
    this.loaded = true;
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  /** The first offset still stored remotely, or undefined when nothing is. */
  get remoteStartOffset(): number | undefined {
    return this.manifest.segments[0]?.baseOffset;
  }

  /** The offset after the last uploaded segment (where uploads continue). */
  get uploadedUpTo(): number {
    const last = this.manifest.segments[this.manifest.segments.length - 1];
    return last === undefined ? 0 : last.nextOffset;
  }

  private async saveManifest(): Promise<void> {
    await this.store.put(manifestKey(this.topicId, this.partition), Buffer.from(JSON.stringify(this.manifest)));
  }

  /**
   * Uploads every closed, flushed segment not uploaded yet, oldest first. With `txns`, only
   * segments wholly below the last stable offset (every transaction in them decided, as
   * Kafka's tier does), each with the aborted transactions overlapping it.
   */
  async uploadClosed(log: ReadableLog, hashFile: (path: string) => Promise<string>, txns?: PartitionTransactions): Promise<UploadOutcome> {
    const out = { segments: 0, bytes: 0 };
    for (const seg of log.closedSegments()) {
      if (seg.nextOffset <= this.uploadedUpTo || !seg.flushed || seg.size === 0) continue;
      if (txns !== undefined && seg.nextOffset > txns.lastStableOffset) break;
      // Hashed off the main thread (the pool reads the file itself); a closed segment does not change.
      const digest = await hashFile(seg.logPath);
      // The storage layer reads the segment's files; the tier only ships the bytes.
      const files = await readClosedSegment(seg);
      const bytes = files.log;
      const keys = segmentKeys(this.topicId, this.partition, seg.baseOffset);
      const put = await this.store.put(keys.log, bytes);
      await this.store.put(keys.index, files.offsetIndex);
      await this.store.put(keys.timeIndex, files.timeIndex);
      // Confirm before recording: the stored object must be the whole segment.
      const head = await this.store.head(keys.log);
      if (head === undefined || head.size !== bytes.length) throw new Error(`upload of ${keys.log} not confirmed (${head?.size ?? 'missing'} of ${bytes.length} bytes)`);
      const entry: RemoteSegment = { baseOffset: seg.baseOffset, nextOffset: seg.nextOffset, size: seg.size, maxTimestamp: seg.maxTimestamp, xxhash64: digest, etag: put.etag, uploadedAt: Date.now() };
      const aborted = txns?.abortedBetween(seg.baseOffset, seg.nextOffset) ?? [];
      if (aborted.length > 0) entry.abortedTransactions = aborted.map((a) => ({ producerId: a.producerId, firstOffset: a.firstOffset, lastOffset: a.lastOffset }));
      this.manifest.segments.push(entry);
      await this.saveManifest();
      out.segments++;
      out.bytes += seg.size;
    }
    return out;
  }

  /**
   * Deletes local segments that are uploaded (listed in the manifest) and beyond local
   * retention; never one that is not confirmed remotely. Returns the local bytes freed.
   */
  async applyLocalRetention(partition: TieredLog, policy: TierPolicy, now = Date.now()): Promise<number> {
    const log = partition.log;
    const uploaded = this.uploadedUpTo;
    const closed = log.closedSegments();
    let localBytes = log.sizeBytes;
    let cut = log.logStartOffset;
    for (const seg of closed) {
      if (seg.nextOffset > uploaded) break;
      const byTime = policy.localRetentionMs >= 0 && seg.maxTimestamp >= 0 && now - seg.maxTimestamp > policy.localRetentionMs;
      const bySize = policy.localRetentionBytes >= 0 && localBytes - seg.size >= policy.localRetentionBytes;
      if (!byTime && !bySize) break;
      localBytes -= seg.size;
      cut = seg.nextOffset;
    }
    return cut > log.logStartOffset ? partition.deleteSegmentsBelow(cut) : 0;
  }

  /** Total retention on the remote copies: oldest first, by time and by total bytes. */
  async applyRemoteRetention(localBytes: number, policy: TierPolicy, now = Date.now()): Promise<number> {
    let removed = 0;
    const total = (): number => this.manifest.segments.reduce((n, s) => n + s.size, 0) + localBytes;
    while (this.manifest.segments.length > 0) {
      const first = this.manifest.segments[0]!;
      const byTime = policy.retentionMs >= 0 && now - first.maxTimestamp > policy.retentionMs;
      const bySize = policy.retentionBytes >= 0 && total() - first.size >= policy.retentionBytes;
      if (!byTime && !bySize) break;
      // Out of the manifest first: a crash afterwards leaves orphan objects, never a
      // manifest entry without its objects.
      this.manifest.segments.shift();
      await this.saveManifest();
      const keys = segmentKeys(this.topicId, this.partition, first.baseOffset);
      for (const k of [keys.log, keys.index, keys.timeIndex]) await this.store.delete(k);
      removed += first.size;
    }
    return removed;
  }

  private async index(seg: RemoteSegment): Promise<OffsetIndex> {
    const keys = segmentKeys(this.topicId, this.partition, seg.baseOffset);
    const bytes = await this.cache.get(`${keys.index}`, () => this.store.get(keys.index));
    return OffsetIndex.fromBuffer(bytes, seg.size) ?? new OffsetIndex();
  }

  private async range(key: string, start: number, end: number): Promise<Buffer> {
    return this.cache.get(`${key}@${start}-${end}`, () => this.store.get(key, { start, end }));
  }

  /**
   * Whole batches from the one holding `offset`, up to maxBytes (at least one batch),
   * from the remote segment that holds it. Empty when no remote segment does.
   */
  /** Aborted transactions recorded with the uploaded segments overlapping [from, to). */
  abortedBetween(from: number, to: number): Array<{ producerId: number; firstOffset: number; lastOffset: number }> {
    const out: Array<{ producerId: number; firstOffset: number; lastOffset: number }> = [];
    for (const seg of this.manifest.segments) {
      if (seg.abortedTransactions === undefined || seg.nextOffset <= from || seg.baseOffset >= to) continue;
      for (const a of seg.abortedTransactions) {
        if (a.lastOffset >= from && a.firstOffset < to && !out.some((o) => o.producerId === a.producerId && o.firstOffset === a.firstOffset)) out.push(a);
      }
    }
    return out;
  }

  async read(offset: number, maxBytes: number): Promise<Buffer> {
    const seg = this.manifest.segments.find((s) => s.baseOffset <= offset && offset < s.nextOffset);
    if (seg === undefined) return Buffer.alloc(0);
    const key = segmentKeys(this.topicId, this.partition, seg.baseOffset).log;
    let position = (await this.index(seg)).lookup(offset - seg.baseOffset).position;
    const window = Math.min(seg.size - position, Math.max(maxBytes, 64 * 1024));
    let buf = await this.range(key, position, position + window - 1);
    // Walk to the batch holding the offset.
    let at = 0;
    for (;;) {
      if (at + LOG_OVERHEAD > buf.length) {
        position += at;
        buf = await this.range(key, position, Math.min(seg.size, position + window) - 1);
        at = 0;
        if (buf.length < LOG_OVERHEAD) return Buffer.alloc(0);
      }
      const size = buf.readInt32BE(at + BatchField.BATCH_LENGTH) + LOG_OVERHEAD;
      const last = Number(buf.readBigInt64BE(at + BatchField.BASE_OFFSET)) + buf.readInt32BE(at + BatchField.LAST_OFFSET_DELTA);
      if (last >= offset) {
        if (at + size > buf.length) {
          position += at;
          buf = await this.range(key, position, position + Math.max(size, maxBytes) - 1 < seg.size ? position + Math.max(size, maxBytes) - 1 : seg.size - 1);
          at = 0;
        }
        break;
      }
      at += size;
    }
    // Whole batches from there within maxBytes (the first always).
    let end = at;
    while (end + LOG_OVERHEAD <= buf.length) {
      const size = buf.readInt32BE(end + BatchField.BATCH_LENGTH) + LOG_OVERHEAD;
      if (end + size > buf.length || (end > at && end + size - at > maxBytes)) break;
      end += size;
    }
    return buf.subarray(at, end);
  }

  /** The largest record timestamp among remote segments that start below `localStart`, or -1. */
  maxTimestampBelow(localStart: number): number {
    let best = -1;
    for (const s of this.manifest.segments) if (s.baseOffset < localStart && s.maxTimestamp > best) best = s.maxTimestamp;
    return best;
  }

  /**
   * The first record with timestamp >= `timestamp` in the remote segments that start below
   * `localStart` (ListOffsets by time over data that may exist only remotely): the segment's
   * time index says where to start, then batches are read with ranged GETs (cached).
   */
  async recordForTimestamp(timestamp: number, localStart: number): Promise<OffsetAndTimestamp | undefined> {
    for (const seg of this.manifest.segments) {
      if (seg.baseOffset >= localStart) break;
      if (seg.maxTimestamp < timestamp || seg.size === 0) continue;
      const keys = segmentKeys(this.topicId, this.partition, seg.baseOffset);
      const timeIndex = TimeIndex.fromBuffer(await this.cache.get(keys.timeIndex, () => this.store.get(keys.timeIndex)), 0) ?? new TimeIndex();
      let position = (await this.index(seg)).lookup(timeIndex.lookup(timestamp)).position;
      while (position + LOG_OVERHEAD <= seg.size) {
        const end = Math.min(seg.size, position + 1024 * 1024);
        const buf = await this.range(keys.log, position, end - 1);
        let at = 0;
        while (at + LOG_OVERHEAD <= buf.length) {
          const size = buf.readInt32BE(at + BatchField.BATCH_LENGTH) + LOG_OVERHEAD;
          if (at + size > buf.length) break;
          const found = firstRecordAtOrAfter(buf.subarray(at, at + size), timestamp);
          if (found !== undefined) return found;
          at += size;
        }
        if (at === 0) {
          // One batch larger than the window: read exactly that batch.
          const size = buf.readInt32BE(BatchField.BATCH_LENGTH) + LOG_OVERHEAD;
          const whole = await this.range(keys.log, position, Math.min(seg.size, position + size) - 1);
          const found = firstRecordAtOrAfter(whole, timestamp);
          if (found !== undefined) return found;
          at = size;
        }
        position += at;
      }
    }
    return undefined;
  }

  /** Removes every remote object of the partition (topic deletion). */
  async deleteAll(): Promise<void> {
    for (const s of this.manifest.segments) {
      const keys = segmentKeys(this.topicId, this.partition, s.baseOffset);
      for (const k of [keys.log, keys.index, keys.timeIndex]) await this.store.delete(k);
    }
    this.manifest.segments = [];
    await this.store.delete(manifestKey(this.topicId, this.partition));
  }
}
