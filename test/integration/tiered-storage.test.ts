// Tiered storage end to end: closed segments of a topic with remote.storage.enable go to
// the object store (a local directory, and S3 on s3rver), local copies are deleted only
// after the upload is confirmed, and a consumer starting at offset 0 reads the whole
// history, also after a broker restart (the manifest is read back from the store).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type EachMessagePayload } from 'kafkajs';
import type { RunningBroker, StartOptions } from '../../src/server/start.js';
import { spawn, spawnSync } from 'node:child_process';
import { eventually, testBroker } from '../helpers/broker.js';
import { startS3, type TestS3 } from '../helpers/s3.js';

const hasKcat = spawnSync('kcat', ['-V']).status === 0;

/** librdkafka from offset 0 over the same history (asynchronous: the broker runs in this process). */
function kcatCount(address: string, topic: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn('kcat', ['-b', address, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%o\n'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out.trim().split('\n').filter(Boolean).length);
      else reject(new Error(`kcat exited ${code}`));
    });
  });
}

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

let s3: TestS3;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'strata-tier-'));
  s3 = await startS3(work);
  process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
});

afterAll(async () => {
  await s3.close();
  rmSync(work, { recursive: true, force: true });
});

async function consumeAll(address: string, topic: string, expected: number): Promise<EachMessagePayload[]> {
  const kafka = new Kafka({ brokers: [address], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `g-${Math.random()}`, maxWaitTimeInMs: 200, heartbeatInterval: 300 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: EachMessagePayload[] = [];
  await consumer.run({ eachMessage: async (p) => void got.push(p) });
  await eventually(() => got.length >= expected, 60_000, `${expected} messages from ${topic}`);
  await consumer.disconnect();
  return got;
}

async function run(name: string, options: StartOptions): Promise<void> {
  const dataDir = join(work, name);
  let broker: RunningBroker = await testBroker(dataDir, { tierIntervalMs: 100, ...options });
  const kafka = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic: 'history', numPartitions: 2, configEntries: [
      { name: 'remote.storage.enable', value: 'true' }, { name: 'segment.bytes', value: '16384' }, { name: 'retention.local.bytes', value: '0' },
    ] }],
  });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  // Timestamps rise with the record number (recent, so total retention keeps them).
  const t0 = Date.now() - 60_000;
  for (let i = 0; i < 20; i++) {
    await producer.send({ topic: 'history', acks: -1, messages: Array.from({ length: 100 }, (_, j) => ({ key: `k${(i * 100 + j) % 7}`, value: `record ${i * 100 + j} ${'x'.repeat(80)}`, timestamp: String(t0 + i * 100 + j) })) });
  }
  await producer.disconnect();
  const parts = broker.broker.topics.get('history')!.partitions;
  // Uploaded, confirmed, and then deleted locally: the local log starts well after 0.
  await eventually(() => parts.every((p) => p.log.logStartOffset > 0 && p.log.segmentCount <= 2), 30_000, 'local segments replaced by remote ones');
  const remote = parts.map((p) => broker.broker.tier.loaded('history', p.index)!);
  for (const [i, r] of remote.entries()) {
    expect(r.remoteStartOffset).toBe(0);
    expect(r.uploadedUpTo).toBeGreaterThanOrEqual(parts[i]!.log.logStartOffset); // nothing deleted before it was uploaded
    for (const s of r.manifest.segments) expect(s.xxhash64).toMatch(/^[0-9a-f]{16}$/);
  }
  const check = (got: EachMessagePayload[]): void => {
    const values = got.map((p) => Number(p.message.value!.toString().split(' ')[1]));
    expect(new Set(values).size).toBe(2000);
    for (const p of [0, 1]) {
      const offsets = got.filter((g) => g.partition === p).map((g) => Number(g.message.offset));
      expect(offsets).toEqual(offsets.map((_, i) => i)); // from 0, contiguous, through the tier
    }
  };
  const all = await consumeAll(broker.address, 'history', 2000);
  check(all);
  if (hasKcat) expect(await kcatCount(broker.address, 'history')).toBe(2000);
  const admin2 = kafka.admin();
  await admin2.connect();
  const low = await admin2.fetchTopicOffsets('history');
  expect(low.map((o) => o.low)).toEqual(['0', '0']); // earliest counts remote segments
  // ListOffsets by timestamp finds records that now exist only in the tier: for a time early
  // in the history, each partition answers the offset of its first record at or after it.
  for (const target of [t0 + 150, t0 + 1234]) {
    const byTime = await admin2.fetchTopicOffsetsByTimestamp('history', target);
    for (const p of [0, 1]) {
      const expected = Math.min(...all.filter((g) => g.partition === p && Number(g.message.timestamp) >= target).map((g) => Number(g.message.offset)));
      expect(expected).toBeLessThan(parts[p]!.log.logStartOffset); // only in the tier
      expect(byTime.find((o) => o.partition === p)?.offset).toBe(String(expected));
    }
  }
  // The admin API's offset resets see the tier too: earliest is 0, a time maps into it.
  const reset = async (to: string, value?: number): Promise<Array<{ partition: number; committed: number }>> => {
    const r = await fetch(`http://${broker.adminAddress}/api/v1/groups/tier-reset/reset-offsets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'history', to, value }) });
    expect(r.status).toBe(200);
    return ((await r.json()) as { offsets: Array<{ partition: number; committed: number }> }).offsets.sort((a, b) => a.partition - b.partition);
  };
  expect((await reset('earliest')).map((o) => o.committed)).toEqual([0, 0]);
  const byTimeReset = await reset('timestamp', t0 + 1234);
  for (const p of [0, 1]) {
    expect(byTimeReset[p]!.committed).toBe(Math.min(...all.filter((g) => g.partition === p && Number(g.message.timestamp) >= t0 + 1234).map((g) => Number(g.message.offset))));
  }
  await admin2.disconnect();
  // Restart: the manifests come back from the object store.
  await broker.close();
  broker = await testBroker(dataDir, { tierIntervalMs: 100, ...options });
  await eventually(() => broker.broker.tier.loaded('history', 0) !== undefined, 10_000, 'manifest loaded after restart');
  check(await consumeAll(broker.address, 'history', 2000));
  expect(broker.broker.metrics.tier).toBeDefined();
  const text = await broker.broker.metrics.text();
  expect(text).toMatch(/^strata_tier_segments_uploaded_total \d+/m);
  await broker.close();
}

describe('tiered storage', () => {
  it('local-directory object store (the embedded default)', async () => {
    await run('local', {});
    expect(readdirSync(join(work, 'local', '__remote')).length).toBeGreaterThan(0);
  });

  it('S3 as the object store (s3rver, or MinIO in CI)', async () => {
    await run('s3', { s3Endpoint: s3.endpoint, s3Bucket: s3.bucket, s3Prefix: 'cluster-a/', s3ForcePathStyle: true });
  });
});
