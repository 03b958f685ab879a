// The classic group state machine around persistence, driven deterministically: the store's
// writes complete only when the test says so, and timers are fake. Each case puts one
// request (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit check) or a session
// expiry in the window while the leader's assignment is being written, and checks that no
// state change shows before the write completes and that every parked request is answered.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Group, type JoinRequest, type JoinResult, type SyncResult } from '../../../src/group/group.js';
import type { GroupSnapshot } from '../../../src/group/offsets-store.js';

interface Write { snapshot: GroupSnapshot | null; resolve: () => void; reject: (e: Error) => void }

/** A store whose writes stay pending until the test completes them. */
function controllableStore(): { writes: Write[]; persist: (s: GroupSnapshot | null) => Promise<void> } {
  const writes: Write[] = [];
  return {
    writes,
    persist: (snapshot) => new Promise<void>((resolve, reject) => writes.push({ snapshot, resolve, reject })),
  };
}

const SESSION_MS = 10_000;
const REBALANCE_MS = 30_000;

function joinReq(memberId: string, extra: Partial<JoinRequest> = {}): JoinRequest {
  return {
    memberId, groupInstanceId: null, clientId: 'c', clientHost: '/127.0.0.1', sessionTimeoutMs: SESSION_MS, rebalanceTimeoutMs: REBALANCE_MS,
    protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from('m') }], requireKnownMemberId: false, ...extra,
  };
}

/** Tracks a promise's outcome without awaiting it, so a test can assert "not answered yet". */
function track<T>(p: Promise<T>): { value: T | undefined; done: boolean } {
  const t: { value: T | undefined; done: boolean } = { value: undefined, done: false };
  void p.then((v) => { t.value = v; t.done = true; });
  return t;
}

const flush = async (): Promise<void> => { for (let i = 0; i < 5; i++) await Promise.resolve(); };

/** A group in CompletingRebalance with members a (leader) and b, generation 1. */
async function completingGroup(): Promise<{ g: Group; writes: Write[]; a: string; b: string }> {
  const store = controllableStore();
  const g = new Group('g', { initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1000, maxSessionTimeoutMs: 60_000 }, store.persist);
  const ja = track(g.join(joinReq('')));
  const jb = track(g.join(joinReq('')));
  await vi.advanceTimersByTimeAsync(0);
  expect(ja.done && jb.done).toBe(true);
  expect(g.state).toBe('CompletingRebalance');
  return { g, writes: store.writes, a: ja.value!.memberId, b: jb.value!.memberId };
}

const assignment = (a: string, b: string): Array<{ memberId: string; assignment: Buffer }> => [
  { memberId: a, assignment: Buffer.from('A') }, { memberId: b, assignment: Buffer.from('B') },
];

beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => { vi.useRealTimers(); });

describe('group state around the assignment write', () => {
  it('stays CompletingRebalance until the write completes, then answers every parked SyncGroup', async () => {
    const { g, writes, a, b } = await completingGroup();
    expect(g.leaderId).toBe(a);
    const sb = track(g.sync(b, 1, null, []));
    const sa = track(g.sync(a, 1, null, assignment(a, b)));
    await flush();
    expect(writes).toHaveLength(1);
    expect(g.state).toBe('CompletingRebalance');
    expect(sa.done || sb.done).toBe(false);
    expect(() => g.checkCommit(b, 1, null)).toThrow(expect.objectContaining({ errorName: 'REBALANCE_IN_PROGRESS' }));
    writes[0]!.resolve();
    await flush();
    expect(g.state).toBe('Stable');
    expect(sa.value).toMatchObject({ assignment: Buffer.from('A') });
    expect(sb.value).toMatchObject({ assignment: Buffer.from('B') });
    expect(sa.value!.error).toBeUndefined();
    // a late follower gets its assignment at once
    const late = await g.sync(b, 1, null, []);
    expect(late.assignment).toEqual(Buffer.from('B'));
    expect(() => g.checkCommit(b, 1, null)).not.toThrow();
  });

  it('a JoinGroup during the write answers the parked SyncGroups with REBALANCE_IN_PROGRESS at once (the reported stall)', async () => {
    const { g, writes, a, b } = await completingGroup();
    const sb = track(g.sync(b, 1, null, []));
    const sa = track(g.sync(a, 1, null, assignment(a, b)));
    await flush();
    const jc = track(g.join(joinReq('')));
    await flush();
    expect(g.state).toBe('PreparingRebalance');
    expect(sa.value?.error).toBe('REBALANCE_IN_PROGRESS');
    expect(sb.value?.error).toBe('REBALANCE_IN_PROGRESS');
    writes[0]!.resolve();
    await flush();
    expect(g.state).toBe('PreparingRebalance'); // the late write changes nothing
    expect(jc.done).toBe(false);
    const ja = track(g.join(joinReq(a)));
    const jb = track(g.join(joinReq(b)));
    await flush();
    expect(ja.value?.generationId).toBe(2);
    expect(jb.value?.generationId).toBe(2);
    expect(jc.value?.generationId).toBe(2);
    expect(g.state).toBe('CompletingRebalance');
  });

  it('a Heartbeat during the write neither errors nor changes the state', async () => {
    const { g, writes, a, b } = await completingGroup();
    const sa = track(g.sync(a, 1, null, assignment(a, b)));
    await flush();
    expect(() => g.heartbeat(b, 1, null)).not.toThrow();
    expect(g.state).toBe('CompletingRebalance');
    writes[0]!.resolve();
    await flush();
    expect(sa.value?.error).toBeUndefined();
    expect(g.state).toBe('Stable');
  });

  it('a LeaveGroup during the write answers the parked SyncGroups and rebalances without the leaver', async () => {
    const { g, writes, a, b } = await completingGroup();
    const sa = track(g.sync(a, 1, null, assignment(a, b)));
    const sb = track(g.sync(b, 1, null, []));
    await flush();
    expect(g.leave(b, null)).toBeUndefined();
    await flush();
    expect(sb.value?.error).toBe('UNKNOWN_MEMBER_ID');
    expect(sa.value?.error).toBe('REBALANCE_IN_PROGRESS');
    writes[0]!.resolve();
    await flush();
    const ja = await g.join(joinReq(a));
    expect(ja).toMatchObject({ generationId: 2, leader: a });
    expect(ja.members.map((m) => m.memberId)).toEqual([a]);
  });

  it('a session expiring during the write answers the parked SyncGroups and removes only the silent member', async () => {
    const { g, writes, a, b } = await completingGroup();
    const sa = track(g.sync(a, 1, null, assignment(a, b)));
    await flush();
    // b never syncs nor heartbeats: its session ends while the write is still pending;
    // a is parked and therefore kept alive.
    await vi.advanceTimersByTimeAsync(SESSION_MS + 1);
    expect(sa.value?.error).toBe('REBALANCE_IN_PROGRESS');
    expect(g.memberList().map((m) => m.memberId)).toEqual([a]);
    writes[0]!.resolve();
    await flush();
    expect(g.state).toBe('PreparingRebalance');
  });

  it('a failed write answers the parked SyncGroups with COORDINATOR_NOT_AVAILABLE and rebalances', async () => {
    const { g, writes, a, b } = await completingGroup();
    const sa = track(g.sync(a, 1, null, assignment(a, b)));
    const sb = track(g.sync(b, 1, null, []));
    await flush();
    writes[0]!.reject(new Error('disk full'));
    await flush();
    expect(sa.value?.error).toBe('COORDINATOR_NOT_AVAILABLE');
    expect(sb.value?.error).toBe('COORDINATOR_NOT_AVAILABLE');
    expect(g.state).toBe('PreparingRebalance');
  });

  it('an OffsetCommit check during the write is refused with REBALANCE_IN_PROGRESS, from an old generation with ILLEGAL_GENERATION', async () => {
    const { g, writes, a, b } = await completingGroup();
    track(g.sync(a, 1, null, assignment(a, b)));
    await flush();
    expect(() => g.checkCommit(a, 1, null)).toThrow(expect.objectContaining({ errorName: 'REBALANCE_IN_PROGRESS' }));
    expect(() => g.checkCommit(a, 0, null)).toThrow(expect.objectContaining({ errorName: 'ILLEGAL_GENERATION' }));
    expect(() => g.checkCommit('nobody', 1, null)).toThrow(expect.objectContaining({ errorName: 'UNKNOWN_MEMBER_ID' }));
    expect(() => g.checkCommit('', -1, null)).toThrow(expect.objectContaining({ errorName: 'UNKNOWN_MEMBER_ID' }));
    writes[0]!.resolve();
    await flush();
    expect(() => g.checkCommit(a, 1, null)).not.toThrow();
  });

  it('a second SyncGroup from the leader during the write does not write again; the superseded one is answered', async () => {
    const { g, writes, a, b } = await completingGroup();
    const first = track(g.sync(a, 1, null, assignment(a, b)));
    await flush();
    const second = track(g.sync(a, 1, null, assignment(a, b)));
    await flush();
    expect(writes).toHaveLength(1);
    expect(first.value?.error).toBe('REBALANCE_IN_PROGRESS');
    writes[0]!.resolve();
    await flush();
    expect(second.value?.assignment).toEqual(Buffer.from('A'));
  });

  it('a member that never sends SyncGroup is removed after the rebalance timeout, and the parked ones are answered', async () => {
    const { g, writes, a, b } = await completingGroup();
    // b syncs and is parked; a (the leader) heartbeats but never sends its SyncGroup.
    const sb = track(g.sync(b, 1, null, []));
    for (let t = 0; t < REBALANCE_MS; t += 5_000) {
      await vi.advanceTimersByTimeAsync(5_000);
      if (g.memberList().some((m) => m.memberId === a)) g.heartbeat(a, 1, null);
    }
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toHaveLength(0); // no assignment was ever stored
    expect(sb.value?.error).toBe('REBALANCE_IN_PROGRESS');
    expect(g.memberList().map((m) => m.memberId)).toEqual([b]);
    expect(g.state).toBe('PreparingRebalance');
  });

  it('a known member rejoining with the same metadata during CompletingRebalance gets the current generation', async () => {
    const { g, a, b } = await completingGroup();
    const again = await g.join(joinReq(b));
    expect(again).toMatchObject({ generationId: 1, leader: a, memberId: b, members: [] });
    const leader = await g.join(joinReq(a));
    expect(leader.members.map((m) => m.memberId).sort()).toEqual([a, b].sort());
    expect(g.state).toBe('CompletingRebalance');
  });

  it('a member whose metadata changed rebalances even from Stable; the follower path answers at once', async () => {
    const { g, writes, a, b } = await completingGroup();
    track(g.sync(a, 1, null, assignment(a, b)));
    await flush();
    writes[0]!.resolve();
    await flush();
    expect(g.state).toBe('Stable');
    expect(await g.join(joinReq(b))).toMatchObject({ generationId: 1 });
    expect(g.state).toBe('Stable');
    const changed = track(g.join(joinReq(b, { protocols: [{ name: 'range', metadata: Buffer.from('other') }] })));
    await flush();
    expect(g.state).toBe('PreparingRebalance');
    expect(changed.done).toBe(false);
    expect(() => g.heartbeat(a, 1, null)).toThrow(expect.objectContaining({ errorName: 'REBALANCE_IN_PROGRESS' }));
  });

  it('SyncGroup v5 with a protocol the group did not choose is INCONSISTENT_GROUP_PROTOCOL', async () => {
    const { g, a, b } = await completingGroup();
    const r = await g.sync(a, 1, null, assignment(a, b), { type: 'consumer', name: 'roundrobin' });
    expect(r.error).toBe('INCONSISTENT_GROUP_PROTOCOL');
  });

  it('shutdown answers every parked JoinGroup and SyncGroup', async () => {
    const { g, a, b } = await completingGroup();
    const sa = track(g.sync(a, 1, null, assignment(a, b)));
    await flush();
    g.shutdown();
    await flush();
    expect(sa.value?.error).toBe('COORDINATOR_NOT_AVAILABLE');
    const after: JoinResult = await g.join(joinReq(''));
    expect(after.error).toBe('COORDINATOR_NOT_AVAILABLE');
    const s: SyncResult = await g.sync(a, 1, null, []);
    expect(s.error).toBe('COORDINATOR_NOT_AVAILABLE');
  });
});
