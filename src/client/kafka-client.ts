// A small Kafka client on the project's protocol layer, for the `strata` CLI and tools:
// admin calls, produce, fetch and the group-member calls. It talks to the bootstrap
// broker only (Strata is one node); errors come back as KafkaErrors by their code.
import { KafkaError } from '../errors.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ERRORS_BY_CODE } from '../protocol/generated/error-codes.js';
import { writeCreatePartitionsRequest } from '../protocol/generated/create-partitions-request.js';
import { readCreatePartitionsResponse } from '../protocol/generated/create-partitions-response.js';
import { writeCreateTopicsRequest } from '../protocol/generated/create-topics-request.js';
import { readCreateTopicsResponse } from '../protocol/generated/create-topics-response.js';
import { writeDeleteGroupsRequest } from '../protocol/generated/delete-groups-request.js';
import { readDeleteGroupsResponse } from '../protocol/generated/delete-groups-response.js';
import { writeDeleteTopicsRequest } from '../protocol/generated/delete-topics-request.js';
import { readDeleteTopicsResponse } from '../protocol/generated/delete-topics-response.js';
import { writeDescribeConfigsRequest } from '../protocol/generated/describe-configs-request.js';
import { readDescribeConfigsResponse, type DescribeConfigsResourceResult } from '../protocol/generated/describe-configs-response.js';
import { writeDescribeGroupsRequest } from '../protocol/generated/describe-groups-request.js';
import { readDescribeGroupsResponse, type DescribedGroup } from '../protocol/generated/describe-groups-response.js';
import { defaultFetchRequest, writeFetchRequest } from '../protocol/generated/fetch-request.js';
import { readFetchResponse, type PartitionData } from '../protocol/generated/fetch-response.js';
import { writeHeartbeatRequest } from '../protocol/generated/heartbeat-request.js';
import { readHeartbeatResponse } from '../protocol/generated/heartbeat-response.js';
import { writeIncrementalAlterConfigsRequest } from '../protocol/generated/incremental-alter-configs-request.js';
import { readIncrementalAlterConfigsResponse } from '../protocol/generated/incremental-alter-configs-response.js';
import { defaultJoinGroupRequest, writeJoinGroupRequest } from '../protocol/generated/join-group-request.js';
import { readJoinGroupResponse, type JoinGroupResponse } from '../protocol/generated/join-group-response.js';
import { writeLeaveGroupRequest } from '../protocol/generated/leave-group-request.js';
import { readLeaveGroupResponse } from '../protocol/generated/leave-group-response.js';
import { defaultListGroupsRequest, writeListGroupsRequest } from '../protocol/generated/list-groups-request.js';
import { readListGroupsResponse, type ListedGroup } from '../protocol/generated/list-groups-response.js';
import { defaultListOffsetsRequest, writeListOffsetsRequest } from '../protocol/generated/list-offsets-request.js';
import { readListOffsetsResponse } from '../protocol/generated/list-offsets-response.js';
import { defaultMetadataRequest, writeMetadataRequest } from '../protocol/generated/metadata-request.js';
import { readMetadataResponse, type MetadataResponseTopic } from '../protocol/generated/metadata-response.js';
import { defaultOffsetCommitRequest, writeOffsetCommitRequest } from '../protocol/generated/offset-commit-request.js';
import { readOffsetCommitResponse } from '../protocol/generated/offset-commit-response.js';
import { defaultOffsetFetchRequest, writeOffsetFetchRequest } from '../protocol/generated/offset-fetch-request.js';
import { readOffsetFetchResponse } from '../protocol/generated/offset-fetch-response.js';
import { defaultProduceRequest, writeProduceRequest } from '../protocol/generated/produce-request.js';
import { readProduceResponse, type PartitionProduceResponse } from '../protocol/generated/produce-response.js';
import { writeSyncGroupRequest } from '../protocol/generated/sync-group-request.js';
import { readSyncGroupResponse } from '../protocol/generated/sync-group-response.js';
import { ZERO_UUID } from '../protocol/primitives/reader.js';
import { RawClient } from './raw-client.js';

/** Throws the KafkaError for a non-zero code. */
export function check(code: number, context: string, message?: string | null): void {
  if (code === 0) return;
  const name = ERRORS_BY_CODE.get(code)?.name ?? 'UNKNOWN_SERVER_ERROR';
  // Brokers (Strata included) often start the message with the error name: say it once.
  const detail = message?.startsWith(`${name}: `) ? message.slice(name.length + 2) : message;
  throw new KafkaError(name, `${context}${detail ? `: ${detail}` : ''}`);
}

export function parseBootstrap(bootstrap: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(bootstrap.split(',')[0]!.trim());
  if (m === null) throw new KafkaError('INVALID_REQUEST', `bootstrap must be host:port, got ${JSON.stringify(bootstrap)}`);
  return { host: m[1]!, port: Number(m[2]) };
}

export interface GroupOffset {
  topic: string;
  partition: number;
  offset: number;
  metadata: string | null;
}

export class KafkaClient {
  private constructor(readonly raw: RawClient) {}

  static async connect(bootstrap: string, clientId = 'strata-cli'): Promise<KafkaClient> {
    const { host, port } = parseBootstrap(bootstrap);
    return new KafkaClient(await RawClient.connect(host, port, clientId));
  }

  close(): void {
    this.raw.close();
  }

  async metadata(topics: string[] | null, allowAutoCreate = false): Promise<MetadataResponseTopic[]> {
    const v = 12;
    const req = { ...defaultMetadataRequest(), topics: topics === null ? null : topics.map((name) => ({ topicId: ZERO_UUID, name })), allowAutoTopicCreation: allowAutoCreate };
    return readMetadataResponse(await this.raw.request(ApiKey.Metadata, v, (w) => writeMetadataRequest(w, v, req)), v).topics;
  }

  async partitionsOf(topic: string): Promise<number[]> {
    const [t] = await this.metadata([topic]);
    check(t!.errorCode, `topic ${topic}`);
    return t!.partitions.map((p) => p.partitionIndex).sort((a, b) => a - b);
  }

  async createTopic(name: string, partitions: number, configs: Record<string, string>): Promise<void> {
    const v = 7;
    const req = { topics: [{ name, numPartitions: partitions, replicationFactor: -1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }], timeoutMs: 30_000, validateOnly: false };
    const t = readCreateTopicsResponse(await this.raw.request(ApiKey.CreateTopics, v, (w) => writeCreateTopicsRequest(w, v, req)), v).topics[0]!;
    check(t.errorCode, `create topic ${name}`, t.errorMessage);
  }

  async deleteTopic(name: string): Promise<void> {
    const v = 6;
    const r = readDeleteTopicsResponse(await this.raw.request(ApiKey.DeleteTopics, v, (w) => writeDeleteTopicsRequest(w, v, { topics: [{ name, topicId: ZERO_UUID }], topicNames: [], timeoutMs: 30_000 })), v).responses[0]!;
    check(r.errorCode, `delete topic ${name}`, r.errorMessage);
  }

  async describeTopicConfigs(name: string): Promise<DescribeConfigsResourceResult[]> {
    const v = 4;
    const r = readDescribeConfigsResponse(await this.raw.request(ApiKey.DescribeConfigs, v, (w) => writeDescribeConfigsRequest(w, v, { resources: [{ resourceType: 2, resourceName: name, configurationKeys: null }], includeSynonyms: false, includeDocumentation: false })), v).results[0]!;
    check(r.errorCode, `describe topic ${name}`, r.errorMessage);
    return r.configs;
  }

  /** Sets configs (value) or removes overrides (null). */
  async alterTopicConfigs(name: string, changes: Record<string, string | null>): Promise<void> {
    const v = 1;
    const configs = Object.entries(changes).map(([n, value]) => ({ name: n, configOperation: value === null ? 1 : 0, value }));
    const r = readIncrementalAlterConfigsResponse(await this.raw.request(ApiKey.IncrementalAlterConfigs, v, (w) => writeIncrementalAlterConfigsRequest(w, v, { resources: [{ resourceType: 2, resourceName: name, configs }], validateOnly: false })), v).responses[0]!;
    check(r.errorCode, `alter topic ${name}`, r.errorMessage);
  }

  async createPartitions(name: string, count: number): Promise<void> {
    const v = 3;
    const r = readCreatePartitionsResponse(await this.raw.request(ApiKey.CreatePartitions, v, (w) => writeCreatePartitionsRequest(w, v, { topics: [{ name, count, assignments: null }], timeoutMs: 30_000, validateOnly: false })), v).results[0]!;
    check(r.errorCode, `partitions of ${name}`, r.errorMessage);
  }

  async listGroups(): Promise<ListedGroup[]> {
    const v = 4;
    const r = readListGroupsResponse(await this.raw.request(ApiKey.ListGroups, v, (w) => writeListGroupsRequest(w, v, defaultListGroupsRequest())), v);
    check(r.errorCode, 'list groups');
    return r.groups;
  }

  async describeGroup(group: string): Promise<DescribedGroup> {
    const v = 5;
    const g = readDescribeGroupsResponse(await this.raw.request(ApiKey.DescribeGroups, v, (w) => writeDescribeGroupsRequest(w, v, { groups: [group], includeAuthorizedOperations: false })), v).groups[0]!;
    check(g.errorCode, `describe group ${group}`);
    return g;
  }

  async committedOffsets(group: string, topics: Array<{ name: string; partitions: number[] }> | null = null): Promise<GroupOffset[]> {
    const v = 8;
    const req = { ...defaultOffsetFetchRequest(), groups: [{ groupId: group, memberId: null, memberEpoch: -1, topics: topics === null ? null : topics.map((t) => ({ name: t.name, partitionIndexes: t.partitions })) }] };
    const g = readOffsetFetchResponse(await this.raw.request(ApiKey.OffsetFetch, v, (w) => writeOffsetFetchRequest(w, v, req)), v).groups[0]!;
    check(g.errorCode, `offsets of ${group}`);
    return g.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata })));
  }

  async commit(group: string, offsets: GroupOffset[], member = { memberId: '', generationId: -1 }): Promise<void> {
    const v = 8;
    const byTopic = new Map<string, GroupOffset[]>();
    for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
    const req = {
      ...defaultOffsetCommitRequest(), groupId: group, memberId: member.memberId, generationIdOrMemberEpoch: member.generationId,
      topics: [...byTopic].map(([name, list]) => ({ name, partitions: list.map((o) => ({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: o.metadata })) })),
    };
    const r = readOffsetCommitResponse(await this.raw.request(ApiKey.OffsetCommit, v, (w) => writeOffsetCommitRequest(w, v, req)), v);
    for (const t of r.topics) for (const p of t.partitions) check(p.errorCode, `commit ${group} ${t.name}/${p.partitionIndex}`);
  }

  async deleteGroup(group: string): Promise<void> {
    const v = 2;
    const r = readDeleteGroupsResponse(await this.raw.request(ApiKey.DeleteGroups, v, (w) => writeDeleteGroupsRequest(w, v, { groupsNames: [group] })), v).results[0]!;
    check(r.errorCode, `delete group ${group}`);
  }

  /** Offsets by timestamp: -1 latest, -2 earliest, or a time in ms (-1 result: none that late). */
  async listOffsets(topic: string, partitions: number[], timestamp: number): Promise<Map<number, number>> {
    const v = 7;
    const req = { ...defaultListOffsetsRequest(), replicaId: -1, topics: [{ name: topic, partitions: partitions.map((p) => ({ partitionIndex: p, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 })) }] };
    const r = readListOffsetsResponse(await this.raw.request(ApiKey.ListOffsets, v, (w) => writeListOffsetsRequest(w, v, req)), v);
    const out = new Map<number, number>();
    for (const p of r.topics[0]?.partitions ?? []) {
      check(p.errorCode, `offsets of ${topic}/${p.partitionIndex}`);
      out.set(p.partitionIndex, p.offset);
    }
    return out;
  }

  async produce(topic: string, partition: number, batch: Buffer, acks: number): Promise<PartitionProduceResponse | undefined> {
    const v = 9;
    const req = { ...defaultProduceRequest(), acks, timeoutMs: 30_000, topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }] };
    const r = await this.raw.request(ApiKey.Produce, v, (w) => writeProduceRequest(w, v, req), acks !== 0);
    if (acks === 0) return undefined;
    const p = readProduceResponse(r, v).responses[0]!.partitionResponses[0]!;
    check(p.errorCode, `produce to ${topic}/${partition}`, p.errorMessage);
    return p;
  }

  async fetch(topic: string, positions: Map<number, number>, maxWaitMs: number, maxBytes = 8 * 1024 * 1024): Promise<PartitionData[]> {
    const v = 12;
    const req = {
      ...defaultFetchRequest(), replicaId: -1, maxWaitMs, minBytes: 1, maxBytes, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic, topicId: ZERO_UUID, partitions: [...positions].map(([partition, fetchOffset]) => ({ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1024 * 1024, replicaDirectoryId: ZERO_UUID })) }],
    };
    return readFetchResponse(await this.raw.request(ApiKey.Fetch, v, (w) => writeFetchRequest(w, v, req)), v).responses[0]?.partitions ?? [];
  }

  async joinGroup(group: string, memberId: string, metadata: Buffer, sessionTimeoutMs: number): Promise<JoinGroupResponse> {
    const v = 7;
    const req = { ...defaultJoinGroupRequest(), groupId: group, sessionTimeoutMs, rebalanceTimeoutMs: sessionTimeoutMs, memberId, protocolType: 'consumer', protocols: [{ name: 'range', metadata }] };
    return readJoinGroupResponse(await this.raw.request(ApiKey.JoinGroup, v, (w) => writeJoinGroupRequest(w, v, req)), v);
  }

  async syncGroup(group: string, memberId: string, generationId: number, assignments: Array<{ memberId: string; assignment: Buffer }>): Promise<{ errorCode: number; assignment: Buffer }> {
    const v = 5;
    const r = readSyncGroupResponse(await this.raw.request(ApiKey.SyncGroup, v, (w) => writeSyncGroupRequest(w, v, { groupId: group, generationId, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments })), v);
    return { errorCode: r.errorCode, assignment: r.assignment };
  }

  async heartbeat(group: string, memberId: string, generationId: number): Promise<number> {
    const v = 4;
    return readHeartbeatResponse(await this.raw.request(ApiKey.Heartbeat, v, (w) => writeHeartbeatRequest(w, v, { groupId: group, generationId, memberId, groupInstanceId: null })), v).errorCode;
  }

  async leaveGroup(group: string, memberId: string): Promise<void> {
    const v = 4;
    readLeaveGroupResponse(await this.raw.request(ApiKey.LeaveGroup, v, (w) => writeLeaveGroupRequest(w, v, { groupId: group, memberId: '', members: [{ memberId, groupInstanceId: null, reason: 'strata consume exits' }] })), v);
  }
}
