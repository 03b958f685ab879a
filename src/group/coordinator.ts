// The group coordinator: one Group per group id, persisted through a GroupStore (the
// offsets log in the data directory, or memory in tests).
import { KafkaError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { CommittedOffset, GroupStore, StoredOffset } from '../services/group-store.js';
import type { GroupCoordinatorService } from '../services/groups.js';
import { Group, type GroupTiming } from './group.js';

const MAX_METADATA_BYTES = 4096;

export class GroupCoordinator implements GroupCoordinatorService {
  private readonly groups = new Map<string, Group>();
  private readonly timing: GroupTiming;

  constructor(readonly offsets: GroupStore, options: { initialRebalanceDelayMs: number }, logger: Logger) {
    this.timing = { initialRebalanceDelayMs: options.initialRebalanceDelayMs, minSessionTimeoutMs: 1000, maxSessionTimeoutMs: 1_800_000 };
    // Empty groups come back too: their generation must not restart at 0, or a stale
    // member of an old generation could match a new one.
    for (const [groupId, snapshot] of this.offsets.snapshots) this.group(groupId).restore(snapshot);
    this.logger = logger;
  }

  private readonly logger: Logger;

  /** The group, created (Empty) on first use. */
  group(groupId: string): Group {
    if (groupId === '') throw new KafkaError('INVALID_GROUP_ID', 'group id must not be empty');
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

  committed(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(groupId, topic, partition);
  }

  allCommitted(groupId: string): StoredOffset[] {
    return this.offsets.all(groupId);
  }

  /** Every group with members or committed offsets. */
  list(): Array<{ groupId: string; protocolType: string; state: string }> {
    const ids = new Set([...this.groups.keys(), ...this.offsets.groupIds()]);
    return [...ids].map((id) => {
      const g = this.groups.get(id);
      return { groupId: id, protocolType: g?.protocolType ?? 'consumer', state: g?.state ?? 'Empty' };
    });
  }

  /** Every committed offset of every group (metrics). */
  committedOffsets(): Array<{ group: string; topic: string; partition: number; committed: number }> {
    return this.offsets.groupIds().flatMap((group) => this.offsets.all(group).map((o) => ({ group, topic: o.topic, partition: o.partition, committed: o.offset })));
  }

  async commit(groupId: string, memberId: string, generationId: number, groupInstanceId: string | null, entries: Array<{ topic: string; partition: number; value: CommittedOffset }>): Promise<Map<string, KafkaError | undefined>> {
    const outcome = new Map<string, KafkaError | undefined>();
    this.group(groupId).checkCommit(memberId, generationId, groupInstanceId);
    const ok = entries.filter((e) => {
      const tooLarge = e.value.metadata !== null && Buffer.byteLength(e.value.metadata) > MAX_METADATA_BYTES;
      outcome.set(`${e.topic}\u0000${e.partition}`, tooLarge ? new KafkaError('OFFSET_METADATA_TOO_LARGE', 'metadata over 4096 bytes') : undefined);
      return !tooLarge;
    });
    await this.offsets.commit(groupId, ok);
    return outcome;
  }

  async delete(groupId: string): Promise<void> {
    const g = this.groups.get(groupId);
    const hasOffsets = this.offsets.all(groupId).length > 0;
    if ((g === undefined || g.state === 'Dead') && !hasOffsets) throw new KafkaError('GROUP_ID_NOT_FOUND', groupId);
    if (g !== undefined && g.size > 0) throw new KafkaError('NON_EMPTY_GROUP', `group ${groupId} has ${g.size} members`);
    await this.offsets.deleteGroup(groupId);
    g?.shutdown();
    this.groups.delete(groupId);
  }

  async close(): Promise<void> {
    for (const g of this.groups.values()) g.shutdown();
    await this.offsets.close();
  }
}
