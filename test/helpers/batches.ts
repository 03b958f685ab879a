// Test helpers: deterministic batches and captured client batches.
import { readFileSync } from 'node:fs';
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.js';

export interface CapturedBatch {
  name: string;
  client: string;
  compression: number;
  records: number;
  bytes: Buffer;
}

export function capturedBatches(): CapturedBatch[] {
  const url = new URL('../protocol/fixtures/kafkajs-batches.json', import.meta.url);
  const raw = JSON.parse(readFileSync(url, 'utf8')) as Array<Omit<CapturedBatch, 'bytes'> & { hex: string }>;
  return raw.map(({ hex, ...rest }) => ({ ...rest, bytes: Buffer.from(hex, 'hex') }));
}

/** A small PRNG so failures replay from a seed (the fuzzer's). */
export { rng } from '../../fuzz/engine.js';

export function randomBytes(next: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
  return b;
}

/** A batch of `count` records whose values encode `id`, so content can be checked later. */
export function batchFor(id: number, count = 1, valueBytes = 32, timestamp = 1_700_000_000_000 + id): Buffer {
  return buildRecordBatch(
    Array.from({ length: count }, (_, i) => ({
      key: Buffer.from(`k${id}`),
      value: Buffer.from(`${id}:${i}:`.padEnd(valueBytes, String.fromCharCode(97 + (id % 26)))),
      timestamp: timestamp + i,
    })),
  );
}
