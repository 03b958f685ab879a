// The broker's state and wiring: metadata, topics, consumer groups, producer ids, and
// the table of API handlers the network layer dispatches to.
import { mkdirSync } from 'node:fs';
import type { Logger } from '../logger.js';
import type { ApiHandler } from '../handlers/handler.js';
import { buildHandlerTable } from '../handlers/index.js';
import { nativeStatus } from '../native/index.js';
import { ioMode } from '../native/durable-append.js';
import type { BrokerConfig } from './config.js';
import { GroupCoordinator } from '../group/coordinator.js';
import { FileMetadataStore, type ClusterMetadata, type MetadataStore } from './metadata-store.js';
import { ProducerIdAllocator } from './producer-ids.js';
import { TopicManager } from './topic-manager.js';
import { Metrics } from '../metrics/metrics.js';
import { RemoteLogManager } from '../tier/remote-log-manager.js';
import { buildObjectStore } from '../tier/tier-setup.js';
import { isTiered } from './topic-config.js';
import { LogWriterPool } from '../writer/log-writer-pool.js';
import { CpuPool } from '../pool/cpu-pool.js';

export interface NodeInfo {
  nodeId: number;
  host: string;
  port: number;
}

export class Broker {
  readonly topics: TopicManager;
  readonly groups: GroupCoordinator;
  readonly producerIds: ProducerIdAllocator;
  readonly tier: RemoteLogManager;
  /** Log writer threads; undefined in --inline mode. */
  readonly writers: LogWriterPool | undefined;
  /** Recompression and segment hashing: Piscina threads, or this thread in --inline mode. */
  readonly cpu: CpuPool;
  /** The throttled object store the tier uses (its buckets and breaker are observable). */
  readonly tierStore: import('../tier/throttled-object-store.js').ThrottledObjectStore;
  readonly handlers: ReadonlyMap<number, ApiHandler>;
  readonly clusterId: string;
  readonly metrics = new Metrics();
  /** Filled in once the listener is bound (the port may be 0 = any). */
  node: NodeInfo;
  private readonly meta: ClusterMetadata;
  private readonly store: MetadataStore;

  constructor(readonly config: BrokerConfig, readonly logger: Logger) {
    mkdirSync(config.dataDir, { recursive: true });
    this.store = new FileMetadataStore(config.dataDir);
    this.meta = this.store.load();
    this.clusterId = this.meta.clusterId;
    logger.info({ native: nativeStatus.mode, detail: nativeStatus.detail, ioMode }, 'hot paths');
    this.metrics.storage.native(nativeStatus.mode);
    this.metrics.storage.watchDataDir(config.dataDir, this.metrics.registry);
    this.cpu = new CpuPool(config.logWriters > 0 ? config.cpuPoolThreads : 0);
    if (config.logWriters > 0) {
      this.writers = new LogWriterPool({
        rebuildIndexes: (dir, base, size, interval) => this.cpu.rebuildIndexes(dir, base, size, interval),
        writers: config.logWriters, ringBytes: config.writerRingBytes, hangTimeoutMs: config.writerHangTimeoutMs, logLevel: config.logLevel, logger,
        onFsync: (s) => this.metrics.storage.observeFsync(s),
        onRestart: (writer, reason) => this.metrics.writers.restarted(writer, reason),
      });
      const threads = this.writers.threads;
      this.metrics.writers.watch(threads.length, () => threads.map((t) => ({
        writer: t.id, requestRingUsed: t.requests.usedBytes, completionRingUsed: t.completions.usedBytes, ringCapacity: t.requests.capacity,
        queueDepth: t.queueDepth, busySeconds: t.busySeconds, partitions: t.clients.size,
      })));
    } else {
      this.writers = undefined;
      this.metrics.writers.watch(0, () => []);
    }
    this.metrics.writers.watchPool(() => this.cpu.stats());
    logger.info({ logWriters: config.logWriters, cpuPoolThreads: this.cpu.inline ? 0 : config.cpuPoolThreads, mode: config.logWriters > 0 ? 'threaded' : 'inline' }, 'log writers');
    this.topics = new TopicManager(config, this.store, this.meta, logger, this.metrics.storage, this.writers);
    this.groups = new GroupCoordinator(config, logger, (s) => this.metrics.storage.observeFsync(s));
    this.metrics.groups.watch(
      () => this.groups.committedOffsets().map((o) => ({ ...o, highWatermark: this.topics.partition(o.topic, o.partition)?.log.highWatermark })),
      () => this.groups.list().map((g) => ({ group: g.groupId, state: g.state, members: this.groups.existing(g.groupId)?.size ?? 0 })),
    );
    this.producerIds = new ProducerIdAllocator(this.meta, this.store);
    const objects = buildObjectStore(config, this.metrics.tier);
    this.tierStore = objects.store;
    const n = (v: string | undefined, fallback: number): number => (v === undefined ? fallback : Number(v));
    this.tier = new RemoteLogManager(
      objects.store,
      () => this.topics.list().filter((t) => isTiered(t.record.configs)).flatMap((t) => {
        const c = t.record.configs;
        const retentionMs = n(c['retention.ms'], 7 * 24 * 3600 * 1000);
        const retentionBytes = n(c['retention.bytes'], -1);
        const localMs = n(c['retention.local.ms'], -2);
        const localBytes = n(c['retention.local.bytes'], -2);
        const policy = { retentionMs, retentionBytes, localRetentionMs: localMs === -2 ? retentionMs : localMs, localRetentionBytes: localBytes === -2 ? retentionBytes : localBytes };
        return t.partitions.map((partition) => ({ topic: t.record.name, topicId: t.record.id, partition, policy }));
      }),
      config.tierIntervalMs,
      logger,
      this.metrics.tier,
    );
    this.topics.onDeleted = (record) => {
      if (!isTiered(record.configs)) return;
      this.tier.forget(record.name, record.id, record.partitions).catch((err: unknown) => logger.warn({ err, topic: record.name }, 'could not delete remote segments'));
    };
    logger.info({ store: objects.description }, 'tier object store');
    this.tier.hashFile = (path) => this.cpu.hashFile(path);
    this.tier.start();
    this.handlers = new Map(buildHandlerTable().map((h) => [h.apiKey, h]));
    this.node = { nodeId: config.nodeId, host: config.advertisedHost || config.host, port: config.advertisedPort || config.port };
  }

  async close(): Promise<void> {
    await this.tier.close();
    await this.groups.close();
    await this.topics.close();
    await this.writers?.close();
    await this.cpu.close();
  }
}
