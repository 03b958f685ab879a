// OffsetCommit and OffsetFetch: committed consumer positions, stored durably.
import { KafkaError } from '../errors.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { readOffsetCommitRequest, type OffsetCommitRequest } from '../protocol/generated/offset-commit-request.js';
import { defaultOffsetCommitResponse, writeOffsetCommitResponse, type OffsetCommitResponse } from '../protocol/generated/offset-commit-response.js';
import { readOffsetFetchRequest, type OffsetFetchRequest } from '../protocol/generated/offset-fetch-request.js';
import { defaultOffsetFetchResponse, writeOffsetFetchResponse, type OffsetFetchResponse, type OffsetFetchResponsePartitions } from '../protocol/generated/offset-fetch-response.js';
import { readOffsetDeleteRequest, type OffsetDeleteRequest } from '../protocol/generated/offset-delete-request.js';
import { defaultOffsetDeleteResponse, writeOffsetDeleteResponse, type OffsetDeleteResponse } from '../protocol/generated/offset-delete-response.js';
import type { GroupCoordinatorService } from '../services/groups.js';
import { AclOperation, ResourceType } from '../services/acls.js';
import { defineHandler } from './handler.js';
import { errorCodeOf } from './error-code.js';

export const offsetCommitHandler = defineHandler<OffsetCommitRequest, OffsetCommitResponse>({
  apiKey: ApiKey.OffsetCommit,
  minVersion: 0,
  maxVersion: 9,
  read: readOffsetCommitRequest,
  write: writeOffsetCommitResponse,
  async handle(req, { services: { topics, groups, clock, access }, session }) {
    const res = defaultOffsetCommitResponse();
    const now = clock.now();
    // As Kafka: partitions of topics the session may not Read are TOPIC_AUTHORIZATION_FAILED,
    // those that do not exist UNKNOWN_TOPIC_OR_PARTITION; neither reaches the coordinator.
    const readable = new Map(req.topics.map((t) => [t.name, access.allows(session, AclOperation.READ, ResourceType.TOPIC, t.name)]));
    const exists = (topic: string, partition: number): boolean => readable.get(topic) === true && topics.partition(topic, partition) !== undefined;
    const entries = req.topics.flatMap((t) =>
      t.partitions.filter((p) => exists(t.name, p.partitionIndex)).map((p) => ({
        topic: t.name, partition: p.partitionIndex,
        value: { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata, commitTimestamp: p.commitTimestamp > 0 ? p.commitTimestamp : now },
      })),
    );
    let perPartition: Map<string, Error | undefined> | undefined;
    let failure: unknown;
    if (entries.length > 0) {
      try {
        perPartition = await groups.commit(req.groupId, req.memberId, req.generationIdOrMemberEpoch, req.groupInstanceId, entries);
      } catch (err) {
        failure = err;
      }
    }
    res.topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        if (readable.get(t.name) !== true) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
        if (!exists(t.name, p.partitionIndex)) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
        const err = failure ?? perPartition?.get(`${t.name}\u0000${p.partitionIndex}`);
        return { partitionIndex: p.partitionIndex, errorCode: err === undefined ? 0 : errorCodeOf(err) };
      }),
    }));
    return res;
  },
  errorResponse(req, _version, errorCode) {
    const res = defaultOffsetCommitResponse();
    res.topics = req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) }));
    return res;
  },
});

/**
 * A group's committed offsets. Topics the session may not Describe are left out of an
 * "all topics" answer and answered TOPIC_AUTHORIZATION_FAILED when named, as Kafka does.
 */
function fetchGroupOffsets(groups: GroupCoordinatorService, groupId: string, topics: Array<{ name: string; partitionIndexes: number[] }> | null, mayDescribe: (topic: string, quiet: boolean) => boolean, requireStable: boolean): Array<{ name: string; partitions: OffsetFetchResponsePartitions[] }> {
  if (requireStable) groups.noteReadCommitted(groupId);
  // require_stable (v7+, read_committed consumers): an offset a transaction has pending is not answered yet (retriable).
  const unstable = (topic: string, p: number): boolean => requireStable && groups.hasPendingOffset(groupId, topic, p);
  const pendingAnswer = (p: number): OffsetFetchResponsePartitions => ({ partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT });
  if (topics === null) {
    const byTopic = new Map<string, OffsetFetchResponsePartitions[]>();
    for (const e of groups.allCommitted(groupId)) {
      if (!mayDescribe(e.topic, true)) continue;
      const list = byTopic.get(e.topic) ?? [];
      list.push(unstable(e.topic, e.partition) ? pendingAnswer(e.partition) : { partitionIndex: e.partition, committedOffset: e.offset, committedLeaderEpoch: e.leaderEpoch, metadata: e.metadata, errorCode: 0 });
      byTopic.set(e.topic, list);
    }
    return [...byTopic.entries()].map(([name, partitions]) => ({ name, partitions }));
  }
  return topics.map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((p) => {
      if (!mayDescribe(t.name, false)) return { partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
      if (unstable(t.name, p)) return pendingAnswer(p);
      const c = groups.committed(groupId, t.name, p);
      return { partitionIndex: p, committedOffset: c?.offset ?? -1, committedLeaderEpoch: c?.leaderEpoch ?? -1, metadata: c?.metadata ?? '', errorCode: 0 };
    }),
  }));
}

export const offsetFetchHandler = defineHandler<OffsetFetchRequest, OffsetFetchResponse>({
  apiKey: ApiKey.OffsetFetch,
  minVersion: 0,
  maxVersion: 9,
  read: readOffsetFetchRequest,
  write: writeOffsetFetchResponse,
  handle(req, { services: { groups, access }, version, session }) {
    const res = defaultOffsetFetchResponse();
    const mayDescribe = (topic: string, quiet: boolean): boolean => access.allows(session, AclOperation.DESCRIBE, ResourceType.TOPIC, topic, quiet);
    if (version >= 8) {
      // Many groups at once: each needs Describe (v0-7 is checked by the authorise stage).
      res.groups = req.groups.map((g) => (access.allows(session, AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId)
        ? { groupId: g.groupId, errorCode: 0, topics: fetchGroupOffsets(groups, g.groupId, g.topics, mayDescribe, req.requireStable) }
        : { groupId: g.groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] }));
    } else {
      if (req.topics === null && version < 2) throw new KafkaError('INVALID_REQUEST', 'OffsetFetch v0-1 needs topics');
      res.topics = fetchGroupOffsets(groups, req.groupId, req.topics, mayDescribe, req.requireStable);
    }
    return res;
  },
  errorResponse(req, version, errorCode) {
    const res = defaultOffsetFetchResponse();
    if (version >= 8) res.groups = req.groups.map((g) => ({ groupId: g.groupId, errorCode, topics: [] }));
    else res.errorCode = errorCode;
    return res;
  },
});

export const offsetDeleteHandler = defineHandler<OffsetDeleteRequest, OffsetDeleteResponse>({
  apiKey: ApiKey.OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  read: readOffsetDeleteRequest,
  write: writeOffsetDeleteResponse,
  async handle(req, { services: { topics, groups, access }, session }) {
    const res = defaultOffsetDeleteResponse();
    // As Kafka: Delete on the group (checked by the authorise stage), Read on each topic;
    // partitions that do not exist are UNKNOWN_TOPIC_OR_PARTITION and never reach the group.
    const readable = new Map(req.topics.map((t) => [t.name, access.allows(session, AclOperation.READ, ResourceType.TOPIC, t.name)]));
    const codeOf = (topic: string, partition: number): number | undefined => {
      if (readable.get(topic) !== true) return ErrorCode.TOPIC_AUTHORIZATION_FAILED;
      if (topics.partition(topic, partition) === undefined) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      return undefined;
    };
    const wanted = req.topics.flatMap((t) => t.partitions.filter((p) => codeOf(t.name, p.partitionIndex) === undefined).map((p) => ({ topic: t.name, partition: p.partitionIndex })));
    let outcome: Map<string, Error | undefined>;
    try {
      outcome = await groups.deleteOffsets(req.groupId, wanted);
    } catch (err) {
      res.errorCode = errorCodeOf(err);
      return res;
    }
    res.topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const early = codeOf(t.name, p.partitionIndex);
        const err = early === undefined ? outcome.get(`${t.name}\u0000${p.partitionIndex}`) : undefined;
        return { partitionIndex: p.partitionIndex, errorCode: early ?? (err === undefined ? 0 : errorCodeOf(err)) };
      }),
    }));
    return res;
  },
  errorResponse: (_req, _version, errorCode) => ({ ...defaultOffsetDeleteResponse(), errorCode }),
});
