// The KIP-848 server-side assignors, chosen per group by the client's
// group.remote.assignor: `uniform` (every member gets an even share of the partitions of
// the topics it subscribes to, keeping what it has where the share allows: sticky) and
// `range` (per topic, consecutive ranges in member-id order, as the classic RangeAssignor).
// Pure functions: members and their subscriptions in, a target assignment out.

/** topic id → partition indexes. */
export type Assignment = Map<string, Set<number>>;

export interface AssignorMember {
  memberId: string;
  /** Topic ids it subscribes to (that exist). */
  topics: ReadonlySet<string>;
  /** Its current target assignment (stickiness). */
  current: Assignment;
}

export interface AssignorInput {
  members: readonly AssignorMember[];
  /** Partition count of every subscribed topic, by id. */
  partitions: ReadonlyMap<string, number>;
}

export const SERVER_ASSIGNORS = ['uniform', 'range'] as const;
export type ServerAssignorName = (typeof SERVER_ASSIGNORS)[number];

const key = (topic: string, p: number): string => `${topic}:${p}`;

function add(a: Assignment, topic: string, p: number): void {
  let set = a.get(topic);
  if (set === undefined) {
    set = new Set();
    a.set(topic, set);
  }
  set.add(p);
}

/** Sticky, even spread over the members subscribed to each partition's topic. */
export function uniformAssign(input: AssignorInput): Map<string, Assignment> {
  const out = new Map<string, Assignment>(input.members.map((m) => [m.memberId, new Map()]));
  const counts = new Map<string, number>(input.members.map((m) => [m.memberId, 0]));
  const all: Array<[string, number]> = [];
  for (const [topic, n] of [...input.partitions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) for (let p = 0; p < n; p++) all.push([topic, p]);
  const eligible = (topic: string) => input.members.filter((m) => m.topics.has(topic));
  // What a member may keep of its current partitions: the floor of an even share, and one
  // more for as many members as the division leaves over (so a newcomer gets its share).
  const subscribedTotal = all.filter(([t]) => eligible(t).length > 0).length;
  const base = Math.floor(subscribedTotal / Math.max(1, input.members.length));
  let extra = subscribedTotal - base * input.members.length;
  const quota = new Map<string, number>(input.members.map((m) => [m.memberId, base]));
  // Partitions with the fewest possible owners are placed first, so members with narrow subscriptions fill up on them.
  all.sort((x, y) => eligible(x[0]).length - eligible(y[0]).length);
  const taken = new Set<string>();
  // Keep what members already have, up to their quota.
  for (const m of [...input.members].sort((a, b) => (a.memberId < b.memberId ? -1 : 1))) {
    const had = [...m.current].filter(([t]) => m.topics.has(t)).reduce((n, [, s]) => n + s.size, 0);
    if (had > base && extra > 0) {
      quota.set(m.memberId, base + 1);
      extra--;
    }
    for (const [topic, parts] of m.current) {
      if (!m.topics.has(topic)) continue;
      for (const p of [...parts].sort((a, b) => a - b)) {
        if (p >= (input.partitions.get(topic) ?? 0) || taken.has(key(topic, p)) || counts.get(m.memberId)! >= quota.get(m.memberId)!) continue;
        add(out.get(m.memberId)!, topic, p);
        counts.set(m.memberId, counts.get(m.memberId)! + 1);
        taken.add(key(topic, p));
      }
    }
  }
  // The rest to the least loaded subscriber (member id breaks ties, so the result is deterministic).
  for (const [topic, p] of all) {
    if (taken.has(key(topic, p))) continue;
    const candidates = eligible(topic);
    if (candidates.length === 0) continue;
    const to = candidates.reduce((best, m) => {
      const c = counts.get(m.memberId)!;
      const b = counts.get(best.memberId)!;
      return c < b || (c === b && m.memberId < best.memberId) ? m : best;
    });
    add(out.get(to.memberId)!, topic, p);
    counts.set(to.memberId, counts.get(to.memberId)! + 1);
    taken.add(key(topic, p));
  }
  return out;
}

/** Per topic, the subscribers in member-id order get consecutive ranges (the first ones one more). */
export function rangeAssign(input: AssignorInput): Map<string, Assignment> {
  const out = new Map<string, Assignment>(input.members.map((m) => [m.memberId, new Map()]));
  for (const [topic, n] of input.partitions) {
    const subs = input.members.filter((m) => m.topics.has(topic)).sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
    if (subs.length === 0) continue;
    const per = Math.floor(n / subs.length);
    const extra = n % subs.length;
    let next = 0;
    subs.forEach((m, i) => {
      const count = per + (i < extra ? 1 : 0);
      for (let p = next; p < next + count; p++) add(out.get(m.memberId)!, topic, p);
      next += count;
    });
  }
  return out;
}

export function assign(name: ServerAssignorName, input: AssignorInput): Map<string, Assignment> {
  return name === 'range' ? rangeAssign(input) : uniformAssign(input);
}
