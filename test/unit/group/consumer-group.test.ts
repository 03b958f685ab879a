// KIP-848 groups without a network: joins, the server-side assignors, incremental
// reconciliation (no partition owned twice), fencing, regex subscriptions, static members,
// leaving, and the switch between classic and consumer groups in the coordinator.
import { describe, expect, it } from 'vitest';
import { ConsumerGroup, type TopicInfo } from '../../../src/group/consumer-group.js';
import { GroupCoordinator } from '../../../src/group/coordinator.js';
import { rangeAssign, uniformAssign } from '../../../src/group/server-assignors.js';
import { silentLogger } from '../../../src/logger.js';
import type { ConsumerHeartbeatInput } from '../../../src/services/groups.js';
import { errorName } from '../../helpers/error-name.js';
import { MemoryGroupStore } from '../../helpers/memory/memory-group-store.js';

const topics: TopicInfo[] = [{ id: 'T1', name: 'orders', partitions: 6 }, { id: 'T2', name: 'orders-eu', partitions: 2 }, { id: 'T3', name: 'other', partitions: 1 }];
const timing = { sessionTimeoutMs: 60_000, heartbeatIntervalMs: 500 };

function hb(memberId: string, memberEpoch: number, extra: Partial<ConsumerHeartbeatInput> = {}): ConsumerHeartbeatInput {
  return {
    memberId, memberEpoch, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000, subscribedTopicNames: memberEpoch === 0 ? ['orders'] : null,
    subscribedTopicRegex: null, serverAssignor: null, ownedPartitions: null, clientId: 'c', clientHost: '/127.0.0.1', ...extra,
  };
}

const count = (a: Array<{ partitions: number[] }> | null | undefined): number => (a ?? []).reduce((n, t) => n + t.partitions.length, 0);

function owned(g: ConsumerGroup): string[] {
  return [...g.members.values()].flatMap((m) => [...m.assigned].flatMap(([t, s]) => [...s].map((p) => `${t}:${p}`)));
}

describe('server-side assignors', () => {
  const members = [
    { memberId: 'a', topics: new Set(['T1']), current: new Map() },
    { memberId: 'b', topics: new Set(['T1']), current: new Map([['T1', new Set([4, 5])]]) },
    { memberId: 'c', topics: new Set(['T1', 'T2']), current: new Map() },
  ];
  const partitions = new Map([['T1', 6], ['T2', 2]]);

  it('uniform: even, complete, disjoint, and sticky', () => {
    const out = uniformAssign({ members, partitions });
    const all = [...out.values()].flatMap((a) => [...a].flatMap(([t, s]) => [...s].map((p) => `${t}:${p}`)));
    expect(all.sort()).toEqual(['T1:0', 'T1:1', 'T1:2', 'T1:3', 'T1:4', 'T1:5', 'T2:0', 'T2:1']);
    expect([...out.get('b')!.get('T1')!]).toEqual(expect.arrayContaining([4, 5])); // kept what it had
    const sizes = [...out.values()].map((a) => [...a.values()].reduce((n, s) => n + s.size, 0));
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it('range: consecutive ranges per topic in member-id order', () => {
    const out = rangeAssign({ members, partitions });
    expect([...out.get('a')!.get('T1')!]).toEqual([0, 1]);
    expect([...out.get('b')!.get('T1')!]).toEqual([2, 3]);
    expect([...out.get('c')!.get('T1')!]).toEqual([4, 5]);
    expect([...out.get('c')!.get('T2')!]).toEqual([0, 1]);
  });
});

describe('ConsumerGroup', () => {
  it('gives a joining member everything, then moves partitions to a second one only after the first revoked them', () => {
    const g = new ConsumerGroup('g', timing, () => topics, () => undefined);
    const a1 = g.heartbeat(hb('a', 0));
    expect(a1.memberEpoch).toBe(1);
    expect(count(a1.assignment)).toBe(6);
    const b1 = g.heartbeat(hb('b', 0));
    expect(b1.memberEpoch).toBe(2);
    expect(count(b1.assignment)).toBe(0); // a still owns them all
    // a is told to keep only its target share; its epoch stays until it has revoked.
    const a2 = g.heartbeat(hb('a', 1));
    expect(a2.memberEpoch).toBe(1);
    expect(count(a2.assignment)).toBe(3);
    expect(g.state).toBe('Reconciling');
    // Still owning the revoked ones: b gets nothing yet.
    g.heartbeat(hb('a', 1, { ownedPartitions: [{ topicId: 'T1', partitions: [0, 1, 2, 3, 4, 5] }] }));
    expect(count(g.heartbeat(hb('b', 2)).assignment)).toBe(0);
    const kept = a2.assignment![0]!.partitions;
    const a3 = g.heartbeat(hb('a', 1, { ownedPartitions: [{ topicId: 'T1', partitions: kept }] }));
    expect(a3.memberEpoch).toBe(2);
    const b2 = g.heartbeat(hb('b', 2));
    expect(count(b2.assignment)).toBe(3);
    expect(g.state).toBe('Stable');
    expect(new Set(owned(g)).size).toBe(6);
  });

  it('fences stale epochs and unknown members, and refuses an unknown assignor', async () => {
    const g = new ConsumerGroup('g', timing, () => topics, () => undefined);
    g.heartbeat(hb('a', 0));
    expect(await errorName(() => g.heartbeat(hb('a', 7)))).toBe('FENCED_MEMBER_EPOCH');
    expect(await errorName(() => g.heartbeat(hb('zz', 1)))).toBe('UNKNOWN_MEMBER_ID');
    expect(await errorName(() => g.heartbeat(hb('b', 0, { serverAssignor: 'sticky-ish' })))).toBe('UNSUPPORTED_ASSIGNOR');
    expect(await errorName(() => g.heartbeat(hb('c', 0, { subscribedTopicNames: null })))).toBe('INVALID_REQUEST');
    expect(await errorName(() => g.heartbeat(hb('d', 0, { subscribedTopicNames: null, subscribedTopicRegex: '(' })))).toBe('INVALID_REGULAR_EXPRESSION');
  });

  it('subscribes by regex, and picks up a new matching topic', () => {
    const list = [...topics];
    const g = new ConsumerGroup('g', timing, () => list, () => undefined);
    const a = g.heartbeat(hb('a', 0, { subscribedTopicNames: null, subscribedTopicRegex: 'orders.*' }));
    expect(a.assignment!.map((t) => t.topicId).sort()).toEqual(['T1', 'T2']);
    list.push({ id: 'T4', name: 'orders-us', partitions: 3 });
    const again = g.heartbeat(hb('a', a.memberEpoch));
    expect(again.memberEpoch).toBe(a.memberEpoch + 1);
    expect(count(again.assignment)).toBe(11);
  });

  it('keeps a static member\'s place while it bounces (epoch -2), and refuses a second holder of its instance id', async () => {
    const g = new ConsumerGroup('g', timing, () => topics, () => undefined);
    g.heartbeat(hb('a', 0, { instanceId: 'i-1' }));
    g.heartbeat(hb('b', 0));
    expect(await errorName(() => g.heartbeat(hb('c', 0, { instanceId: 'i-1' })))).toBe('UNRELEASED_INSTANCE_ID');
    const before = g.groupEpoch;
    g.heartbeat(hb('a', 1, { memberEpoch: -2 }));
    const back = g.heartbeat(hb('a2', 0, { instanceId: 'i-1' }));
    expect(back.memberEpoch).toBeGreaterThan(0);
    expect(g.members.has('a')).toBe(false);
    expect(g.groupEpoch).toBe(before + 1);
  });

  it('a member that leaves (epoch -1) releases its partitions at once', () => {
    const g = new ConsumerGroup('g', timing, () => topics, () => undefined);
    g.heartbeat(hb('a', 0));
    const left = g.heartbeat(hb('a', 1, { memberEpoch: -1 }));
    expect(left.memberEpoch).toBe(-1);
    expect(g.state).toBe('Empty');
    expect(count(g.heartbeat(hb('b', 0)).assignment)).toBe(6);
  });
});

describe('GroupCoordinator with both kinds of group', () => {
  it('turns an empty group into the other kind, refuses while the other kind has members, and checks commits by member epoch', async () => {
    const c = new GroupCoordinator(new MemoryGroupStore(), { initialRebalanceDelayMs: 0, topics: () => topics, consumer: timing }, silentLogger);
    c.group('g1'); // an empty classic group
    const g = c.consumerGroup('g1');
    g.heartbeat(hb('a', 0));
    expect(await errorName(() => c.group('g1'))).toBe('INCONSISTENT_GROUP_PROTOCOL');
    expect(c.list().find((x) => x.groupId === 'g1')).toMatchObject({ type: 'consumer', protocolType: 'consumer' });
    expect(await errorName(() => c.commit('g1', 'a', 7, null, [{ topic: 'orders', partition: 0, value: { offset: 1, leaderEpoch: -1, metadata: '', commitTimestamp: 1 } }]))).toBe('STALE_MEMBER_EPOCH');
    await c.commit('g1', 'a', 1, null, [{ topic: 'orders', partition: 0, value: { offset: 1, leaderEpoch: -1, metadata: '', commitTimestamp: 1 } }]);
    expect(c.committed('g1', 'orders', 0)?.offset).toBe(1);
    expect(await errorName(() => c.delete('g1'))).toBe('NON_EMPTY_GROUP');
    g.heartbeat(hb('a', 1, { memberEpoch: -1 }));
    expect(c.group('g1').state).toBe('Empty'); // classic again
    await c.close();
  });
});

describe('uniform assignor with a newcomer', () => {
  it('gives a fourth member its share of 6 partitions held by three', () => {
    const current = (ps: number[]) => new Map([['T1', new Set(ps)]]);
    const members = [
      { memberId: 'a', topics: new Set(['T1']), current: current([0, 1]) },
      { memberId: 'b', topics: new Set(['T1']), current: current([2, 3]) },
      { memberId: 'c', topics: new Set(['T1']), current: current([4, 5]) },
      { memberId: 'd', topics: new Set(['T1']), current: new Map() },
    ];
    const out = uniformAssign({ members, partitions: new Map([['T1', 6]]) });
    const sizes = members.map((m) => out.get(m.memberId)!.get('T1')?.size ?? 0);
    expect(sizes.reduce((n, x) => n + x, 0)).toBe(6);
    expect(Math.min(...sizes)).toBe(1);
    expect(Math.max(...sizes)).toBe(2);
    // Everyone kept at least one of its own.
    for (const m of members.slice(0, 3)) expect([...out.get(m.memberId)!.get('T1')!].some((p) => m.current.get('T1')!.has(p))).toBe(true);
  });
});
