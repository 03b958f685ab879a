// Captures the exact response bytes a broker gives to a fixed script of requests, into
// test/protocol/fixtures/responses.json. test/protocol/golden-responses.test.ts replays
// the same request bytes against the current build and compares byte for byte, so a
// refactoring that changes any wire output fails. Recapture only on purpose:
//
//   npm run build && node scripts/capture-response-fixtures.mjs
//
// Everything that would vary between runs is pinned: the data directory is seeded with a
// fixed cluster id and topic id, the advertised address is fixed, batches carry fixed
// timestamps, and no request creates a topic id or a group member id the response shows.
import { connect } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (p) => import(join(root, 'dist', p));

export const GOLDEN_CLUSTER = {
  clusterId: 'c3RyYXRhLWdvbGRlbi1jbHVzdGVy',
  producerIdHighWater: 0,
  topics: [{ name: 'golden', id: Buffer.alloc(16, 7).toString('base64url'), partitions: 2, configs: {} }],
};
export const GOLDEN_BROKER = { nodeId: 1, advertisedHost: 'golden.example', advertisedPort: 19092, autoCreateTopics: true, defaultPartitions: 1 };

/** Seeds a data directory as the fixture expects it. */
export function seedDataDir(dataDir, fs) {
  fs.mkdirSync(join(dataDir, '__strata_meta'), { recursive: true });
  fs.writeFileSync(join(dataDir, '__strata_meta', 'cluster.json'), JSON.stringify(GOLDEN_CLUSTER, null, 1));
}

async function buildRequests() {
  const { ApiKey } = await dist('src/protocol/generated/api-keys.js');
  const { buildRecordBatch } = await dist('src/protocol/records/batch-builder.js');
  const g = async (name) => dist(`src/protocol/generated/${name}.js`);
  const produce = await g('produce-request');
  const fetch = await g('fetch-request');
  const listOffsets = await g('list-offsets-request');
  const metadata = await g('metadata-request');
  const createTopics = await g('create-topics-request');
  const describeConfigs = await g('describe-configs-request');
  const offsetCommit = await g('offset-commit-request');
  const offsetFetch = await g('offset-fetch-request');
  const createPartitions = await g('create-partitions-request');
  const deleteTopics = await g('delete-topics-request');
  const describeGroups = await g('describe-groups-request');
  const listGroups = await g('list-groups-request');
  const initPid = await g('init-producer-id-request');
  const findCoordinator = await g('find-coordinator-request');
  const describeCluster = await g('describe-cluster-request');
  const apiVersions = await g('api-versions-request');
  const batch = (id, n) => buildRecordBatch(Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`k${id}`), value: Buffer.from(`value-${id}-${i}`), timestamp: 1_700_000_000_000 + id * 10 + i })));
  const produceReq = (topic, partition, records, acks = -1) => ({
    ...produce.defaultProduceRequest(), acks, timeoutMs: 5000,
    topicData: [{ ...produce.defaultTopicProduceData(), name: topic, partitionData: [{ ...produce.defaultPartitionProduceData(), index: partition, records }] }],
  });
  const fetchReq = (topic, partitions, extra = {}) => ({
    ...fetch.defaultFetchRequest(), maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, ...extra,
    topics: [{ ...fetch.defaultFetchTopic(), topic, partitions: partitions.map(([partition, fetchOffset]) => ({ ...fetch.defaultFetchPartition(), partition, fetchOffset, partitionMaxBytes: 1 << 20 })) }],
  });
  const listReq = (topic, pairs) => ({
    ...listOffsets.defaultListOffsetsRequest(), replicaId: -1,
    topics: [{ ...listOffsets.defaultListOffsetsTopic(), name: topic, partitions: pairs.map(([partitionIndex, timestamp]) => ({ ...listOffsets.defaultListOffsetsPartition(), partitionIndex, timestamp })) }],
  });
  const metaReq = (names, allow = false) => ({ ...metadata.defaultMetadataRequest(), allowAutoTopicCreation: allow, topics: names === null ? null : names.map((name) => ({ ...metadata.defaultMetadataRequestTopic(), name })) });
  const commitReq = (group, entries) => ({
    ...offsetCommit.defaultOffsetCommitRequest(), groupId: group,
    topics: [{ ...offsetCommit.defaultOffsetCommitRequestTopic(), name: 'golden', partitions: entries.map(([partitionIndex, committedOffset]) => ({ ...offsetCommit.defaultOffsetCommitRequestPartition(), partitionIndex, committedOffset, committedMetadata: 'm' })) }],
  });
  const req = (name, apiKey, version, write, body) => ({ name, apiKey, version, write, body });
  return [
    req('ApiVersions v3', ApiKey.ApiVersions, 3, apiVersions.writeApiVersionsRequest, { ...apiVersions.defaultApiVersionsRequest(), clientSoftwareName: 'golden', clientSoftwareVersion: '1' }),
    req('ApiVersions v0', ApiKey.ApiVersions, 0, apiVersions.writeApiVersionsRequest, apiVersions.defaultApiVersionsRequest()),
    req('Metadata v12 golden', ApiKey.Metadata, 12, metadata.writeMetadataRequest, metaReq(['golden'])),
    req('Metadata v5 unknown', ApiKey.Metadata, 5, metadata.writeMetadataRequest, { ...metaReq(['nope']), allowAutoTopicCreation: false }),
    req('Metadata v9 illegal name', ApiKey.Metadata, 9, metadata.writeMetadataRequest, metaReq(['bad name!'])),
    req('Metadata v12 all', ApiKey.Metadata, 12, metadata.writeMetadataRequest, metaReq(null)),
    req('Produce v9 p0', ApiKey.Produce, 9, produce.writeProduceRequest, produceReq('golden', 0, batch(1, 3))),
    req('Produce v3 p0', ApiKey.Produce, 3, produce.writeProduceRequest, produceReq('golden', 0, batch(2, 2))),
    req('Produce v11 p1', ApiKey.Produce, 11, produce.writeProduceRequest, produceReq('golden', 1, batch(3, 1))),
    req('Produce v9 bad partition', ApiKey.Produce, 9, produce.writeProduceRequest, produceReq('golden', 7, batch(4, 1))),
    req('Produce v9 internal topic', ApiKey.Produce, 9, produce.writeProduceRequest, produceReq('__consumer_offsets', 0, batch(5, 1))),
    req('Produce v2 unsupported', ApiKey.Produce, 2, produce.writeProduceRequest, produceReq('golden', 0, batch(6, 1))),
    req('Produce v9 bad acks', ApiKey.Produce, 9, produce.writeProduceRequest, produceReq('golden', 0, batch(6, 1), 5)),
    req('Fetch v12', ApiKey.Fetch, 12, fetch.writeFetchRequest, fetchReq('golden', [[0, 0], [1, 0]])),
    req('Fetch v4 from 3', ApiKey.Fetch, 4, fetch.writeFetchRequest, fetchReq('golden', [[0, 3]])),
    req('Fetch v11 out of range', ApiKey.Fetch, 11, fetch.writeFetchRequest, fetchReq('golden', [[0, 99]])),
    req('Fetch v12 unknown partition', ApiKey.Fetch, 12, fetch.writeFetchRequest, fetchReq('golden', [[5, 0]])),
    req('Fetch v12 small budget', ApiKey.Fetch, 12, fetch.writeFetchRequest, fetchReq('golden', [[0, 0], [1, 0]], { maxBytes: 10 })),
    req('ListOffsets v7', ApiKey.ListOffsets, 7, listOffsets.writeListOffsetsRequest, listReq('golden', [[0, -1], [0, -2], [0, -3], [0, 1_700_000_000_021], [1, -1]])),
    req('ListOffsets v0', ApiKey.ListOffsets, 0, listOffsets.writeListOffsetsRequest, listReq('golden', [[0, -1]])),
    req('ListOffsets v9 unknown', ApiKey.ListOffsets, 9, listOffsets.writeListOffsetsRequest, listReq('golden', [[9, -1]])),
    req('ListOffsets v5 max timestamp too old', ApiKey.ListOffsets, 5, listOffsets.writeListOffsetsRequest, listReq('golden', [[0, -3]])),
    req('FindCoordinator v4', ApiKey.FindCoordinator, 4, findCoordinator.writeFindCoordinatorRequest, { ...findCoordinator.defaultFindCoordinatorRequest(), keyType: 0, coordinatorKeys: ['g1'] }),
    req('FindCoordinator v2', ApiKey.FindCoordinator, 2, findCoordinator.writeFindCoordinatorRequest, { ...findCoordinator.defaultFindCoordinatorRequest(), key: 'g1', keyType: 0 }),
    req('OffsetCommit v8', ApiKey.OffsetCommit, 8, offsetCommit.writeOffsetCommitRequest, commitReq('g1', [[0, 3], [1, 1], [9, 1]])),
    req('OffsetCommit v2', ApiKey.OffsetCommit, 2, offsetCommit.writeOffsetCommitRequest, commitReq('g2', [[0, 1]])),
    req('OffsetFetch v7', ApiKey.OffsetFetch, 7, offsetFetch.writeOffsetFetchRequest, { ...offsetFetch.defaultOffsetFetchRequest(), groupId: 'g1', topics: [{ ...offsetFetch.defaultOffsetFetchRequestTopic(), name: 'golden', partitionIndexes: [0, 1, 2] }] }),
    req('OffsetFetch v8 all', ApiKey.OffsetFetch, 8, offsetFetch.writeOffsetFetchRequest, { ...offsetFetch.defaultOffsetFetchRequest(), groups: [{ ...offsetFetch.defaultOffsetFetchRequestGroup(), groupId: 'g1', topics: null }, { ...offsetFetch.defaultOffsetFetchRequestGroup(), groupId: 'none', topics: null }] }),
    req('ListGroups v4', ApiKey.ListGroups, 4, listGroups.writeListGroupsRequest, listGroups.defaultListGroupsRequest()),
    req('DescribeGroups v5', ApiKey.DescribeGroups, 5, describeGroups.writeDescribeGroupsRequest, { ...describeGroups.defaultDescribeGroupsRequest(), groups: ['g1', 'missing'] }),
    req('InitProducerId v4', ApiKey.InitProducerId, 4, initPid.writeInitProducerIdRequest, { ...initPid.defaultInitProducerIdRequest(), transactionTimeoutMs: 60000 }),
    req('InitProducerId v4 again', ApiKey.InitProducerId, 4, initPid.writeInitProducerIdRequest, { ...initPid.defaultInitProducerIdRequest(), transactionTimeoutMs: 60000 }),
    req('DescribeCluster v0', ApiKey.DescribeCluster, 0, describeCluster.writeDescribeClusterRequest, describeCluster.defaultDescribeClusterRequest()),
    req('DescribeConfigs v4 topic', ApiKey.DescribeConfigs, 4, describeConfigs.writeDescribeConfigsRequest, { ...describeConfigs.defaultDescribeConfigsRequest(), resources: [{ ...describeConfigs.defaultDescribeConfigsResource(), resourceType: 2, resourceName: 'golden', configurationKeys: null }] }),
    req('CreateTopics v5 validate only', ApiKey.CreateTopics, 5, createTopics.writeCreateTopicsRequest, { ...createTopics.defaultCreateTopicsRequest(), timeoutMs: 5000, validateOnly: true, topics: [{ ...createTopics.defaultCreatableTopic(), name: 'fresh', numPartitions: 3, replicationFactor: 1 }] }),
    req('CreateTopics v5 errors', ApiKey.CreateTopics, 5, createTopics.writeCreateTopicsRequest, { ...createTopics.defaultCreateTopicsRequest(), timeoutMs: 5000, topics: [{ ...createTopics.defaultCreatableTopic(), name: 'golden', numPartitions: 1, replicationFactor: 1 }, { ...createTopics.defaultCreatableTopic(), name: 'rf3', numPartitions: 1, replicationFactor: 3 }, { ...createTopics.defaultCreatableTopic(), name: 'zero', numPartitions: 0, replicationFactor: 1 }] }),
    req('CreateTopics v4 create', ApiKey.CreateTopics, 4, createTopics.writeCreateTopicsRequest, { ...createTopics.defaultCreateTopicsRequest(), timeoutMs: 5000, topics: [{ ...createTopics.defaultCreatableTopic(), name: 'made', numPartitions: 2, replicationFactor: 1, configs: [{ ...createTopics.defaultCreatableTopicConfig(), name: 'retention.ms', value: '60000' }] }] }),
    req('CreatePartitions v1', ApiKey.CreatePartitions, 1, createPartitions.writeCreatePartitionsRequest, { ...createPartitions.defaultCreatePartitionsRequest(), timeoutMs: 5000, topics: [{ ...createPartitions.defaultCreatePartitionsTopic(), name: 'made', count: 3, assignments: null }, { ...createPartitions.defaultCreatePartitionsTopic(), name: 'made', count: 2, assignments: null }] }),
    req('Metadata v1 made', ApiKey.Metadata, 1, metadata.writeMetadataRequest, metaReq(['made'])),
    req('DeleteTopics v4', ApiKey.DeleteTopics, 4, deleteTopics.writeDeleteTopicsRequest, { ...deleteTopics.defaultDeleteTopicsRequest(), timeoutMs: 5000, topicNames: ['made', 'never'] }),
    req('Produce v9 auto-create', ApiKey.Produce, 9, produce.writeProduceRequest, produceReq('auto', 0, batch(8, 1))),
    req('Metadata v3 auto', ApiKey.Metadata, 3, metadata.writeMetadataRequest, metaReq(['auto'])),
  ];
}

/** Sends each request in order on one connection and returns the raw response frames (without the size prefix). */
export async function exchange(port, frames) {
  const socket = await new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
  const out = [];
  let buffered = Buffer.alloc(0);
  let wake;
  socket.on('data', (d) => {
    buffered = Buffer.concat([buffered, d]);
    wake?.();
  });
  for (const frame of frames) {
    socket.write(frame);
    for (;;) {
      if (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const size = buffered.readInt32BE(0);
        out.push(buffered.subarray(4, 4 + size));
        buffered = buffered.subarray(4 + size);
        break;
      }
      await new Promise((r) => {
        wake = r;
        setTimeout(r, 5000);
      });
    }
  }
  socket.destroy();
  return out;
}

async function main() {
  const fs = await import('node:fs');
  const { encodeRequest } = await dist('src/protocol/frame.js');
  const { startBroker } = await dist('src/index.js');
  const { silentLogger } = await dist('src/logger.js');
  const requests = await buildRequests();
  const frames = requests.map((r, i) => encodeRequest({ requestApiKey: r.apiKey, requestApiVersion: r.version, correlationId: i + 1, clientId: 'golden' }, (w) => r.write(w, r.version, r.body)));
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-golden-'));
  try {
    seedDataDir(dataDir, fs);
    const broker = await startBroker({ host: '127.0.0.1', port: 0, adminPort: 0, dataDir, logger: silentLogger, logWriters: 0, ...GOLDEN_BROKER });
    const responses = await exchange(broker.port, frames);
    await broker.close();
    const fixture = requests.map((r, i) => ({ name: r.name, request: frames[i].toString('hex'), response: responses[i].toString('hex') }));
    writeFileSync(join(root, 'test', 'protocol', 'fixtures', 'responses.json'), `${JSON.stringify({ cluster: GOLDEN_CLUSTER, broker: GOLDEN_BROKER, exchanges: fixture }, null, 1)}\n`);
    console.log(`captured ${fixture.length} exchanges`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
