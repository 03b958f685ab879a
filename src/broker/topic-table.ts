// The topics a directory holds by name, and the checks every topic directory makes before a
// change (name, existence, partition count, the partition budget, configs). The single-node
// TopicManager and the cluster's SharedTopics keep their topics here, so both refuse the
// same requests with the same Kafka errors.
import { KafkaError } from '../errors.js';
import { validateTopicConfigs, type TopicConfigs } from '../config/topic-config.js';
import type { TopicRecord } from '../services/cluster-metadata.js';
import type { PartitionStore } from '../services/partition-store.js';
import { checkTopicName, type TopicView } from '../services/topics.js';

/** A topic's record and its partitions (local ones on one node; shared ones in cluster mode). */
export class Topic<P extends PartitionStore> implements TopicView {
  constructor(
    public record: TopicRecord,
    readonly partitions: P[],
    /** The record's version in the metadata store (changes are conditional on it). */
    public version: number,
  ) {}

  get name(): string {
    return this.record.name;
  }

  get id(): string {
    return this.record.id;
  }

  get configs(): TopicConfigs {
    return this.record.configs;
  }
}

export class TopicTable<T extends Topic<PartitionStore>> {
  private readonly topics = new Map<string, T>();
  /** Topics being created (auto-creation from concurrent requests waits for the one creation). */
  private readonly creating = new Map<string, Promise<T | undefined>>();

  constructor(
    private readonly maxPartitions: number,
    /** Who the budget belongs to, for its error message: 'broker' or 'cluster'. */
    private readonly scope: string,
  ) {}

  list(): T[] {
    return [...this.topics.values()];
  }

  get(name: string): T | undefined {
    return this.topics.get(name);
  }

  byId(id: string): T | undefined {
    for (const t of this.topics.values()) if (t.id === id) return t;
    return undefined;
  }

  set(topic: T): void {
    this.topics.set(topic.name, topic);
  }

  delete(name: string): void {
    this.topics.delete(name);
  }

  /** The topic, or UNKNOWN_TOPIC_OR_PARTITION. */
  require(name: string): T {
    const topic = this.topics.get(name);
    if (topic === undefined) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${name} does not exist`);
    return topic;
  }

  /** Everything CreateTopics checks before anything is written. */
  checkNew(name: string, partitions: number, configs: TopicConfigs): void {
    checkTopicName(name);
    if (this.topics.has(name) || this.creating.has(name)) throw new KafkaError('TOPIC_ALREADY_EXISTS', `topic ${name} already exists`);
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new KafkaError('INVALID_PARTITIONS', `partition count ${partitions} must be at least 1`);
    }
    this.checkBudget(partitions);
    validateTopicConfigs(configs);
  }

  /** Everything CreatePartitions checks; returns the topic and its current partition count. */
  checkGrowth(name: string, total: number): { topic: T; current: number } {
    const topic = this.require(name);
    const current = topic.partitions.length;
    if (!Number.isInteger(total) || total <= current) {
      throw new KafkaError('INVALID_PARTITIONS', `topic ${name} has ${current} partitions; the new count must be larger, got ${total}`);
    }
    this.checkBudget(total - current);
    return { topic, current };
  }

  /** The partition budget (maxPartitions), checked before anything is created. */
  private checkBudget(adding: number): void {
    let total = 0;
    for (const t of this.topics.values()) total += t.partitions.length;
    if (total + adding > this.maxPartitions) {
      throw new KafkaError('POLICY_VIOLATION', `${adding} more partitions would make ${total + adding}; this ${this.scope} allows ${this.maxPartitions} (maxPartitions)`);
    }
  }

  /** The creation of this name under way, if there is one. */
  pending(name: string): Promise<T | undefined> | undefined {
    return this.creating.get(name);
  }

  /** Runs a creation, registered as pending under its name until it settles. */
  track(name: string, creation: Promise<T | undefined>): Promise<T | undefined> {
    const tracked = creation.finally(() => this.creating.delete(name));
    this.creating.set(name, tracked);
    return tracked;
  }
}
