// A KIP-848 consumer group (group.protocol=consumer): members heartbeat with their epoch
// and subscription; the coordinator computes a target assignment with a server-side
// assignor whenever the group epoch moves (a member joins, leaves or changes its
// subscription, or a subscribed topic changes), and moves each member towards it
// incrementally: a member first revokes what it must give up (keeping its epoch), then
// gets the target epoch and the partitions no other member still owns; a partition is
// never owned by two members at once. As Kafka's GroupMetadataManager and
// CurrentAssignmentBuilder, simplified: the membership is kept in memory (a restarted
// broker fences its members, which rejoin), committed offsets are stored as for classic
// groups.
import { randomUUID } from 'node:crypto';
import { KafkaError } from '../errors.js';
import type { ConsumerHeartbeatInput, ConsumerHeartbeatOutput } from '../services/groups.js';
import { assign, SERVER_ASSIGNORS, type Assignment, type ServerAssignorName } from './server-assignors.js';

export interface TopicInfo {
  id: string;
  name: string;
  partitions: number;
}

type HeartbeatInput = ConsumerHeartbeatInput;
type HeartbeatOutput = ConsumerHeartbeatOutput;

export interface ConsumerGroupTiming {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
}

export interface ConsumerMember {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  memberEpoch: number;
  previousMemberEpoch: number;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  /** What the member may own now. */
  assigned: Assignment;
  /** What it must give up before it moves on. */
  revoking: Assignment;
  lastSent: string | undefined;
  sessionTimer: NodeJS.Timeout | undefined;
  revocationTimer: NodeJS.Timeout | undefined;
  /** A static member that left with epoch -2: its place is kept until its session expires. */
  away: boolean;
}

/** RE2/J syntax, as the Java client sends it, is close enough to JavaScript's for topic patterns. */
function compileRegex(re: string): RegExp {
  try {
    return new RegExp(`^(?:${re})$`);
  } catch {
    throw new KafkaError('INVALID_REGULAR_EXPRESSION', `SubscribedTopicRegex ${re} does not compile`);
  }
}

const copy = (a: Assignment): Assignment => new Map([...a].map(([t, s]) => [t, new Set(s)]));
const size = (a: Assignment): number => [...a.values()].reduce((n, s) => n + s.size, 0);
function minus(a: Assignment, b: Assignment): Assignment {
  const out: Assignment = new Map();
  for (const [t, s] of a) {
    const rest = [...s].filter((p) => !(b.get(t)?.has(p) ?? false));
    if (rest.length > 0) out.set(t, new Set(rest));
  }
  return out;
}
function intersect(a: Assignment, b: Assignment): Assignment {
  const out: Assignment = new Map();
  for (const [t, s] of a) {
    const both = [...s].filter((p) => b.get(t)?.has(p) ?? false);
    if (both.length > 0) out.set(t, new Set(both));
  }
  return out;
}
export function toWire(a: Assignment): Array<{ topicId: string; partitions: number[] }> {
  return [...a].filter(([, s]) => s.size > 0).sort(([x], [y]) => (x < y ? -1 : 1)).map(([topicId, s]) => ({ topicId, partitions: [...s].sort((x, y) => x - y) }));
}

export class ConsumerGroup {
  groupEpoch = 0;
  assignmentEpoch = 0;
  readonly members = new Map<string, ConsumerMember>();
  private target = new Map<string, Assignment>();
  /** What the subscribed topics looked like when the target was computed. */
  private metadataSignature = '';
  assignorName: ServerAssignorName = 'uniform';

  constructor(readonly groupId: string, private readonly timing: ConsumerGroupTiming, private readonly topics: () => TopicInfo[], private readonly onEmpty: () => void) {}

  get state(): 'Empty' | 'Reconciling' | 'Stable' {
    if (this.members.size === 0) return 'Empty';
    for (const m of this.members.values()) if (m.memberEpoch !== this.assignmentEpoch || size(m.revoking) > 0) return 'Reconciling';
    return 'Stable';
  }

  targetOf(memberId: string): Assignment {
    return this.target.get(memberId) ?? new Map();
  }

  /** Every topic name any member subscribes to, by name or pattern. */
  subscribedTopicNames(): Set<string> {
    const names = new Set<string>();
    const all = this.topics();
    for (const m of this.members.values()) {
      for (const n of m.subscribedTopicNames) names.add(n);
      if (m.subscribedTopicRegex !== null) {
        const re = compileRegex(m.subscribedTopicRegex);
        for (const t of all) if (re.test(t.name)) names.add(t.name);
      }
    }
    return names;
  }

  heartbeat(req: HeartbeatInput): HeartbeatOutput {
    if (req.memberEpoch === -1 || req.memberEpoch === -2) return this.leave(req);
    let m = this.members.get(req.memberId);
    if (req.memberEpoch === 0) {
      m = this.join(req, m);
    } else {
      if (m === undefined) throw new KafkaError('UNKNOWN_MEMBER_ID', `member ${req.memberId} is not in group ${this.groupId}`);
      if (req.memberEpoch !== m.memberEpoch && req.memberEpoch !== m.previousMemberEpoch) {
        throw new KafkaError('FENCED_MEMBER_EPOCH', `member ${m.memberId} sent epoch ${req.memberEpoch}, its epoch is ${m.memberEpoch}`);
      }
      this.update(m, req);
    }
    this.touch(m);
    this.maybeRecompute();
    this.reconcile(m, req.ownedPartitions);
    const wire = toWire(m.assigned);
    const sig = JSON.stringify(wire);
    const changed = sig !== m.lastSent || req.memberEpoch === 0;
    m.lastSent = sig;
    return { memberId: m.memberId, memberEpoch: m.memberEpoch, heartbeatIntervalMs: this.timing.heartbeatIntervalMs, assignment: changed ? wire : null };
  }

  private join(req: HeartbeatInput, existing: ConsumerMember | undefined): ConsumerMember {
    if (req.subscribedTopicNames === null && req.subscribedTopicRegex === null) {
      throw new KafkaError('INVALID_REQUEST', 'a joining member must give SubscribedTopicNames or SubscribedTopicRegex');
    }
    if (req.serverAssignor !== null && !(SERVER_ASSIGNORS as readonly string[]).includes(req.serverAssignor)) {
      throw new KafkaError('UNSUPPORTED_ASSIGNOR', `server assignor ${req.serverAssignor} is not one of ${SERVER_ASSIGNORS.join(', ')}`);
    }
    if (req.subscribedTopicRegex !== null) compileRegex(req.subscribedTopicRegex);
    const memberId = req.memberId === '' ? randomUUID() : req.memberId;
    let inherited: ConsumerMember | undefined;
    if (req.instanceId !== null) {
      const holder = [...this.members.values()].find((x) => x.instanceId === req.instanceId);
      if (holder !== undefined && !holder.away && holder.memberId !== memberId) {
        throw new KafkaError('UNRELEASED_INSTANCE_ID', `instance ${req.instanceId} is held by member ${holder.memberId}`);
      }
      if (holder !== undefined) {
        // A static member back from a bounce takes its place, epoch and partitions.
        inherited = holder;
        this.drop(holder, false);
      }
    }
    if (existing !== undefined && existing !== inherited) this.drop(existing, false);
    const m: ConsumerMember = {
      memberId, instanceId: req.instanceId, rackId: req.rackId, clientId: req.clientId, clientHost: req.clientHost,
      memberEpoch: inherited?.memberEpoch ?? 0, previousMemberEpoch: inherited?.previousMemberEpoch ?? 0,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : 300_000,
      subscribedTopicNames: req.subscribedTopicNames ?? [], subscribedTopicRegex: req.subscribedTopicRegex, serverAssignor: req.serverAssignor,
      assigned: inherited?.assigned ?? new Map(), revoking: new Map(), lastSent: undefined, sessionTimer: undefined, revocationTimer: undefined, away: false,
    };
    this.members.set(memberId, m);
    if (inherited !== undefined) this.target.set(memberId, this.target.get(inherited.memberId) ?? new Map());
    this.bump();
    return m;
  }

  private update(m: ConsumerMember, req: HeartbeatInput): void {
    let changed = false;
    if (req.subscribedTopicNames !== null && JSON.stringify([...req.subscribedTopicNames].sort()) !== JSON.stringify([...m.subscribedTopicNames].sort())) {
      m.subscribedTopicNames = [...req.subscribedTopicNames];
      changed = true;
    }
    if (req.subscribedTopicRegex !== null && req.subscribedTopicRegex !== m.subscribedTopicRegex) {
      compileRegex(req.subscribedTopicRegex);
      m.subscribedTopicRegex = req.subscribedTopicRegex === '' ? null : req.subscribedTopicRegex;
      changed = true;
    }
    if (req.serverAssignor !== null && req.serverAssignor !== m.serverAssignor) {
      if (!(SERVER_ASSIGNORS as readonly string[]).includes(req.serverAssignor)) throw new KafkaError('UNSUPPORTED_ASSIGNOR', `server assignor ${req.serverAssignor} is not supported`);
      m.serverAssignor = req.serverAssignor;
      changed = true;
    }
    if (req.rebalanceTimeoutMs > 0) m.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    if (req.rackId !== null) m.rackId = req.rackId;
    if (changed) this.bump();
  }

  private leave(req: HeartbeatInput): HeartbeatOutput {
    const m = this.members.get(req.memberId);
    if (m === undefined) throw new KafkaError('UNKNOWN_MEMBER_ID', `member ${req.memberId} is not in group ${this.groupId}`);
    if (req.memberEpoch === -2 && m.instanceId !== null) {
      // A static member going away for a while: its partitions wait for it until its session expires.
      m.away = true;
      this.touch(m);
    } else {
      this.drop(m, true);
    }
    return { memberId: req.memberId, memberEpoch: req.memberEpoch, heartbeatIntervalMs: this.timing.heartbeatIntervalMs, assignment: null };
  }

  /** Removes a member (left, expired, fenced or replaced); `rebalance` bumps the epoch. */
  private drop(m: ConsumerMember, rebalance: boolean): void {
    clearTimeout(m.sessionTimer);
    clearTimeout(m.revocationTimer);
    this.members.delete(m.memberId);
    this.target.delete(m.memberId);
    if (rebalance) this.bump();
    if (this.members.size === 0) this.onEmpty();
  }

  private touch(m: ConsumerMember): void {
    clearTimeout(m.sessionTimer);
    m.sessionTimer = setTimeout(() => {
      if (this.members.get(m.memberId) === m) this.drop(m, true);
    }, this.timing.sessionTimeoutMs);
    m.sessionTimer.unref();
  }

  private bump(): void {
    this.groupEpoch++;
  }

  /** A new target assignment when the group epoch moved or a subscribed topic changed. */
  private maybeRecompute(): void {
    const all = this.topics();
    const names = this.subscribedTopicNames();
    const subscribed = all.filter((t) => names.has(t.name));
    const signature = subscribed.map((t) => `${t.name}:${t.id}:${t.partitions}`).sort().join(',');
    if (signature !== this.metadataSignature) {
      this.metadataSignature = signature;
      if (this.assignmentEpoch === this.groupEpoch) this.bump();
    }
    if (this.assignmentEpoch === this.groupEpoch) return;
    const byName = new Map(all.map((t) => [t.name, t]));
    const chosen = [...this.members.values()].find((m) => m.serverAssignor !== null)?.serverAssignor;
    this.assignorName = (chosen as ServerAssignorName | undefined) ?? 'uniform';
    const members = [...this.members.values()].filter((m) => !m.away || m.instanceId !== null).map((m) => {
      const topics = new Set<string>();
      for (const n of m.subscribedTopicNames) {
        const t = byName.get(n);
        if (t !== undefined) topics.add(t.id);
      }
      if (m.subscribedTopicRegex !== null) {
        const re = compileRegex(m.subscribedTopicRegex);
        for (const t of all) if (re.test(t.name)) topics.add(t.id);
      }
      return { memberId: m.memberId, topics, current: this.targetOf(m.memberId) };
    });
    this.target = assign(this.assignorName, { members, partitions: new Map(subscribed.map((t) => [t.id, t.partitions])) });
    this.assignmentEpoch = this.groupEpoch;
  }

  /** Owned by another member, or still being revoked by one. */
  private heldByOthers(m: ConsumerMember): Assignment {
    const held: Assignment = new Map();
    for (const o of this.members.values()) {
      if (o === m) continue;
      for (const a of [o.assigned, o.revoking]) {
        for (const [t, s] of a) for (const p of s) {
          if (!held.has(t)) held.set(t, new Set());
          held.get(t)!.add(p);
        }
      }
    }
    return held;
  }

  /** Moves the member towards its target: revocations first, then new partitions that are free. */
  private reconcile(m: ConsumerMember, owned: HeartbeatInput['ownedPartitions']): void {
    if (size(m.revoking) > 0) {
      if (owned === null) return;
      const still = owned.some((tp) => tp.partitions.some((p) => m.revoking.get(tp.topicId)?.has(p) ?? false));
      if (still) return;
      m.revoking = new Map();
      clearTimeout(m.revocationTimer);
    }
    const target = this.targetOf(m.memberId);
    const revoke = minus(m.assigned, target);
    if (size(revoke) > 0) {
      m.assigned = intersect(m.assigned, target);
      m.revoking = revoke;
      clearTimeout(m.revocationTimer);
      // A member that does not revoke in time is removed, as Kafka's rebalance timeout does.
      m.revocationTimer = setTimeout(() => {
        if (this.members.get(m.memberId) === m && size(m.revoking) > 0) this.drop(m, true);
      }, m.rebalanceTimeoutMs);
      m.revocationTimer.unref();
      return;
    }
    const wanted = minus(target, m.assigned);
    const free = minus(wanted, this.heldByOthers(m));
    const next = copy(m.assigned);
    for (const [t, s] of free) for (const p of s) {
      if (!next.has(t)) next.set(t, new Set());
      next.get(t)!.add(p);
    }
    m.assigned = next;
    if (m.memberEpoch !== this.assignmentEpoch) {
      m.previousMemberEpoch = m.memberEpoch;
      m.memberEpoch = this.assignmentEpoch;
    }
  }

  /** An offset commit or fetch by a member: its id and epoch must be current. */
  checkMember(memberId: string, epoch: number): void {
    const m = this.members.get(memberId);
    if (m === undefined) throw new KafkaError('UNKNOWN_MEMBER_ID', `member ${memberId} is not in group ${this.groupId}`);
    if (epoch !== m.memberEpoch && epoch !== m.previousMemberEpoch) throw new KafkaError('STALE_MEMBER_EPOCH', `member ${memberId} sent epoch ${epoch}, its epoch is ${m.memberEpoch}`);
  }

  shutdown(): void {
    for (const m of this.members.values()) {
      clearTimeout(m.sessionTimer);
      clearTimeout(m.revocationTimer);
    }
  }
}
