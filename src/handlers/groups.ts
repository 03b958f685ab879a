// Consumer group APIs (classic protocol): JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
// ListGroups, DescribeGroups, DeleteGroups. The state machine is in src/group/group.ts.
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { readDeleteGroupsRequest, type DeleteGroupsRequest } from '../protocol/generated/delete-groups-request.js';
import { defaultDeleteGroupsResponse, writeDeleteGroupsResponse, type DeleteGroupsResponse } from '../protocol/generated/delete-groups-response.js';
import { readDescribeGroupsRequest, type DescribeGroupsRequest } from '../protocol/generated/describe-groups-request.js';
import { defaultDescribeGroupsResponse, writeDescribeGroupsResponse, type DescribeGroupsResponse } from '../protocol/generated/describe-groups-response.js';
import { readHeartbeatRequest, type HeartbeatRequest } from '../protocol/generated/heartbeat-request.js';
import { defaultHeartbeatResponse, writeHeartbeatResponse, type HeartbeatResponse } from '../protocol/generated/heartbeat-response.js';
import { readJoinGroupRequest, type JoinGroupRequest } from '../protocol/generated/join-group-request.js';
import { defaultJoinGroupResponse, writeJoinGroupResponse, type JoinGroupResponse } from '../protocol/generated/join-group-response.js';
import { readLeaveGroupRequest, type LeaveGroupRequest } from '../protocol/generated/leave-group-request.js';
import { defaultLeaveGroupResponse, writeLeaveGroupResponse, type LeaveGroupResponse } from '../protocol/generated/leave-group-response.js';
import { readListGroupsRequest, type ListGroupsRequest } from '../protocol/generated/list-groups-request.js';
import { defaultListGroupsResponse, writeListGroupsResponse, type ListGroupsResponse } from '../protocol/generated/list-groups-response.js';
import { readSyncGroupRequest, type SyncGroupRequest } from '../protocol/generated/sync-group-request.js';
import { defaultSyncGroupResponse, writeSyncGroupResponse, type SyncGroupResponse } from '../protocol/generated/sync-group-response.js';
import { defineHandler } from './handler.js';
import { errorCodeOf } from './error-code.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../services/acls.js';

/** Kafka's "authorized operations were not asked for" (Integer.MIN_VALUE). */
const NOT_ASKED = -2147483648;

const code = (name: keyof typeof ErrorCode | undefined): number => (name === undefined ? 0 : ErrorCode[name]);

export const joinGroupHandler = defineHandler<JoinGroupRequest, JoinGroupResponse>({
  apiKey: ApiKey.JoinGroup,
  minVersion: 0,
  maxVersion: 9,
  read: readJoinGroupRequest,
  write: writeJoinGroupResponse,
  async handle(req, { services: { groups }, version, header, session }) {
    const res = defaultJoinGroupResponse();
    try {
      const r = await groups.group(req.groupId).join({
        memberId: req.memberId, groupInstanceId: req.groupInstanceId, clientId: header.clientId ?? '', clientHost: session.clientHost,
        // v0 has no rebalance timeout: it equals the session timeout.
        sessionTimeoutMs: req.sessionTimeoutMs, rebalanceTimeoutMs: version >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
        protocolType: req.protocolType, protocols: req.protocols, requireKnownMemberId: version >= 4,
      });
      Object.assign(res, { errorCode: code(r.error), generationId: r.generationId, protocolType: r.protocolType, protocolName: r.protocolName ?? (version >= 7 ? null : ''), leader: r.leader, memberId: r.memberId, members: r.members });
    } catch (err) {
      res.errorCode = errorCodeOf(err);
    }
    return res;
  },
  errorResponse: (_req, _version, errorCode) => ({ ...defaultJoinGroupResponse(), errorCode }),
});

export const syncGroupHandler = defineHandler<SyncGroupRequest, SyncGroupResponse>({
  apiKey: ApiKey.SyncGroup,
  minVersion: 0,
  maxVersion: 5,
  read: readSyncGroupRequest,
  write: writeSyncGroupResponse,
  async handle(req, { services: { groups } }) {
    const res = defaultSyncGroupResponse();
    const group = groups.existing(req.groupId);
    if (group === undefined) {
      res.errorCode = ErrorCode.UNKNOWN_MEMBER_ID;
      return res;
    }
    const r = await group.sync(req.memberId, req.generationId, req.groupInstanceId, req.assignments, { type: req.protocolType, name: req.protocolName });
    Object.assign(res, { errorCode: code(r.error), protocolType: r.protocolType, protocolName: r.protocolName, assignment: r.assignment });
    return res;
  },
  errorResponse: (_req, _version, errorCode) => ({ ...defaultSyncGroupResponse(), errorCode }),
});

export const heartbeatHandler = defineHandler<HeartbeatRequest, HeartbeatResponse>({
  apiKey: ApiKey.Heartbeat,
  minVersion: 0,
  maxVersion: 4,
  read: readHeartbeatRequest,
  write: writeHeartbeatResponse,
  handle(req, { services: { groups } }) {
    const res = defaultHeartbeatResponse();
    try {
      const group = groups.existing(req.groupId);
      if (group === undefined) res.errorCode = ErrorCode.UNKNOWN_MEMBER_ID;
      else group.heartbeat(req.memberId, req.generationId, req.groupInstanceId);
    } catch (err) {
      res.errorCode = errorCodeOf(err);
    }
    return res;
  },
  errorResponse: (_req, _version, errorCode) => ({ ...defaultHeartbeatResponse(), errorCode }),
});

export const leaveGroupHandler = defineHandler<LeaveGroupRequest, LeaveGroupResponse>({
  apiKey: ApiKey.LeaveGroup,
  minVersion: 0,
  maxVersion: 5,
  read: readLeaveGroupRequest,
  write: writeLeaveGroupResponse,
  handle(req, { services: { groups }, version }) {
    const res = defaultLeaveGroupResponse();
    const group = groups.existing(req.groupId);
    const leaving = version >= 3 ? req.members : [{ memberId: req.memberId, groupInstanceId: null, reason: null }];
    res.members = leaving.map((m) => ({
      memberId: m.memberId, groupInstanceId: m.groupInstanceId,
      errorCode: group === undefined ? ErrorCode.UNKNOWN_MEMBER_ID : code(group.leave(m.memberId, m.groupInstanceId)),
    }));
    if (version < 3) res.errorCode = res.members[0]!.errorCode;
    return res;
  },
  errorResponse(req, version, errorCode) {
    const res = { ...defaultLeaveGroupResponse(), errorCode };
    if (version >= 3) res.members = req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode }));
    return res;
  },
});

export const listGroupsHandler = defineHandler<ListGroupsRequest, ListGroupsResponse>({
  apiKey: ApiKey.ListGroups,
  minVersion: 0,
  maxVersion: 5,
  read: readListGroupsRequest,
  write: writeListGroupsResponse,
  handle(req, { services: { groups, access }, session }) {
    const res = defaultListGroupsResponse();
    const states = new Set(req.statesFilter.map((s) => s.toLowerCase()));
    // As Kafka: Describe on the cluster lists every group; otherwise those the session may Describe.
    const all = access.allows(session, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME, true);
    res.groups = groups
      .list()
      .filter((g) => all || access.allows(session, AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId, true))
      .filter((g) => states.size === 0 || states.has(g.state.toLowerCase()))
      .filter((g) => req.typesFilter.length === 0 || req.typesFilter.map((t) => t.toLowerCase()).includes(g.type))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: g.type }));
    return res;
  },
  errorResponse: (_req, _version, errorCode) => ({ ...defaultListGroupsResponse(), errorCode }),
});

export const describeGroupsHandler = defineHandler<DescribeGroupsRequest, DescribeGroupsResponse>({
  apiKey: ApiKey.DescribeGroups,
  minVersion: 0,
  maxVersion: 5,
  read: readDescribeGroupsRequest,
  write: writeDescribeGroupsResponse,
  handle(req, { services: { groups, access }, session }) {
    const res = defaultDescribeGroupsResponse();
    res.groups = req.groups.map((groupId) => {
      if (!access.allows(session, AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) {
        return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groupId, groupState: '', protocolType: '', protocolData: '', authorizedOperations: NOT_ASKED, members: [] };
      }
      const modern = groups.existingConsumerGroup(groupId);
      if (modern !== undefined) {
        // As Kafka 4: a consumer-protocol group is described by ConsumerGroupDescribe; the admin client falls back to that.
        return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, groupId, groupState: 'Dead', protocolType: '', protocolData: '', authorizedOperations: NOT_ASKED, members: [] };
      }
      const g = groups.existing(groupId);
      const hasOffsets = groups.allCommitted(groupId).length > 0;
      const state = g?.state ?? (hasOffsets ? 'Empty' : 'Dead');
      return {
        errorCode: 0, groupId, groupState: state, protocolType: g?.protocolType ?? '', protocolData: g?.protocolName ?? '',
        authorizedOperations: req.includeAuthorizedOperations ? access.authorizedOperations(session, ResourceType.GROUP, groupId) : NOT_ASKED,
        members: (g?.memberList() ?? []).map((m) => ({
          memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
          memberMetadata: m.protocols.find((p) => p.name === g?.protocolName)?.metadata ?? Buffer.alloc(0),
          memberAssignment: m.assignment,
        })),
      };
    });
    return res;
  },
  errorResponse(req, _version, errorCode) {
    const res = defaultDescribeGroupsResponse();
    res.groups = req.groups.map((groupId) => ({ errorCode, groupId, groupState: '', protocolType: '', protocolData: '', authorizedOperations: -2147483648, members: [] }));
    return res;
  },
});

export const deleteGroupsHandler = defineHandler<DeleteGroupsRequest, DeleteGroupsResponse>({
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 2,
  read: readDeleteGroupsRequest,
  write: writeDeleteGroupsResponse,
  async handle(req, { services: { groups, access }, session }) {
    const res = defaultDeleteGroupsResponse();
    for (const groupId of req.groupsNames) {
      if (!access.allows(session, AclOperation.DELETE, ResourceType.GROUP, groupId)) {
        res.results.push({ groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED });
        continue;
      }
      try {
        await groups.delete(groupId);
        res.results.push({ groupId, errorCode: 0 });
      } catch (err) {
        res.results.push({ groupId, errorCode: errorCodeOf(err) });
      }
    }
    return res;
  },
  errorResponse(req, _version, errorCode) {
    return { ...defaultDeleteGroupsResponse(), results: req.groupsNames.map((groupId) => ({ groupId, errorCode })) };
  },
});
