// The classic group protocol step by step, through the project's own client:
// MEMBER_ID_REQUIRED, generations, rebalance on join, leave and session timeout, and
// static membership (a restarted static member takes its place without a rebalance).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/server/start.js';
import { RawClient } from '../../src/client/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/error-codes.js';
import { defaultJoinGroupRequest, writeJoinGroupRequest } from '../../src/protocol/generated/join-group-request.js';
import { readJoinGroupResponse, type JoinGroupResponse } from '../../src/protocol/generated/join-group-response.js';
import { writeSyncGroupRequest } from '../../src/protocol/generated/sync-group-request.js';
import { readSyncGroupResponse } from '../../src/protocol/generated/sync-group-response.js';
import { writeHeartbeatRequest } from '../../src/protocol/generated/heartbeat-request.js';
import { readHeartbeatResponse } from '../../src/protocol/generated/heartbeat-response.js';
import { writeLeaveGroupRequest } from '../../src/protocol/generated/leave-group-request.js';
import { readLeaveGroupResponse } from '../../src/protocol/generated/leave-group-response.js';
import { writeDescribeGroupsRequest } from '../../src/protocol/generated/describe-groups-request.js';
import { readDescribeGroupsResponse } from '../../src/protocol/generated/describe-groups-response.js';
import { testBroker } from '../helpers/broker.js';

let running: RunningBroker;
let dataDir: string;
let a: RawClient;
let b: RawClient;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'strata-group-'));
  running = await testBroker(dataDir, { groupInitialRebalanceDelayMs: 50 });
  a = await RawClient.connect(running.host, running.port, 'client-a');
  b = await RawClient.connect(running.host, running.port, 'client-b');
});

afterAll(async () => {
  a.close();
  b.close();
  await running.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const V = 5;

async function join_(c: RawClient, group: string, memberId: string, opts: { instance?: string; session?: number } = {}): Promise<JoinGroupResponse> {
  const req = {
    ...defaultJoinGroupRequest(), groupId: group, sessionTimeoutMs: opts.session ?? 10_000, rebalanceTimeoutMs: 5_000, memberId,
    groupInstanceId: opts.instance ?? null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from(c.clientId) }],
  };
  return readJoinGroupResponse(await c.request(ApiKey.JoinGroup, V, (w) => writeJoinGroupRequest(w, V, req)), V);
}

/** Joins from scratch: the first attempt returns MEMBER_ID_REQUIRED with the id to use. */
async function joinNew(c: RawClient, group: string, opts: { session?: number } = {}): Promise<{ first: JoinGroupResponse; memberId: string; pending: Promise<JoinGroupResponse> }> {
  const first = await join_(c, group, '', opts);
  return { first, memberId: first.memberId, pending: join_(c, group, first.memberId, opts) };
}

async function sync(c: RawClient, group: string, memberId: string, generationId: number, assignments: Array<{ memberId: string; assignment: Buffer }> = [], instance: string | null = null) {
  return readSyncGroupResponse(await c.request(ApiKey.SyncGroup, V, (w) => writeSyncGroupRequest(w, V, { groupId: group, generationId, memberId, groupInstanceId: instance, protocolType: 'consumer', protocolName: 'range', assignments })), V);
}

async function heartbeat(c: RawClient, group: string, memberId: string, generationId: number, instance: string | null = null): Promise<number> {
  return readHeartbeatResponse(await c.request(ApiKey.Heartbeat, 4, (w) => writeHeartbeatRequest(w, 4, { groupId: group, generationId, memberId, groupInstanceId: instance })), 4).errorCode;
}

async function describeGroup(group: string) {
  return readDescribeGroupsResponse(await a.request(ApiKey.DescribeGroups, 5, (w) => writeDescribeGroupsRequest(w, 5, { groups: [group], includeAuthorizedOperations: false })), 5).groups[0]!;
}

describe('classic group protocol', () => {
  it('member ids, generations, rebalance on join, leave and session timeout', async () => {
    const A = await joinNew(a, 'g1');
    expect(A.first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const a1 = await A.pending;
    expect(a1).toMatchObject({ errorCode: 0, generationId: 1, leader: A.memberId, protocolName: 'range' });
    expect(a1.members.map((m) => m.memberId)).toEqual([A.memberId]);
    expect((await sync(a, 'g1', A.memberId, 1, [{ memberId: A.memberId, assignment: Buffer.from('all') }])).assignment.toString()).toBe('all');
    expect(await heartbeat(a, 'g1', A.memberId, 1)).toBe(0);

    // B joins: A learns of the rebalance from its heartbeat and rejoins.
    const B = await joinNew(b, 'g1', { session: 1500 });
    expect(await heartbeat(a, 'g1', A.memberId, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const [a2, b2] = await Promise.all([join_(a, 'g1', A.memberId), B.pending]);
    expect(a2.generationId).toBe(2);
    expect(b2.generationId).toBe(2);
    expect(a2.leader).toBe(A.memberId);
    expect(a2.members.length).toBe(2); // the leader sees everyone's metadata
    expect(b2.members.length).toBe(0);
    const followerSync = sync(b, 'g1', B.memberId, 2); // waits for the leader's assignment
    await sync(a, 'g1', A.memberId, 2, [{ memberId: A.memberId, assignment: Buffer.from('a') }, { memberId: B.memberId, assignment: Buffer.from('b') }]);
    expect((await followerSync).assignment.toString()).toBe('b');
    expect(await heartbeat(a, 'g1', A.memberId, 1)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await describeGroup('g1')).groupState).toBe('Stable');

    // B stops heartbeating: after its 1.5 s session it is removed and A rebalances alone.
    const deadline = Date.now() + 10_000;
    let code = 0;
    while (Date.now() < deadline && code !== ErrorCode.REBALANCE_IN_PROGRESS) {
      await new Promise((r) => setTimeout(r, 200));
      code = await heartbeat(a, 'g1', A.memberId, 2);
    }
    expect(code).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const a3 = await join_(a, 'g1', A.memberId);
    expect(a3.generationId).toBe(3);
    expect(a3.members.map((m) => m.memberId)).toEqual([A.memberId]);
    expect(await heartbeat(b, 'g1', B.memberId, 2)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    await sync(a, 'g1', A.memberId, 3, [{ memberId: A.memberId, assignment: Buffer.from('all again') }]);

    // A leaves: the group is empty.
    const left = readLeaveGroupResponse(await a.request(ApiKey.LeaveGroup, 4, (w) => writeLeaveGroupRequest(w, 4, { groupId: 'g1', memberId: '', members: [{ memberId: A.memberId, groupInstanceId: null, reason: null }] })), 4);
    expect(left.members[0]!.errorCode).toBe(0);
    expect((await describeGroup('g1')).groupState).toBe('Empty');
  });

  it('static membership: a restarted member with the same group.instance.id takes its place without a rebalance', async () => {
    const s1 = await join_(a, 'g2', '', { instance: 'host-1' }); // static members skip MEMBER_ID_REQUIRED
    expect(s1.errorCode).toBe(0);
    const other = await joinNew(b, 'g2');
    const [s1b, o1] = await Promise.all([
      (async () => {
        expect(await heartbeat(a, 'g2', s1.memberId, s1.generationId, 'host-1')).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
        return join_(a, 'g2', s1.memberId, { instance: 'host-1' });
      })(),
      other.pending,
    ]);
    const gen = s1b.generationId;
    const leader = s1b.leader === s1.memberId ? a : b;
    const leaderId = s1b.leader;
    const followerSync = sync(leader === a ? b : a, 'g2', leader === a ? other.memberId : s1.memberId, gen, [], leader === a ? null : 'host-1');
    await sync(leader, 'g2', leaderId, gen, [{ memberId: s1.memberId, assignment: Buffer.from('p0') }, { memberId: other.memberId, assignment: Buffer.from('p1') }], leader === a ? 'host-1' : null);
    await followerSync;
    // "Restart": join again with no member id but the same instance id.
    const again = await join_(a, 'g2', '', { instance: 'host-1' });
    expect(again.errorCode).toBe(0);
    expect(again.memberId).not.toBe(s1.memberId);
    expect(again.generationId).toBe(gen); // no new generation
    expect((await sync(a, 'g2', again.memberId, gen, [], 'host-1')).assignment.toString()).toBe('p0'); // same assignment
    expect(await heartbeat(b, 'g2', other.memberId, gen)).toBe(0); // the other member saw no rebalance
    expect(await heartbeat(a, 'g2', s1.memberId, gen, 'host-1')).not.toBe(0); // the old incarnation is fenced
  });
});
