// Batches whose CRC is right but whose records are broken (flipped bytes, overflowing
// varints, lying counts; uncompressed and compressed) are refused on produce, so real
// consumers (kafkajs, kcat) read the partition to its end without a decode error and see
// exactly the records that were acknowledged.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import type { RunningBroker } from '../../src/server/start.js';
import { KafkaClient } from '../../src/client/kafka-client.js';
import { KafkaError } from '../../src/errors.js';
import { hot } from '../../src/native/index.js';
import { BATCH_HEADER_SIZE, BatchField, COMPRESSION_MASK, LOG_OVERHEAD } from '../../src/protocol/records/batch-layout.js';
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.js';
import { Codec, compress, type CodecId } from '../../src/protocol/records/compression.js';
import { eventually, testBroker } from '../helpers/broker.js';
import { rng } from '../helpers/batches.js';
import { hasTool, runWith } from '../helpers/tools.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const hasKcat = hasTool('kcat', ['-V']);
let running: RunningBroker;
let dataDir: string;
/** Per topic, the values acknowledged in order ('?' where a mutation left the records valid). */
const acknowledged = new Map<string, string[]>();

/** A batch of `values` with its records mutated by `mutate`, compressed by `codec`, framing and CRC made right. */
function crafted(values: string[], codec: CodecId, mutate: (records: Buffer) => Buffer): Buffer {
  const plain = buildRecordBatch(values.map((v) => ({ value: Buffer.from(v) })));
  const records = mutate(Buffer.from(plain.subarray(BATCH_HEADER_SIZE)));
  const out = Buffer.concat([plain.subarray(0, BATCH_HEADER_SIZE), compress(codec, records)]);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BatchField.BATCH_LENGTH);
  out.writeInt16BE((out.readInt16BE(BatchField.ATTRIBUTES) & ~COMPRESSION_MASK) | codec, BatchField.ATTRIBUTES);
  out.writeUInt32BE(hot.crc32c(out.subarray(BatchField.ATTRIBUTES)), BatchField.CRC);
  return out;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'strata-poison-'));
  running = await testBroker(dataDir);
  const client = await KafkaClient.connect(running.address, 'poison');
  // kafkajs decodes gzip only (other codecs need plugins); kcat reads every codec.
  await seed(client, 'poison-kafkajs', [Codec.NONE, Codec.GZIP]);
  await seed(client, 'poison-kcat', [Codec.NONE, Codec.GZIP, Codec.SNAPPY, Codec.LZ4, Codec.ZSTD]);
  client.close();
});

async function seed(client: KafkaClient, topic: string, codecs: CodecId[]): Promise<void> {
  await client.createTopic(topic, 1, {});
  const acked: string[] = [];
  acknowledged.set(topic, acked);
  const random = rng(16);
  const mutations: Array<(r: Buffer) => Buffer> = [
    (r) => {
      const at = Math.floor(random() * r.length);
      r[at] = r[at]! ^ (1 + Math.floor(random() * 255)); // a flipped byte
      return r;
    },
    (r) => Buffer.concat([r, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]), // an overflowing varint after the records
    (r) => r.subarray(0, Math.floor(random() * r.length)), // truncated records
    (r) => {
      r[0] = 0xff; // the first record's length varint broken
      return r;
    },
  ];
  let refused = 0;
  let n = 0;
  for (let round = 0; round < 40; round++) {
    const good = [`good-${round}-a`, `good-${round}-b`];
    await client.produce(topic, 0, buildRecordBatch(good.map((v) => ({ value: Buffer.from(v) }))), -1);
    acked.push(...good);
    const values = [`bad-${n++}`, `bad-${n++}`, `bad-${n++}`];
    const batch = crafted(values, codecs[round % codecs.length]!, mutations[round % mutations.length]!);
    try {
      await client.produce(topic, 0, batch, -1);
      // A mutation may leave the records well-formed (a flipped byte inside a value): then
      // they were stored, and consumers must read them, whatever bytes they hold.
      acked.push(...values.map(() => '?'));
    } catch (err) {
      expect(err).toBeInstanceOf(KafkaError);
      expect(['INVALID_RECORD', 'CORRUPT_MESSAGE']).toContain((err as KafkaError).errorName);
      refused++;
    }
  }
  expect(refused).toBeGreaterThanOrEqual(30);
}

afterAll(async () => {
  await running.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function matches(topic: string, got: string[]): void {
  const acked = acknowledged.get(topic)!;
  expect(got.length).toBe(acked.length);
  got.forEach((v, i) => {
    if (acked[i] !== '?') expect(v).toBe(acked[i]);
  });
}

describe('poison batches', () => {
  it('kafkajs reads every acknowledged record and nothing else', async () => {
    const kafka = new Kafka({ clientId: 'poison', brokers: [running.address], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: 'poison-kjs', maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'poison-kafkajs', fromBeginning: true });
    const got: string[] = [];
    let crashed: unknown;
    consumer.on(consumer.events.CRASH, (e) => (crashed = e.payload.error));
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value?.toString('latin1') ?? '') });
    try {
      await eventually(() => got.length >= acknowledged.get('poison-kafkajs')!.length || crashed !== undefined, 30_000, 'kafkajs reached the end');
      expect(crashed).toBeUndefined();
      matches('poison-kafkajs', got);
    } finally {
      await consumer.disconnect();
    }
  });

  it.runIf(runWith(hasKcat))('kcat reads the partition to its end without an error', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      execFile('kcat', ['-b', running.address, '-C', '-t', 'poison-kcat', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\n'], { timeout: 30_000, encoding: 'latin1' }, (err, stdout, stderr) => {
        if (err) reject(new Error(`kcat failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      });
    });
    matches('poison-kcat', out.split('\n').slice(0, -1));
  });
});
