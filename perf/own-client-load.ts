// Load generation on the project's own client: used by `strata bench produce|consume`
// and usable from scripts. Produce measures request latency; both report MB/s.
import { KafkaClient } from '../src/client/kafka-client.js';
import { buildRecordBatch } from '../src/protocol/records/batch-builder.js';
import { BATCH_HEADER_SIZE, BatchField, LOG_OVERHEAD } from '../src/protocol/records/batch-layout.js';

export interface ProduceLoadOptions {
  bootstrap: string;
  topic: string;
  records: number;
  recordBytes: number;
  recordsPerRequest: number;
  concurrency: number;
  acks: number;
  /** Every record's value (default: recordBytes of 'b'); e.g. a schema-registry-framed payload. */
  value?: Buffer;
  onProgress?: (done: number) => void;
}

export interface LoadResult {
  records: number;
  bytes: number;
  seconds: number;
  mbPerSec: number;
  recordsPerSec: number;
  p50ms?: number;
  p99ms?: number;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export async function produceLoad(o: ProduceLoadOptions): Promise<LoadResult> {
  const client = await KafkaClient.connect(o.bootstrap, 'strata-bench');
  try {
    await client.metadata([o.topic], true); // auto-create when the broker allows it
    const partitions = await client.partitionsOf(o.topic);
    const value = o.value ?? Buffer.alloc(o.recordBytes, 0x62);
    const requests = Math.ceil(o.records / o.recordsPerRequest);
    const latencies: number[] = [];
    let next = 0;
    let done = 0;
    const started = performance.now();
    const worker = async (): Promise<void> => {
      while (next < requests) {
        const i = next++;
        const count = Math.min(o.recordsPerRequest, o.records - i * o.recordsPerRequest);
        const batch = buildRecordBatch(Array.from({ length: count }, () => ({ value })));
        const t0 = performance.now();
        await client.produce(o.topic, partitions[i % partitions.length]!, batch, o.acks);
        latencies.push(performance.now() - t0);
        done += count;
        o.onProgress?.(done);
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const bytes = o.records * value.length;
    return { records: o.records, bytes, seconds, mbPerSec: bytes / 1e6 / seconds, recordsPerSec: o.records / seconds, p50ms: pct(latencies, 50), p99ms: pct(latencies, 99) };
  } finally {
    client.close();
  }
}

export async function consumeLoad(o: { bootstrap: string; topic: string; onProgress?: (done: number) => void }): Promise<LoadResult> {
  const client = await KafkaClient.connect(o.bootstrap, 'strata-bench');
  try {
    const partitions = await client.partitionsOf(o.topic);
    const ends = await client.listOffsets(o.topic, partitions, -1);
    const positions = await client.listOffsets(o.topic, partitions, -2);
    let records = 0;
    let bytes = 0;
    const started = performance.now();
    while ([...positions].some(([p, off]) => off < (ends.get(p) ?? 0))) {
      const wanted = new Map([...positions].filter(([p, off]) => off < (ends.get(p) ?? 0)));
      for (const p of await client.fetch(o.topic, wanted, 100)) {
        const data = p.records;
        if (data === null || data.length === 0) continue;
        bytes += data.length;
        let last = positions.get(p.partitionIndex)!;
        for (let at = 0; at + BATCH_HEADER_SIZE <= data.length; at += data.readInt32BE(at + BatchField.BATCH_LENGTH) + LOG_OVERHEAD) {
          const base = Number(data.readBigInt64BE(at + BatchField.BASE_OFFSET));
          const lastOffset = base + data.readInt32BE(at + BatchField.LAST_OFFSET_DELTA);
          records += lastOffset + 1 - Math.max(base, last);
          last = lastOffset + 1;
        }
        positions.set(p.partitionIndex, last);
      }
      o.onProgress?.(records);
    }
    const seconds = (performance.now() - started) / 1000;
    return { records, bytes, seconds, mbPerSec: bytes / 1e6 / seconds, recordsPerSec: records / seconds };
  } finally {
    client.close();
  }
}
