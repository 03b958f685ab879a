// The topics of a cluster (TopicDirectory): records in the shared metadata store, every
// partition a SharedPartitionStore whatever broker leads it. Another broker's changes
// arrive by `refresh`, which the broker runs when PostgreSQL notifies a change and by polling
// (about once a second) in case a notification was missed; this broker's at once; the broker
// hears of both through `onChange` and re-spreads its partition leases.
import { KafkaError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { BrokerConfig } from '../config/broker-config.js';
import { DEFAULT_LOG_CONFIG } from '../config/log-config.js';
import { logConfigFor, validateTopicConfigs, type TopicConfigs } from '../config/topic-config.js';
import { newKafkaUuid } from '../broker/cluster-metadata-document.js';
import type { ClusterMetadataStore, TopicRecord, Versioned } from '../services/cluster-metadata.js';
import type { PartitionIndex } from '../services/leases.js';
import type { TopicDirectory } from '../services/topics.js';
import { Topic, TopicTable } from '../broker/topic-table.js';
import type { ObjectStore } from '../tier/object-store.js';
import { SharedPartitionStore, type SharedPartitionLimits } from './shared-partition-store.js';

/** A topic whose partitions live on shared storage. */
export type SharedTopic = Topic<SharedPartitionStore>;
export const SharedTopic = Topic<SharedPartitionStore>;

export class SharedTopics implements TopicDirectory {
  private readonly topics: TopicTable<SharedTopic>;
  /** Topics or partitions appeared or went away (here or on another broker). */
  onChange: () => void = () => undefined;

  constructor(
    private readonly config: BrokerConfig, private readonly store: ClusterMetadataStore, private readonly index: PartitionIndex,
    private readonly objects: ObjectStore, private readonly logger: Logger,
  ) {
    this.topics = new TopicTable<SharedTopic>(config.maxPartitions, 'cluster');
  }

  /** Reads the store's topics and applies what changed since the last look. */
  async refresh(): Promise<void> {
    const stored = await this.store.topics();
    let changed = false;
    const names = new Set<string>();
    for (const s of stored) {
      names.add(s.value.name);
      const known = this.topics.get(s.value.name);
      if (known === undefined || known.id !== s.value.id) {
        if (known !== undefined) this.forget(known);
        this.topics.set(this.open(s));
        changed = true;
      } else if (known.version !== s.version) {
        this.grow(known, s.value.partitions);
        known.record = { ...s.value };
        known.version = s.version;
        changed = true;
      }
    }
    for (const t of this.topics.list()) {
      if (names.has(t.name)) continue;
      this.forget(t);
      changed = true;
    }
    if (changed) this.onChange();
  }

  private open(s: Versioned<TopicRecord>): SharedTopic {
    const topic = new SharedTopic({ ...s.value }, [], s.version);
    this.grow(topic, s.value.partitions);
    return topic;
  }

  private grow(topic: SharedTopic, total: number): void {
    // Asked on every produce: derived once per configs object (a config change replaces it).
    let cached: { configs: TopicConfigs; limits: SharedPartitionLimits } | undefined;
    const limits = (): SharedPartitionLimits => {
      if (cached?.configs !== topic.record.configs) {
        const c = { ...DEFAULT_LOG_CONFIG, ...logConfigFor(topic.record.configs, this.config) };
        cached = {
          configs: topic.record.configs,
          limits: {
            maxBatchBytes: c.maxBatchBytes, validateRecords: c.validateRecords, retentionMs: c.retentionMs, retentionBytes: c.retentionBytes,
            cleanupPolicy: c.cleanupPolicy, deleteRetentionMs: c.deleteRetentionMs, minCompactionLagMs: c.minCompactionLagMs,
            minCleanableDirtyRatio: c.minCleanableDirtyRatio, maxCompactionLagMs: c.maxCompactionLagMs,
          },
        };
      }
      return cached.limits;
    };
    for (let p = topic.partitions.length; p < total; p++) topic.partitions.push(new SharedPartitionStore(topic.record.name, p, topic.record.id, limits, this.index, this.objects));
  }

  private forget(topic: SharedTopic): void {
    this.topics.delete(topic.name);
    for (const p of topic.partitions) p.resign();
  }

  list(): SharedTopic[] {
    return this.topics.list();
  }

  get(name: string): SharedTopic | undefined {
    return this.topics.get(name);
  }

  byId(id: string): SharedTopic | undefined {
    return this.topics.byId(id);
  }

  partition(topic: string, index: number): SharedPartitionStore | undefined {
    return this.topics.get(topic)?.partitions[index];
  }

  create(name: string, partitions: number, configs: TopicConfigs, validateOnly = false): Promise<SharedTopic | undefined> {
    try {
      this.topics.checkNew(name, partitions, configs);
    } catch (err) {
      return Promise.reject(err);
    }
    if (validateOnly) return Promise.resolve(undefined);
    const creation = (async () => {
      // The store refuses a name another broker took meanwhile (TOPIC_ALREADY_EXISTS).
      const stored = await this.store.createTopic({ name, id: newKafkaUuid(), partitions, configs: { ...configs } });
      // A refresh may have picked the new row up already: keep its partitions (they may lead).
      const seen = this.topics.get(name);
      const topic = seen !== undefined && seen.id === stored.value.id ? seen : this.open(stored);
      this.topics.set(topic);
      this.logger.info({ topic: name, partitions }, 'topic created');
      this.onChange();
      return topic;
    })();
    return this.topics.track(name, creation);
  }

  getOrCreate(name: string, allow: boolean): SharedTopic | undefined | Promise<SharedTopic | undefined> {
    const t = this.topics.get(name);
    if (t !== undefined || !allow || !this.config.autoCreateTopics) return t;
    const pending = this.topics.pending(name);
    if (pending !== undefined) return pending;
    return this.create(name, this.config.defaultPartitions, {}).catch(async (err: unknown) => {
      // Another broker created it first: take its record.
      if (err instanceof KafkaError && err.errorName === 'TOPIC_ALREADY_EXISTS') {
        await this.refresh();
        return this.topics.get(name);
      }
      throw err;
    });
  }

  async delete(name: string): Promise<void> {
    const topic = this.topics.require(name);
    await this.store.deleteTopic(name, topic.version);
    this.forget(topic);
    this.logger.info({ topic: name }, 'topic deleted');
    this.onChange();
  }

  async addPartitions(name: string, total: number, validateOnly = false): Promise<void> {
    const { topic } = this.topics.checkGrowth(name, total);
    if (validateOnly) return;
    const stored = await this.store.updateTopic({ ...topic.record, partitions: total }, topic.version);
    topic.version = stored.version;
    topic.record.partitions = total;
    this.grow(topic, total);
    this.onChange();
  }

  async setConfigs(name: string, configs: TopicConfigs, validateOnly = false): Promise<void> {
    const topic = this.topics.require(name);
    validateTopicConfigs(configs);
    if (validateOnly) return;
    const stored = await this.store.updateTopic({ ...topic.record, configs: { ...configs } }, topic.version);
    topic.version = stored.version;
    topic.record.configs = { ...configs };
  }

  /** Every partition, with the lease resource that names it. */
  resources(): Array<{ resource: string; store: SharedPartitionStore }> {
    return this.list().flatMap((t) => t.partitions.map((store) => ({ resource: partitionResource(t.id, store.index), store })));
  }
}

export const partitionResource = (topicId: string, partition: number): string => `p:${topicId}/${partition}`;
