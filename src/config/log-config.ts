// Per-log settings with Kafka's names in comments; validated once, at open.
import { StrataError } from '../errors.js';
import { DEFAULT_MAX_BATCH_BYTES } from '../protocol/records/batch-layout.js';

export type SyncPolicy = 'always' | 'interval' | 'never';
/** cleanup.policy: delete old segments (retention), keep the latest record per key (compaction), or both. */
export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';
export type TimestampType = 'CreateTime' | 'LogAppendTime';

export interface LogConfig {
  /** segment.bytes: roll when the next batch would pass this size. */
  segmentBytes: number;
  /** segment.ms: roll a non-empty segment this old. */
  segmentMs: number;
  /** index.interval.bytes: bytes between sparse index entries. */
  indexIntervalBytes: number;
  /** retention.ms; -1 keeps forever. */
  retentionMs: number;
  /** retention.bytes; -1 keeps any size. */
  retentionBytes: number;
  /** max.message.bytes: the largest batch accepted (compressed batches: also the most their records may decompress to). */
  maxBatchBytes: number;
  /**
   * Walk every record of an appended batch (Kafka's LogValidator). Only the perf scripts
   * turn it off (STRATA_UNSAFE_SKIP_RECORD_VALIDATION=1), to measure what it costs.
   */
  validateRecords: boolean;
  /** message.timestamp.type */
  timestampType: TimestampType;
  /** always: fdatasync before an append resolves (group commit); interval: every flushIntervalMs; never. */
  syncPolicy: SyncPolicy;
  flushIntervalMs: number;
  /** cleanup.policy: retention applies with `delete`, the log cleaner with `compact`. */
  cleanupPolicy: CleanupPolicy;
  /** min.cleanable.dirty.ratio: clean once the uncleaned share of the closed segments reaches this. */
  minCleanableDirtyRatio: number;
  /** min.compaction.lag.ms: records younger than this stay uncompacted. */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms: records older than this are cleaned whatever the dirty ratio (and the active segment rolls). */
  maxCompactionLagMs: number;
  /** delete.retention.ms: how long a tombstone stays readable after it was written. */
  deleteRetentionMs: number;
}

export function isCompacted(c: Pick<LogConfig, 'cleanupPolicy'>): boolean {
  return c.cleanupPolicy !== 'delete';
}

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  indexIntervalBytes: 4096,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  maxBatchBytes: DEFAULT_MAX_BATCH_BYTES,
  validateRecords: process.env.STRATA_UNSAFE_SKIP_RECORD_VALIDATION !== '1',
  timestampType: 'CreateTime',
  syncPolicy: 'interval',
  flushIntervalMs: 1000,
  cleanupPolicy: 'delete',
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
  deleteRetentionMs: 24 * 60 * 60 * 1000,
});

const MAX_INT32 = 2 ** 31 - 1;

function invalid(name: string, value: unknown, rule: string): never {
  throw new StrataError('STRATA_CONFIG_INVALID', `invalid log setting ${name}=${String(value)}: ${rule}`);
}

function integerIn(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) invalid(name, value, `an integer from ${min} to ${max}`);
}

/** Defaults filled in, every value checked; throws STRATA_CONFIG_INVALID naming the setting. */
export function resolveLogConfig(partial: Partial<LogConfig> = {}): LogConfig {
  const c: LogConfig = { ...DEFAULT_LOG_CONFIG, ...partial };
  // Positions inside a segment are 32-bit in the index, so a segment stays below 2 GiB.
  integerIn('segmentBytes', c.segmentBytes, 1024, MAX_INT32);
  integerIn('segmentMs', c.segmentMs, 1, Number.MAX_SAFE_INTEGER);
  integerIn('indexIntervalBytes', c.indexIntervalBytes, 0, MAX_INT32);
  integerIn('retentionMs', c.retentionMs, -1, Number.MAX_SAFE_INTEGER);
  integerIn('retentionBytes', c.retentionBytes, -1, Number.MAX_SAFE_INTEGER);
  integerIn('maxBatchBytes', c.maxBatchBytes, 61, MAX_INT32);
  integerIn('flushIntervalMs', c.flushIntervalMs, 1, MAX_INT32);
  if (!['always', 'interval', 'never'].includes(c.syncPolicy)) invalid('syncPolicy', c.syncPolicy, 'always, interval or never');
  if (!['delete', 'compact', 'compact,delete'].includes(c.cleanupPolicy)) invalid('cleanupPolicy', c.cleanupPolicy, 'delete, compact or compact,delete');
  if (!(c.minCleanableDirtyRatio >= 0 && c.minCleanableDirtyRatio <= 1)) invalid('minCleanableDirtyRatio', c.minCleanableDirtyRatio, 'a number from 0 to 1');
  integerIn('minCompactionLagMs', c.minCompactionLagMs, 0, Number.MAX_SAFE_INTEGER);
  integerIn('maxCompactionLagMs', c.maxCompactionLagMs, 1, Number.MAX_SAFE_INTEGER);
  integerIn('deleteRetentionMs', c.deleteRetentionMs, 0, Number.MAX_SAFE_INTEGER);
  if (!['CreateTime', 'LogAppendTime'].includes(c.timestampType)) invalid('timestampType', c.timestampType, 'CreateTime or LogAppendTime');
  return c;
}
