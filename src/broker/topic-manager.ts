// Topics and their partitions: creation, deletion, partition growth, configs, and the
// periodic retention pass. Partition logs live in <dataDir>/<topic>-<partition>.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaError } from '../errors.js';
import type { Logger } from '../logger.js';
import { PartitionLog } from '../storage/partition-log.js';
import { SyncBatcher } from '../storage/sync-batcher.js';
import type { BrokerConfig } from './config.js';
import type { StorageProbe } from '../metrics/storage-probe.js';
import type { ClusterMetadata, MetadataStore, TopicRecord } from './metadata-store.js';
import { newKafkaUuid } from './metadata-store.js';
import { InlineBackend, Partition } from './partition.js';
import type { LogWriterPool } from '../writer/log-writer-pool.js';
import { isTiered, logConfigFor, validateTopicConfigs, type TopicConfigs } from './topic-config.js';

export interface Topic {
  record: TopicRecord;
  partitions: Partition[];
}

const LEGAL_TOPIC = /^[a-zA-Z0-9._-]+$/;
const MAX_TOPIC_LENGTH = 249;
/** Names the broker keeps for itself. */
export const INTERNAL_PREFIX = '__';

export function checkTopicName(name: string): void {
  if (name.length === 0 || name === '.' || name === '..' || name.length > MAX_TOPIC_LENGTH || !LEGAL_TOPIC.test(name)) {
    throw new KafkaError('INVALID_TOPIC_EXCEPTION', `illegal topic name ${JSON.stringify(name)}: up to 249 of [a-zA-Z0-9._-]`);
  }
}

export class TopicManager {
  private readonly topics = new Map<string, Topic>();
  private retentionTimer: NodeJS.Timeout | undefined;
  /** --inline: the partition logs of this thread share their fdatasync submissions. */
  private readonly syncs = new SyncBatcher();
  /** Called after a topic is deleted (the tier removes its remote copies). */
  onDeleted: (record: TopicRecord) => void = () => undefined;

  constructor(
    private readonly config: BrokerConfig,
    private readonly store: MetadataStore,
    private readonly meta: ClusterMetadata,
    private readonly logger: Logger,
    private readonly probe: StorageProbe,
    /** Log writer threads; undefined in --inline mode (every log on this thread). */
    private readonly writers?: LogWriterPool,
  ) {
    probe.watch(() =>
      this.list().flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.record.name, partition: p.index, logStartOffset: p.log.logStartOffset, logEndOffset: p.log.logEndOffset,
          highWatermark: p.log.highWatermark, sizeBytes: p.log.sizeBytes, segments: p.log.segmentCount,
        })),
      ),
    );
    for (const record of meta.topics) {
      this.topics.set(record.name, { record, partitions: this.openPartitions(record, 0, record.partitions) });
    }
    this.retentionTimer = setInterval(() => void this.applyRetention(), config.retentionCheckIntervalMs);
    this.retentionTimer.unref();
  }

  /** Opens partitions from..to-1 into `out` (which keeps what was opened if one fails). */
  private openPartitions(record: TopicRecord, from: number, to: number, out: Partition[] = []): Partition[] {
    const config = logConfigFor(record.configs, this.config);
    for (let p = from; p < to; p++) {
      const dir = this.partitionDir(record.name, p);
      if (this.writers !== undefined) {
        out.push(new Partition(record.name, p, this.writers.open(dir, config, (r) => this.probe.recovered(r))));
        continue;
      }
      const log = PartitionLog.open(dir, config, { logger: this.logger, onFsync: (s) => this.probe.observeFsync(s), syncer: this.syncs.sync });
      this.probe.recovered(log.recovery);
      out.push(new Partition(record.name, p, new InlineBackend(log)));
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

  private totalPartitions(): number {
    let n = 0;
    for (const t of this.topics.values()) n += t.partitions.length;
    return n;
  }

  /** The broker-wide partition budget (maxPartitions), checked before anything is created. */
  private checkBudget(adding: number): void {
    const total = this.totalPartitions();
    if (total + adding > this.config.maxPartitions) {
      throw new KafkaError('POLICY_VIOLATION', `${adding} more partitions would make ${total + adding}; this broker allows ${this.config.maxPartitions} (maxPartitions)`);
    }
  }

  private partitionDir(topic: string, partition: number): string {
    return join(this.config.dataDir, `${topic}-${partition}`);
  }

  list(): Topic[] {
    return [...this.topics.values()];
  }

  get(name: string): Topic | undefined {
    return this.topics.get(name);
  }

  partition(topic: string, index: number): Partition | undefined {
    return this.topics.get(topic)?.partitions[index];
  }

  /** Validates everything first; with validateOnly nothing is created. */
  create(name: string, partitions: number, configs: TopicConfigs, validateOnly = false): Topic | undefined {
    checkTopicName(name);
    if (this.topics.has(name)) throw new KafkaError('TOPIC_ALREADY_EXISTS', `topic ${name} already exists`);
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new KafkaError('INVALID_PARTITIONS', `partition count ${partitions} must be at least 1`);
    }
    this.checkBudget(partitions);
    validateTopicConfigs(configs);
    if (validateOnly) return undefined;
    const record: TopicRecord = { name, id: newKafkaUuid(), partitions, configs: { ...configs } };
    const topic: Topic = { record, partitions: this.openNewPartitions(record, 0, partitions) };
    this.topics.set(name, topic);
    this.persist();
    this.logger.info({ topic: name, partitions }, 'topic created');
    return topic;
  }

  /** Auto-creation on produce or metadata, when the broker allows it. */
  getOrCreate(name: string, allow: boolean): Topic | undefined {
    const t = this.topics.get(name);
    if (t !== undefined || !allow || !this.config.autoCreateTopics) return t;
    return this.create(name, this.config.defaultPartitions, {});
  }

  async delete(name: string): Promise<void> {
    const topic = this.topics.get(name);
    if (topic === undefined) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${name} does not exist`);
    this.topics.delete(name);
    this.persist();
    for (const p of topic.partitions) {
      p.wake();
      await p.backend.delete();
    }
    this.onDeleted(topic.record);
    this.logger.info({ topic: name }, 'topic deleted');
  }

  addPartitions(name: string, total: number, validateOnly = false): void {
    const topic = this.topics.get(name);
    if (topic === undefined) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${name} does not exist`);
    const current = topic.partitions.length;
    if (!Number.isInteger(total) || total <= current) {
      throw new KafkaError('INVALID_PARTITIONS', `topic ${name} has ${current} partitions; the new count must be larger, got ${total}`);
    }
    this.checkBudget(total - current);
    if (validateOnly) return;
    topic.partitions.push(...this.openNewPartitions(topic.record, current, total));
    topic.record.partitions = total;
    this.persist();
  }

  /** Replaces a topic's configs (after validation) and reconfigures its logs. */
  setConfigs(name: string, configs: TopicConfigs, validateOnly = false): void {
    const topic = this.topics.get(name);
    if (topic === undefined) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${name} does not exist`);
    validateTopicConfigs(configs);
    if (validateOnly) return;
    topic.record.configs = { ...configs };
    const logConfig = logConfigFor(configs, this.config);
    this.persist();
    for (const p of topic.partitions) {
      p.backend.reconfigure(logConfig).catch((err: unknown) => this.logger.error({ err, topic: name, partition: p.index }, 'could not apply new topic configs to the log'));
    }
  }

  async applyRetention(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const t of this.topics.values()) {
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

  private persist(): void {
    this.meta.topics = [...this.topics.values()].map((t) => t.record);
    this.store.save(this.meta);
  }

  async close(): Promise<void> {
    if (this.retentionTimer !== undefined) clearInterval(this.retentionTimer);
    for (const t of this.topics.values()) {
      for (const p of t.partitions) {
        p.wake();
        await p.backend.close();
      }
    }
  }
}
