// The broker at the protocol level, through the project's own client (generated codecs):
// version negotiation, unsupported APIs, idempotence edge cases, acks=0, configs, and
// what happens to malformed, oversized and unread traffic.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/server/start.js';
import { RawClient } from '../../src/client/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/error-codes.js';
import { defaultApiVersionsRequest, writeApiVersionsRequest } from '../../src/protocol/generated/api-versions-request.js';
import { readApiVersionsResponse } from '../../src/protocol/generated/api-versions-response.js';
import { defaultProduceRequest, writeProduceRequest } from '../../src/protocol/generated/produce-request.js';
import { readProduceResponse } from '../../src/protocol/generated/produce-response.js';
import { defaultMetadataRequest, writeMetadataRequest } from '../../src/protocol/generated/metadata-request.js';
import { readMetadataResponse } from '../../src/protocol/generated/metadata-response.js';
import { writeIncrementalAlterConfigsRequest } from '../../src/protocol/generated/incremental-alter-configs-request.js';
import { readIncrementalAlterConfigsResponse } from '../../src/protocol/generated/incremental-alter-configs-response.js';
import { writeDescribeConfigsRequest } from '../../src/protocol/generated/describe-configs-request.js';
import { readDescribeConfigsResponse } from '../../src/protocol/generated/describe-configs-response.js';
import { writeCreateTopicsRequest } from '../../src/protocol/generated/create-topics-request.js';
import { readCreateTopicsResponse } from '../../src/protocol/generated/create-topics-response.js';
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.js';
import { testBroker, eventually } from '../helpers/broker.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let running: RunningBroker;
let dataDir: string;
let client: RawClient;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'strata-proto-'));
  running = await testBroker(dataDir, { socketRequestMaxBytes: 1024 * 1024 });
  client = await RawClient.connect(running.host, running.port);
});

afterAll(async () => {
  client.close();
  await running.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function apiVersions(c: RawClient, version: number) {
  return readApiVersionsResponse(await c.request(ApiKey.ApiVersions, version, (w) => writeApiVersionsRequest(w, version, { ...defaultApiVersionsRequest(), clientSoftwareName: 'strata-test', clientSoftwareVersion: '1' })), version);
}

async function produce(topic: string, batch: Buffer, version = 9, acks = -1) {
  const req = { ...defaultProduceRequest(), acks, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] };
  const r = await client.request(ApiKey.Produce, version, (w) => writeProduceRequest(w, version, req), acks !== 0);
  return acks === 0 ? undefined : readProduceResponse(r, version).responses[0]!.partitionResponses[0]!;
}

/** The versions the broker must advertise (docs/protocol-support.md). */
const ADVERTISED: Record<number, [number, number]> = {
  [ApiKey.Produce]: [0, 12], [ApiKey.Fetch]: [0, 17], [ApiKey.ListOffsets]: [0, 10], [ApiKey.Metadata]: [0, 12],
  [ApiKey.OffsetCommit]: [0, 9], [ApiKey.OffsetFetch]: [0, 9], [ApiKey.FindCoordinator]: [0, 4], [ApiKey.JoinGroup]: [0, 9],
  [ApiKey.Heartbeat]: [0, 4], [ApiKey.LeaveGroup]: [0, 5], [ApiKey.SyncGroup]: [0, 5], [ApiKey.DescribeGroups]: [0, 5],
  [ApiKey.ListGroups]: [0, 5], [ApiKey.ApiVersions]: [0, 4], [ApiKey.CreateTopics]: [2, 7], [ApiKey.DeleteTopics]: [1, 6],
  [ApiKey.InitProducerId]: [0, 5], [ApiKey.DescribeConfigs]: [1, 4], [ApiKey.CreatePartitions]: [0, 3], [ApiKey.DeleteGroups]: [0, 2],
  [ApiKey.IncrementalAlterConfigs]: [0, 1], [ApiKey.DescribeCluster]: [0, 1], [ApiKey.AlterConfigs]: [0, 2],
  [ApiKey.SaslHandshake]: [0, 1], [ApiKey.SaslAuthenticate]: [0, 2], [ApiKey.DescribeUserScramCredentials]: [0, 0], [ApiKey.AlterUserScramCredentials]: [0, 0],
  [ApiKey.DescribeAcls]: [0, 3], [ApiKey.CreateAcls]: [0, 3], [ApiKey.DeleteAcls]: [0, 3], [ApiKey.DescribeClientQuotas]: [0, 1], [ApiKey.AlterClientQuotas]: [0, 1],
  [ApiKey.OffsetDelete]: [0, 0], [ApiKey.DescribeLogDirs]: [0, 4], [ApiKey.OffsetForLeaderEpoch]: [0, 4], [ApiKey.DeleteRecords]: [0, 2], [ApiKey.DescribeProducers]: [0, 0], [ApiKey.ConsumerGroupHeartbeat]: [0, 1], [ApiKey.ConsumerGroupDescribe]: [0, 0],
  [ApiKey.AddPartitionsToTxn]: [0, 5], [ApiKey.AddOffsetsToTxn]: [0, 4], [ApiKey.EndTxn]: [0, 5], [ApiKey.TxnOffsetCommit]: [0, 5],
  [ApiKey.DescribeTransactions]: [0, 0], [ApiKey.ListTransactions]: [0, 1],
};

describe('version negotiation', () => {
  it('advertises exactly the implemented APIs and versions', async () => {
    for (const v of [0, 3, 4]) {
      const res = await apiVersions(client, v);
      expect(res.errorCode).toBe(0);
      const got = Object.fromEntries(res.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
      expect(got).toEqual(ADVERTISED);
    }
  });

  it('answers an unknown ApiVersions version in v0 with UNSUPPORTED_VERSION and the list', async () => {
    const r = await client.request(ApiKey.ApiVersions, 99, () => undefined);
    const res = readApiVersionsResponse(r, 0);
    expect(res.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(res.apiKeys.length).toBe(Object.keys(ADVERTISED).length);
  });

  it('answers unknown API keys and versions with UNSUPPORTED_VERSION and keeps the connection', async () => {
    for (const [key, version] of [[1000, 0], [ApiKey.Fetch, 99], [ApiKey.CreateTopics, 0], [57, 0]] as const) {
      const r = await client.request(key, version, () => undefined);
      expect(r.int16()).toBe(ErrorCode.UNSUPPORTED_VERSION);
    }
    expect((await apiVersions(client, 3)).errorCode).toBe(0);
  });

  it('answers Produce v0-2 with UNSUPPORTED_VERSION per partition, as Kafka 4 does', async () => {
    const p = await produce('legacy', buildRecordBatch([{ value: Buffer.from('x') }]), 2);
    expect(p!.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });
});

describe('produce semantics', () => {
  const idem = (seq: number, epoch = 0, pid = 77n) => buildRecordBatch([{ value: Buffer.from(`s${seq}`) }, { value: Buffer.from(`s${seq + 1}`) }], { producerId: pid, producerEpoch: epoch, baseSequence: seq });

  it('answers a duplicate idempotent batch with its original offset, a gap with OUT_OF_ORDER_SEQUENCE_NUMBER, an old epoch with INVALID_PRODUCER_EPOCH', async () => {
    const first = await produce('idem', idem(0));
    expect(first!.errorCode).toBe(0);
    const second = await produce('idem', idem(2));
    expect(second!.baseOffset).toBe(first!.baseOffset + 2);
    const dup = await produce('idem', idem(2));
    expect(dup).toMatchObject({ errorCode: 0, baseOffset: second!.baseOffset });
    const gap = await produce('idem', idem(10));
    expect(gap!.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const bumped = await produce('idem', idem(0, 1));
    expect(bumped!.errorCode).toBe(0);
    const fenced = await produce('idem', idem(4, 0));
    expect(fenced!.errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    const meta = readMetadataResponse(await client.request(ApiKey.Metadata, 12, (w) => writeMetadataRequest(w, 12, { ...defaultMetadataRequest(), topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'idem' }] })), 12);
    expect(meta.topics[0]!.errorCode).toBe(0);
    expect(running.broker.topics.partition('idem', 0)!.log.logEndOffset).toBe(6); // 3 appends of 2, the duplicate not stored
  });

  it('sends nothing back for acks=0 but stores the batch', async () => {
    await produce('fire', buildRecordBatch([{ value: Buffer.from('and forget') }]), 9, 0);
    await eventually(() => running.broker.topics.partition('fire', 0)?.log.logEndOffset === 1, 5000, 'acks=0 batch stored');
    expect((await apiVersions(client, 3)).errorCode).toBe(0); // the connection is in order
  });

  it('rejects corrupt batches with CORRUPT_MESSAGE and keeps serving', async () => {
    const b = buildRecordBatch([{ value: Buffer.from('hello') }]);
    b[b.length - 1]! ^= 0xff;
    expect((await produce('corrupt', b))!.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect((await produce('corrupt', buildRecordBatch([{ value: Buffer.from('fine') }])))!.errorCode).toBe(0);
  });
});

describe('topic configs', () => {
  it('sets and deletes configs with IncrementalAlterConfigs and refuses bad values', async () => {
    const created = readCreateTopicsResponse(await client.request(ApiKey.CreateTopics, 7, (w) => writeCreateTopicsRequest(w, 7, { topics: [{ name: 'cfg', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false })), 7);
    expect(created.topics[0]!.errorCode).toBe(0);
    const alter = async (ops: Array<{ name: string; configOperation: number; value: string | null }>) =>
      readIncrementalAlterConfigsResponse(await client.request(ApiKey.IncrementalAlterConfigs, 1, (w) => writeIncrementalAlterConfigsRequest(w, 1, { resources: [{ resourceType: 2, resourceName: 'cfg', configs: ops }], validateOnly: false })), 1).responses[0]!;
    expect((await alter([{ name: 'retention.ms', configOperation: 0, value: '12345' }, { name: 'segment.bytes', configOperation: 0, value: '1048576' }])).errorCode).toBe(0);
    expect(running.broker.topics.partition('cfg', 0)!.backend.config).toMatchObject({ retentionMs: 12345, segmentBytes: 1048576 });
    expect((await alter([{ name: 'retention.ms', configOperation: 0, value: 'soon' }])).errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect((await alter([{ name: 'cleanup.policy', configOperation: 0, value: 'shred' }])).errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect((await alter([{ name: 'retention.ms', configOperation: 1, value: null }])).errorCode).toBe(0);
    const described = readDescribeConfigsResponse(await client.request(ApiKey.DescribeConfigs, 4, (w) => writeDescribeConfigsRequest(w, 4, { resources: [{ resourceType: 2, resourceName: 'cfg', configurationKeys: ['retention.ms', 'segment.bytes'] }], includeSynonyms: false, includeDocumentation: false })), 4);
    const byName = Object.fromEntries(described.results[0]!.configs.map((c) => [c.name, c]));
    // v1+ report where a value comes from: 5 = default, 1 = set on the topic.
    expect(byName['retention.ms']).toMatchObject({ value: '604800000', configSource: 5 });
    expect(byName['segment.bytes']).toMatchObject({ value: '1048576', configSource: 1 });
  });
});

describe('bad traffic', () => {
  it('closes only the connection that sent a malformed request', async () => {
    const bad = await RawClient.connect(running.host, running.port);
    const frame = Buffer.alloc(4 + 20);
    frame.writeInt32BE(20, 0);
    frame.writeInt16BE(ApiKey.Metadata, 4);
    frame.writeInt16BE(12, 6);
    frame.writeInt32BE(5, 8);
    frame.fill(0xff, 12); // a client id length of -1 then nonsense: the body cannot decode
    const answer = bad.send(frame, 5, ApiKey.Metadata, 12).then(() => 'answered', (e: Error) => e.message);
    expect(await answer).toMatch(/closed/);
    expect((await apiVersions(client, 3)).errorCode).toBe(0);
  });

  it('refuses a frame over socket.request.max.bytes before buffering it', async () => {
    const sock = connect({ host: running.host, port: running.port });
    sock.on('error', () => undefined); // the broker resets it: expected
    await new Promise((r) => sock.once('connect', r));
    const closed = new Promise((r) => sock.once('close', r));
    const head = Buffer.alloc(4);
    head.writeInt32BE(512 * 1024 * 1024, 0); // claims 512 MiB
    sock.write(head);
    sock.write(Buffer.alloc(64 * 1024)); // the broker hangs up without waiting for the rest
    await closed;
    expect((await apiVersions(client, 3)).errorCode).toBe(0);
  });

  it('stops reading from a client that does not read its responses, and keeps serving others', async () => {
    const sock = connect({ host: running.host, port: running.port });
    sock.on('error', () => undefined);
    await new Promise((r) => sock.once('connect', r));
    sock.pause(); // never read
    const one = (corr: number): Buffer => {
      const w = Buffer.alloc(4 + 10 + 4); // length, header v1 (key, version, correlation, null client id), topics
      w.writeInt32BE(w.length - 4, 0);
      w.writeInt16BE(ApiKey.Metadata, 4);
      w.writeInt16BE(1, 6);
      w.writeInt32BE(corr, 8);
      w.writeInt16BE(-1, 12); // null client id
      w.writeInt32BE(-1, 14); // all topics
      return w;
    };
    const batch = Buffer.concat(Array.from({ length: 2000 }, (_, i) => one(i)));
    const rssBefore = process.memoryUsage().rss;
    let maxBrokerBuffered = 0;
    let written = 0;
    // Keep writing requests until our own socket backs up: that only happens once the
    // broker stops reading from us.
    for (let i = 0; i < 3000 && sock.writableLength < 4 * 1024 * 1024; i++) {
      sock.write(batch);
      written += batch.length;
      maxBrokerBuffered = Math.max(maxBrokerBuffered, running.server.bufferedOutputBytes);
      await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 200));
    maxBrokerBuffered = Math.max(maxBrokerBuffered, running.server.bufferedOutputBytes);
    expect(sock.writableLength).toBeGreaterThan(0);
    expect(maxBrokerBuffered).toBeLessThan(48 * 1024 * 1024); // 32 MiB pause threshold plus one read's worth
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(512 * 1024 * 1024);
    expect((await apiVersions(client, 3)).errorCode).toBe(0);
    sock.destroy();
    expect(written).toBeGreaterThan(0);
  });
});
