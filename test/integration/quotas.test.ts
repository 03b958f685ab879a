// Client quotas with a real client: a produce quota of 1 MB/s set with AlterClientQuotas
// holds a kafkajs producer that sends as fast as it can to within 10% of 1 MB/s over 20 s,
// while another client id beside it is not slowed. Over-quota answers carry
// throttle_time_ms and the connection is muted for that time; fetch is held to
// consumer_byte_rate the same way. Quotas are described back and survive a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../src/client/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { defaultAlterClientQuotasRequest, writeAlterClientQuotasRequest } from '../../src/protocol/generated/alter-client-quotas-request.js';
import { readAlterClientQuotasResponse } from '../../src/protocol/generated/alter-client-quotas-response.js';
import { defaultDescribeClientQuotasRequest, writeDescribeClientQuotasRequest } from '../../src/protocol/generated/describe-client-quotas-request.js';
import { readDescribeClientQuotasResponse } from '../../src/protocol/generated/describe-client-quotas-response.js';
import { defaultFetchRequest, writeFetchRequest } from '../../src/protocol/generated/fetch-request.js';
import { readFetchResponse } from '../../src/protocol/generated/fetch-response.js';
import { defaultProduceRequest, writeProduceRequest } from '../../src/protocol/generated/produce-request.js';
import { readProduceResponse } from '../../src/protocol/generated/produce-response.js';
import type { RunningBroker } from '../../src/server/start.js';
import { testBroker } from '../helpers/broker.js';
import { batchFor } from '../helpers/batches.js';

const MB = 1_000_000;

async function alterQuota(c: RawClient, entity: Array<{ entityType: string; entityName: string | null }>, key: string, value: number | null) {
  const body = { ...defaultAlterClientQuotasRequest(), entries: [{ entity, ops: [{ key, value: value ?? 0, remove: value === null }] }] };
  return readAlterClientQuotasResponse(await c.request(ApiKey.AlterClientQuotas, 1, (w) => writeAlterClientQuotasRequest(w, 1, body)), 1);
}

async function describeQuotas(c: RawClient) {
  const body = { ...defaultDescribeClientQuotasRequest(), components: [{ entityType: 'client-id', matchType: 2, match: null }] };
  return readDescribeClientQuotasResponse(await c.request(ApiKey.DescribeClientQuotas, 1, (w) => writeDescribeClientQuotasRequest(w, 1, body)), 1);
}

describe('client quotas', () => {
  let running: RunningBroker;
  let dir: string;
  let admin: RawClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-quotas-'));
    running = await testBroker(dir);
    admin = await RawClient.connect('127.0.0.1', running.port, 'quota-admin');
  });
  afterAll(async () => {
    admin?.close();
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('validates changes as Kafka does and describes what is set', async () => {
    expect((await alterQuota(admin, [{ entityType: 'client-id', entityName: 'x' }], 'no_such_quota', 5)).entries[0]!.errorCode).toBe(42);
    expect((await alterQuota(admin, [{ entityType: 'client-id', entityName: 'x' }], 'producer_byte_rate', -1)).entries[0]!.errorCode).toBe(42);
    expect((await alterQuota(admin, [{ entityType: 'ip', entityName: '10.0.0.1' }], 'producer_byte_rate', 5)).entries[0]!.errorCode).toBe(42);
    expect((await alterQuota(admin, [{ entityType: 'client-id', entityName: 'tenant-a' }], 'producer_byte_rate', MB)).entries[0]!.errorCode).toBe(0);
    expect((await alterQuota(admin, [{ entityType: 'client-id', entityName: null }], 'request_percentage', 400)).entries[0]!.errorCode).toBe(0);
    const described = await describeQuotas(admin);
    expect(described.errorCode).toBe(0);
    const entries = described.entries!.map((e) => [e.entity.map((x) => `${x.entityType}=${x.entityName}`).join(','), e.values.map((v) => `${v.key}=${v.value}`).join(',')]).sort();
    expect(entries).toEqual([['client-id=null', 'request_percentage=400'], ['client-id=tenant-a', `producer_byte_rate=${MB}`]]);
    expect((await alterQuota(admin, [{ entityType: 'client-id', entityName: null }], 'request_percentage', null)).entries[0]!.errorCode).toBe(0);
    expect((await describeQuotas(admin)).entries).toHaveLength(1);
  });

  it('holds a producer to 1 MB/s within 10% over 20 s, and leaves another client at full speed', async () => {
    const value = Buffer.alloc(10_000, 7);
    const run = async (clientId: string, seconds: number): Promise<number> => {
      const kafka = new Kafka({ clientId, brokers: [`127.0.0.1:${running.port}`], logLevel: logLevel.NOTHING });
      const producer = kafka.producer({ allowAutoTopicCreation: true });
      await producer.connect();
      let bytes = 0;
      const started = Date.now();
      try {
        while (Date.now() - started < seconds * 1000) {
          await producer.send({ topic: `quota-${clientId}`, acks: -1, messages: Array.from({ length: 10 }, () => ({ value })) });
          bytes += 10 * value.length;
        }
        return bytes / ((Date.now() - started) / 1000);
      } finally {
        await producer.disconnect();
      }
    };
    const [limited, free] = await Promise.all([run('tenant-a', 20), run('tenant-b', 5)]);
    process.stderr.write(`quota test: limited ${(limited / MB).toFixed(3)} MB/s, free ${(free / MB).toFixed(1)} MB/s\n`);
    expect(limited).toBeGreaterThan(0.9 * MB);
    expect(limited).toBeLessThan(1.1 * MB);
    // The other tenant is not held back (it ran beside the limited one for 5 s).
    expect(free).toBeGreaterThan(3 * MB);
  }, 60_000);

  it('answers an over-quota request with throttle_time_ms at once and mutes the connection for it', async () => {
    expect((await alterQuota(admin, [{ entityType: 'client-id', entityName: 'slow-consumer' }], 'consumer_byte_rate', 100_000)).entries[0]!.errorCode).toBe(0);
    expect((await alterQuota(admin, [{ entityType: 'client-id', entityName: 'slow-producer' }], 'producer_byte_rate', 100_000)).entries[0]!.errorCode).toBe(0);
    const producer = await RawClient.connect('127.0.0.1', running.port, 'slow-producer');
    const consumer = await RawClient.connect('127.0.0.1', running.port, 'slow-consumer');
    try {
      const produce = async () => readProduceResponse(await producer.request(ApiKey.Produce, 9, (w) => writeProduceRequest(w, 9, {
        ...defaultProduceRequest(), acks: -1, timeoutMs: 5000, topicData: [{ name: 'quota-fetch', partitionData: [{ index: 0, records: batchFor(1, 40, 10_000) }] }],
      })), 9);
      const first = await produce(); // ~400 kB against 100 kB/s with a 100 kB burst: ~3 s to wait
      expect(first.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
      expect(first.throttleTimeMs).toBeGreaterThan(2_000);
      expect(first.throttleTimeMs).toBeLessThan(4_000);
      const sent = Date.now();
      await produce();
      expect(Date.now() - sent).toBeGreaterThanOrEqual(first.throttleTimeMs - 50); // not read until the mute ended
      const fetch = async () => readFetchResponse(await consumer.request(ApiKey.Fetch, 12, (w) => writeFetchRequest(w, 12, {
        ...defaultFetchRequest(), maxWaitMs: 0, minBytes: 1, maxBytes: 10 * MB,
        topics: [{ topic: 'quota-fetch', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 10 * MB, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
      })), 12);
      const fetched = await fetch();
      expect(fetched.responses[0]!.partitions[0]!.records!.length).toBeGreaterThan(700_000);
      expect(fetched.throttleTimeMs).toBeGreaterThan(5_000);
    } finally {
      producer.close();
      consumer.close();
    }
  }, 30_000);

  it('keeps quotas across a restart', async () => {
    admin.close();
    await running.close();
    running = await testBroker(dir);
    admin = await RawClient.connect('127.0.0.1', running.port, 'quota-admin');
    const names = (await describeQuotas(admin)).entries!.map((e) => e.entity[0]!.entityName).sort();
    expect(names).toEqual(['slow-consumer', 'slow-producer', 'tenant-a']);
  });
});
