#!/usr/bin/env node
// Captures record batches exactly as the kafkajs producer puts them on the wire: its own
// Produce v3 request encoder builds the request, and the records field is cut out of the
// encoded bytes. Output: test/protocol/fixtures/kafkajs-batches.json (committed).
// Run: node scripts/capture-client-batches.mjs
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ProduceV3 = require('kafkajs/src/protocol/requests/produce/v3/request');
const { Types: Compression } = require('kafkajs/src/protocol/message/compression');
const Long = require('kafkajs/src/utils/long');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

async function capture(name, { compression = Compression.None, producerId = -1, producerEpoch = 0, firstSequence = 0, transactionalId = null, messages }) {
  const request = ProduceV3({
    acks: -1, timeout: 30000, compression, transactionalId,
    producerId: Long.fromValue(producerId), producerEpoch,
    topicData: [{ topic: 'fixture', partitions: [{ partition: 0, firstSequence, messages }] }],
  });
  const body = (await request.encode()).buffer;
  // transactional_id, acks, timeout, [topic [partition records]]
  let at = 0;
  const txLen = body.readInt16BE(at); at += 2 + Math.max(txLen, 0);
  at += 2 + 4; // acks, timeout
  at += 4; // topics count (1)
  const topicLen = body.readInt16BE(at); at += 2 + topicLen;
  at += 4; // partitions count (1)
  at += 4; // partition
  const recordsLen = body.readInt32BE(at); at += 4;
  const batch = body.subarray(at, at + recordsLen);
  return { name, client: 'kafkajs@2.2.4', compression, records: messages.length, hex: batch.toString('hex') };
}

const t0 = 1_700_000_000_000;
const fixtures = [
  await capture('single value', { messages: [{ value: 'hello strata', timestamp: t0 }] }),
  await capture('keys and headers', {
    messages: Array.from({ length: 10 }, (_, i) => ({
      key: `key-${i}`, value: `value-${i}`.repeat(i + 1), timestamp: t0 + i * 7,
      headers: { trace: `t${i}`, empty: '' },
    })),
  }),
  await capture('null value tombstone', { messages: [{ key: 'gone', value: null, timestamp: t0 }] }),
  await capture('idempotent producer', { producerId: 4242, producerEpoch: 3, firstSequence: 17, messages: [{ value: 'a', timestamp: t0 }, { value: 'b', timestamp: t0 + 1 }] }),
  await capture('transactional', { producerId: 99, producerEpoch: 1, transactionalId: 'tx-1', messages: [{ value: 'in a transaction', timestamp: t0 }] }),
  await capture('gzip compressed', { compression: Compression.GZIP, messages: Array.from({ length: 50 }, (_, i) => ({ value: `compressible ${i} `.repeat(20), timestamp: t0 + i })) }),
  await capture('large value', { messages: [{ value: Buffer.alloc(20_000, 7), timestamp: t0 }] }),
];
const out = join(root, 'test', 'protocol', 'fixtures', 'kafkajs-batches.json');
writeFileSync(out, JSON.stringify(fixtures, null, 1) + '\n');
console.log(`wrote ${fixtures.length} batches to ${out}`);
