// One consumer group under the classic rebalance protocol (JoinGroup / SyncGroup /
// Heartbeat / LeaveGroup), as Kafka's GroupMetadata + GroupCoordinator implement it:
// Empty → PreparingRebalance → CompletingRebalance → Stable, generations, a leader that
// computes the assignment, session timeouts, and static membership (group.instance.id).
// This file keeps the state machine in one place because every transition touches the
// same members, timers and pending responses.
import { randomUUID } from 'node:crypto';
import { KafkaError } from '../errors.js';
import type { ErrorCodeName } from '../protocol/generated/error-codes.js';
import type { GroupSnapshot } from './offsets-store.js';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface Protocol {
  name: string;
  metadata: Buffer;
}

export interface JoinRequest {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  /** JoinGroup v4+: a new member must first fetch its id (MEMBER_ID_REQUIRED). */
  requireKnownMemberId: boolean;
}

export interface JoinResult {
  error?: ErrorCodeName;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>;
}

export interface SyncResult {
  error?: ErrorCodeName;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

interface Member {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  assignment: Buffer;
  pendingJoin?: (r: JoinResult) => void;
  pendingSync?: (r: SyncResult) => void;
  sessionTimer?: NodeJS.Timeout;
}

const EMPTY = Buffer.alloc(0);

export interface GroupTiming {
  initialRebalanceDelayMs: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
}

export class Group {
  state: GroupState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  private readonly members = new Map<string, Member>();
  /** Member ids handed out with MEMBER_ID_REQUIRED and not yet used. */
  private readonly pendingMemberIds = new Set<string>();
  private readonly staticMembers = new Map<string, string>();
  private rebalanceTimer: NodeJS.Timeout | undefined;
  /** The first rebalance of an empty group waits out the initial delay. */
  private initialRebalance = false;

  constructor(
    readonly groupId: string,
    private readonly timing: GroupTiming,
    /** Stores membership when a generation becomes stable or the group empties. */
    private readonly persist: (s: GroupSnapshot | null) => Promise<void> = async () => undefined,
  ) {}

  snapshot(): GroupSnapshot {
    return {
      generationId: this.generationId, protocolType: this.protocolType, protocolName: this.protocolName, leaderId: this.leaderId,
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
        sessionTimeoutMs: m.sessionTimeoutMs, rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        protocols: m.protocols.map((p) => ({ name: p.name, metadata: p.metadata.toString('base64') })),
        assignment: m.assignment.toString('base64'),
      })),
    };
  }

  /**
   * After a restart: the group comes back Stable with its last generation, so members
   * keep committing and heartbeating without a rebalance; each gets a fresh session
   * timeout to show up, as with Kafka's loaded GroupMetadata.
   */
  restore(s: GroupSnapshot): void {
    this.generationId = s.generationId;
    this.protocolType = s.protocolType;
    this.protocolName = s.protocolName;
    this.leaderId = s.leaderId;
    for (const m of s.members) {
      const member: Member = {
        memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
        sessionTimeoutMs: m.sessionTimeoutMs, rebalanceTimeoutMs: m.rebalanceTimeoutMs, protocolType: s.protocolType ?? '',
        protocols: m.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata, 'base64') })),
        assignment: Buffer.from(m.assignment, 'base64'),
      };
      this.members.set(m.memberId, member);
      if (m.groupInstanceId !== null) this.staticMembers.set(m.groupInstanceId, m.memberId);
      this.scheduleSession(member);
    }
    this.state = this.members.size > 0 ? 'Stable' : 'Empty';
  }

  get size(): number {
    return this.members.size;
  }

  memberList(): ReadonlyArray<Readonly<Member>> {
    return [...this.members.values()];
  }

  private fail<T extends { error?: ErrorCodeName }>(error: ErrorCodeName, base: Omit<T, 'error'>): T {
    return { ...base, error } as T;
  }

  private joinError(error: ErrorCodeName, memberId: string): JoinResult {
    return this.fail<JoinResult>(error, { generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [] });
  }

  join(req: JoinRequest): Promise<JoinResult> {
    if (this.state === 'Dead') return Promise.resolve(this.joinError('COORDINATOR_NOT_AVAILABLE', req.memberId));
    if (req.sessionTimeoutMs < this.timing.minSessionTimeoutMs || req.sessionTimeoutMs > this.timing.maxSessionTimeoutMs) {
      return Promise.resolve(this.joinError('INVALID_SESSION_TIMEOUT', req.memberId));
    }
    if (req.protocols.length === 0 || req.protocolType === '') return Promise.resolve(this.joinError('INCONSISTENT_GROUP_PROTOCOL', req.memberId));
    if (this.members.size > 0 && (req.protocolType !== this.protocolType || !this.supportsCommonProtocol(req.protocols))) {
      return Promise.resolve(this.joinError('INCONSISTENT_GROUP_PROTOCOL', req.memberId));
    }
    let memberId = req.memberId;
    if (memberId === '') {
      memberId = `${req.clientId}-${randomUUID()}`;
      if (req.groupInstanceId !== null) {
        const old = this.staticMembers.get(req.groupInstanceId);
        if (old !== undefined) return Promise.resolve(this.replaceStaticMember(old, memberId, req));
      } else if (req.requireKnownMemberId) {
        this.pendingMemberIds.add(memberId);
        return Promise.resolve(this.joinError('MEMBER_ID_REQUIRED', memberId));
      }
    } else if (!this.members.has(memberId) && !this.pendingMemberIds.delete(memberId)) {
      return Promise.resolve(this.joinError('UNKNOWN_MEMBER_ID', memberId));
    } else if (req.groupInstanceId !== null && this.staticMembers.get(req.groupInstanceId) !== undefined && this.staticMembers.get(req.groupInstanceId) !== memberId) {
      return Promise.resolve(this.joinError('FENCED_INSTANCE_ID', memberId));
    }
    return new Promise((resolve) => {
      const existing = this.members.get(memberId);
      const member: Member = existing ?? {
        memberId, groupInstanceId: req.groupInstanceId, clientId: req.clientId, clientHost: req.clientHost,
        sessionTimeoutMs: req.sessionTimeoutMs, rebalanceTimeoutMs: req.rebalanceTimeoutMs, protocolType: req.protocolType,
        protocols: req.protocols, assignment: EMPTY,
      };
      Object.assign(member, { sessionTimeoutMs: req.sessionTimeoutMs, rebalanceTimeoutMs: req.rebalanceTimeoutMs, protocols: req.protocols, clientId: req.clientId, clientHost: req.clientHost });
      member.pendingJoin?.(this.joinError('UNKNOWN_MEMBER_ID', memberId)); // a member's earlier join is superseded
      member.pendingJoin = resolve;
      clearTimeout(member.sessionTimer); // a member waiting in a join is not expired
      this.members.set(memberId, member);
      if (req.groupInstanceId !== null) this.staticMembers.set(req.groupInstanceId, memberId);
      if (this.protocolType === null) this.protocolType = req.protocolType;
      if (this.state === 'PreparingRebalance') this.maybeCompleteJoin();
      else this.prepareRebalance();
    });
  }

  /** A static member restarted with a new member id: take over the old one's place. */
  private replaceStaticMember(oldId: string, newId: string, req: JoinRequest): JoinResult {
    const old = this.members.get(oldId)!;
    old.pendingJoin?.(this.joinError('FENCED_INSTANCE_ID', oldId));
    old.pendingSync?.({ error: 'FENCED_INSTANCE_ID', protocolType: null, protocolName: null, assignment: EMPTY });
    clearTimeout(old.sessionTimer);
    this.members.delete(oldId);
    const member: Member = { ...old, memberId: newId, pendingJoin: undefined, pendingSync: undefined, sessionTimer: undefined, protocols: req.protocols, clientHost: req.clientHost };
    this.members.set(newId, member);
    this.staticMembers.set(req.groupInstanceId!, newId);
    if (this.leaderId === oldId) this.leaderId = newId;
    this.scheduleSession(member);
    // The group keeps its assignment: no rebalance for a static member coming back.
    return { generationId: this.generationId, protocolType: this.protocolType, protocolName: this.protocolName, leader: this.leaderId ?? '', memberId: newId, members: [] };
  }

  private supportsCommonProtocol(protocols: Protocol[]): boolean {
    const names = new Set(protocols.map((p) => p.name));
    return this.candidateProtocols().some((c) => names.has(c));
  }

  private candidateProtocols(): string[] {
    const all = [...this.members.values()];
    if (all.length === 0) return [];
    return all[0]!.protocols.map((p) => p.name).filter((n) => all.every((m) => m.protocols.some((p) => p.name === n)));
  }

  private prepareRebalance(): void {
    const wasEmpty = this.state === 'Empty';
    if (this.state === 'CompletingRebalance') {
      for (const m of this.members.values()) {
        m.pendingSync?.({ error: 'REBALANCE_IN_PROGRESS', protocolType: null, protocolName: null, assignment: EMPTY });
        m.pendingSync = undefined;
      }
    }
    this.state = 'PreparingRebalance';
    this.initialRebalance = wasEmpty;
    clearTimeout(this.rebalanceTimer);
    // A new group waits a little for more members (group.initial.rebalance.delay.ms);
    // otherwise members get their rebalance timeout to rejoin.
    const delay = wasEmpty ? this.timing.initialRebalanceDelayMs : Math.max(...[...this.members.values()].map((m) => m.rebalanceTimeoutMs), 0);
    this.rebalanceTimer = setTimeout(() => this.completeJoin(), delay);
    if (!wasEmpty) this.maybeCompleteJoin();
  }

  private maybeCompleteJoin(): void {
    if (this.state !== 'PreparingRebalance' || this.initialRebalance) return;
    if ([...this.members.values()].every((m) => m.pendingJoin !== undefined)) this.completeJoin();
  }

  private completeJoin(): void {
    if (this.state !== 'PreparingRebalance') return;
    clearTimeout(this.rebalanceTimer);
    this.initialRebalance = false;
    for (const m of [...this.members.values()]) {
      if (m.pendingJoin === undefined) this.removeMember(m.memberId);
    }
    this.generationId++;
    if (this.members.size === 0) {
      this.toEmpty();
      return;
    }
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => candidates.includes(p.name))!.name;
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    this.protocolName = [...votes.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    if (this.leaderId === null || !this.members.has(this.leaderId)) this.leaderId = this.members.keys().next().value!;
    this.state = 'CompletingRebalance';
    const all = [...this.members.values()].map((m) => ({
      memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.protocols.find((p) => p.name === this.protocolName)!.metadata,
    }));
    for (const m of this.members.values()) {
      const respond = m.pendingJoin!;
      m.pendingJoin = undefined;
      this.scheduleSession(m);
      respond({
        generationId: this.generationId, protocolType: this.protocolType, protocolName: this.protocolName, leader: this.leaderId,
        memberId: m.memberId, members: m.memberId === this.leaderId ? all : [],
      });
    }
  }

  private toEmpty(): void {
    this.state = 'Empty';
    this.leaderId = null;
    this.protocolName = null;
    this.protocolType = null;
    this.persist(this.snapshot()).catch(() => undefined);
  }

  sync(memberId: string, generationId: number, groupInstanceId: string | null, assignments: Array<{ memberId: string; assignment: Buffer }>): Promise<SyncResult> {
    const err = (error: ErrorCodeName): Promise<SyncResult> => Promise.resolve({ error, protocolType: null, protocolName: null, assignment: EMPTY });
    const m = this.members.get(memberId);
    if (m === undefined) return err('UNKNOWN_MEMBER_ID');
    if (groupInstanceId !== null && this.staticMembers.get(groupInstanceId) !== memberId) return err('FENCED_INSTANCE_ID');
    if (generationId !== this.generationId) return err('ILLEGAL_GENERATION');
    if (this.state === 'PreparingRebalance') return err('REBALANCE_IN_PROGRESS');
    this.scheduleSession(m);
    if (this.state === 'Stable') return Promise.resolve({ protocolType: this.protocolType, protocolName: this.protocolName, assignment: m.assignment });
    return new Promise((resolve) => {
      m.pendingSync = resolve;
      if (memberId !== this.leaderId) return;
      const given = new Map(assignments.map((a) => [a.memberId, a.assignment]));
      for (const member of this.members.values()) member.assignment = given.get(member.memberId) ?? EMPTY;
      this.state = 'Stable';
      const generation = this.generationId;
      // Answer once the membership is stored, so a restart cannot forget a generation
      // that members were told about. A failed write still answers: offsets commits then
      // fail on their own if the group really was lost.
      const answer = (): void => {
        if (this.generationId !== generation || this.state !== 'Stable') return;
        for (const member of this.members.values()) {
          const respond = member.pendingSync;
          member.pendingSync = undefined;
          respond?.({ protocolType: this.protocolType, protocolName: this.protocolName, assignment: member.assignment });
        }
      };
      this.persist(this.snapshot()).then(answer, answer);
    });
  }

  heartbeat(memberId: string, generationId: number, groupInstanceId: string | null): void {
    const m = this.members.get(memberId);
    if (m === undefined) throw new KafkaError('UNKNOWN_MEMBER_ID', `member ${memberId} is not in group ${this.groupId}`);
    if (groupInstanceId !== null && this.staticMembers.get(groupInstanceId) !== memberId) throw new KafkaError('FENCED_INSTANCE_ID', groupInstanceId);
    if (generationId !== this.generationId) throw new KafkaError('ILLEGAL_GENERATION', `generation ${generationId} is not ${this.generationId}`);
    this.scheduleSession(m);
    if (this.state === 'PreparingRebalance') throw new KafkaError('REBALANCE_IN_PROGRESS', this.groupId);
  }

  /** LeaveGroup for one member, by member id or (static) instance id. */
  leave(memberId: string, groupInstanceId: string | null): ErrorCodeName | undefined {
    const id = groupInstanceId !== null ? this.staticMembers.get(groupInstanceId) : memberId;
    if (id === undefined || !this.members.has(id)) return 'UNKNOWN_MEMBER_ID';
    if (groupInstanceId !== null && memberId !== '' && memberId !== id) return 'FENCED_INSTANCE_ID';
    this.removeMember(id);
    this.afterMembershipChange();
    return undefined;
  }

  /** Checks an offset commit against the membership (generation -1: a simple, group-less commit). */
  checkCommit(memberId: string, generationId: number, groupInstanceId: string | null): void {
    if (generationId < 0 && memberId === '') {
      if (this.members.size > 0) throw new KafkaError('UNKNOWN_MEMBER_ID', `group ${this.groupId} has members; commit with a member id and generation`);
      return;
    }
    const m = this.members.get(memberId);
    if (m === undefined) throw new KafkaError('UNKNOWN_MEMBER_ID', `member ${memberId} is not in group ${this.groupId}`);
    if (groupInstanceId !== null && this.staticMembers.get(groupInstanceId) !== memberId) throw new KafkaError('FENCED_INSTANCE_ID', groupInstanceId);
    // As Kafka: while members are being asked to rejoin (PreparingRebalance) they may still
    // commit what they processed under the current generation; once the join completed
    // (CompletingRebalance) the old assignment is void.
    if (this.state === 'CompletingRebalance') throw new KafkaError('REBALANCE_IN_PROGRESS', this.groupId);
    if (generationId !== this.generationId) throw new KafkaError('ILLEGAL_GENERATION', `generation ${generationId} is not ${this.generationId}`);
    this.scheduleSession(m);
  }

  private scheduleSession(m: Member): void {
    clearTimeout(m.sessionTimer);
    m.sessionTimer = setTimeout(() => this.expire(m.memberId), m.sessionTimeoutMs);
    m.sessionTimer.unref();
  }

  private expire(memberId: string): void {
    const m = this.members.get(memberId);
    if (m === undefined || m.pendingJoin !== undefined) return;
    this.removeMember(memberId);
    this.afterMembershipChange();
  }

  private removeMember(memberId: string): void {
    const m = this.members.get(memberId);
    if (m === undefined) return;
    clearTimeout(m.sessionTimer);
    m.pendingJoin?.(this.joinError('UNKNOWN_MEMBER_ID', memberId));
    m.pendingSync?.({ error: 'UNKNOWN_MEMBER_ID', protocolType: null, protocolName: null, assignment: EMPTY });
    this.members.delete(memberId);
    if (m.groupInstanceId !== null && this.staticMembers.get(m.groupInstanceId) === memberId) this.staticMembers.delete(m.groupInstanceId);
    if (this.leaderId === memberId) this.leaderId = null;
  }

  private afterMembershipChange(): void {
    if (this.members.size === 0 && this.state !== 'PreparingRebalance') {
      clearTimeout(this.rebalanceTimer);
      this.generationId++;
      this.toEmpty();
      return;
    }
    if (this.state === 'Stable' || this.state === 'CompletingRebalance') this.prepareRebalance();
    else if (this.state === 'PreparingRebalance') {
      if (this.members.size === 0) this.completeJoin();
      else this.maybeCompleteJoin();
    }
  }

  /** Stops every timer (broker shutdown, group deletion). */
  shutdown(): void {
    clearTimeout(this.rebalanceTimer);
    for (const m of this.members.values()) {
      clearTimeout(m.sessionTimer);
      m.pendingJoin?.(this.joinError('COORDINATOR_NOT_AVAILABLE', m.memberId));
      m.pendingSync?.({ error: 'COORDINATOR_NOT_AVAILABLE', protocolType: null, protocolName: null, assignment: EMPTY });
    }
    this.members.clear();
  }
}
