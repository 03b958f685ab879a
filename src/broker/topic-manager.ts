// Topics and their partitions: creation, deletion, partition growth, configs, and the
// periodic retention pass. Partition logs live in <dataDir>/<topic>-<partition>.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaError } from '../errors.js';
import type { Logger } from '../logger.js';
import { PartitionLog } from '../storage/partition-log.js';
import { SyncBatcher } from '../storage/sync-batcher.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { StorageProbe } from '../metrics/storage-probe.js';
import type { ClusterMetadataStore, TopicRecord, Versioned } from '../services/cluster-metadata.js';
import { newKafkaUuid } from './cluster-metadata-document.js';
import { InlineBackend, NO_TIER, Partition, type PartitionTier } from './partition.js';
import type { LogWriterPool } from '../writer/log-writer-pool.js';
import { isTiered, logConfigFor, validateTopicConfigs, type TopicConfigs } from '../config/topic-config.js';
import type { TopicDirectory } from '../services/topics.js';
import { Topic, TopicTable } from './topic-table.js';

export { checkTopicName, INTERNAL_PREFIX } from '../services/topics.js';

/** A topic of this node: its partitions are local logs. */
export type LocalTopic = Topic<Partition>;

export class TopicManager implements TopicDirectory {
  private readonly topics: TopicTable<LocalTopic>;
  private retentionTimer: NodeJS.Timeout | undefined;
  /** --inline: the partition logs of this thread share their fdatasync submissions. */
  private readonly syncs = new SyncBatcher();
  /** Called after a topic is deleted (the tier removes its remote copies). */
  onDeleted: (record: TopicRecord) => void = () => undefined;
  /** The tier's remote segments and upload backlog, once the tier exists (it needs this manager first). */
  private tier: PartitionTier = NO_TIER;

  constructor(
    private readonly config: BrokerConfig,
    private readonly store: ClusterMetadataStore,
    /** The topics the store holds at start (read before, because opening is synchronous). */
    initial: ReadonlyArray<Versioned<TopicRecord>>,
    private readonly logger: Logger,
    private readonly probe: StorageProbe,
    /** Log writer threads; undefined in --inline mode (every log on this thread). */
    private readonly writers?: LogWriterPool,
  ) {
    this.topics = new TopicTable<LocalTopic>(config.maxPartitions, 'broker');
    probe.watch(() =>
      this.list().flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.record.name, partition: p.index, logStartOffset: p.log.logStartOffset, logEndOffset: p.log.logEndOffset,
          highWatermark: p.log.highWatermark, sizeBytes: p.log.sizeBytes, segments: p.log.segmentCount,
        })),
      ),
    );
    for (const { value: record, version } of initial) {
      this.topics.set(new Topic(record, this.openPartitions(record, 0, record.partitions), version));
    }
    this.retentionTimer = setInterval(() => void this.applyRetention(), config.retentionCheckIntervalMs);
    this.retentionTimer.unref();
  }

  /** Connects the tier: reads below the local log start go to it, and its backlog holds back producers. */
  attachTier(tier: PartitionTier): void {
    this.tier = tier;
  }

  /** Opens partitions from..to-1 into `out` (which keeps what was opened if one fails). */
  private openPartitions(record: TopicRecord, from: number, to: number, out: Partition[] = []): Partition[] {
    const config = logConfigFor(record.configs, this.config);
    const tiering = { tier: { remote: (t: string, i: number) => this.tier.remote(t, i), backlogFull: () => this.tier.backlogFull(), remoteRead: (n: number) => this.tier.remoteRead(n) }, isTiered: () => isTiered(record.configs) };
    for (let p = from; p < to; p++) {
      const dir = this.partitionDir(record.name, p);
      if (this.writers !== undefined) {
        out.push(new Partition(record.name, p, this.writers.open(dir, config, (r) => this.probe.recovered(r)), tiering));
        continue;
      }
      const log = PartitionLog.open(dir, config, { logger: this.logger, onFsync: (s) => this.probe.observeFsync(s), syncer: this.syncs.sync });
      this.probe.recovered(log.recovery);
      out.push(new Partition(record.name, p, new InlineBackend(log), tiering));
    }
    return out;
  }

  /**
   * Opens new partitions (of a new topic, or added to one) all or nothing: when one fails
   * (out of file descriptors, a full disk), every log this call opened is closed and its
   * directory removed, so the failure costs nothing and a later, smaller request can work.
   */
  private openNewPartitions(record: TopicRecord, from: number, to: number): Partition[] {
    const opened: Partition[] = [];
    try {
      return this.openPartitions(record, from, to, opened);
    } catch (err) {
      this.probe.partitionOpenFailed();
      this.logger.error({ err, topic: record.name, partitions: `${from}..${to - 1}`, opened: opened.length }, 'could not open new partitions; rolling back');
      // Inline logs are given back at once; a writer thread's logs when the writer confirms.
      for (const p of opened) {
        if (p.backend instanceof InlineBackend) p.backend.log.discardFresh();
        else p.backend.delete().catch((cleanup: unknown) => this.logger.error({ err: cleanup, topic: record.name, partition: p.index }, 'rollback of a new partition failed'));
      }
      rmSync(this.partitionDir(record.name, from + opened.length), { recursive: true, force: true });
      const code = (err as NodeJS.ErrnoException).code;
      throw new KafkaError('KAFKA_STORAGE_ERROR', `could not open partition ${from + opened.length} of ${record.name}${code === undefined ? '' : ` (${code})`}; nothing was created`);
    }
  }

  private partitionDir(topic: string, partition: number): string {
    return join(this.config.dataDir, `${topic}-${partition}`);
  }

  list(): LocalTopic[] {
    return this.topics.list();
  }

  get(name: string): LocalTopic | undefined {
    return this.topics.get(name);
  }

  byId(id: string): LocalTopic | undefined {
    return this.topics.byId(id);
  }

  partition(topic: string, index: number): Partition | undefined {
    return this.topics.get(topic)?.partitions[index];
  }

  /** Validates everything first; with validateOnly nothing is created. */
  create(name: string, partitions: number, configs: TopicConfigs, validateOnly = false): Promise<LocalTopic | undefined> {
    try {
      this.topics.checkNew(name, partitions, configs);
    } catch (err) {
      return Promise.reject(err);
    }
    if (validateOnly) return Promise.resolve(undefined);
    return this.topics.track(name, this.createChecked(name, partitions, configs));
  }

  /**
   * The partition directories are made durable before the metadata store lists the topic,
   * so a listed topic always has its directories; if the store refuses (a conflict, an
   * I/O error), the new partitions are rolled back.
   */
  private async createChecked(name: string, partitions: number, configs: TopicConfigs): Promise<LocalTopic> {
    const record: TopicRecord = { name, id: newKafkaUuid(), partitions, configs: { ...configs } };
    const opened = this.openNewPartitions(record, 0, partitions);
    let stored: Versioned<TopicRecord>;
    try {
      stored = await this.store.createTopic(record);
    } catch (err) {
      await this.discard(record, opened);
      throw err;
    }
    const topic = new Topic(record, opened, stored.version);
    this.topics.set(topic);
    this.logger.info({ topic: name, partitions }, 'topic created');
    return topic;
  }

  /** Closes and removes partitions that were opened for a change the store did not accept. */
  private async discard(record: TopicRecord, partitions: Partition[]): Promise<void> {
    for (const p of partitions) {
      p.wake();
      await p.backend.delete().catch((err: unknown) => this.logger.error({ err, topic: record.name, partition: p.index }, 'rollback of a new partition failed'));
    }
  }

  /** Auto-creation on produce or metadata, when the broker allows it. Synchronous for a topic that exists. */
  getOrCreate(name: string, allow: boolean): LocalTopic | undefined | Promise<LocalTopic | undefined> {
    const t = this.topics.get(name);
    if (t !== undefined || !allow || !this.config.autoCreateTopics) return t;
    const pending = this.topics.pending(name);
    if (pending !== undefined) return pending;
    return this.create(name, this.config.defaultPartitions, {});
  }

  async delete(name: string): Promise<void> {
    const topic = this.topics.require(name);
    // Gone for every request from now on; back if the store refuses the deletion.
    this.topics.delete(name);
    try {
      await this.store.deleteTopic(name, topic.version);
    } catch (err) {
      if (this.topics.get(name) === undefined) this.topics.set(topic);
      throw err;
    }
    for (const p of topic.partitions) {
      p.wake();
      await p.backend.delete();
    }
    this.onDeleted(topic.record);
    this.logger.info({ topic: name }, 'topic deleted');
  }

  async addPartitions(name: string, total: number, validateOnly = false): Promise<void> {
    const { topic, current } = this.topics.checkGrowth(name, total);
    if (validateOnly) return;
    const added = this.openNewPartitions(topic.record, current, total);
    const next = { ...topic.record, partitions: total };
    try {
      const stored = await this.store.updateTopic(next, topic.version);
      topic.version = stored.version;
    } catch (err) {
      await this.discard(topic.record, added);
      throw err;
    }
    topic.partitions.push(...added);
    topic.record.partitions = total;
  }

  /** Replaces a topic's configs (after validation) and reconfigures its logs. */
  async setConfigs(name: string, configs: TopicConfigs, validateOnly = false): Promise<void> {
    const topic = this.topics.require(name);
    validateTopicConfigs(configs);
    if (validateOnly) return;
    const stored = await this.store.updateTopic({ ...topic.record, configs: { ...configs } }, topic.version);
    topic.version = stored.version;
    topic.record.configs = { ...configs };
    const logConfig = logConfigFor(configs, this.config);
    for (const p of topic.partitions) {
      p.backend.reconfigure(logConfig).catch((err: unknown) => this.logger.error({ err, topic: name, partition: p.index }, 'could not apply new topic configs to the log'));
    }
  }

  async applyRetention(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const t of this.topics.list()) {
      // Tiered topics: the tier applies local and total retention, after uploads.
      if (isTiered(t.record.configs)) continue;
      for (const p of t.partitions) {
        try {
          removed += await p.backend.applyRetention(now);
        } catch (err) {
          this.logger.warn({ err, topic: t.record.name, partition: p.index }, 'retention failed');
        }
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    if (this.retentionTimer !== undefined) clearInterval(this.retentionTimer);
    for (const t of this.topics.list()) {
      for (const p of t.partitions) {
        p.wake();
        await p.backend.close();
      }
    }
  }
}
