// Committed consumer-group offsets, kept durably in an internal partition log
// (<dataDir>/__consumer_offsets-0, fsync before acknowledging) and in memory.
// Each commit is one record batch; a record's key names (group, topic, partition) and
// its value holds the offset, or null when the group was deleted. Group membership
// snapshots (key {g, meta}) are kept the same way, so a restarted broker knows its groups.
// Replayed at start. The log is compacted by the broker's log cleaner like any compacted
// topic (src/broker/log-cleaner.ts): the latest record per key stays, deleted groups'
// tombstones go after a day.
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { buildRecordBatch, type RecordInput } from '../protocol/records/batch-builder.js';
import { readRecords } from '../protocol/records/record-reader.js';
import { PartitionLog } from '../storage/partition-log.js';
import type { CommittedOffset, GroupSnapshot, GroupStore } from '../services/group-store.js';
import { internalLogCleanable, type CleanablePartition } from '../broker/log-cleaner.js';
import { PendingTxnOffsets } from './pending-txn-offsets.js';

export type { CommittedOffset, GroupSnapshot } from '../services/group-store.js';

export const OFFSETS_LOG_DIR = '__consumer_offsets-0';

interface Key {
  g: string;
  t: string;
  p: number;
}

interface MetaKey {
  g: string;
  meta: true;
}

/** An offset a transaction of producer `x` committed, pending until it ends. */
interface PendingKey extends Key {
  x: number;
}

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** Segments roll at this size so the cleaner has closed segments to clean (Kafka's offsets topic: 100 MiB). */
const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;

export class OffsetsStore implements GroupStore {
  private readonly log: PartitionLog;
  private readonly groups = new Map<string, Map<string, CommittedOffset & { topic: string; partition: number }>>();
  /** Last stored membership per group, replayed at start. */
  readonly snapshots = new Map<string, GroupSnapshot>();
  private readonly pending = new PendingTxnOffsets();

  constructor(dataDir: string, logger: Logger, onFsync?: (seconds: number) => void, segmentBytes = DEFAULT_SEGMENT_BYTES) {
    this.log = PartitionLog.open(
      join(dataDir, OFFSETS_LOG_DIR),
      { syncPolicy: 'always', cleanupPolicy: 'compact', retentionMs: -1, segmentBytes, maxBatchBytes: 64 * 1024 * 1024 },
      { logger, ...(onFsync ? { onFsync } : {}) },
    );
    for (const batch of this.log.batches()) {
      for (const r of readRecords(batch)) {
        const key = JSON.parse(r.key!.toString('utf8')) as Key | MetaKey | PendingKey;
        const value: unknown = r.value === null ? null : JSON.parse(r.value.toString('utf8'));
        if ('x' in key) {
          if (value === null) this.pending.remove(key.x, key.g, key.t, key.p);
          else this.pending.add(key.x, { group: key.g, topic: key.t, partition: key.p, value: value as CommittedOffset });
        } else if ('meta' in key) {
          if (value === null) this.snapshots.delete(key.g);
          else this.snapshots.set(key.g, value as GroupSnapshot);
        } else {
          this.apply(key, value as CommittedOffset | null);
        }
      }
    }
  }

  private apply(k: Key, v: CommittedOffset | null): void {
    let g = this.groups.get(k.g);
    if (v === null) {
      g?.delete(keyOf(k.t, k.p));
      if (g !== undefined && g.size === 0) this.groups.delete(k.g);
      return;
    }
    if (g === undefined) {
      g = new Map();
      this.groups.set(k.g, g);
    }
    g.set(keyOf(k.t, k.p), { ...v, topic: k.t, partition: k.p });
  }

  /** Bytes in the offsets log (it grows with every commit until the cleaner compacts it). */
  get sizeBytes(): number {
    return this.log.sizeBytes;
  }

  /** The offsets log as the log cleaner sees it. */
  get cleanable(): CleanablePartition {
    return internalLogCleanable(OFFSETS_LOG_DIR, this.log);
  }

  /** Durably stores a group's commits; resolves after fsync. */
  async commit(group: string, entries: Array<{ topic: string; partition: number; value: CommittedOffset | null }>): Promise<void> {
    if (entries.length === 0) return;
    const records: RecordInput[] = entries.map((e) => ({
      key: Buffer.from(JSON.stringify({ g: group, t: e.topic, p: e.partition } satisfies Key)),
      value: e.value === null ? null : Buffer.from(JSON.stringify(e.value)),
    }));
    await this.log.append(buildRecordBatch(records));
    for (const e of entries) this.apply({ g: group, t: e.topic, p: e.partition }, e.value);
  }

  async commitPending(group: string, producerId: number, entries: Array<{ topic: string; partition: number; value: CommittedOffset }>): Promise<void> {
    if (entries.length === 0) return;
    await this.log.append(buildRecordBatch(entries.map((e) => ({
      key: Buffer.from(JSON.stringify({ g: group, t: e.topic, p: e.partition, x: producerId } satisfies PendingKey)),
      value: Buffer.from(JSON.stringify(e.value)),
    }))));
    for (const e of entries) this.pending.add(producerId, { group, ...e });
  }

  /**
   * One batch (so all or nothing survives a crash): a tombstone for each pending record
   * and, on commit, the offset itself.
   */
  async completePending(producerId: number, commit: boolean): Promise<void> {
    const entries = this.pending.peek(producerId);
    if (entries.length === 0) return;
    const records: RecordInput[] = entries.flatMap((e) => {
      const gone = { key: Buffer.from(JSON.stringify({ g: e.group, t: e.topic, p: e.partition, x: producerId } satisfies PendingKey)), value: null };
      return commit ? [gone, { key: Buffer.from(JSON.stringify({ g: e.group, t: e.topic, p: e.partition } satisfies Key)), value: Buffer.from(JSON.stringify(e.value)) }] : [gone];
    });
    await this.log.append(buildRecordBatch(records));
    this.pending.take(producerId);
    if (commit) for (const e of entries) this.apply({ g: e.group, t: e.topic, p: e.partition }, e.value);
  }

  hasPending(group: string, topic: string, partition: number): boolean {
    return this.pending.has(group, topic, partition);
  }

  /** Durably stores a group's membership (null: the group is gone). */
  async saveGroup(group: string, snapshot: GroupSnapshot | null): Promise<void> {
    const key = Buffer.from(JSON.stringify({ g: group, meta: true } satisfies MetaKey));
    await this.log.append(buildRecordBatch([{ key, value: snapshot === null ? null : Buffer.from(JSON.stringify(snapshot)) }]));
    if (snapshot === null) this.snapshots.delete(group);
    else this.snapshots.set(group, snapshot);
  }

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.groups.get(group)?.get(keyOf(topic, partition));
  }

  /** All committed offsets of a group. */
  all(group: string): Array<CommittedOffset & { topic: string; partition: number }> {
    return [...(this.groups.get(group)?.values() ?? [])];
  }

  groupIds(): string[] {
    return [...this.groups.keys()];
  }

  async deleteGroup(group: string): Promise<void> {
    await this.commit(group, this.all(group).map((e) => ({ topic: e.topic, partition: e.partition, value: null })));
    if (this.snapshots.has(group)) await this.saveGroup(group, null);
  }

  async close(): Promise<void> {
    await this.log.close();
  }
}
