// A principal without ACLs is denied exactly what Kafka denies, API by API (a table that
// must name every API the broker advertises), over the wire, with --authorizer acl. A super
// user (SASL) sets up a topic, a group and offsets, and grants ACLs; the grants are seen at
// once, kept across a restart, and every denial is in the audit log.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../../src/client/raw-client.js';
import { API_SCHEMAS, ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/error-codes.js';
import type { Reader } from '../../src/protocol/primitives/reader.js';
import type { Writer } from '../../src/protocol/primitives/writer.js';
import { buildHandlerTable } from '../../src/handlers/index.js';
import { AclOperation as Op, AclPermission, PatternType, ResourceType } from '../../src/services/acls.js';
import type { RunningBroker } from '../../src/server/start.js';
import { eventually, testBroker } from '../helpers/broker.js';
import { batchFor } from '../helpers/batches.js';

type Body = Record<string, unknown>;
interface Codec { write: (w: Writer, v: number, o: Body) => void; read: (r: Reader, v: number) => Body; fresh: () => Body }

const codecs = new Map<number, Codec>();
async function codec(apiKey: number): Promise<Codec> {
  const known = codecs.get(apiKey);
  if (known !== undefined) return known;
  const name = API_SCHEMAS.get(apiKey)!.name;
  const kebab = name.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? '' : '-') + c.toLowerCase());
  const generated = new URL('../../src/protocol/generated/', import.meta.url).pathname;
  const req = (await import(/* @vite-ignore */ `${generated}${kebab}-request.ts`)) as Record<string, unknown>;
  const res = (await import(/* @vite-ignore */ `${generated}${kebab}-response.ts`)) as Record<string, unknown>;
  const c: Codec = { write: req[`write${name}Request`] as Codec['write'], read: res[`read${name}Response`] as Codec['read'], fresh: req[`default${name}Request`] as Codec['fresh'] };
  codecs.set(apiKey, c);
  return c;
}

async function call(client: RawClient, apiKey: number, version: number, body: Body): Promise<Body> {
  const c = await codec(apiKey);
  const full = { ...c.fresh(), ...body };
  return c.read(await client.request(apiKey, version, (w) => c.write(w, version, full)), version);
}

/** Every errorCode field anywhere in a response, depth first (throttle times and the like ignored). */
function errorCodes(x: unknown): number[] {
  if (Array.isArray(x)) return x.flatMap(errorCodes);
  if (x === null || typeof x !== 'object' || Buffer.isBuffer(x)) return [];
  return Object.entries(x).flatMap(([k, v]) => (k === 'errorCode' || k === 'topicConfigErrorCode' || k === 'partitionErrorCode' ? [v as number] : errorCodes(v)));
}

const TOPIC = 'secret';
const GROUP = 'ledger';
const T = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
const G = ErrorCode.GROUP_AUTHORIZATION_FAILED;
const C = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
const X = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
const TXN = 'payments-txn';
const FETCH_PARTITION = { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 };

interface Row {
  version: number;
  body: Body;
  /** The error codes a principal without ACLs gets (every errorCode in the response); undefined: the API needs no authorisation. */
  denied: number[] | undefined;
  why: string;
}

/** What Kafka's KafkaApis answers a principal without ACLs. */
const TABLE: Record<number, Row> = {
  [ApiKey.Produce]: { version: 9, body: { acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: batchFor(1) }] }] }, denied: [T], why: 'Write on the topic' },
  [ApiKey.Fetch]: { version: 12, body: { maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic: TOPIC, partitions: [FETCH_PARTITION] }] }, denied: [0, T], why: 'Read on the topic (the top-level code stays 0)' },
  [ApiKey.ListOffsets]: { version: 7, body: { replicaId: -1, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }] }, denied: [T], why: 'Describe on the topic' },
  [ApiKey.Metadata]: { version: 12, body: { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: TOPIC }], allowAutoTopicCreation: false }, denied: [T], why: 'Describe on the topic' },
  [ApiKey.OffsetCommit]: { version: 8, body: { groupId: GROUP, generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: '' }] }] }, denied: [G], why: 'Read on the group' },
  [ApiKey.OffsetFetch]: { version: 8, body: { groups: [{ groupId: GROUP, topics: null }] }, denied: [0, G], why: 'Describe on the group (v8: per group)' },
  [ApiKey.FindCoordinator]: { version: 4, body: { keyType: 0, coordinatorKeys: [GROUP] }, denied: [0, G], why: 'Describe on the group' },
  [ApiKey.JoinGroup]: { version: 7, body: { groupId: GROUP, sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000, memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] }, denied: [G], why: 'Read on the group' },
  [ApiKey.Heartbeat]: { version: 4, body: { groupId: GROUP, generationId: 1, memberId: 'm' }, denied: [G], why: 'Read on the group' },
  [ApiKey.LeaveGroup]: { version: 4, body: { groupId: GROUP, members: [{ memberId: 'm', groupInstanceId: null }] }, denied: [G, G], why: 'Read on the group' },
  [ApiKey.SyncGroup]: { version: 5, body: { groupId: GROUP, generationId: 1, memberId: 'm', protocolType: 'consumer', protocolName: 'range', assignments: [] }, denied: [G], why: 'Read on the group' },
  [ApiKey.DescribeGroups]: { version: 5, body: { groups: [GROUP], includeAuthorizedOperations: true }, denied: [G], why: 'Describe on the group' },
  [ApiKey.ListGroups]: { version: 4, body: {}, denied: [0], why: 'filtered: groups it may not Describe are left out' },
  [ApiKey.SaslHandshake]: { version: 1, body: { mechanism: 'PLAIN' }, denied: undefined, why: 'authentication, not authorisation' },
  [ApiKey.ApiVersions]: { version: 3, body: { clientSoftwareName: 'acl-test', clientSoftwareVersion: '1' }, denied: undefined, why: 'needs nothing' },
  [ApiKey.CreateTopics]: { version: 7, body: { topics: [{ name: 'fresh', numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false }, denied: [T, 0], why: 'Create on the cluster or the topic (the config code stays 0)' },
  [ApiKey.DeleteTopics]: { version: 6, body: { topics: [{ name: TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], timeoutMs: 5000 }, denied: [T], why: 'Delete on the topic' },
  [ApiKey.InitProducerId]: { version: 4, body: { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 }, denied: [C], why: 'IdempotentWrite on the cluster or Write on some topic' },
  [ApiKey.DescribeConfigs]: { version: 4, body: { resources: [{ resourceType: 2, resourceName: TOPIC, configurationKeys: null }, { resourceType: 4, resourceName: '1', configurationKeys: null }] }, denied: [T, C], why: 'DescribeConfigs on the topic / cluster' },
  [ApiKey.AlterConfigs]: { version: 2, body: { resources: [{ resourceType: 2, resourceName: TOPIC, configs: [{ name: 'retention.ms', value: '1000' }] }], validateOnly: false }, denied: [T], why: 'AlterConfigs on the topic' },
  [ApiKey.CreatePartitions]: { version: 3, body: { topics: [{ name: TOPIC, count: 4, assignments: null }], timeoutMs: 5000, validateOnly: false }, denied: [T], why: 'Alter on the topic' },
  [ApiKey.DeleteGroups]: { version: 2, body: { groupsNames: [GROUP] }, denied: [G], why: 'Delete on the group' },
  [ApiKey.SaslAuthenticate]: { version: 2, body: { authBytes: Buffer.from('\u0000x\u0000y') }, denied: undefined, why: 'authentication, not authorisation' },
  [ApiKey.IncrementalAlterConfigs]: { version: 1, body: { resources: [{ resourceType: 2, resourceName: TOPIC, configs: [{ name: 'retention.ms', configOperation: 0, value: '1000' }] }], validateOnly: false }, denied: [T], why: 'AlterConfigs on the topic' },
  [ApiKey.DescribeCluster]: { version: 1, body: { includeClusterAuthorizedOperations: false }, denied: [0], why: 'needs nothing (authorized operations need Describe)' },
  [ApiKey.DescribeUserScramCredentials]: { version: 0, body: { users: null }, denied: [C], why: 'Describe on the cluster' },
  [ApiKey.AlterUserScramCredentials]: { version: 0, body: { deletions: [{ name: 'bob', mechanism: 1 }], upsertions: [] }, denied: [C], why: 'Alter on the cluster' },
  [ApiKey.DescribeAcls]: { version: 3, body: { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 }, denied: [C], why: 'Describe on the cluster' },
  [ApiKey.CreateAcls]: { version: 3, body: { creations: [{ resourceType: 2, resourceName: TOPIC, resourcePatternType: 3, principal: 'User:ANONYMOUS', host: '*', operation: 2, permissionType: 3 }] }, denied: [C], why: 'Alter on the cluster' },
  [ApiKey.DeleteAcls]: { version: 3, body: { filters: [{ resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 }] }, denied: [C], why: 'Alter on the cluster' },
  [ApiKey.DescribeClientQuotas]: { version: 1, body: { components: [], strict: false }, denied: [C], why: 'DescribeConfigs on the cluster' },
  [ApiKey.OffsetDelete]: { version: 0, body: { groupId: GROUP, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0 }] }] }, denied: [G], why: 'Delete on the group' },
  [ApiKey.DescribeLogDirs]: { version: 4, body: { topics: null }, denied: [C], why: 'Describe on the cluster' },
  [ApiKey.OffsetForLeaderEpoch]: { version: 4, body: { replicaId: -1, topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] }, denied: [T], why: 'Describe on the topic' },
  [ApiKey.DeleteRecords]: { version: 2, body: { topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, offset: 1 }] }], timeoutMs: 5000 }, denied: [T], why: 'Delete on the topic' },
  [ApiKey.DescribeProducers]: { version: 0, body: { topics: [{ name: TOPIC, partitionIndexes: [0] }] }, denied: [T], why: 'Read on the topic' },
  [ApiKey.ConsumerGroupHeartbeat]: { version: 1, body: { groupId: GROUP, memberId: 'm1', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30000, subscribedTopicNames: [TOPIC], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [] }, denied: [G], why: 'Read on the group' },
  [ApiKey.ConsumerGroupDescribe]: { version: 0, body: { groupIds: [GROUP], includeAuthorizedOperations: false }, denied: [G], why: 'Describe on the group' },
  [ApiKey.AddPartitionsToTxn]: { version: 3, body: { v3AndBelowTransactionalId: TXN, v3AndBelowProducerId: 1, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [{ name: TOPIC, partitions: [0] }] }, denied: [0, X], why: 'Write on the transactional id (per partition; the v4+ top-level code decodes as 0)' },
  [ApiKey.AddOffsetsToTxn]: { version: 3, body: { transactionalId: TXN, producerId: 1, producerEpoch: 0, groupId: GROUP }, denied: [X], why: 'Write on the transactional id (then Read on the group)' },
  [ApiKey.EndTxn]: { version: 3, body: { transactionalId: TXN, producerId: 1, producerEpoch: 0, committed: true }, denied: [X], why: 'Write on the transactional id' },
  [ApiKey.TxnOffsetCommit]: { version: 3, body: { transactionalId: TXN, groupId: GROUP, producerId: 1, producerEpoch: 0, generationId: -1, memberId: '', groupInstanceId: null, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: '' }] }] }, denied: [X], why: 'Write on the transactional id (then Read on the group and topics)' },
  [ApiKey.DescribeTransactions]: { version: 0, body: { transactionalIds: [TXN] }, denied: [X], why: 'Describe on the transactional id' },
  [ApiKey.ListTransactions]: { version: 1, body: { stateFilters: [], producerIdFilters: [], durationFilter: -1 }, denied: [0], why: 'filtered: ids it may not Describe are left out' },
  [ApiKey.AlterClientQuotas]: { version: 1, body: { entries: [{ entity: [{ entityType: 'user', entityName: 'bob' }], ops: [{ key: 'producer_byte_rate', value: 1000, remove: false }] }], validateOnly: false }, denied: [C], why: 'AlterConfigs on the cluster' },
};

async function saslPlain(port: number, user: string, password: string): Promise<RawClient> {
  const c = await RawClient.connect('127.0.0.1', port, 'acl-admin');
  expect(errorCodes(await call(c, ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' }))).toEqual([0]);
  expect(errorCodes(await call(c, ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from(`\u0000${user}\u0000${password}`) }))).toEqual([0]);
  return c;
}

describe('ACLs over the wire (--authorizer acl)', () => {
  let running: RunningBroker;
  let dir: string;
  let admin: RawClient;
  let anonymous: RawClient;
  const port = (name: string) => running.listeners.find((l) => l.name === name)!.port;
  const options = () => ({
    listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0', authorizer: 'acl' as const, superUsers: 'User:admin',
    bootstrapUser: 'admin:admin-secret', auditLogFile: join(dir, 'audit.log'), autoCreateTopics: true,
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-acl-'));
    running = await testBroker(join(dir, 'data'), options());
    admin = await saslPlain(port('SASL_PLAINTEXT'), 'admin', 'admin-secret');
    anonymous = await RawClient.connect('127.0.0.1', port('PLAINTEXT'), 'anonymous');
    expect(errorCodes(await call(admin, ApiKey.CreateTopics, 7, { topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] }], timeoutMs: 5000 }))).toEqual([0, 0]);
    expect(errorCodes(await call(admin, ApiKey.Produce, 9, TABLE[ApiKey.Produce]!.body))).toEqual([0]);
    expect(errorCodes(await call(admin, ApiKey.OffsetCommit, 8, TABLE[ApiKey.OffsetCommit]!.body))).toEqual([0]);
  });
  afterAll(async () => {
    admin?.close();
    anonymous?.close();
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has a row for every API the broker advertises', () => {
    const advertised = buildHandlerTable().map((h) => h.apiKey).sort((a, b) => a - b);
    expect(Object.keys(TABLE).map(Number).sort((a, b) => a - b)).toEqual(advertised);
  });

  it('denies a principal without ACLs exactly what Kafka denies', async () => {
    const got: Record<string, number[] | string> = {};
    const want: Record<string, number[] | string> = {};
    for (const [key, row] of Object.entries(TABLE)) {
      if (row.denied === undefined) continue;
      const name = API_SCHEMAS.get(Number(key))!.name;
      got[name] = errorCodes(await call(anonymous, Number(key), row.version, row.body));
      want[name] = row.denied;
    }
    expect(got).toEqual(want);
    // Nothing it was denied happened.
    const meta = await call(admin, ApiKey.Metadata, 12, { topics: null });
    expect((meta.topics as Array<{ name: string; partitions: unknown[] }>).map((t) => [t.name, t.partitions.length])).toEqual([[TOPIC, 1]]);
  });

  it('hides topics and groups it may not Describe from lists, and shows no authorised operations', async () => {
    const meta = await call(anonymous, ApiKey.Metadata, 10, { topics: null, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true });
    expect(meta.topics).toEqual([]);
    expect(meta.clusterAuthorizedOperations).toBe(0);
    const groups = await call(anonymous, ApiKey.ListGroups, 4, {});
    expect(groups.groups).toEqual([]);
    expect((await call(admin, ApiKey.ListGroups, 4, {})).groups).toHaveLength(1);
    expect((await call(anonymous, ApiKey.DescribeCluster, 1, { includeClusterAuthorizedOperations: true })).clusterAuthorizedOperations).toBe(0);
  });

  it('grants what an ACL allows at once, and a DENY takes it back', async () => {
    const grant = (resourceType: number, resourceName: string, operation: number, permissionType: number = AclPermission.ALLOW, resourcePatternType: number = PatternType.LITERAL) =>
      ({ resourceType, resourceName, resourcePatternType, principal: 'User:ANONYMOUS', host: '*', operation, permissionType });
    const created = await call(admin, ApiKey.CreateAcls, 3, { creations: [
      grant(ResourceType.TOPIC, 'sec', Op.WRITE, AclPermission.ALLOW, PatternType.PREFIXED), grant(ResourceType.TOPIC, TOPIC, Op.READ), grant(ResourceType.GROUP, GROUP, Op.READ),
    ] });
    expect(errorCodes(created)).toEqual([0, 0, 0]);
    expect(errorCodes(await call(anonymous, ApiKey.Produce, 9, TABLE[ApiKey.Produce]!.body))).toEqual([0]);
    expect(errorCodes(await call(anonymous, ApiKey.Fetch, 12, TABLE[ApiKey.Fetch]!.body))).toEqual([0, 0]);
    expect(errorCodes(await call(anonymous, ApiKey.OffsetCommit, 8, TABLE[ApiKey.OffsetCommit]!.body))).toEqual([0]);
    // Write implies Describe: the topic is now in its metadata; an idempotent producer may start.
    expect(errorCodes(await call(anonymous, ApiKey.Metadata, 12, TABLE[ApiKey.Metadata]!.body))).toEqual([0, 0]);
    expect(errorCodes(await call(anonymous, ApiKey.InitProducerId, 4, TABLE[ApiKey.InitProducerId]!.body))).toEqual([0]);
    // Still not: deleting the topic, altering its configs, the cluster's operations.
    expect(errorCodes(await call(anonymous, ApiKey.DeleteTopics, 6, TABLE[ApiKey.DeleteTopics]!.body))).toEqual([T]);
    expect(errorCodes(await call(anonymous, ApiKey.DescribeAcls, 3, TABLE[ApiKey.DescribeAcls]!.body))).toEqual([C]);
    await call(admin, ApiKey.CreateAcls, 3, { creations: [grant(ResourceType.TOPIC, '*', Op.WRITE, AclPermission.DENY)] });
    expect(errorCodes(await call(anonymous, ApiKey.Produce, 9, TABLE[ApiKey.Produce]!.body))).toEqual([T]);
    const listed = await call(admin, ApiKey.DescribeAcls, 3, { resourceTypeFilter: ResourceType.TOPIC, resourceNameFilter: TOPIC, patternTypeFilter: PatternType.MATCH, principalFilter: null, hostFilter: null, operation: Op.ANY, permissionType: AclPermission.ANY });
    expect((listed.resources as Array<{ resourceName: string; patternType: number }>).map((r) => `${r.patternType}:${r.resourceName}`).sort()).toEqual(['3:*', '3:secret', '4:sec']);
  });

  it('keeps ACLs across a restart, deletes them by filter, and audits denials and changes', async () => {
    admin.close();
    anonymous.close();
    await running.close();
    running = await testBroker(join(dir, 'data'), options());
    admin = await saslPlain(port('SASL_PLAINTEXT'), 'admin', 'admin-secret');
    anonymous = await RawClient.connect('127.0.0.1', port('PLAINTEXT'), 'anonymous');
    expect(errorCodes(await call(anonymous, ApiKey.Fetch, 12, TABLE[ApiKey.Fetch]!.body))).toEqual([0, 0]);
    const deleted = await call(admin, ApiKey.DeleteAcls, 3, { filters: [{ resourceTypeFilter: ResourceType.ANY, resourceNameFilter: null, patternTypeFilter: PatternType.ANY, principalFilter: 'User:ANONYMOUS', hostFilter: null, operation: Op.ANY, permissionType: AclPermission.ANY }] });
    expect((deleted.filterResults as Array<{ matchingAcls: unknown[] }>)[0]!.matchingAcls).toHaveLength(4);
    expect(errorCodes(await call(anonymous, ApiKey.Fetch, 12, TABLE[ApiKey.Fetch]!.body))).toEqual([0, T]);
    // The audit stream is written asynchronously: wait for the last change to reach the file.
    const readAudit = () => readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    await eventually(() => readAudit().filter((e) => e.event === 'acl_deleted').length === 4, 10_000, 'the audit log to hold the deletions');
    const audit = readAudit();
    const denied = audit.filter((e) => e.event === 'acl_denied');
    expect(denied.some((e) => e.principal === 'User:ANONYMOUS' && e.resource === `Topic:${TOPIC}` && e.operation === 'Write' && e.clientHost === '127.0.0.1')).toBe(true);
    expect(denied.some((e) => e.resource === 'Cluster:kafka-cluster' && e.operation === 'Alter')).toBe(true);
    expect(audit.filter((e) => e.event === 'acl_created')).toHaveLength(4);
    expect(audit.filter((e) => e.event === 'acl_deleted').map((e) => e.principal)).toEqual(['User:admin', 'User:admin', 'User:admin', 'User:admin']);
  });
});
