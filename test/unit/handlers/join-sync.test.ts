// JoinGroup and SyncGroup against in-memory services: a two-member rebalance, bytes in
// and out through the codecs, the group's membership stored through the GroupStore.
import { describe, expect, it } from 'vitest';
import { joinGroupHandler, syncGroupHandler } from '../../../src/handlers/groups.js';
import { ErrorCode } from '../../../src/protocol/generated/error-codes.js';
import { defaultJoinGroupRequest, defaultJoinGroupRequestProtocol, writeJoinGroupRequest } from '../../../src/protocol/generated/join-group-request.js';
import { readJoinGroupResponse } from '../../../src/protocol/generated/join-group-response.js';
import { defaultSyncGroupRequest, defaultSyncGroupRequestAssignment, writeSyncGroupRequest } from '../../../src/protocol/generated/sync-group-request.js';
import { readSyncGroupResponse } from '../../../src/protocol/generated/sync-group-response.js';
import { callHandler } from '../../helpers/memory/call-handler.js';
import { memoryServices } from '../../helpers/memory/memory-services.js';

const joinCodecs = { writeRequest: writeJoinGroupRequest, readResponse: readJoinGroupResponse };
const syncCodecs = { writeRequest: writeSyncGroupRequest, readResponse: readSyncGroupResponse };
const join = (memberId: string) => ({
  ...defaultJoinGroupRequest(), groupId: 'g', memberId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 5_000, protocolType: 'consumer',
  protocols: [{ ...defaultJoinGroupRequestProtocol(), name: 'range', metadata: Buffer.from([0, 1]) }],
});
const sync = (memberId: string, generationId: number, assignments: Array<[string, string]>) => ({
  ...defaultSyncGroupRequest(), groupId: 'g', memberId, generationId, protocolType: 'consumer', protocolName: 'range',
  assignments: assignments.map(([m, a]) => ({ ...defaultSyncGroupRequestAssignment(), memberId: m, assignment: Buffer.from(a) })),
});

describe('JoinGroup and SyncGroup handlers', () => {
  it('runs a rebalance: member ids, one generation, the leader\'s assignment handed to each member', async () => {
    const services = memoryServices();
    // v4+: a new member first gets its id.
    const first = await callHandler(joinGroupHandler, services, 7, join(''), joinCodecs);
    expect(first!.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const a = first!.memberId;
    const second = await callHandler(joinGroupHandler, services, 7, join(''), joinCodecs);
    const b = second!.memberId;
    const [ja, jb] = await Promise.all([callHandler(joinGroupHandler, services, 7, join(a), joinCodecs), callHandler(joinGroupHandler, services, 7, join(b), joinCodecs)]);
    expect(ja!.errorCode).toBe(0);
    expect(jb!.generationId).toBe(ja!.generationId);
    expect(ja!.protocolName).toBe('range');
    const leader = ja!.leader;
    const leaderResponse = leader === a ? ja! : jb!;
    expect(leaderResponse.members.map((m) => m.memberId).sort()).toEqual([a, b].sort());
    const follower = leader === a ? b : a;
    const [sf, sl] = await Promise.all([
      callHandler(syncGroupHandler, services, 5, sync(follower, ja!.generationId, []), syncCodecs),
      callHandler(syncGroupHandler, services, 5, sync(leader, ja!.generationId, [[leader, 'to-leader'], [follower, 'to-follower']]), syncCodecs),
    ]);
    expect([sl!.errorCode, sl!.assignment.toString()]).toEqual([0, 'to-leader']);
    expect([sf!.errorCode, sf!.assignment.toString()]).toEqual([0, 'to-follower']);
    expect(services.groups.existing('g')!.state).toBe('Stable');
    expect(services.groupStore.snapshots.get('g')?.generationId).toBe(ja!.generationId);
    await services.groups.close();
  });

  it('refuses a SyncGroup for another generation and a JoinGroup without a group id', async () => {
    const services = memoryServices();
    const id = (await callHandler(joinGroupHandler, services, 7, join(''), joinCodecs))!.memberId;
    const joined = await callHandler(joinGroupHandler, services, 7, join(id), joinCodecs);
    const stale = await callHandler(syncGroupHandler, services, 5, sync(id, joined!.generationId + 1, []), syncCodecs);
    expect(stale!.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    const noGroup = await callHandler(joinGroupHandler, services, 7, { ...join(''), groupId: '' }, joinCodecs);
    expect(noGroup!.errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    await services.groups.close();
  });
});
