// The group coordinator: one Group per group id, persisted through a GroupStore (the
// offsets log in the data directory, or memory in tests).
import { KafkaError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { CommittedOffset, GroupStore, StoredOffset } from '../services/group-store.js';
import type { GroupCoordinatorService } from '../services/groups.js';
import { Group, type GroupTiming } from './group.js';
import { ConsumerGroup, type ConsumerGroupTiming, type TopicInfo } from './consumer-group.js';
import { Reader } from '../protocol/primitives/reader.js';
import { readConsumerProtocolSubscription } from '../protocol/generated/consumer-protocol-subscription.js';

/** The topics a consumer member subscribes to (its protocol metadata); none if it does not decode. */
function subscribedTopics(metadata: Buffer): string[] {
  try {
    const r = new Reader(metadata);
    // Versions past the newest we know keep its fields first (the embedded protocol's rule).
    return readConsumerProtocolSubscription(r, Math.min(r.int16(), 3)).topics;
  } catch {
    return [];
  }
}

const MAX_METADATA_BYTES = 4096;

export interface CoordinatorOptions {
  initialRebalanceDelayMs: number;
  /** KIP-848 groups: group.consumer.session.timeout.ms and group.consumer.heartbeat.interval.ms. */
  consumer?: ConsumerGroupTiming;
  /** The topics KIP-848 groups subscribe to (names, ids, partition counts). */
  topics?: () => TopicInfo[];
}

export class GroupCoordinator implements GroupCoordinatorService {
  private readonly groups = new Map<string, Group>();
  /** KIP-848 groups (group.protocol=consumer), by id; a group id is one kind or the other. */
  private readonly consumerGroups = new Map<string, ConsumerGroup>();
  private readonly timing: GroupTiming;
  private readonly consumerTiming: ConsumerGroupTiming;
  private readonly topicInfo: () => TopicInfo[];

  constructor(readonly offsets: GroupStore, options: CoordinatorOptions, logger: Logger) {
    this.timing = { initialRebalanceDelayMs: options.initialRebalanceDelayMs, minSessionTimeoutMs: 1000, maxSessionTimeoutMs: 1_800_000 };
    this.consumerTiming = options.consumer ?? { sessionTimeoutMs: 45_000, heartbeatIntervalMs: 5000 };
    this.topicInfo = options.topics ?? (() => []);
    // Empty groups come back too: their generation must not restart at 0, or a stale
    // member of an old generation could match a new one.
    for (const [groupId, snapshot] of this.offsets.snapshots) this.group(groupId).restore(snapshot);
    this.logger = logger;
  }

  private readonly logger: Logger;

  /** The group, created (Empty) on first use. */
  group(groupId: string): Group {
    if (groupId === '') throw new KafkaError('INVALID_GROUP_ID', 'group id must not be empty');
    // A consumer-protocol group with members keeps its id; an empty one turns classic (Kafka's downgrade on an empty group).
    const modern = this.consumerGroups.get(groupId);
    if (modern !== undefined && modern.members.size > 0) throw new KafkaError('INCONSISTENT_GROUP_PROTOCOL', `group ${groupId} uses the consumer protocol (KIP-848)`);
    if (modern !== undefined) this.consumerGroups.delete(groupId);
    let g = this.groups.get(groupId);
    if (g === undefined) {
      g = new Group(groupId, this.timing, (snap) => this.offsets.saveGroup(groupId, snap).catch((err: unknown) => {
        this.logger.error({ err, groupId }, 'could not store group membership');
        throw err;
      }));
      this.groups.set(groupId, g);
    }
    return g;
  }

  existing(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  /**
   * The KIP-848 group, created on first use. An empty classic group becomes one (Kafka 4's
   * upgrade of an empty group); a classic group with members keeps its protocol.
   */
  consumerGroup(groupId: string): ConsumerGroup {
    if (groupId === '') throw new KafkaError('INVALID_GROUP_ID', 'group id must not be empty');
    let g = this.consumerGroups.get(groupId);
    if (g !== undefined) return g;
    const classic = this.groups.get(groupId);
    if (classic !== undefined && classic.size > 0) throw new KafkaError('GROUP_ID_NOT_FOUND', `Group ${groupId} is not a consumer group: it has classic members`);
    if (classic !== undefined) {
      classic.shutdown();
      this.groups.delete(groupId);
    }
    g = new ConsumerGroup(groupId, this.consumerTiming, this.topicInfo, () => undefined);
    this.consumerGroups.set(groupId, g);
    return g;
  }

  existingConsumerGroup(groupId: string): ConsumerGroup | undefined {
    return this.consumerGroups.get(groupId);
  }

  committed(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(groupId, topic, partition);
  }

  allCommitted(groupId: string): StoredOffset[] {
    return this.offsets.all(groupId);
  }

  /** Every group with members or committed offsets. */
  list(): Array<{ groupId: string; protocolType: string; state: string; type: 'classic' | 'consumer' }> {
    const ids = new Set([...this.groups.keys(), ...this.consumerGroups.keys(), ...this.offsets.groupIds()]);
    return [...ids].map((id) => {
      const modern = this.consumerGroups.get(id);
      if (modern !== undefined) return { groupId: id, protocolType: 'consumer', state: modern.state, type: 'consumer' as const };
      const g = this.groups.get(id);
      return { groupId: id, protocolType: g?.protocolType ?? 'consumer', state: g?.state ?? 'Empty', type: 'classic' as const };
    });
  }

  /** Every committed offset of every group, and whether the group reads committed data only (metrics). */
  committedOffsets(): Array<{ group: string; topic: string; partition: number; committed: number; readCommitted: boolean }> {
    return this.offsets.groupIds().flatMap((group) => this.offsets.all(group).map((o) => ({ group, topic: o.topic, partition: o.partition, committed: o.offset, readCommitted: this.readCommitted.has(group) })));
  }

  noteReadCommitted(groupId: string): void {
    if (groupId !== '') this.readCommitted.add(groupId);
  }

  async commit(groupId: string, memberId: string, generationId: number, groupInstanceId: string | null, entries: Array<{ topic: string; partition: number; value: CommittedOffset }>): Promise<Map<string, KafkaError | undefined>> {
    const outcome = new Map<string, KafkaError | undefined>();
    const modern = this.consumerGroups.get(groupId);
    if (modern !== undefined) {
      // KIP-848: the generation is the member epoch; an admin commit (no member) only to an empty group.
      if (memberId !== '' || generationId >= 0 || modern.members.size > 0) modern.checkMember(memberId, generationId);
    } else {
      this.group(groupId).checkCommit(memberId, generationId, groupInstanceId);
    }
    const ok = entries.filter((e) => {
      const tooLarge = e.value.metadata !== null && Buffer.byteLength(e.value.metadata) > MAX_METADATA_BYTES;
      outcome.set(`${e.topic}\u0000${e.partition}`, tooLarge ? new KafkaError('OFFSET_METADATA_TOO_LARGE', 'metadata over 4096 bytes') : undefined);
      return !tooLarge;
    });
    await this.offsets.commit(groupId, ok);
    return outcome;
  }

  /** Groups seen fetching offsets with require_stable (read_committed consumers). */
  private readonly readCommitted = new Set<string>();

  async commitInTransaction(groupId: string, producerId: number, memberId: string, generationId: number, groupInstanceId: string | null, entries: Array<{ topic: string; partition: number; value: CommittedOffset }>): Promise<Map<string, KafkaError | undefined>> {
    const outcome = new Map<string, KafkaError | undefined>();
    if (generationId >= 0 || memberId !== '') {
      const modern = this.consumerGroups.get(groupId);
      if (modern !== undefined) modern.checkMember(memberId, generationId);
      else this.group(groupId).checkCommit(memberId, generationId, groupInstanceId);
    } else if (groupId === '') {
      throw new KafkaError('INVALID_GROUP_ID', 'the group id is empty');
    }
    const ok = entries.filter((e) => {
      const tooLarge = e.value.metadata !== null && Buffer.byteLength(e.value.metadata) > MAX_METADATA_BYTES;
      outcome.set(`${e.topic}\u0000${e.partition}`, tooLarge ? new KafkaError('OFFSET_METADATA_TOO_LARGE', 'metadata over 4096 bytes') : undefined);
      return !tooLarge;
    });
    await this.offsets.commitPending(groupId, producerId, ok);
    return outcome;
  }

  completeTransaction(producerId: number, commit: boolean): Promise<void> {
    return this.offsets.completePending(producerId, commit);
  }

  hasPendingOffset(groupId: string, topic: string, partition: number): boolean {
    return this.offsets.hasPending(groupId, topic, partition);
  }

  async delete(groupId: string): Promise<void> {
    const modern = this.consumerGroups.get(groupId);
    if (modern !== undefined) {
      if (modern.members.size > 0) throw new KafkaError('NON_EMPTY_GROUP', `group ${groupId} has ${modern.members.size} members`);
      this.consumerGroups.delete(groupId);
      if (this.offsets.all(groupId).length === 0) return;
    }
    const g = this.groups.get(groupId);
    const hasOffsets = this.offsets.all(groupId).length > 0;
    if ((g === undefined || g.state === 'Dead') && !hasOffsets) throw new KafkaError('GROUP_ID_NOT_FOUND', groupId);
    if (g !== undefined && g.size > 0) throw new KafkaError('NON_EMPTY_GROUP', `group ${groupId} has ${g.size} members`);
    await this.offsets.deleteGroup(groupId);
    g?.shutdown();
    this.groups.delete(groupId);
  }

  /**
   * OffsetDelete, as Kafka's coordinator: GROUP_ID_NOT_FOUND for an unknown group,
   * NON_EMPTY_GROUP for a group with members of another protocol than consumer; otherwise
   * offsets of topics the members subscribe to are kept (GROUP_SUBSCRIBED_TO_TOPIC) and the
   * rest deleted. Per-partition outcomes keyed "topic\0partition".
   */
  async deleteOffsets(groupId: string, partitions: Array<{ topic: string; partition: number }>): Promise<Map<string, KafkaError | undefined>> {
    const g = this.groups.get(groupId);
    const modern = this.consumerGroups.get(groupId);
    const hasOffsets = this.offsets.all(groupId).length > 0;
    if ((g === undefined || g.size === 0) && (modern === undefined || modern.members.size === 0) && !hasOffsets) throw new KafkaError('GROUP_ID_NOT_FOUND', groupId);
    const subscribed = new Set<string>(modern?.subscribedTopicNames() ?? []);
    if (g !== undefined && g.size > 0) {
      if (g.protocolType !== 'consumer') throw new KafkaError('NON_EMPTY_GROUP', `group ${groupId} has ${g.size} members`);
      for (const m of g.memberList()) {
        const chosen = m.protocols.find((p) => p.name === g.protocolName) ?? m.protocols[0];
        for (const t of chosen === undefined ? [] : subscribedTopics(chosen.metadata)) subscribed.add(t);
      }
    }
    const outcome = new Map<string, KafkaError | undefined>();
    const gone: Array<{ topic: string; partition: number; value: null }> = [];
    for (const p of partitions) {
      const key = `${p.topic}\u0000${p.partition}`;
      if (subscribed.has(p.topic)) {
        outcome.set(key, new KafkaError('GROUP_SUBSCRIBED_TO_TOPIC', `group ${groupId} is subscribed to ${p.topic}`));
        continue;
      }
      outcome.set(key, undefined);
      if (this.offsets.get(groupId, p.topic, p.partition) !== undefined) gone.push({ ...p, value: null });
    }
    if (gone.length > 0) await this.offsets.commit(groupId, gone);
    // As Kafka: an empty group left without offsets is gone.
    if ((g === undefined || g.size === 0) && this.offsets.all(groupId).length === 0) {
      await this.offsets.deleteGroup(groupId);
      g?.shutdown();
      this.groups.delete(groupId);
    }
    return outcome;
  }

  async close(): Promise<void> {
    for (const g of this.groups.values()) g.shutdown();
    for (const g of this.consumerGroups.values()) g.shutdown();
    await this.offsets.close();
  }
}
