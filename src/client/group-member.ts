// One consumer-group member for one topic, classic protocol with the "range" assignor:
// join (with the MEMBER_ID_REQUIRED round trip), assign as leader, sync, heartbeat,
// commit, leave. Enough for `strata consume --group`; kafkajs, librdkafka and Java
// members can share a group with it (same embedded consumer protocol).
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { readConsumerProtocolAssignment, writeConsumerProtocolAssignment } from '../protocol/generated/consumer-protocol-assignment.js';
import { readConsumerProtocolSubscription, writeConsumerProtocolSubscription } from '../protocol/generated/consumer-protocol-subscription.js';
import { Reader } from '../protocol/primitives/reader.js';
import { Writer } from '../protocol/primitives/writer.js';
import { check, type KafkaClient } from './kafka-client.js';

const SUBSCRIPTION_VERSION = 0;
const ASSIGNMENT_VERSION = 0;

/** The embedded consumer protocol carries its own int16 version before the struct. */
function encodeSubscription(topics: string[]): Buffer {
  const w = new Writer(64).int16(SUBSCRIPTION_VERSION);
  writeConsumerProtocolSubscription(w, SUBSCRIPTION_VERSION, { topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null });
  return w.toBuffer();
}

function decodeSubscriptionTopics(bytes: Buffer): string[] {
  const r = new Reader(bytes);
  const version = Math.min(r.int16(), 3);
  return readConsumerProtocolSubscription(r, version).topics;
}

function encodeAssignment(topic: string, partitions: number[]): Buffer {
  const w = new Writer(64).int16(ASSIGNMENT_VERSION);
  writeConsumerProtocolAssignment(w, ASSIGNMENT_VERSION, { assignedPartitions: partitions.length === 0 ? [] : [{ topic, partitions }], userData: null });
  return w.toBuffer();
}

function decodeAssignment(bytes: Buffer, topic: string): number[] {
  if (bytes.length === 0) return [];
  const r = new Reader(bytes);
  const version = Math.min(r.int16(), 3);
  return readConsumerProtocolAssignment(r, version).assignedPartitions.filter((t) => t.topic === topic).flatMap((t) => t.partitions);
}

/** Kafka's RangeAssignor for one topic: members sorted by id, contiguous ranges. */
export function rangeAssign(memberIds: string[], partitions: number[]): Map<string, number[]> {
  const members = [...memberIds].sort();
  const sorted = [...partitions].sort((a, b) => a - b);
  const per = Math.floor(sorted.length / members.length);
  const extra = sorted.length % members.length;
  const out = new Map<string, number[]>();
  let at = 0;
  members.forEach((m, i) => {
    const n = per + (i < extra ? 1 : 0);
    out.set(m, sorted.slice(at, at + n));
    at += n;
  });
  return out;
}

export class GroupMember {
  memberId = '';
  generationId = -1;
  partitions: number[] = [];

  constructor(private readonly client: KafkaClient, readonly group: string, readonly topic: string, private readonly sessionTimeoutMs = 10_000) {}

  /** Joins (or rejoins) and returns the partitions this member now owns. */
  async join(): Promise<number[]> {
    const metadata = encodeSubscription([this.topic]);
    for (let attempt = 0; attempt < 20; attempt++) {
      const j = await this.client.joinGroup(this.group, this.memberId, metadata, this.sessionTimeoutMs);
      if (j.errorCode === ErrorCode.MEMBER_ID_REQUIRED || j.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
        this.memberId = j.errorCode === ErrorCode.MEMBER_ID_REQUIRED ? j.memberId : '';
        continue;
      }
      if (j.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) continue;
      check(j.errorCode, `join group ${this.group}`);
      this.memberId = j.memberId;
      this.generationId = j.generationId;
      let assignments: Array<{ memberId: string; assignment: Buffer }> = [];
      if (j.leader === j.memberId) {
        const partitions = await this.client.partitionsOf(this.topic);
        const interested = j.members.filter((m) => decodeSubscriptionTopics(m.metadata).includes(this.topic)).map((m) => m.memberId);
        const plan = rangeAssign(interested, partitions);
        assignments = j.members.map((m) => ({ memberId: m.memberId, assignment: encodeAssignment(this.topic, plan.get(m.memberId) ?? []) }));
      }
      const s = await this.client.syncGroup(this.group, this.memberId, this.generationId, assignments);
      if (s.errorCode === ErrorCode.REBALANCE_IN_PROGRESS || s.errorCode === ErrorCode.ILLEGAL_GENERATION) continue;
      check(s.errorCode, `sync group ${this.group}`);
      this.partitions = decodeAssignment(s.assignment, this.topic);
      return this.partitions;
    }
    throw new Error(`could not join group ${this.group}: the group kept rebalancing`);
  }

  /** 'ok', or 'rejoin' when the group is rebalancing or forgot this member. */
  async heartbeat(): Promise<'ok' | 'rejoin'> {
    const code = await this.client.heartbeat(this.group, this.memberId, this.generationId);
    if (code === 0) return 'ok';
    if (code === ErrorCode.REBALANCE_IN_PROGRESS || code === ErrorCode.ILLEGAL_GENERATION || code === ErrorCode.UNKNOWN_MEMBER_ID) {
      if (code === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
      return 'rejoin';
    }
    check(code, `heartbeat ${this.group}`);
    return 'ok';
  }

  commit(offsets: Map<number, number>): Promise<void> {
    return this.client.commit(this.group, [...offsets].map(([partition, offset]) => ({ topic: this.topic, partition, offset, metadata: null })), { memberId: this.memberId, generationId: this.generationId });
  }

  async leave(): Promise<void> {
    if (this.memberId !== '') await this.client.leaveGroup(this.group, this.memberId);
  }
}
