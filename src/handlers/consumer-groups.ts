// The KIP-848 consumer group protocol: ConsumerGroupHeartbeat (68), the one request a
// group.protocol=consumer member sends to join, stay, reconcile and leave, and
// ConsumerGroupDescribe (69), what `kafka-consumer-groups --describe` asks of such groups.
// The group logic is in src/group/consumer-group.ts.
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { readConsumerGroupHeartbeatRequest, type ConsumerGroupHeartbeatRequest } from '../protocol/generated/consumer-group-heartbeat-request.js';
import { defaultConsumerGroupHeartbeatResponse, writeConsumerGroupHeartbeatResponse, type ConsumerGroupHeartbeatResponse } from '../protocol/generated/consumer-group-heartbeat-response.js';
import { readConsumerGroupDescribeRequest, type ConsumerGroupDescribeRequest } from '../protocol/generated/consumer-group-describe-request.js';
import { defaultConsumerGroupDescribeResponse, writeConsumerGroupDescribeResponse, type ConsumerGroupDescribeResponse, type DescribedGroup } from '../protocol/generated/consumer-group-describe-response.js';
import { AclOperation, ResourceType } from '../services/acls.js';
import type { PartitionSet } from '../services/groups.js';
import type { TopicDirectory } from '../services/topics.js';
import { KafkaError } from '../errors.js';
import { defineHandler } from './handler.js';
import { errorCodeOf } from './error-code.js';

/** Kafka's "authorized operations were not asked for" (Integer.MIN_VALUE). */
const NOT_ASKED = -2147483648;

export const consumerGroupHeartbeatHandler = defineHandler<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse>({
  apiKey: ApiKey.ConsumerGroupHeartbeat,
  minVersion: 0,
  maxVersion: 1,
  read: readConsumerGroupHeartbeatRequest,
  write: writeConsumerGroupHeartbeatResponse,
  handle(req, { services: { groups, access }, session, header, version }) {
    const res = defaultConsumerGroupHeartbeatResponse();
    try {
      if (!access.allows(session, AclOperation.READ, ResourceType.GROUP, req.groupId)) throw new KafkaError('GROUP_AUTHORIZATION_FAILED', `not authorized to read group ${req.groupId}`);
      if (req.groupId === '') throw new KafkaError('INVALID_REQUEST', 'GroupId can not be empty');
      // Since Kafka 4.0 (KIP-1082) the client makes its member id; v0 clients may leave it to us.
      if (req.memberId === '' && (version >= 1 || req.memberEpoch !== 0)) throw new KafkaError('INVALID_REQUEST', 'MemberId can not be empty');
      const out = groups.consumerGroup(req.groupId).heartbeat({
        memberId: req.memberId, memberEpoch: req.memberEpoch, instanceId: req.instanceId, rackId: req.rackId,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs, subscribedTopicNames: req.subscribedTopicNames,
        subscribedTopicRegex: version >= 1 ? req.subscribedTopicRegex : null, serverAssignor: req.serverAssignor,
        ownedPartitions: req.topicPartitions, clientId: header.clientId ?? '', clientHost: session.clientHost,
      });
      Object.assign(res, { memberId: out.memberId, memberEpoch: out.memberEpoch, heartbeatIntervalMs: out.heartbeatIntervalMs, assignment: out.assignment === null ? null : { topicPartitions: out.assignment } });
    } catch (err) {
      res.errorCode = errorCodeOf(err);
      res.errorMessage = err instanceof Error ? err.message : null;
    }
    return res;
  },
  errorResponse: (_req, _version, errorCode) => ({ ...defaultConsumerGroupHeartbeatResponse(), errorCode }),
});

function named(a: PartitionSet, topics: TopicDirectory): Array<{ topicId: string; topicName: string; partitions: number[] }> {
  return [...a].filter(([, s]) => s.size > 0).map(([topicId, s]) => ({ topicId, topicName: topics.byId(topicId)?.name ?? '', partitions: [...s].sort((x, y) => x - y) }));
}

export const consumerGroupDescribeHandler = defineHandler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>({
  apiKey: ApiKey.ConsumerGroupDescribe,
  minVersion: 0,
  maxVersion: 0,
  read: readConsumerGroupDescribeRequest,
  write: writeConsumerGroupDescribeResponse,
  handle(req, { services: { groups, topics, access }, session }) {
    const res = defaultConsumerGroupDescribeResponse();
    res.groups = req.groupIds.map((groupId): DescribedGroup => {
      const empty = { errorCode: 0, errorMessage: null, groupId, groupState: '', groupEpoch: -1, assignmentEpoch: -1, assignorName: '', members: [], authorizedOperations: NOT_ASKED };
      if (!access.allows(session, AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) return { ...empty, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
      const g = groups.existingConsumerGroup(groupId);
      if (g === undefined) {
        // As Kafka: a classic group (or none) is not found here; the admin client then asks DescribeGroups.
        return { ...empty, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} not found or not a consumer group.` };
      }
      return {
        ...empty,
        groupState: g.state, groupEpoch: g.groupEpoch, assignmentEpoch: g.assignmentEpoch, assignorName: g.assignorName,
        authorizedOperations: req.includeAuthorizedOperations ? access.authorizedOperations(session, ResourceType.GROUP, groupId) : NOT_ASKED,
        members: [...g.members.values()].map((m) => ({
          memberId: m.memberId, instanceId: m.instanceId, rackId: m.rackId, memberEpoch: m.memberEpoch, clientId: m.clientId, clientHost: m.clientHost,
          subscribedTopicNames: [...m.subscribedTopicNames], subscribedTopicRegex: m.subscribedTopicRegex,
          assignment: { topicPartitions: named(m.assigned, topics) }, targetAssignment: { topicPartitions: named(g.targetOf(m.memberId), topics) },
          memberType: -1,
        })),
      };
    });
    return res;
  },
  errorResponse: (req, _version, errorCode) => ({
    ...defaultConsumerGroupDescribeResponse(),
    groups: req.groupIds.map((groupId) => ({ errorCode, errorMessage: null, groupId, groupState: '', groupEpoch: -1, assignmentEpoch: -1, assignorName: '', members: [], authorizedOperations: NOT_ASKED })),
  }),
});
