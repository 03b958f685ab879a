// The composition root: config → concrete implementations (metadata store, partition
// logs, log writer threads, the tier, groups) → the interfaces handlers and connections
// see (HandlerServices, ConnectionDeps). Nothing below src/server/ imports this file.
import { mkdirDurable } from '../storage/dir-sync.js';
import type { Logger } from '../logger.js';
import type { ApiHandler } from '../handlers/handler.js';
import { buildHandlerTable } from '../handlers/index.js';
import { nativeStatus } from '../native/index.js';
import { ioMode } from '../native/durable-append.js';
import { listenersOf, type BrokerConfig } from '../config/broker-config.js';
import { GroupCoordinator } from '../group/coordinator.js';
import { OffsetsStore } from '../group/offsets-store.js';
import { TransactionCoordinator } from '../transactions/coordinator.js';
import { TransactionStateLog } from '../transactions/transaction-log.js';
import { LocalCluster } from '../broker/local-cluster.js';
import { dataDirLogDirs } from '../broker/log-dirs.js';
import type { HandlerServices } from '../services/handler-services.js';
import { systemClock } from '../services/clock.js';
import type { NodeInfo } from '../services/cluster.js';
import type { ConnectionDeps } from '../network/connection.js';
import { openFileClusterMetadata } from '../broker/file-cluster-metadata.js';
import type { ClusterMetadataStore, TopicRecord, Versioned } from '../services/cluster-metadata.js';
import type { AccessControl, AclAdmin } from '../services/acls.js';
import { bootstrapUser, buildSecurity, connectionDepsOf, readSecurityBoot, registerBroker, type SecurityBoot } from './security-setup.js';
import type { ScramCredentials } from '../security/credentials.js';
import type { PinoAuditLog } from '../security/audit-log.js';
import type { ClientQuotas } from '../security/client-quotas.js';
import { ProducerIdAllocator } from '../broker/producer-ids.js';
import { TopicManager } from '../broker/topic-manager.js';
import { LogCleaner } from '../broker/log-cleaner.js';
import { Metrics } from '../metrics/metrics.js';
import { RemoteLogManager } from '../tier/remote-log-manager.js';
import { buildObjectStore } from '../tier/tier-setup.js';
import { isTiered } from '../config/topic-config.js';
import { LogWriterPool } from '../writer/log-writer-pool.js';
import { CpuPool } from '../pool/cpu-pool.js';
import { SchemaRegistry } from '../registry/registry.js';
import { TopicSchemaLog } from '../registry/topic-schema-log.js';

export class Broker {
  readonly topics: TopicManager;
  readonly groups: GroupCoordinator;
  readonly producerIds: ProducerIdAllocator;
  readonly transactions: TransactionCoordinator;
  readonly tier: RemoteLogManager;
  /** Log writer threads; undefined in --inline mode. */
  readonly writers: LogWriterPool | undefined;
  /** Recompression and segment hashing: Piscina threads, or this thread in --inline mode. */
  readonly cpu: CpuPool;
  /** Compacted topics' log cleaner. */
  readonly cleaner: LogCleaner;
  /** The throttled object store the tier uses (its buckets and breaker are observable). */
  readonly tierStore: import('../tier/throttled-object-store.js').ThrottledObjectStore;
  readonly handlers: ReadonlyMap<number, ApiHandler>;
  readonly clusterId: string;
  readonly metrics = new Metrics();
  readonly cluster: LocalCluster;
  /** What every request handler sees. */
  readonly services: HandlerServices;
  readonly metadata: ClusterMetadataStore;
  /** The schema registry's state, kept in the `_schemas` topic (served by its own listener unless off). */
  readonly schemas: SchemaRegistry;

  /** Opens the data directory's metadata store and builds the broker on it. */
  static async open(config: BrokerConfig, logger: Logger): Promise<Broker> {
    mkdirDurable(config.dataDir);
    const metadata = openFileClusterMetadata(config.dataDir);
    const broker = new Broker(config, logger, { metadata, clusterId: await metadata.clusterId(), topics: await metadata.topics(), ...(await readSecurityBoot(metadata)) });
    await bootstrapUser(config, broker.credentials, logger);
    return broker;
  }

  /** SCRAM users and the SASL mechanisms on them. */
  readonly credentials: ScramCredentials;
  readonly audit: PinoAuditLog;
  /** ACL decisions and administration (allowEverything with --authorizer none). */
  readonly authorizer: AccessControl & AclAdmin;
  /** Client quotas: stored, and enforced by every connection. */
  readonly quotas: ClientQuotas;

  constructor(readonly config: BrokerConfig, readonly logger: Logger, boot: {
    metadata: ClusterMetadataStore; clusterId: string; topics: ReadonlyArray<Versioned<TopicRecord>>;
  } & SecurityBoot) {
    this.metadata = boot.metadata;
    this.clusterId = boot.clusterId;
    ({ credentials: this.credentials, audit: this.audit, authorizer: this.authorizer, quotas: this.quotas } = buildSecurity(config, this.metadata, boot));
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
    this.topics = new TopicManager(config, this.metadata, boot.topics, logger, this.metrics.storage, this.writers);
    const offsets = new OffsetsStore(config.dataDir, logger, (s) => this.metrics.storage.observeFsync(s));
    this.groups = new GroupCoordinator(offsets, {
      initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
      consumer: { sessionTimeoutMs: config.groupConsumerSessionTimeoutMs, heartbeatIntervalMs: config.groupConsumerHeartbeatIntervalMs },
      topics: () => this.topics.list().map((t) => ({ id: t.id, name: t.name, partitions: t.partitions.length })),
    }, logger);
    this.metrics.groups.watch(
      // Lag of a read_committed group counts to the last stable offset: records past it are not readable yet.
      () => this.groups.committedOffsets().map((o) => {
        const p = this.topics.partition(o.topic, o.partition);
        return { ...o, highWatermark: o.readCommitted ? p?.lastStableOffset : p?.log.highWatermark };
      }),
      () => this.groups.list().map((g) => ({ group: g.groupId, state: g.state, members: this.groups.existing(g.groupId)?.size ?? 0 })),
    );
    this.producerIds = new ProducerIdAllocator(this.metadata);
    const transactionLog = new TransactionStateLog(config.dataDir, logger, (s) => this.metrics.storage.observeFsync(s));
    this.transactions = new TransactionCoordinator(
      transactionLog, (topic, partition) => this.topics.partition(topic, partition), this.groups, this.producerIds, systemClock, logger,
      { maxTimeoutMs: config.transactionMaxTimeoutMs, abortCheckIntervalMs: Math.max(1, config.transactionAbortTimedOutIntervalMs), idExpirationMs: config.transactionalIdExpirationMs },
    );
    // Transactions a crash left prepared get their markers now (the partitions are open).
    this.transactions.recover().catch((err: unknown) => logger.error({ err }, 'could not finish the transactions prepared before the restart'));
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
    const tier = this.tier;
    this.topics.attachTier({
      remote: (topic, partition) => tier.loaded(topic, partition),
      backlogFull: () => tier.shouldPushBack(config.tierBacklogMaxBytes, config.dataDir, config.tierDiskHighWaterPercent),
      remoteRead: (bytes) => this.metrics.tier.remoteRead(bytes),
    });
    this.tier.start();
    this.cleaner = new LogCleaner(
      // The topics' partitions and the internal offsets log, cleaned the same way.
      () => [...this.topics.list().flatMap((t) => t.partitions.map((p) => ({ topic: t.record.name, index: p.index, backend: p.backend }))), offsets.cleanable, transactionLog.cleanable],
      { backoffMs: config.logCleanerBackoffMs, ioBytesPerSecond: config.logCleanerIoMaxBytesPerSecond, maxKeys: config.logCleanerMaxKeys, runPass: (input) => this.cpu.cleanPass(input) },
      this.metrics.cleaner,
      logger,
    );
    if (config.logCleanerEnable) this.cleaner.start();
    this.schemas = new SchemaRegistry(new TopicSchemaLog(this.topics));
    this.handlers = new Map(buildHandlerTable().map((h) => [h.apiKey, h]));
    this.cluster = new LocalCluster(this.clusterId, { nodeId: config.nodeId, host: config.advertisedHost || config.host, port: config.advertisedPort || config.port }, listenersOf(config)[0]!.name);
    this.services = {
      topics: this.topics, cluster: this.cluster, groups: this.groups, producerIds: this.producerIds, transactions: this.transactions, recompressor: this.cpu, schemas: this.schemas,
      authenticator: this.credentials, scramCredentials: this.credentials, audit: this.audit,
      access: this.authorizer, acls: this.authorizer, quotas: this.quotas, logDirs: dataDirLogDirs(config.dataDir),
      metrics: this.metrics.broker, config, logger, clock: systemClock,
    };
  }

  /** This broker as clients are told to reach it. */
  get node(): NodeInfo {
    return this.cluster.self();
  }

  set node(node: Omit<NodeInfo, 'rack'>) {
    this.cluster.advertise(node);
  }

  /** Records this broker and its advertised address in the metadata store (once the listener is bound). */
  async register(): Promise<void> {
    await registerBroker(this.metadata, this.cluster.self());
  }

  /** What the Kafka listener's connections see. */
  connectionDeps(listener = 'PLAINTEXT'): ConnectionDeps {
    return connectionDepsOf(listener, this);
  }


  async close(): Promise<void> {
    await this.cleaner.close();
    await this.tier.close();
    await this.transactions.close();
    await this.groups.close();
    await this.topics.close();
    await this.writers?.close();
    await this.cpu.close();
    await this.metadata.close();
    this.audit.flush();
  }
}
