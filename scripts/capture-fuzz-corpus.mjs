#!/usr/bin/env node
// Captures the fuzzers' seed corpus from real clients: kcat (librdkafka) and kafkajs talk
// to a broker through a recording TCP proxy; every distinct request frame they send goes to
// fuzz/corpus/frames/, and every record batch they produced (each codec kcat writes, as
// stored) to fuzz/corpus/batches/. Run after `npm run build`; the corpus is committed.
// Usage: node scripts/capture-fuzz-corpus.mjs
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { startBroker } = await import(join(root, 'dist/src/server/start.js'));
const { silentLogger } = await import(join(root, 'dist/src/logger.js'));
const { KafkaClient } = await import(join(root, 'dist/src/client/kafka-client.js'));
const { Kafka, logLevel, CompressionTypes } = (await import('kafkajs')).default;

const MAX_FRAME = 64 * 1024;
const framesDir = join(root, 'fuzz/corpus/frames');
const batchesDir = join(root, 'fuzz/corpus/batches');
for (const d of [framesDir, batchesDir]) mkdirSync(d, { recursive: true });
const seen = new Set();
function save(dir, prefix, bytes) {
  const hash = createHash('sha1').update(bytes).digest('hex').slice(0, 12);
  if (seen.has(hash)) return;
  seen.add(hash);
  writeFileSync(join(dir, `${prefix}-${hash}.bin`), bytes);
}

const dataDir = mkdtempSync(join(tmpdir(), 'strata-capture-'));
const broker = await startBroker({ host: '127.0.0.1', port: 0, adminPort: 0, dataDir, logger: silentLogger, groupInitialRebalanceDelayMs: 100 });
const proxy = createServer((client) => {
  const upstream = connect(broker.port, '127.0.0.1');
  let pending = Buffer.alloc(0);
  client.on('data', (d) => {
    pending = Buffer.concat([pending, d]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const size = pending.readInt32BE(0);
      const frame = pending.subarray(0, 4 + size);
      if (frame.length <= MAX_FRAME) save(framesDir, `k${frame.readInt16BE(4)}-v${frame.readInt16BE(6)}`, Buffer.from(frame));
      pending = pending.subarray(4 + size);
    }
    upstream.write(d);
  });
  upstream.on('data', (d) => client.write(d));
  const end = () => { client.destroy(); upstream.destroy(); };
  client.on('error', end); upstream.on('error', end); client.on('close', end); upstream.on('close', end);
});
await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
const proxyPort = proxy.address().port;
// Clients must keep talking through the proxy after Metadata: advertise the proxy's port.
broker.broker.node = { ...broker.broker.node, host: '127.0.0.1', port: proxyPort };
const bootstrap = `127.0.0.1:${proxyPort}`;

const admin = await KafkaClient.connect(bootstrap);
/** kcat without blocking: the broker and the proxy run in this event loop. */
function kcat(args, input, timeout = 20_000) {
  return new Promise((resolve) => {
    const child = execFile('kcat', args, { timeout }, () => resolve());
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}
const codecs = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
if (spawnSync('kcat', ['-V']).status === 0) {
  for (const codec of codecs) {
    const topic = `kcat-${codec}`;
    await admin.createTopic(topic, 2, {});
    const input = Array.from({ length: 50 }, (_, i) => `key${i}:value ${i} ${'x'.repeat(i)}`).join('\n') + '\n';
    await kcat(['-b', bootstrap, '-P', '-t', topic, '-z', codec, '-K', ':', '-X', 'enable.idempotence=true', '-X', 'acks=all', '-H', 'h1=v1'], input);
    await kcat(['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q']);
  }
  await kcat(['-b', bootstrap, '-L']);
  await kcat(['-b', bootstrap, '-G', 'capture-g', 'kcat-none', '-q', '-X', 'auto.offset.reset=earliest'], undefined, 8000);
}
const kafka = new Kafka({ clientId: 'capture', brokers: [bootstrap], logLevel: logLevel.NOTHING });
const producer = kafka.producer({ idempotent: true });
await producer.connect();
await producer.send({ topic: 'kafkajs', acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, headers: { h: 'x' } })) });
await producer.send({ topic: 'kafkajs', compression: CompressionTypes.GZIP, messages: Array.from({ length: 20 }, (_, i) => ({ value: `gz${i}` })) });
await producer.disconnect();
const consumer = kafka.consumer({ groupId: 'capture-kjs', maxWaitTimeInMs: 100 });
await consumer.connect();
await consumer.subscribe({ topic: 'kafkajs', fromBeginning: true });
let got = 0;
await consumer.run({ eachMessage: async () => void got++ });
for (let i = 0; i < 100 && got < 40; i++) await new Promise((r) => setTimeout(r, 100));
await consumer.disconnect();
const kadmin = kafka.admin();
await kadmin.connect();
await kadmin.createTopics({ topics: [{ topic: 'kafkajs-admin', numPartitions: 3 }] });
await kadmin.fetchTopicOffsets('kafkajs');
await kadmin.describeGroups(['capture-kjs']);
await kadmin.fetchOffsets({ groupId: 'capture-kjs', topics: ['kafkajs'] });
await kadmin.deleteTopics({ topics: ['kafkajs-admin'] });
await kadmin.disconnect();

// The batches as the clients produced them (stored as sent: compression.type=producer).
for (const topic of [...codecs.map((c) => `kcat-${c}`), 'kafkajs']) {
  for (const partition of [0, 1]) {
    let parts;
    try {
      parts = await admin.fetch(topic, new Map([[partition, 0]]), 100);
    } catch {
      continue;
    }
    const records = parts[0]?.records;
    if (!records) continue;
    for (let at = 0; at + 12 <= records.length; ) {
      const size = records.readInt32BE(at + 8) + 12;
      save(batchesDir, topic, Buffer.from(records.subarray(at, at + size)));
      at += size;
    }
  }
}
admin.close();
await broker.close();
proxy.close();
rmSync(dataDir, { recursive: true, force: true });
console.log(`captured ${seen.size} distinct frames and batches into fuzz/corpus`);
process.exit(0);
