// One consumer group under the classic rebalance protocol (JoinGroup / SyncGroup /
// Heartbeat / LeaveGroup), as Kafka's GroupMetadata + GroupCoordinator implement it:
// Empty → PreparingRebalance → CompletingRebalance → Stable, generations, a leader that
// computes the assignment, session timeouts, and static membership (group.instance.id).
// This file keeps the state machine in one place because every transition touches the
// same members, timers and pending responses.
//
// Two rules hold everywhere, as in Kafka's ClassicGroup:
// - No state change that depends on a write is visible before the write completes: the
//   leader's SyncGroup stores the assignment while the group stays CompletingRebalance;
//   only the write's completion (for the same generation, still CompletingRebalance) makes
//   it Stable and hands out the assignment.
// - Every parked JoinGroup or SyncGroup is answered on every transition away from the
//   state it waits in (the assignment, REBALANCE_IN_PROGRESS, UNKNOWN_MEMBER_ID,
//   FENCED_INSTANCE_ID, COORDINATOR_NOT_AVAILABLE): never silence. A member that has not
//   sent its SyncGroup within the rebalance timeout is removed (Kafka's pending-sync timeout).
import { randomUUID } from 'node:crypto';
import { KafkaError } from '../errors.js';
import type { ErrorCodeName } from '../protocol/generated/error-codes.js';
import type { GroupSnapshot } from '../services/group-store.js';
import type { ClassicGroup, GroupState, JoinRequest, JoinResult, MemberView, Protocol, SyncResult } from '../services/groups.js';

export type { GroupState, JoinRequest, JoinResult, Protocol, SyncResult } from '../services/groups.js';

/** A member as the group keeps it: what DescribeGroups shows, plus its timers and parked answers. */
interface Member extends MemberView {
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
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

function sameProtocols(a: Protocol[], b: Protocol[]): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata));
}

export class Group implements ClassicGroup {
  state: GroupState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  private readonly members = new Map<string, Member>();
  /** Member ids handed out with MEMBER_ID_REQUIRED and not yet used. */
  private readonly pendingMemberIds = new Set<string>();
  private readonly staticMembers = new Map<string, string>();
  /** Members of this generation that have not sent their SyncGroup yet. */
  private readonly pendingSyncMembers = new Set<string>();
  private rebalanceTimer: NodeJS.Timeout | undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  /** The generation whose assignment is being stored (the leader's SyncGroup), if any. */
  private assignmentWriteFor: number | undefined;
  /** The first rebalance of an empty group waits out the initial delay. */
  private initialRebalance = false;

  constructor(
    readonly groupId: string,
    private readonly timing: GroupTiming,
    /** Stores membership when a generation becomes stable or the group empties. */
    private readonly persist: (s: GroupSnapshot | null) => Promise<void> = async () => undefined,
  ) {}

  /** The membership as stored; `assignments` overrides the members' current ones (a pending write). */
  snapshot(assignments?: ReadonlyMap<string, Buffer>): GroupSnapshot {
    return {
      generationId: this.generationId, protocolType: this.protocolType, protocolName: this.protocolName, leaderId: this.leaderId,
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
        sessionTimeoutMs: m.sessionTimeoutMs, rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        protocols: m.protocols.map((p) => ({ name: p.name, metadata: p.metadata.toString('base64') })),
        assignment: (assignments?.get(m.memberId) ?? m.assignment).toString('base64'),
      })),
    };
  }

  /**
   * After a restart: the group comes back Stable with its last generation, so members
   * keep committing and heartbeating without a rebalance; each gets a fresh session
   * timeout to show up, as with Kafka's loaded GroupMetadata. An empty group keeps its
   * generation, so numbers are never reused.
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

  private joinError(error: ErrorCodeName, memberId: string): JoinResult {
    return { error, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [] };
  }

  private static syncError(error: ErrorCodeName): SyncResult {
    return { error, protocolType: null, protocolName: null, assignment: EMPTY };
  }

  /** What a member of the current generation is told by JoinGroup (the leader also gets every member's metadata). */
  private currentJoinResult(memberId: string): JoinResult {
    const members = memberId === this.leaderId
      ? [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.protocols.find((p) => p.name === this.protocolName)?.metadata ?? EMPTY }))
      : [];
    return { generationId: this.generationId, protocolType: this.protocolType, protocolName: this.protocolName, leader: this.leaderId ?? '', memberId, members };
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
        if (old !== undefined) return this.replaceStaticMember(old, memberId, req);
      } else if (req.requireKnownMemberId) {
        this.pendingMemberIds.add(memberId);
        return Promise.resolve(this.joinError('MEMBER_ID_REQUIRED', memberId));
      }
    } else if (!this.members.has(memberId) && !this.pendingMemberIds.delete(memberId)) {
      return Promise.resolve(this.joinError('UNKNOWN_MEMBER_ID', memberId));
    } else if (req.groupInstanceId !== null && this.staticMembers.get(req.groupInstanceId) !== undefined && this.staticMembers.get(req.groupInstanceId) !== memberId) {
      return Promise.resolve(this.joinError('FENCED_INSTANCE_ID', memberId));
    }
    const existing = this.members.get(memberId);
    // A known member rejoining with what it had: Kafka answers with the current generation
    // instead of rebalancing (CompletingRebalance: anyone; Stable: a follower).
    if (existing !== undefined && existing.pendingJoin === undefined && sameProtocols(existing.protocols, req.protocols)
      && (this.state === 'CompletingRebalance' || (this.state === 'Stable' && memberId !== this.leaderId))) {
      this.scheduleSession(existing);
      return Promise.resolve(this.currentJoinResult(memberId));
    }
    return new Promise((resolve) => {
      const member: Member = existing ?? {
        memberId, groupInstanceId: req.groupInstanceId, clientId: req.clientId, clientHost: req.clientHost,
        sessionTimeoutMs: req.sessionTimeoutMs, rebalanceTimeoutMs: req.rebalanceTimeoutMs, protocolType: req.protocolType,
        protocols: req.protocols, assignment: EMPTY,
      };
      Object.assign(member, { sessionTimeoutMs: req.sessionTimeoutMs, rebalanceTimeoutMs: req.rebalanceTimeoutMs, protocols: req.protocols, clientId: req.clientId, clientHost: req.clientHost });
      this.park(member, resolve);
      this.members.set(memberId, member);
      if (req.groupInstanceId !== null) this.staticMembers.set(req.groupInstanceId, memberId);
      if (this.protocolType === null) this.protocolType = req.protocolType;
      if (this.state === 'PreparingRebalance') this.maybeCompleteJoin();
      else this.prepareRebalance();
    });
  }

  /** Parks a member's JoinGroup; an earlier one of the same member is superseded and answered. */
  private park(member: Member, resolve: (r: JoinResult) => void): void {
    member.pendingJoin?.(this.joinError('REBALANCE_IN_PROGRESS', member.memberId));
    member.pendingJoin = resolve;
    clearTimeout(member.sessionTimer); // a member waiting in a join is not expired
  }

  /** A static member restarted with a new member id: take over the old one's place. */
  private replaceStaticMember(oldId: string, newId: string, req: JoinRequest): Promise<JoinResult> {
    const old = this.members.get(oldId)!;
    old.pendingJoin?.(this.joinError('FENCED_INSTANCE_ID', oldId));
    old.pendingSync?.(Group.syncError('FENCED_INSTANCE_ID'));
    clearTimeout(old.sessionTimer);
    this.members.delete(oldId);
    const member: Member = { ...old, memberId: newId, pendingJoin: undefined, pendingSync: undefined, sessionTimer: undefined, clientHost: req.clientHost };
    const protocolsChanged = !sameProtocols(old.protocols, req.protocols);
    member.protocols = req.protocols;
    this.members.set(newId, member);
    this.staticMembers.set(req.groupInstanceId!, newId);
    if (this.leaderId === oldId) this.leaderId = newId;
    if (this.pendingSyncMembers.delete(oldId)) this.pendingSyncMembers.add(newId);
    if (this.state === 'Stable' && !protocolsChanged) {
      // The group keeps its assignment: no rebalance for a static member coming back.
      this.scheduleSession(member);
      return Promise.resolve({ ...this.currentJoinResult(newId), members: [] });
    }
    // Anywhere else the leader may be assigning to the old id: rebalance, as Kafka does.
    return new Promise((resolve) => {
      this.park(member, resolve);
      if (this.state === 'PreparingRebalance') this.maybeCompleteJoin();
      else this.prepareRebalance();
    });
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

  /** Answers every parked SyncGroup with `error` and forgets who still has to sync. */
  private failPendingSyncs(error: ErrorCodeName): void {
    clearTimeout(this.syncTimer);
    this.pendingSyncMembers.clear();
    for (const m of this.members.values()) {
      const respond = m.pendingSync;
      m.pendingSync = undefined;
      if (respond !== undefined) {
        this.scheduleSession(m);
        respond(Group.syncError(error));
      }
    }
  }

  private prepareRebalance(): void {
    const wasEmpty = this.state === 'Empty';
    // Members parked in SyncGroup (CompletingRebalance, possibly with the assignment write
    // in flight) learn at once that they must rejoin.
    this.failPendingSyncs('REBALANCE_IN_PROGRESS');
    this.state = 'PreparingRebalance';
    this.initialRebalance = wasEmpty;
    clearTimeout(this.rebalanceTimer);
    // A new group waits a little for more members (group.initial.rebalance.delay.ms);
    // otherwise members get their rebalance timeout to rejoin.
    const delay = wasEmpty ? this.timing.initialRebalanceDelayMs : this.rebalanceTimeoutMs();
    this.rebalanceTimer = setTimeout(() => this.completeJoin(), delay);
    if (!wasEmpty) this.maybeCompleteJoin();
  }

  private rebalanceTimeoutMs(): number {
    return Math.max(0, ...[...this.members.values()].map((m) => m.rebalanceTimeoutMs));
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
    for (const m of this.members.values()) this.pendingSyncMembers.add(m.memberId);
    // Members that never send their SyncGroup are removed after the rebalance timeout,
    // so the rest are not parked behind them (Kafka's pending-sync timeout).
    const generation = this.generationId;
    clearTimeout(this.syncTimer);
    this.syncTimer = setTimeout(() => this.expirePendingSyncs(generation), this.rebalanceTimeoutMs());
    this.syncTimer.unref();
    for (const m of this.members.values()) {
      const respond = m.pendingJoin!;
      m.pendingJoin = undefined;
      this.scheduleSession(m);
      respond(this.currentJoinResult(m.memberId));
    }
  }

  private expirePendingSyncs(generation: number): void {
    if (generation !== this.generationId || (this.state !== 'CompletingRebalance' && this.state !== 'Stable')) return;
    if (this.pendingSyncMembers.size === 0) return;
    for (const id of [...this.pendingSyncMembers]) this.removeMember(id);
    this.afterMembershipChange();
  }

  private toEmpty(): void {
    clearTimeout(this.syncTimer);
    this.pendingSyncMembers.clear();
    this.state = 'Empty';
    this.leaderId = null;
    this.protocolName = null;
    this.protocolType = null;
    this.persist(this.snapshot()).catch(() => undefined);
  }

  sync(memberId: string, generationId: number, groupInstanceId: string | null, assignments: Array<{ memberId: string; assignment: Buffer }>, protocol: { type: string | null; name: string | null } = { type: null, name: null }): Promise<SyncResult> {
    const err = (error: ErrorCodeName): Promise<SyncResult> => Promise.resolve(Group.syncError(error));
    if (this.state === 'Dead') return err('COORDINATOR_NOT_AVAILABLE');
    const m = this.members.get(memberId);
    if (m === undefined) return err('UNKNOWN_MEMBER_ID');
    if (groupInstanceId !== null && this.staticMembers.get(groupInstanceId) !== memberId) return err('FENCED_INSTANCE_ID');
    if (generationId !== this.generationId) return err('ILLEGAL_GENERATION');
    // SyncGroup v5 names the protocol the member thinks it joined with.
    if ((protocol.type !== null && protocol.type !== this.protocolType) || (protocol.name !== null && protocol.name !== this.protocolName)) return err('INCONSISTENT_GROUP_PROTOCOL');
    if (this.state === 'PreparingRebalance') return err('REBALANCE_IN_PROGRESS');
    this.pendingSyncMembers.delete(memberId);
    this.scheduleSession(m);
    if (this.state === 'Stable') return Promise.resolve({ protocolType: this.protocolType, protocolName: this.protocolName, assignment: m.assignment });
    return new Promise((resolve) => {
      m.pendingSync?.(Group.syncError('REBALANCE_IN_PROGRESS')); // superseded by this one
      m.pendingSync = resolve;
      clearTimeout(m.sessionTimer); // kept alive while parked, as Kafka keeps members with a request in purgatory
      if (memberId !== this.leaderId || this.assignmentWriteFor === this.generationId) return;
      const given = new Map(assignments.map((a) => [a.memberId, a.assignment]));
      this.storeAssignment(given);
    });
  }

  /**
   * Stores the leader's assignment; the group stays CompletingRebalance until the write
   * completes. Only then, if nothing moved the group on meanwhile, does it become Stable
   * and answer the parked SyncGroups; a failed write answers them with an error and
   * starts a new rebalance (Kafka: COORDINATOR_NOT_AVAILABLE for a lost write).
   */
  private storeAssignment(given: ReadonlyMap<string, Buffer>): void {
    const generation = this.generationId;
    this.assignmentWriteFor = generation;
    const current = (): boolean => this.generationId === generation && this.state === 'CompletingRebalance';
    this.persist(this.snapshot(given)).then(
      () => {
        if (this.assignmentWriteFor === generation) this.assignmentWriteFor = undefined;
        if (!current()) return;
        for (const member of this.members.values()) member.assignment = given.get(member.memberId) ?? EMPTY;
        this.state = 'Stable';
        for (const member of this.members.values()) {
          const respond = member.pendingSync;
          member.pendingSync = undefined;
          if (respond === undefined) continue;
          this.scheduleSession(member);
          respond({ protocolType: this.protocolType, protocolName: this.protocolName, assignment: member.assignment });
        }
      },
      () => {
        if (this.assignmentWriteFor === generation) this.assignmentWriteFor = undefined;
        if (!current()) return;
        this.failPendingSyncs('COORDINATOR_NOT_AVAILABLE');
        this.prepareRebalance();
      },
    );
  }

  heartbeat(memberId: string, generationId: number, groupInstanceId: string | null): void {
    if (this.state === 'Dead') throw new KafkaError('COORDINATOR_NOT_AVAILABLE', this.groupId);
    const m = this.members.get(memberId);
    if (m === undefined) throw new KafkaError('UNKNOWN_MEMBER_ID', `member ${memberId} is not in group ${this.groupId}`);
    if (groupInstanceId !== null && this.staticMembers.get(groupInstanceId) !== memberId) throw new KafkaError('FENCED_INSTANCE_ID', groupInstanceId);
    if (generationId !== this.generationId) throw new KafkaError('ILLEGAL_GENERATION', `generation ${generationId} is not ${this.generationId}`);
    if (m.pendingJoin === undefined && m.pendingSync === undefined) this.scheduleSession(m);
    if (this.state === 'PreparingRebalance') throw new KafkaError('REBALANCE_IN_PROGRESS', this.groupId);
  }

  /** LeaveGroup for one member, by member id or (static) instance id. */
  leave(memberId: string, groupInstanceId: string | null): ErrorCodeName | undefined {
    if (this.state === 'Dead') return 'COORDINATOR_NOT_AVAILABLE';
    const id = groupInstanceId !== null ? this.staticMembers.get(groupInstanceId) : memberId;
    if (id === undefined || !this.members.has(id)) return 'UNKNOWN_MEMBER_ID';
    if (groupInstanceId !== null && memberId !== '' && memberId !== id) return 'FENCED_INSTANCE_ID';
    this.removeMember(id);
    this.afterMembershipChange();
    return undefined;
  }

  /**
   * Checks an offset commit against the membership, in the order of Kafka's
   * ClassicGroup.validateOffsetCommit (generation -1 without a member: a simple commit,
   * allowed only while the group is empty).
   */
  checkCommit(memberId: string, generationId: number, groupInstanceId: string | null): void {
    if (this.state === 'Dead') throw new KafkaError('COORDINATOR_NOT_AVAILABLE', this.groupId);
    if (generationId < 0 && this.state === 'Empty') return;
    if (generationId >= 0 || memberId !== '' || groupInstanceId !== null) {
      const m = this.members.get(memberId);
      if (m === undefined) throw new KafkaError('UNKNOWN_MEMBER_ID', `member ${memberId} is not in group ${this.groupId}`);
      if (groupInstanceId !== null && this.staticMembers.get(groupInstanceId) !== memberId) throw new KafkaError('FENCED_INSTANCE_ID', groupInstanceId);
      if (generationId !== this.generationId) throw new KafkaError('ILLEGAL_GENERATION', `generation ${generationId} is not ${this.generationId}`);
      if (m.pendingJoin === undefined && m.pendingSync === undefined) this.scheduleSession(m);
    } else {
      throw new KafkaError('UNKNOWN_MEMBER_ID', `group ${this.groupId} has members; commit with a member id and generation`);
    }
    // Members may still commit what they processed while being asked to rejoin
    // (PreparingRebalance); once the join completed the old assignment is void.
    if (this.state === 'CompletingRebalance') throw new KafkaError('REBALANCE_IN_PROGRESS', this.groupId);
  }

  private scheduleSession(m: Member): void {
    clearTimeout(m.sessionTimer);
    m.sessionTimer = setTimeout(() => this.expire(m.memberId), m.sessionTimeoutMs);
    m.sessionTimer.unref();
  }

  private expire(memberId: string): void {
    const m = this.members.get(memberId);
    // A member with a parked request is alive (Kafka's shouldKeepAlive).
    if (m === undefined || m.pendingJoin !== undefined || m.pendingSync !== undefined) return;
    this.removeMember(memberId);
    this.afterMembershipChange();
  }

  private removeMember(memberId: string): void {
    const m = this.members.get(memberId);
    if (m === undefined) return;
    clearTimeout(m.sessionTimer);
    m.pendingJoin?.(this.joinError('UNKNOWN_MEMBER_ID', memberId));
    m.pendingSync?.(Group.syncError('UNKNOWN_MEMBER_ID'));
    m.pendingJoin = undefined;
    m.pendingSync = undefined;
    this.members.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
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

  /** Stops every timer and answers every parked request (broker shutdown, group deletion). */
  shutdown(): void {
    clearTimeout(this.rebalanceTimer);
    clearTimeout(this.syncTimer);
    for (const m of this.members.values()) {
      clearTimeout(m.sessionTimer);
      m.pendingJoin?.(this.joinError('COORDINATOR_NOT_AVAILABLE', m.memberId));
      m.pendingSync?.(Group.syncError('COORDINATOR_NOT_AVAILABLE'));
      m.pendingJoin = undefined;
      m.pendingSync = undefined;
    }
    this.members.clear();
    this.pendingSyncMembers.clear();
    this.state = 'Dead';
  }
}
