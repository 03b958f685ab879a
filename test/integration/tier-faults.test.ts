// The tier under S3 faults, at the broker level: a broker whose object store sits behind
// the fault-injecting proxy keeps serving produce and fetch of local data through an
// outage and SlowDown bursts, deletes no local segment before its upload is confirmed,
// opens its breaker and recovers, adapts its PUT rate, and afterwards has every
// acknowledged record readable from offset 0 through the tier. Then total retention
// removes remote segments and moves the earliest offset.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type EachMessagePayload } from 'kafkajs';
import type { RunningBroker } from '../../src/server/start.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { eventually, testBroker } from '../helpers/broker.js';
import { startS3, type TestS3 } from '../helpers/s3.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
let s3: TestS3;
let proxy: FaultProxy;
let work: string;
let broker: RunningBroker;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'strata-tierfault-'));
  s3 = await startS3(work);
  proxy = new FaultProxy(s3.port);
  await proxy.start();
  process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
  broker = await testBroker(join(work, 'data'), {
    s3Endpoint: `http://127.0.0.1:${proxy.port}`, s3Bucket: s3.bucket, s3ForcePathStyle: true, tierIntervalMs: 100,
    tierRetries: 2, tierBackoffMaxMs: 20, tierBreakerFailures: 3, tierBreakerCoolDownMs: 300, tierPutRate: 200,
  });
});

afterAll(async () => {
  await broker.close();
  await proxy.close();
  await s3.close();
  rmSync(work, { recursive: true, force: true });
});

async function consume(topic: string, expected: number): Promise<EachMessagePayload[]> {
  const consumer = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING }).consumer({ groupId: `g-${Math.random()}`, maxWaitTimeInMs: 200, heartbeatInterval: 300 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: EachMessagePayload[] = [];
  await consumer.run({ eachMessage: async (p) => void got.push(p) });
  await eventually(() => got.length >= expected, 60_000, `${expected} from ${topic}`);
  await consumer.disconnect();
  return got;
}

describe('tier under S3 faults', () => {
  it('keeps serving, loses nothing, deletes nothing early, recovers', async () => {
    const kafka = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'faulty', numPartitions: 1, configEntries: [
      { name: 'remote.storage.enable', value: 'true' }, { name: 'segment.bytes', value: '16384' }, { name: 'retention.local.bytes', value: '0' },
    ] }] });
    const producer = kafka.producer();
    await producer.connect();
    const send = async (from: number, n: number): Promise<void> => {
      await producer.send({ topic: 'faulty', acks: -1, messages: Array.from({ length: n }, (_, i) => ({ value: `r${from + i} ${'y'.repeat(100)}` })) });
    };
    const log = broker.broker.topics.partition('faulty', 0)!.log;
    const store = broker.broker.tierStore;

    // An outage: S3 is unreachable. Produce and fetch of local data go on.
    proxy.fault = { kind: 'outage' };
    for (let i = 0; i < 10; i++) await send(i * 100, 100);
    await eventually(() => store.breaker.state === 'open', 10_000, 'breaker open during the outage');
    expect(log.logStartOffset).toBe(0); // nothing uploaded, so nothing deleted
    expect(log.segmentCount).toBeGreaterThan(3);
    expect((await consume('faulty', 1000)).length).toBeGreaterThanOrEqual(1000); // served locally throughout
    expect(broker.broker.tier.backlogBytes()).toBeGreaterThan(0);

    // SlowDown bursts when it comes back: the PUT rate drops, uploads still complete.
    proxy.fault = { kind: 'slowdown', count: 6 };
    await eventually(() => store.breaker.state !== 'open' || proxy.counts.slowdown > 0, 10_000, 'probes after the cool-down');
    await eventually(() => proxy.counts.slowdown >= 6, 20_000, 'the SlowDown burst to be served');
    const lowered = store.buckets.PUT.rate;
    expect(lowered).toBeLessThan(200);
    await eventually(() => log.logStartOffset > 0 && store.breaker.state === 'closed', 30_000, 'uploads done and local copies deleted');
    const remote = broker.broker.tier.loaded('faulty', 0)!;
    expect(remote.uploadedUpTo).toBeGreaterThanOrEqual(log.logStartOffset); // deleted locally only once uploaded
    // The rate goes up 5% after a run of 20 successful PUTs, and how many the backlog still
    // needed after the burst varies: produce more, once the uploads have caught up, until it does.
    let sent = 1000;
    await eventually(async () => {
      if (store.buckets.PUT.rate > lowered) return true;
      if (broker.broker.tier.backlogBytes() === 0 && sent < 4000) {
        await send(sent, 500);
        sent += 500;
      }
      return false;
    }, 60_000, 'the PUT rate to climb back');

    // Every acknowledged record, from offset 0, through the tier.
    const all = await consume('faulty', sent);
    const values = new Set(all.map((p) => p.message.value!.toString().split(' ')[0]));
    expect(values.size).toBe(sent);
    const metrics = await broker.broker.metrics.text();
    expect(metrics).toMatch(/^strata_tier_rejected_total\{op="PUT"\} [1-9]/m);
    expect(metrics).toMatch(/^strata_tier_requests_total\{op="PUT",outcome="throttled"\} [1-9]/m);

    // Total retention: keep ~32 KiB; older remote segments go, the earliest offset moves.
    await broker.broker.topics.setConfigs('faulty', { ...broker.broker.topics.get('faulty')!.record.configs, 'retention.bytes': '32768' });
    await eventually(() => (remote.remoteStartOffset ?? 0) > 0, 20_000, 'remote retention to delete old segments');
    const earliest = await admin.fetchTopicOffsets('faulty');
    expect(Number(earliest[0]!.low)).toBe(remote.remoteStartOffset);
    await producer.disconnect();
    await admin.disconnect();
  });

  it('a restart resumes uploads that an outage held back', async () => {
    const dataDir = join(work, 'resume');
    const options = { s3Bucket: s3.bucket, s3ForcePathStyle: true, tierIntervalMs: 100, tierRetries: 1, tierBackoffMaxMs: 10, tierBreakerFailures: 2, tierBreakerCoolDownMs: 200 };
    proxy.fault = { kind: 'outage' };
    let b = await testBroker(dataDir, { ...options, s3Endpoint: `http://127.0.0.1:${proxy.port}` });
    const kafka = new Kafka({ brokers: [b.address], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'pending', configEntries: [
      { name: 'remote.storage.enable', value: 'true' }, { name: 'segment.bytes', value: '16384' }, { name: 'retention.local.bytes', value: '0' },
    ] }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < 5; i++) await producer.send({ topic: 'pending', acks: -1, messages: Array.from({ length: 100 }, (_, j) => ({ value: `p${i * 100 + j} ${'z'.repeat(100)}` })) });
    await producer.disconnect();
    await new Promise((r) => setTimeout(r, 500));
    expect(b.broker.topics.partition('pending', 0)!.log.logStartOffset).toBe(0); // nothing could be uploaded
    expect(b.broker.tier.backlogBytes()).toBeGreaterThan(0);
    await b.close();
    proxy.fault = { kind: 'none' };
    b = await testBroker(dataDir, { ...options, s3Endpoint: s3.endpoint }); // straight to the store this time
    const log = b.broker.topics.partition('pending', 0)!.log;
    await eventually(() => log.logStartOffset > 0 && b.broker.tier.backlogBytes() === 0, 30_000, 'pending uploads to finish after the restart');
    const consumer = new Kafka({ brokers: [b.address], logLevel: logLevel.NOTHING }).consumer({ groupId: 'resume', maxWaitTimeInMs: 200, heartbeatInterval: 300 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'pending', fromBeginning: true });
    const seen = new Set<string>();
    await consumer.run({ eachMessage: async (p) => void seen.add(p.message.value!.toString().split(' ')[0]!) });
    await eventually(() => seen.size >= 500, 30_000, 'all 500 from offset 0');
    await consumer.disconnect();
    await b.close();
  });
});
