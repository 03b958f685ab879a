// Every API that names topics and partitions validates them as Kafka does: an unknown
// topic, a partition past the end, a negative partition and an empty name each get the
// error Kafka 4 answers (checked against its KafkaApis, ConfigHelper and controller
// validator: an empty name is INVALID_TOPIC_EXCEPTION where Kafka validates the name,
// INVALID_REQUEST for config changes, else simply unknown), nothing is stored or created
// for them, and the connection lives on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/server/start.js';
import { RawClient } from '../../src/client/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/error-codes.js';
import { defaultProduceRequest, writeProduceRequest } from '../../src/protocol/generated/produce-request.js';
import { readProduceResponse } from '../../src/protocol/generated/produce-response.js';
import { defaultFetchRequest, writeFetchRequest } from '../../src/protocol/generated/fetch-request.js';
import { readFetchResponse } from '../../src/protocol/generated/fetch-response.js';
import { defaultListOffsetsRequest, writeListOffsetsRequest } from '../../src/protocol/generated/list-offsets-request.js';
import { readListOffsetsResponse } from '../../src/protocol/generated/list-offsets-response.js';
import { defaultOffsetCommitRequest, writeOffsetCommitRequest } from '../../src/protocol/generated/offset-commit-request.js';
import { readOffsetCommitResponse } from '../../src/protocol/generated/offset-commit-response.js';
import { defaultOffsetFetchRequest, writeOffsetFetchRequest } from '../../src/protocol/generated/offset-fetch-request.js';
import { readOffsetFetchResponse } from '../../src/protocol/generated/offset-fetch-response.js';
import { defaultMetadataRequest, writeMetadataRequest } from '../../src/protocol/generated/metadata-request.js';
import { readMetadataResponse } from '../../src/protocol/generated/metadata-response.js';
import { writeDescribeConfigsRequest } from '../../src/protocol/generated/describe-configs-request.js';
import { readDescribeConfigsResponse } from '../../src/protocol/generated/describe-configs-response.js';
import { defaultDeleteTopicsRequest, writeDeleteTopicsRequest } from '../../src/protocol/generated/delete-topics-request.js';
import { readDeleteTopicsResponse } from '../../src/protocol/generated/delete-topics-response.js';
import { writeCreatePartitionsRequest } from '../../src/protocol/generated/create-partitions-request.js';
import { readCreatePartitionsResponse } from '../../src/protocol/generated/create-partitions-response.js';
import { writeIncrementalAlterConfigsRequest } from '../../src/protocol/generated/incremental-alter-configs-request.js';
import { readIncrementalAlterConfigsResponse } from '../../src/protocol/generated/incremental-alter-configs-response.js';
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.js';
import { testBroker } from '../helpers/broker.js';

let running: RunningBroker;
let dataDir: string;
let client: RawClient;
const TOPIC = 'known';

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'strata-names-'));
  // No auto-creation, so an unknown topic stays unknown for every API.
  running = await testBroker(dataDir, { autoCreateTopics: false });
  await running.broker.topics.create(TOPIC, 1, {});
  client = await RawClient.connect(running.host, running.port);
});

afterAll(async () => {
  client.close();
  await running.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const UNKNOWN = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
const INVALID = ErrorCode.INVALID_TOPIC_EXCEPTION;

/** A topic name and partition an API is asked about, and what it must answer. */
interface Case { what: string; topic: string; partition: number }
const cases: Case[] = [
  { what: 'an unknown topic', topic: 'no-such-topic', partition: 0 },
  { what: 'a partition past the end', topic: TOPIC, partition: 7 },
  { what: 'a negative partition', topic: TOPIC, partition: -1 },
  { what: 'an empty topic name', topic: '', partition: 0 },
];

/** Per API: the error code of its answer about (topic, partition). */
const partitionApis: Record<string, { call: (topic: string, partition: number) => Promise<number>; expected: (c: Case) => number }> = {
  Produce: {
    async call(topic, partition) {
      const v = 9;
      const req = { ...defaultProduceRequest(), acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records: buildRecordBatch([{ value: Buffer.from('x') }]) }] }] };
      return readProduceResponse(await client.request(ApiKey.Produce, v, (w) => writeProduceRequest(w, v, req)), v).responses[0]!.partitionResponses[0]!.errorCode;
    },
    expected: () => UNKNOWN,
  },
  Fetch: {
    async call(topic, partition) {
      const v = 12;
      const req = {
        ...defaultFetchRequest(), maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20,
        topics: [{ topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
      };
      return readFetchResponse(await client.request(ApiKey.Fetch, v, (w) => writeFetchRequest(w, v, req)), v).responses[0]!.partitions[0]!.errorCode;
    },
    expected: () => UNKNOWN,
  },
  ListOffsets: {
    async call(topic, partition) {
      const v = 7;
      const req = { ...defaultListOffsetsRequest(), topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 }] }] };
      return readListOffsetsResponse(await client.request(ApiKey.ListOffsets, v, (w) => writeListOffsetsRequest(w, v, req)), v).topics[0]!.partitions[0]!.errorCode;
    },
    expected: () => UNKNOWN,
  },
  OffsetCommit: {
    async call(topic, partition) {
      const v = 8;
      const req = { ...defaultOffsetCommitRequest(), groupId: 'names-g', generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: topic, partitions: [{ partitionIndex: partition, committedOffset: 5, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }] };
      return readOffsetCommitResponse(await client.request(ApiKey.OffsetCommit, v, (w) => writeOffsetCommitRequest(w, v, req)), v).topics[0]!.partitions[0]!.errorCode;
    },
    expected: () => UNKNOWN,
  },
};

/** Per API: the error code of its answer about a topic. */
const topicApis: Record<string, { call: (topic: string) => Promise<number>; expected: (c: Case) => number }> = {
  Metadata: {
    async call(topic) {
      const v = 12;
      const req = { ...defaultMetadataRequest(), topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: topic }], allowAutoTopicCreation: false };
      return readMetadataResponse(await client.request(ApiKey.Metadata, v, (w) => writeMetadataRequest(w, v, req)), v).topics[0]!.errorCode;
    },
    expected: (c) => (c.topic === '' ? INVALID : UNKNOWN),
  },
  DescribeConfigs: {
    async call(topic) {
      const v = 4;
      const req = { resources: [{ resourceType: 2, resourceName: topic, configurationKeys: null }], includeSynonyms: false, includeDocumentation: false };
      return readDescribeConfigsResponse(await client.request(ApiKey.DescribeConfigs, v, (w) => writeDescribeConfigsRequest(w, v, req)), v).results[0]!.errorCode;
    },
    expected: (c) => (c.topic === '' ? INVALID : UNKNOWN),
  },
  IncrementalAlterConfigs: {
    async call(topic) {
      const v = 1;
      const req = { resources: [{ resourceType: 2, resourceName: topic, configs: [{ name: 'retention.ms', configOperation: 0, value: '1000' }] }], validateOnly: false };
      return readIncrementalAlterConfigsResponse(await client.request(ApiKey.IncrementalAlterConfigs, v, (w) => writeIncrementalAlterConfigsRequest(w, v, req)), v).responses[0]!.errorCode;
    },
    // Kafka's controller: "Default topic resources are not allowed."
    expected: (c) => (c.topic === '' ? ErrorCode.INVALID_REQUEST : UNKNOWN),
  },
  CreatePartitions: {
    async call(topic) {
      const v = 3;
      const req = { topics: [{ name: topic, count: 3, assignments: null }], timeoutMs: 5000, validateOnly: true };
      return readCreatePartitionsResponse(await client.request(ApiKey.CreatePartitions, v, (w) => writeCreatePartitionsRequest(w, v, req)), v).results[0]!.errorCode;
    },
    // Looked up by name, as Kafka's controller does: no such topic.
    expected: () => UNKNOWN,
  },
  DeleteTopics: {
    async call(topic) {
      const v = 6;
      const req = { ...defaultDeleteTopicsRequest(), topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], timeoutMs: 5000 };
      return readDeleteTopicsResponse(await client.request(ApiKey.DeleteTopics, v, (w) => writeDeleteTopicsRequest(w, v, req)), v).responses[0]!.errorCode;
    },
    expected: () => UNKNOWN,
  },
};

describe('topic names and partition indexes', () => {
  for (const [api, spec] of Object.entries(partitionApis)) {
    for (const c of cases) {
      it(`${api} answers ${c.what} with UNKNOWN_TOPIC_OR_PARTITION`, async () => {
        expect(await spec.call(c.topic, c.partition)).toBe(spec.expected(c));
      });
    }
  }
  for (const [api, spec] of Object.entries(topicApis)) {
    for (const c of cases.filter((x) => x.topic !== TOPIC)) {
      it(`${api} answers ${c.what}`, async () => {
        expect(await spec.call(c.topic)).toBe(spec.expected(c));
      });
    }
  }

  /** The admin HTTP API: unknown topics and partitions are 404 UNKNOWN_TOPIC_OR_PARTITION. */
  const admin = async (method: string, path: string, body?: unknown): Promise<{ status: number; error?: string }> => {
    const r = await fetch(`http://127.0.0.1:${running.adminPort}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await r.json()) as { error?: { code?: string } };
    return { status: r.status, error: json.error?.code };
  };
  const adminCases: Array<[string, string, string, unknown?]> = [
    ['describes an unknown topic', 'GET', '/api/v1/topics/no-such-topic'],
    ['lists the partitions of an unknown topic', 'GET', '/api/v1/topics/no-such-topic/partitions'],
    ['alters an unknown topic', 'PATCH', '/api/v1/topics/no-such-topic', { configs: { 'retention.ms': '1000' } }],
    ['deletes an unknown topic', 'DELETE', '/api/v1/topics/no-such-topic'],
    ['grows an unknown topic', 'POST', '/api/v1/topics/no-such-topic/partitions', { count: 3 }],
    ['resets offsets of an unknown topic', 'POST', '/api/v1/groups/names-g/reset-offsets', { topic: 'no-such-topic', to: 'earliest' }],
    ['resets offsets of a partition past the end', 'POST', '/api/v1/groups/names-g/reset-offsets', { topic: TOPIC, to: 'earliest', partitions: [7] }],
    ['resets offsets of a negative partition', 'POST', '/api/v1/groups/names-g/reset-offsets', { topic: TOPIC, to: 'earliest', partitions: [-1] }],
  ];
  for (const [what, method, path, body] of adminCases) {
    it(`the admin API ${what}: 404 UNKNOWN_TOPIC_OR_PARTITION`, async () => {
      expect(await admin(method, path, body)).toEqual({ status: 404, error: 'UNKNOWN_TOPIC_OR_PARTITION' });
    });
  }

  it('stored nothing and created nothing for any of them', async () => {
    const v = 8;
    const req = { ...defaultOffsetFetchRequest(), groups: [{ groupId: 'names-g', memberId: null, memberEpoch: -1, topics: null }] };
    const fetched = readOffsetFetchResponse(await client.request(ApiKey.OffsetFetch, v, (w) => writeOffsetFetchRequest(w, v, req)), v);
    expect(fetched.groups[0]!.topics).toEqual([]);
    expect(running.broker.topics.get('no-such-topic')).toBeUndefined();
    expect(running.broker.topics.get(TOPIC)!.partitions.length).toBe(1);
    expect(client.closed).toBe(false);
  });
});
