// The registry's log as a topic of this broker: `_schemas`, one partition, compacted,
// created on the first write (a broker whose registry is never used has no such topic).
// Appends go through the partition like any produce; reads decode whole batches,
// compressed ones too (a migration may copy the topic with any client).
import { KafkaError } from '../errors.js';
import { buildRecordBatch } from '../protocol/records/batch-builder.js';
import { decodedRecordsOf } from '../protocol/records/decoded-records.js';
import { BATCH_HEADER_SIZE, readBatchHeader } from '../protocol/records/batch-layout.js';
import { IsolationLevel } from '../services/partition-store.js';
import type { TopicDirectory } from '../services/topics.js';
import type { SchemaLog } from './registry.js';
import { SCHEMAS_TOPIC } from './schema-records.js';

/** How much one read takes from the log (the registry reads until it has caught up). */
const READ_BYTES = 4 * 1024 * 1024;
/** A compressed batch may not inflate past this. */
const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

export class TopicSchemaLog implements SchemaLog {
  constructor(private readonly topics: TopicDirectory, private readonly topic = SCHEMAS_TOPIC) {}

  private async partition() {
    let p = this.topics.partition(this.topic, 0);
    if (p !== undefined) return p;
    try {
      await this.topics.create(this.topic, 1, { 'cleanup.policy': 'compact' });
    } catch (err) {
      if (!(err instanceof KafkaError && err.errorName === 'TOPIC_ALREADY_EXISTS')) throw err;
    }
    p = this.topics.partition(this.topic, 0);
    if (p === undefined) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `${this.topic} could not be created`);
    return p;
  }

  /** One registry writes this log (this broker's), so the end its writer decided on always holds. */
  async append(records: ReadonlyArray<{ key: Buffer; value: Buffer | null }>): Promise<void> {
    if (records.length === 0) return;
    const p = await this.partition();
    await p.append(buildRecordBatch(records.map((r) => ({ key: r.key, value: r.value }))));
  }

  async readFrom(offset: number): Promise<{ records: Array<{ key: Buffer | null; value: Buffer | null }>; next: number }> {
    const p = this.topics.partition(this.topic, 0);
    if (p === undefined) return { records: [], next: offset };
    // Compaction or retention may have removed the offset asked for: start at what remains.
    const from = Math.max(offset, p.logStartOffset);
    if (from >= p.highWatermark) return { records: [], next: from };
    const read = await p.read(from, READ_BYTES, IsolationLevel.READ_COMMITTED);
    const records: Array<{ key: Buffer | null; value: Buffer | null }> = [];
    for (const r of decodedRecordsOf(read.chunks, MAX_INFLATED_BYTES)) {
      if (r.offset >= from) records.push({ key: r.key, value: r.value });
    }
    // From the batch headers: control batches and compacted-away offsets move the position too.
    const next = read.chunks.length === 0 ? from : lastOffsetOf(read.chunks) + 1;
    return { records, next };
  }

  end(): number {
    const p = this.topics.partition(this.topic, 0);
    return p === undefined ? 0 : p.lastStableOffset;
  }
}

function lastOffsetOf(chunks: readonly Buffer[]): number {
  let last = -1;
  for (const c of chunks) {
    for (let at = 0; at + BATCH_HEADER_SIZE <= c.length; ) {
      const h = readBatchHeader(c, at);
      last = h.baseOffset + h.lastOffsetDelta;
      at += h.size;
    }
  }
  return last;
}
