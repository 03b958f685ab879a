// Log compaction (cleanup.policy=compact) of a partition on shared storage, as a plan: the
// leader reads its committed batches through the index, keeps Kafka's records, and the
// caller writes the rewritten batches as one segment object and points the index at them
// (or forgets an entry whose records all went) under its lease. Offsets never change.
//
// What stays, as in the single-node cleaner (docs/compaction.md): of every key, only its
// latest record anywhere in the log; tombstones while younger than delete.retention.ms (by
// their batch's max timestamp); keyless records written before the topic became compacted.
// Batches newer than min.compaction.lag.ms, and the partition's last batch, are not
// rewritten. A batch of an idempotent producer is kept even when emptied (header only), so
// the producer's state, rebuilt from index entries by a new leader, survives. Transactions
// are not served in cluster mode, so there are no markers or aborted records here.
// A pass runs when Kafka's cleaner would start one: the share of bytes written since the last
// pass reached min.cleanable.dirty.ratio, or a batch has waited max.compaction.lag.ms.
import type { IndexEntry } from '../services/leases.js';
import { rebuildBatch, walkBatchRecords, type CleanerRecord } from '../storage/cleaner/batch-filter.js';
import { OffsetMap } from '../storage/cleaner/offset-map.js';

export interface KeyCompactionOptions {
  now: number;
  deleteRetentionMs: number;
  minCompactionLagMs: number;
  /** How large a batch's records may decompress to (max.message.bytes). */
  maxRecordsBytes: number;
  /** The key map's bound (log.cleaner.max.keys): a log with more keys is not compacted. */
  maxKeys: number;
  /** Rewritten bytes one pass may produce (one segment object); the next pass goes on. */
  maxRewriteBytes: number;
}

export interface KeyCompactionPlan {
  /** The rewritten batches, in offset order, each with the entry it replaces. */
  rewritten: Array<{ entry: IndexEntry; batch: Buffer }>;
  /** Entries whose records all went (not an idempotent producer's): forgotten. */
  dropped: IndexEntry[];
  recordsRemoved: number;
  /**
   * Where the clean part ends once this plan is installed (the first entry not cleaned, or
   * the end): undefined when the pass stopped at its byte budget, leaving cleanable entries.
   */
  cleanTo: number | undefined;
}

/** What one look at a partition found and did, for the cleaner's metrics. */
export interface KeyCompactionReport {
  /** The share of cleanable bytes not cleaned yet, after this look (undefined: not measured, nothing changed). */
  dirtyRatio: number | undefined;
  /** A pass ran (none was due: false). */
  ran: boolean;
  /** The pass changed the log (rewrote or forgot entries). */
  installed: boolean;
  recordsRemoved: number;
  bytesRead: number;
  bytesWritten: number;
}

export interface DirtyState {
  /** The uncleaned share of the bytes that may be cleaned (every entry but the last). */
  ratio: number;
  /** The oldest uncleaned entry's max timestamp (undefined: nothing uncleaned). */
  oldestDirtyTimestamp: number | undefined;
}

/**
 * Kafka's cleaner measure, over index entries: entries from `cleanTo` on are dirty (not
 * compacted since they were written), those before it clean. The partition's last entry is
 * never rewritten, so it counts on neither side.
 */
export function dirtyState(entries: readonly IndexEntry[], cleanTo: number): DirtyState {
  let clean = 0;
  let dirty = 0;
  let oldestDirtyTimestamp: number | undefined;
  for (let i = 0; i < entries.length - 1; i++) {
    const e = entries[i]!;
    const bytes = e.byteEnd - e.byteStart + 1;
    if (e.baseOffset < cleanTo) clean += bytes;
    else {
      dirty += bytes;
      oldestDirtyTimestamp ??= e.maxTimestamp;
    }
  }
  return { ratio: clean + dirty === 0 ? 0 : dirty / (clean + dirty), oldestDirtyTimestamp };
}

/** Whether a pass is due: the dirty share reached min.cleanable.dirty.ratio, or a dirty batch waited max.compaction.lag.ms. */
export function compactionDue(state: DirtyState, o: { now: number; minCleanableDirtyRatio: number; maxCompactionLagMs: number }): boolean {
  if (state.oldestDirtyTimestamp === undefined) return false;
  return state.ratio >= o.minCleanableDirtyRatio || state.oldestDirtyTimestamp <= o.now - o.maxCompactionLagMs;
}

export type KeyCompactionOutcome = KeyCompactionPlan | { tooManyKeys: number };

/** Entries read together: their bytes come in one ranged GET per object run. */
const PAGE = 500;

/**
 * Plans one pass over `entries` (every committed entry of the partition from its log start,
 * in order), reading their batches a page at a time with `read` (the bytes of each entry of
 * the page, in order). Two passes over the bytes, so memory holds one page and the key map:
 * the first finds every key's latest offset, the second rewrites the cleanable batches.
 */
export async function planKeyCompaction(entries: readonly IndexEntry[], read: (page: readonly IndexEntry[]) => Promise<Buffer[]>, o: KeyCompactionOptions): Promise<KeyCompactionOutcome> {
  const latest = new OffsetMap();
  for (let from = 0; from < entries.length; from += PAGE) {
    const page = entries.slice(from, from + PAGE);
    for (const batch of await read(page)) {
      for (const r of walkBatchRecords(batch, o.maxRecordsBytes).list) if (r.key !== null) latest.put(r.key, r.offset);
    }
    if (latest.size > o.maxKeys) return { tooManyKeys: latest.size };
  }
  // The cleanable part: up to the first batch within the compaction lag, never the last one.
  let cleanable = Math.max(0, entries.length - 1);
  const lagged = entries.findIndex((e) => e.maxTimestamp > o.now - o.minCompactionLagMs);
  if (lagged >= 0) cleanable = Math.min(cleanable, lagged);
  const plan: KeyCompactionPlan = { rewritten: [], dropped: [], recordsRemoved: 0, cleanTo: entries[cleanable]?.baseOffset ?? (entries[entries.length - 1]?.lastOffset ?? -1) + 1 };
  let rewrittenBytes = 0;
  pages: for (let from = 0; from < cleanable; from += PAGE) {
    const page = entries.slice(from, Math.min(cleanable, from + PAGE));
    const batches = await read(page);
    for (let i = 0; i < page.length; i++) {
      if (rewrittenBytes >= o.maxRewriteBytes) {
        plan.cleanTo = undefined;
        break pages;
      }
      const entry = page[i]!;
      const batch = batches[i]!;
      const w = walkBatchRecords(batch, o.maxRecordsBytes);
      const tombstoneExpired = entry.maxTimestamp <= o.now - o.deleteRetentionMs;
      const keep = (r: CleanerRecord): boolean => r.key === null || (latest.get(r.key) === r.offset && !(r.tombstone && tombstoneExpired));
      const kept = w.list.filter(keep);
      if (kept.length === w.list.length) continue;
      plan.recordsRemoved += w.list.length - kept.length;
      if (kept.length === 0 && entry.producerId < 0) {
        plan.dropped.push(entry);
        continue;
      }
      const rebuilt = Buffer.from(rebuildBatch(batch, w, kept));
      rewrittenBytes += rebuilt.length;
      plan.rewritten.push({ entry, batch: rebuilt });
    }
  }
  return plan;
}
