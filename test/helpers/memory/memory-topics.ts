// A TopicDirectory in memory over MemoryPartitionStores (handler unit tests).
import { KafkaError } from '../../../src/errors.js';
import { validateTopicConfigs, type TopicConfigs } from '../../../src/config/topic-config.js';
import { checkTopicName, type TopicDirectory, type TopicView } from '../../../src/services/topics.js';
import { MemoryPartitionStore } from './memory-partition-store.js';

export interface MemoryTopic extends TopicView {
  configs: TopicConfigs;
  partitions: MemoryPartitionStore[];
}

export class MemoryTopics implements TopicDirectory {
  private readonly topics = new Map<string, MemoryTopic>();
  private nextId = 1;

  constructor(private readonly options: { autoCreate: boolean; defaultPartitions: number }) {}

  list(): MemoryTopic[] {
    return [...this.topics.values()];
  }

  get(name: string): MemoryTopic | undefined {
    return this.topics.get(name);
  }

  byId(id: string): MemoryTopic | undefined {
    return this.list().find((t) => t.id === id);
  }

  partition(topic: string, index: number): MemoryPartitionStore | undefined {
    return this.topics.get(topic)?.partitions[index];
  }

  async create(name: string, partitions: number, configs: TopicConfigs, validateOnly = false): Promise<MemoryTopic | undefined> {
    return this.createNow(name, partitions, configs, validateOnly);
  }

  private createNow(name: string, partitions: number, configs: TopicConfigs, validateOnly = false): MemoryTopic | undefined {
    checkTopicName(name);
    if (this.topics.has(name)) throw new KafkaError('TOPIC_ALREADY_EXISTS', `topic ${name} already exists`);
    if (!Number.isInteger(partitions) || partitions < 1) throw new KafkaError('INVALID_PARTITIONS', `partition count ${partitions} must be at least 1`);
    validateTopicConfigs(configs);
    if (validateOnly) return undefined;
    const id = Buffer.alloc(16, this.nextId++).toString('base64url');
    const topic: MemoryTopic = { name, id, configs: { ...configs }, partitions: Array.from({ length: partitions }, (_, i) => new MemoryPartitionStore(name, i)) };
    this.topics.set(name, topic);
    return topic;
  }

  getOrCreate(name: string, allow: boolean): MemoryTopic | undefined {
    const t = this.topics.get(name);
    if (t !== undefined || !allow || !this.options.autoCreate) return t;
    return this.createNow(name, this.options.defaultPartitions, {});
  }

  async delete(name: string): Promise<void> {
    const t = this.topics.get(name);
    if (t === undefined) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${name} does not exist`);
    this.topics.delete(name);
    for (const p of t.partitions) p.wake();
  }

  async addPartitions(name: string, total: number, validateOnly = false): Promise<void> {
    const t = this.topics.get(name);
    if (t === undefined) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${name} does not exist`);
    if (!Number.isInteger(total) || total <= t.partitions.length) throw new KafkaError('INVALID_PARTITIONS', `topic ${name} has ${t.partitions.length} partitions`);
    if (validateOnly) return;
    for (let i = t.partitions.length; i < total; i++) t.partitions.push(new MemoryPartitionStore(name, i));
  }

  async setConfigs(name: string, configs: TopicConfigs, validateOnly = false): Promise<void> {
    const t = this.topics.get(name);
    if (t === undefined) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${name} does not exist`);
    validateTopicConfigs(configs);
    if (!validateOnly) t.configs = { ...configs };
  }
}
