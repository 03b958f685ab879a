// Transaction state kept durably in an internal partition log
// (<dataDir>/__transaction_state-0, fdatasync before the write resolves), Kafka's
// __transaction_state on one node: one record per change, keyed by transactional id, the
// value the whole TransactionRecord as JSON (null forgets the id). Replayed at start, the
// last record per id wins; compacted by the broker's log cleaner like the offsets log.
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { buildRecordBatch } from '../protocol/records/batch-builder.js';
import { readRecords } from '../protocol/records/record-reader.js';
import { PartitionLog } from '../storage/partition-log.js';
import type { TransactionRecord, TransactionStateStore } from '../services/transactions.js';
import { internalLogCleanable, type CleanablePartition } from '../broker/log-cleaner.js';

export const TRANSACTION_LOG_DIR = '__transaction_state-0';

const SEGMENT_BYTES = 16 * 1024 * 1024;

export class TransactionStateLog implements TransactionStateStore {
  private readonly log: PartitionLog;

  constructor(dataDir: string, logger: Logger, onFsync?: (seconds: number) => void) {
    this.log = PartitionLog.open(
      join(dataDir, TRANSACTION_LOG_DIR),
      { syncPolicy: 'always', cleanupPolicy: 'compact', retentionMs: -1, segmentBytes: SEGMENT_BYTES, maxBatchBytes: 16 * 1024 * 1024 },
      { logger, ...(onFsync ? { onFsync } : {}) },
    );
  }

  load(): TransactionRecord[] {
    const latest = new Map<string, TransactionRecord>();
    for (const batch of this.log.batches()) {
      for (const r of readRecords(batch)) {
        const id = r.key!.toString('utf8');
        if (r.value === null) latest.delete(id);
        else latest.set(id, JSON.parse(r.value.toString('utf8')) as TransactionRecord);
      }
    }
    return [...latest.values()];
  }

  async write(transactionalId: string, record: TransactionRecord | null): Promise<void> {
    await this.log.append(buildRecordBatch([{ key: Buffer.from(transactionalId, 'utf8'), value: record === null ? null : Buffer.from(JSON.stringify(record)) }]));
  }

  /** The log as the log cleaner sees it. */
  get cleanable(): CleanablePartition {
    return internalLogCleanable(TRANSACTION_LOG_DIR, this.log);
  }

  close(): Promise<void> {
    return this.log.close();
  }
}
