// Committed consumer-group offsets, kept durably in an internal partition log
// (<dataDir>/__consumer_offsets-0, fsync before acknowledging) and in memory.
// Each commit is one record batch; a record's key names (group, topic, partition) and
// its value holds the offset, or null when the group was deleted. Group membership
// snapshots (key {g, meta}) are kept the same way, so a restarted broker knows its groups.
// Replayed at start.
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { buildRecordBatch, type RecordInput } from '../protocol/records/batch-builder.js';
import { readRecords } from '../protocol/records/record-reader.js';
import { PartitionLog } from '../storage/partition-log.js';
import type { CommittedOffset, GroupSnapshot, GroupStore } from '../services/group-store.js';

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

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** Compact once the log is this big and mostly obsolete (see maybeCompact). */
const DEFAULT_COMPACT_BYTES = 16 * 1024 * 1024;
/** Records per snapshot batch. */
const SNAPSHOT_BATCH = 500;

export class OffsetsStore implements GroupStore {
  private readonly log: PartitionLog;
  private compacting: Promise<void> | undefined;
  /** Compactions done (tests and logs). */
  compactions = 0;
  compactAboveBytes = DEFAULT_COMPACT_BYTES;
  /** Appends written but not yet applied in memory: a snapshot taken now would miss them. */
  private inFlight = 0;
  private readonly groups = new Map<string, Map<string, CommittedOffset & { topic: string; partition: number }>>();
  /** Last stored membership per group, replayed at start. */
  readonly snapshots = new Map<string, GroupSnapshot>();

  constructor(dataDir: string, logger: Logger, onFsync?: (seconds: number) => void) {
    this.log = PartitionLog.open(join(dataDir, OFFSETS_LOG_DIR), { syncPolicy: 'always', retentionMs: -1, segmentBytes: 64 * 1024 * 1024, maxBatchBytes: 64 * 1024 * 1024 }, { logger, ...(onFsync ? { onFsync } : {}) });
    for (const batch of this.log.batches()) {
      for (const r of readRecords(batch)) {
        const key = JSON.parse(r.key!.toString('utf8')) as Key | MetaKey;
        const value: unknown = r.value === null ? null : JSON.parse(r.value.toString('utf8'));
        if ('meta' in key) {
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

  /** Bytes in the offsets log (it grows with every commit until compacted). */
  get sizeBytes(): number {
    return this.log.sizeBytes;
  }

  /**
   * Every commit is appended, so the log grows without bound while the state it encodes
   * stays small. Once it passes `compactAboveBytes` and is at least 4x the live state, the
   * whole current state is appended as a snapshot into a fresh segment (synchronously, so
   * no commit interleaves), fsynced, and every older segment is deleted. A crash in between
   * leaves old records followed by the snapshot: replaying both gives the same state.
   */
  private maybeCompact(): void {
    if (this.compacting !== undefined || this.inFlight > 0 || this.log.sizeBytes < this.compactAboveBytes) return;
    const entries: RecordInput[] = [];
    for (const [group, offsets] of this.groups) {
      for (const o of offsets.values()) {
        const { topic, partition, ...value } = o;
        entries.push({ key: Buffer.from(JSON.stringify({ g: group, t: topic, p: partition } satisfies Key)), value: Buffer.from(JSON.stringify(value)) });
      }
    }
    for (const [group, snap] of this.snapshots) {
      entries.push({ key: Buffer.from(JSON.stringify({ g: group, meta: true } satisfies MetaKey)), value: Buffer.from(JSON.stringify(snap)) });
    }
    const liveBytes = entries.reduce((n, e) => n + (e.key?.length ?? 0) + (e.value?.length ?? 0) + 16, 0);
    if (liveBytes * 4 > this.log.sizeBytes) return;
    this.log.roll();
    const snapshotStart = this.log.logEndOffset;
    const appends: Array<Promise<unknown>> = [];
    for (let i = 0; i < entries.length; i += SNAPSHOT_BATCH) appends.push(this.log.append(buildRecordBatch(entries.slice(i, i + SNAPSHOT_BATCH))));
    this.compacting = Promise.all(appends)
      .then(() => {
        this.log.deleteSegmentsBelow(snapshotStart);
        this.compactions++;
      })
      .catch(() => undefined) // a failed compaction leaves the log as it was: still correct
      .finally(() => {
        this.compacting = undefined;
      });
  }

  /** Resolves when a running compaction has finished (tests, shutdown). */
  async settled(): Promise<void> {
    await this.compacting;
  }

  /** Durably stores a group's commits; resolves after fsync. */
  async commit(group: string, entries: Array<{ topic: string; partition: number; value: CommittedOffset | null }>): Promise<void> {
    if (entries.length === 0) return;
    const records: RecordInput[] = entries.map((e) => ({
      key: Buffer.from(JSON.stringify({ g: group, t: e.topic, p: e.partition } satisfies Key)),
      value: e.value === null ? null : Buffer.from(JSON.stringify(e.value)),
    }));
    this.inFlight++;
    try {
      await this.log.append(buildRecordBatch(records));
    } finally {
      this.inFlight--;
    }
    for (const e of entries) this.apply({ g: group, t: e.topic, p: e.partition }, e.value);
    this.maybeCompact();
  }

  /** Durably stores a group's membership (null: the group is gone). */
  async saveGroup(group: string, snapshot: GroupSnapshot | null): Promise<void> {
    const key = Buffer.from(JSON.stringify({ g: group, meta: true } satisfies MetaKey));
    this.inFlight++;
    try {
      await this.log.append(buildRecordBatch([{ key, value: snapshot === null ? null : Buffer.from(JSON.stringify(snapshot)) }]));
    } finally {
      this.inFlight--;
    }
    if (snapshot === null) this.snapshots.delete(group);
    else this.snapshots.set(group, snapshot);
    this.maybeCompact();
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
    await this.compacting;
    await this.log.close();
  }
}
