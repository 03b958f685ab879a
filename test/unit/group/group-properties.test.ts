// Property-based test of the classic group state machine: random sequences of JoinGroup,
// SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, time passing (session expiry, rebalance
// and pending-sync timeouts) and broker restarts, against a store whose writes complete in
// order after random latencies. Clients are modelled the way Kafka's consumers behave
// (rejoin on errors, commit only under the generation they hold an assignment for, start
// from the committed offset). Checked after every step:
// - every JoinGroup and SyncGroup is answered within its bound (rebalance timeout plus
//   store latency), never left parked;
// - a successful SyncGroup answer is only given while its generation is the Stable one,
//   and all answers of one generation come from one assignment;
// - while Stable, the members' assignments cover every partition exactly once;
// - an accepted commit is from the current generation, and committed offsets never go back.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Group, type JoinResult, type SyncResult } from '../../../src/group/group.js';
import type { GroupSnapshot } from '../../../src/group/offsets-store.js';

const PARTITIONS = 6;
const CLIENTS = 4;
const SESSION_MS = 2_000;
const REBALANCE_MS = 3_000;
const INITIAL_DELAY_MS = 300;
const MAX_LATENCY_MS = 200;
const timing = { initialRebalanceDelayMs: INITIAL_DELAY_MS, minSessionTimeoutMs: 1000, maxSessionTimeoutMs: 60_000 };
/** Upper bound on how long a parked request may wait: a rebalance timeout plus a short queue of writes. */
const ANSWER_BOUND_MS = REBALANCE_MS + 10 * MAX_LATENCY_MS;

type Action =
  | { t: 'step' | 'join' | 'sync' | 'heartbeat' | 'leave' | 'commit'; c: number }
  | { t: 'advance'; ms: number }
  | { t: 'latency'; ms: number }
  | { t: 'restart' };

const action: fc.Arbitrary<Action> = fc.oneof(
  // 'step' is what a live consumer does next (join, then sync, then heartbeat); the
  // others are the same requests at arbitrary moments.
  { weight: 10, arbitrary: fc.record({ t: fc.constant('step' as const), c: fc.nat(CLIENTS - 1) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('join' as const), c: fc.nat(CLIENTS - 1) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('sync' as const), c: fc.nat(CLIENTS - 1) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('heartbeat' as const), c: fc.nat(CLIENTS - 1) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('leave' as const), c: fc.nat(CLIENTS - 1) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('commit' as const), c: fc.nat(CLIENTS - 1) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 2_500 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('latency' as const), ms: fc.integer({ min: 0, max: MAX_LATENCY_MS }) }) },
  { weight: 1, arbitrary: fc.constant({ t: 'restart' as const }) },
);

interface Client {
  memberId: string;
  joinGen: number;
  leader: boolean;
  joinMembers: string[];
  stableGen: number;
  owned: number[];
  position: Map<number, number>;
  busy: boolean;
}

interface Pending { what: string; sentAt: number; answered: boolean }

/** Writes complete in order (the offsets log appends sequentially), each after its latency. */
class OrderedStore {
  durable: GroupSnapshot | null = null;
  latencyMs = 0;
  private chainEnd = 0;
  private epoch = 0;
  persist = (s: GroupSnapshot | null): Promise<void> => {
    const epoch = this.epoch;
    this.chainEnd = Math.max(this.chainEnd, Date.now()) + this.latencyMs;
    return new Promise((resolve) => {
      setTimeout(() => {
        if (epoch !== this.epoch) return; // the broker restarted: the write never completed
        this.durable = s;
        resolve();
      }, this.chainEnd - Date.now());
    });
  };
  restart(): void {
    this.epoch++;
    this.chainEnd = 0;
  }
}

const encode = (parts: number[]): Buffer => Buffer.from(JSON.stringify(parts));
const decode = (b: Buffer): number[] => (b.length === 0 ? [] : (JSON.parse(b.toString()) as number[]));

/** Range assignment over the members the leader was given, in the order given. */
function rangeAssign(members: string[]): Array<{ memberId: string; assignment: Buffer }> {
  return members.map((memberId, i) => {
    const parts: number[] = [];
    for (let p = 0; p < PARTITIONS; p++) if (p % members.length === i) parts.push(p);
    return { memberId, assignment: encode(parts) };
  });
}

async function run(actions: Action[]): Promise<void> {
  const store = new OrderedStore();
  let group = new Group('g', timing, store.persist);
  const committed = new Map<number, number>();
  const handedOut = new Map<number, string>(); // generation → the assignment its answers came from
  const pending: Pending[] = [];
  const clients: Client[] = Array.from({ length: CLIENTS }, () => ({ memberId: '', joinGen: 0, leader: false, joinMembers: [], stableGen: 0, owned: [], position: new Map(), busy: false }));
  const reset = (c: Client): void => {
    Object.assign(c, { joinGen: 0, leader: false, joinMembers: [], stableGen: 0, owned: [] });
  };

  const failures: unknown[] = [];
  /** Checks made inside an answer's callback are collected and rethrown by checkInvariants. */
  const checked = (fn: () => void): void => {
    try { fn(); } catch (err) { failures.push(err); }
  };
  const send = <T>(what: string, c: Client, p: Promise<T>, onAnswer: (r: T) => void): void => {
    const entry: Pending = { what, sentAt: Date.now(), answered: false };
    pending.push(entry);
    c.busy = true;
    void p.then((r) => {
      entry.answered = true;
      c.busy = false;
      onAnswer(r);
    });
  };

  const checkInvariants = (): void => {
    if (failures.length > 0) throw failures[0];
    const now = Date.now();
    for (const p of pending) {
      if (!p.answered && now - p.sentAt > ANSWER_BOUND_MS) throw new Error(`${p.what} sent at ${p.sentAt} unanswered at ${now}`);
    }
    if (group.state === 'Stable') {
      const seen = group.memberList().flatMap((m) => decode(m.assignment)).sort((a, b) => a - b);
      expect(seen).toEqual([...Array(PARTITIONS).keys()]);
    }
  };

  for (const a of actions) {
    if (a.t === 'advance') await vi.advanceTimersByTimeAsync(a.ms);
    else if (a.t === 'latency') store.latencyMs = a.ms;
    else if (a.t === 'restart') {
      group.shutdown(); // answers every parked request, as closed connections would end them
      await vi.advanceTimersByTimeAsync(0);
      store.restart();
      group = new Group('g', timing, store.persist);
      if (store.durable !== null) group.restore(store.durable);
    } else {
      const c = clients[a.c]!;
      if (c.busy) continue;
      const g = group;
      const t = a.t !== 'step' ? a.t : c.memberId === '' || c.joinGen === 0 ? 'join' : c.stableGen !== c.joinGen ? 'sync' : 'heartbeat';
      if (t === 'join') {
        send('join', c, g.join({ memberId: c.memberId, groupInstanceId: null, clientId: `c${a.c}`, clientHost: 'h', sessionTimeoutMs: SESSION_MS, rebalanceTimeoutMs: REBALANCE_MS, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], requireKnownMemberId: false }), (r: JoinResult) => {
          if (r.error === 'UNKNOWN_MEMBER_ID') { c.memberId = ''; reset(c); return; }
          if (r.error !== undefined) return;
          Object.assign(c, { memberId: r.memberId, joinGen: r.generationId, leader: r.leader === r.memberId, joinMembers: r.members.map((m) => m.memberId) });
        });
      } else if (t === 'sync') {
        if (c.joinGen === 0) continue;
        const gen = c.joinGen;
        const assignments = c.leader ? rangeAssign(c.joinMembers) : [];
        send('sync', c, g.sync(c.memberId, gen, null, assignments), (r: SyncResult) => {
          if (r.error !== undefined) {
            if (r.error === 'UNKNOWN_MEMBER_ID') c.memberId = '';
            reset(c);
            return;
          }
          // Answered only while this generation is the Stable one of the live group.
          checked(() => {
            expect(g).toBe(group);
            expect(g.state).toBe('Stable');
            expect(g.generationId).toBe(gen);
            const whole = JSON.stringify(g.memberList().map((m) => [m.memberId, m.assignment.toString()]));
            const before = handedOut.get(gen);
            if (before === undefined) handedOut.set(gen, whole);
            else expect(whole).toBe(before);
          });
          c.stableGen = gen;
          c.owned = decode(r.assignment);
          for (const p of c.owned) c.position.set(p, committed.get(p) ?? 0);
        });
      } else if (t === 'heartbeat') {
        if (c.memberId === '' || c.joinGen === 0) continue;
        try { g.heartbeat(c.memberId, c.joinGen, null); } catch (err) {
          const name = (err as { errorName?: string }).errorName;
          if (name === 'UNKNOWN_MEMBER_ID') { c.memberId = ''; reset(c); }
          else if (name === 'ILLEGAL_GENERATION') reset(c);
          else if (name === 'REBALANCE_IN_PROGRESS') c.joinGen = 0; // rejoin; commits keep the old generation meanwhile
        }
      } else if (t === 'leave') {
        if (c.memberId === '') continue;
        g.leave(c.memberId, null);
        c.memberId = '';
        reset(c);
      }
      if (t === 'commit' || (a.t === 'step' && t === 'heartbeat')) {
        if (c.stableGen === 0 || c.owned.length === 0) continue;
        let accepted = true;
        try { g.checkCommit(c.memberId, c.stableGen, null); } catch { accepted = false; }
        if (accepted) {
          // An accepted commit is of the current generation, and never moves an offset back.
          expect(c.stableGen).toBe(g.generationId);
          for (const p of c.owned) {
            const next = (c.position.get(p) ?? 0) + 1;
            expect(next).toBeGreaterThanOrEqual(committed.get(p) ?? 0);
            c.position.set(p, next);
            committed.set(p, next);
          }
        }
      }
    }
    // Answers are delivered before the next request is sent, as on one connection.
    await vi.advanceTimersByTimeAsync(0);
    checkInvariants();
  }
  // Whatever is still parked must be answered within the bound.
  for (let waited = 0; waited <= ANSWER_BOUND_MS; waited += 250) {
    await vi.advanceTimersByTimeAsync(250);
    checkInvariants();
  }
  expect(pending.filter((p) => !p.answered)).toEqual([]);
  group.shutdown();
}

afterEach(() => { vi.useRealTimers(); });

describe('group state machine properties', () => {
  it('answers every request in time, keeps one consistent Stable assignment, refuses stale commits', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 30, maxLength: 200, size: 'max' }), async (actions) => {
        vi.useFakeTimers({ now: 1_000_000 });
        try {
          await run(actions);
        } finally {
          vi.clearAllTimers();
          vi.useRealTimers();
        }
      }),
      { numRuns: Number(process.env.STRATA_GROUP_PROPERTY_RUNS ?? 200) },
    );
  }, 120_000);
});
