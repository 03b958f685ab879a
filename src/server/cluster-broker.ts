// The composition root of cluster mode (--metadata-url, ADR 0011): PostgreSQL holds the
// metadata, leases, the index of committed data and group state; S3 holds the data. This
// broker keeps nothing that is not in one of them. A lease loop heartbeats, spreads
// partition leases and the group coordinator buckets over the live brokers, and turns each
// lease taken or lost into a partition (or coordinator) served or given up here.
import pg from 'pg';
import { mkdirDurable } from '../storage/dir-sync.js';
import type { Logger } from '../logger.js';
import type { ApiHandler } from '../handlers/handler.js';
import { buildHandlerTable } from '../handlers/index.js';
import { listenersOf, type BrokerConfig } from '../config/broker-config.js';
import { StrataError } from '../errors.js';
import { GroupCoordinator } from '../group/coordinator.js';
import { LocalCluster } from '../broker/local-cluster.js';
import { dataDirLogDirs } from '../broker/log-dirs.js';
import { ProducerIdAllocator } from '../broker/producer-ids.js';
import type { HandlerServices } from '../services/handler-services.js';
import { systemClock } from '../services/clock.js';
import type { NodeInfo } from '../services/cluster.js';
import type { Lease } from '../services/leases.js';
import type { ConnectionDeps } from '../network/connection.js';
import { Metrics } from '../metrics/metrics.js';
import { leaseKind } from '../metrics/cluster-probe.js';
import { buildObjectStore } from '../tier/tier-setup.js';
import type { ObjectStore } from '../tier/object-store.js';
import { CpuPool } from '../pool/cpu-pool.js';
import { SchemaRegistry } from '../registry/registry.js';
import { PgSchemaLog } from '../cluster/pg/pg-schema-log.js';
import { PgClusterMetadataStore } from '../cluster/pg/pg-cluster-metadata.js';
import { PgChangeListener, type MetadataChange } from '../cluster/pg/pg-change-listener.js';
import { PgGroupStore } from '../cluster/pg/pg-group-store.js';
import { PgLeases, PgPartitionIndex } from '../cluster/pg/pg-leases.js';
import { FlushWindow } from '../cluster/flush-window.js';
import { SharedPartitionLog } from '../cluster/shared-partition-log.js';
import { SharedTopics, type SharedTopic } from '../cluster/shared-topics.js';
import { LeaseClusterView } from '../cluster/lease-cluster-view.js';
import { LeasedGroups } from '../cluster/leased-groups.js';
import { BUCKET_RESOURCES, bucketOfResource, groupBucket } from '../cluster/group-buckets.js';
import { LeaseBalancer } from '../cluster/lease-balancer.js';
import { noTransactions } from '../cluster/no-transactions.js';
import { AclAuthorizer } from '../security/acl-authorizer.js';
import { ObjectCollector } from '../cluster/object-collector.js';
import { bootstrapUser, buildSecurity, connectionDepsOf, readSecurityBoot, registerBroker, type Security } from './security-setup.js';
import type { SharedPartitionStore } from '../cluster/shared-partition-store.js';

/** A window reaching this many bytes is written at once, whatever its age. */
const FLUSH_MAX_BYTES = 8 * 1024 * 1024;

/** Flush-window objects go under this prefix (then the writing broker's id). */
const WINDOW_PREFIX = 'wal/';
/** The compactor's per-partition segments go under this one (then topic id and partition). */
const SEGMENT_PREFIX = 'seg/';
/** Batches stay in window objects at least this long (tail reads come from memory meanwhile). */
const COMPACT_MIN_AGE_MS = 60 * 1000;
const COMPACT_EVERY_MS = 30 * 1000;
/** A segment takes at most this much of a partition per pass. */
const SEGMENT_MAX_BYTES = 64 * 1024 * 1024;

/** Objects younger than this are never collected (far longer than any PUT-to-commit). */
const COLLECT_GRACE_MS = 10 * 60 * 1000;
const COLLECT_EVERY_MS = 60 * 1000;

/** Users, ACLs and quotas are re-read every this many polls (and when PostgreSQL notifies a change). */
const SECURITY_EVERY = 3;

/** The uncompacted-bytes gauge is refreshed every this many metadata refreshes (a scan of the index). */
const UNCOMPACTED_EVERY = 10;

export class ClusterBroker {
  readonly metrics: Metrics;
  private readonly objects: ObjectStore;
  readonly cluster: LocalCluster;
  readonly view: LeaseClusterView;
  readonly topics: SharedTopics;
  readonly groups = new LeasedGroups();
  readonly handlers: ReadonlyMap<number, ApiHandler>;
  readonly services: HandlerServices;
  readonly schemas: SchemaRegistry;
  readonly credentials: Security['credentials'];
  readonly audit: Security['audit'];
  readonly authorizer: Security['authorizer'];
  readonly quotas: Security['quotas'];
  private readonly cpu: CpuPool;
  private readonly window: FlushWindow;
  private readonly balancer: LeaseBalancer;
  private readonly leases: PgLeases;
  private readonly index: PgPartitionIndex;
  private refreshTimer: NodeJS.Timeout | undefined;
  /** Partitions in the log cleaner's dirty-ratio gauge. */
  private cleanerGauged = new Set<SharedPartitionStore>();
  /** A refresh is running; `refreshAgain`: a change was heard meanwhile, run another after it. */
  private refreshing = false;
  private refreshAgain = false;
  /** Users, ACLs or quotas changed (heard from PostgreSQL): reload them at the next refresh. */
  private securityChanged = false;
  /** Other brokers' metadata changes as they commit (the polling below stays as the safety net). */
  private readonly changes: PgChangeListener;
  private retentionTimer: NodeJS.Timeout | undefined;
  private collectTimer: NodeJS.Timeout | undefined;
  private compactTimer: NodeJS.Timeout | undefined;
  private compacting: Promise<void> | undefined;
  private cleanTimer: NodeJS.Timeout | undefined;
  private cleaning: Promise<void> | undefined;
  private readonly collector: ObjectCollector;
  private refreshes = 0;
  private closed = false;
  /** Partitions by lease resource (rebuilt when topics change). */
  private byResource = new Map<string, { topic: SharedTopic; store: SharedPartitionStore }>();

  static async open(config: BrokerConfig, logger: Logger): Promise<ClusterBroker> {
    if (config.s3Bucket === '') throw new StrataError('STRATA_CONFIG_INVALID', 'cluster mode (--metadata-url) needs an S3 bucket (--s3-bucket): the brokers share their data there');
    mkdirDurable(config.dataDir);
    const metrics = new Metrics();
    const metadata = await PgClusterMetadataStore.open({ connectionString: config.metadataUrl, onStatement: (s) => metrics.cluster.statement(s) });
    const pool = new pg.Pool({ connectionString: config.metadataUrl, max: 8 });
    // A connection that breaks (PostgreSQL restarted) is dropped by the pool, not a crash.
    pool.on('error', (err) => logger.warn({ err }, 'a PostgreSQL connection broke'));
    // The same for a connection in use when the server ends it between two statements (the
    // statement in flight fails on its own; the event would otherwise end the process).
    pool.on('connect', (client) => client.on('error', (err) => logger.warn({ err }, 'a PostgreSQL connection in use broke')));
    const broker = new ClusterBroker(config, logger, metrics, metadata, pool, await metadata.clusterId(), await readSecurityBoot(metadata));
    await bootstrapUser(config, broker.credentials, logger);
    // Listening before the first read: a change committed in between is then heard, not
    // left to the next poll (a broker reported ready hears every change from then on).
    try {
      await broker.changes.start();
      await broker.topics.refresh();
    } catch (err) {
      await broker.changes.close();
      throw err;
    }
    return broker;
  }

  private constructor(
    readonly config: BrokerConfig, readonly logger: Logger, metrics: Metrics, readonly metadata: PgClusterMetadataStore, private readonly pool: pg.Pool,
    readonly clusterId: string, boot: Awaited<ReturnType<typeof readSecurityBoot>>,
  ) {
    this.metrics = metrics;
    ({ credentials: this.credentials, audit: this.audit, authorizer: this.authorizer, quotas: this.quotas } = buildSecurity(config, metadata, boot));
    this.cpu = new CpuPool(config.logWriters > 0 ? config.cpuPoolThreads : 0);
    const onStatement = (seconds: number): void => this.metrics.cluster.statement(seconds);
    this.changes = new PgChangeListener(config.metadataUrl, (change) => this.heard(change), (err) => logger.warn({ err }, 'not hearing metadata changes from PostgreSQL until it reconnects (polling goes on)'));
    this.leases = new PgLeases(pool, onStatement);
    this.index = new PgPartitionIndex(pool, onStatement);
    const objects = buildObjectStore(config, this.metrics.tier);
    this.objects = objects.store;
    logger.info({ store: objects.description, flushWindowMs: config.flushWindowMs, leaseTtlMs: config.leaseTtlMs }, 'cluster mode: data in the object store, metadata in PostgreSQL');
    this.window = new FlushWindow(objects.store, this.index, {
      windowMs: config.flushWindowMs, maxBytes: FLUSH_MAX_BYTES, keyPrefix: `${WINDOW_PREFIX}${config.nodeId}/`, onFlush: (s) => this.metrics.cluster.flush(s),
    });
    this.collector = new ObjectCollector(objects.store, this.index, { prefixes: [WINDOW_PREFIX, SEGMENT_PREFIX], graceMs: COLLECT_GRACE_MS });
    this.topics = new SharedTopics(config, metadata, this.index, objects.store, logger);
    this.topics.onChange = () => this.indexResources();
    this.cluster = new LocalCluster(clusterId, { nodeId: config.nodeId, host: config.advertisedHost || config.host, port: config.advertisedPort || config.port }, listenersOf(config)[0]!.name);
    this.view = new LeaseClusterView(this.cluster, (topic, partition) => {
      const t = this.topics.get(topic);
      return t === undefined ? undefined : `p:${t.id}/${partition}`;
    });
    this.balancer = new LeaseBalancer({
      nodeId: config.nodeId, leases: this.leases, ttlMs: config.leaseTtlMs, intervalMs: Math.max(100, Math.floor(config.leaseTtlMs / 3)),
      resources: () => [...BUCKET_RESOURCES, ...this.byResource.keys()],
      onAcquired: (lease) => this.acquired(lease),
      onHandOff: (lease) => this.handOff(lease),
      onLost: (resource) => this.lost(resource),
      onError: (err) => logger.warn({ err }, 'lease round failed; retrying'),
    });
    // Every broker serves the registry over one log in PostgreSQL (no compacted `_schemas` here).
    this.schemas = new SchemaRegistry(new PgSchemaLog(pool, onStatement));
    this.handlers = new Map(buildHandlerTable().map((h) => [h.apiKey, h]));
    this.services = {
      topics: this.topics, cluster: this.view, groups: this.groups, producerIds: new ProducerIdAllocator(metadata), transactions: noTransactions,
      recompressor: this.cpu, schemas: this.schemas, authenticator: this.credentials, scramCredentials: this.credentials, audit: this.audit,
      access: this.authorizer, acls: this.authorizer, quotas: this.quotas, logDirs: dataDirLogDirs(config.dataDir),
      metrics: this.metrics.broker, config, logger, clock: systemClock,
    };
    this.indexResources();
  }

  private indexResources(): void {
    this.byResource = new Map(this.topics.list().flatMap((topic) => topic.partitions.map((store) => [`p:${topic.id}/${store.index}`, { topic, store }] as const)));
  }

  private countLeases(): void {
    const counts = new Map<string, number>([['partition', 0], ['group', 0]]);
    for (const resource of this.balancer.leases.keys()) counts.set(leaseKind(resource), (counts.get(leaseKind(resource)) ?? 0) + 1);
    for (const [kind, n] of counts) this.metrics.cluster.leases(kind, n);
  }

  private async acquired(lease: Lease): Promise<void> {
    this.metrics.cluster.transfer(leaseKind(lease.resource), 'acquired');
    const bucket = bucketOfResource(lease.resource);
    if (bucket !== undefined) {
      // The bucket's coordinator starts from what PostgreSQL holds: the previous holder's committed state.
      const store = await PgGroupStore.open(this.pool, { resource: lease.resource, holder: this.config.nodeId, epoch: lease.epoch }, (group) => groupBucket(group) === bucket);
      this.groups.take(bucket, new GroupCoordinator(store, {
        initialRebalanceDelayMs: this.config.groupInitialRebalanceDelayMs,
        consumer: { sessionTimeoutMs: this.config.groupConsumerSessionTimeoutMs, heartbeatIntervalMs: this.config.groupConsumerHeartbeatIntervalMs },
        topics: () => this.topics.list().map((t) => ({ id: t.id, name: t.name, partitions: t.partitions.length })),
      }, this.logger));
    } else {
      const p = this.byResource.get(lease.resource);
      if (p !== undefined) {
        const guard = { resource: lease.resource, holder: this.config.nodeId, epoch: lease.epoch };
        p.store.lead(await SharedPartitionLog.open(p.topic.id, p.store.index, guard, this.window, this.index, this.objects));
      }
    }
    this.view.note(lease.resource, lease);
    this.countLeases();
    this.logger.info({ resource: lease.resource, epoch: lease.epoch }, 'lease taken');
  }

  /** Stops taking writes for the resource and waits for what is in flight, then the lease is released. */
  private async handOff(lease: Lease): Promise<void> {
    this.metrics.cluster.transfer(leaseKind(lease.resource), 'handed_off');
    await this.giveUp(lease.resource);
    await this.window.drain();
    this.view.note(lease.resource, undefined);
    this.countLeases();
    this.logger.info({ resource: lease.resource }, 'lease handed off');
  }

  private lost(resource: string): void {
    this.metrics.cluster.transfer(leaseKind(resource), 'lost');
    void this.giveUp(resource);
    this.view.note(resource, undefined);
    this.countLeases();
    this.logger.warn({ resource }, 'lease lost: no longer serving it');
  }

  private async giveUp(resource: string): Promise<void> {
    const bucket = bucketOfResource(resource);
    if (bucket !== undefined) {
      await this.groups.drop(bucket)?.close();
      return;
    }
    this.byResource.get(resource)?.store.resign();
  }

  /** The compactor's pass over the partitions this broker leads (each leader compacts its own). */
  private async compact(): Promise<void> {
    for (const { store } of this.byResource.values()) {
      if (!store.leading || this.closed) continue;
      await store.compact({ windowPrefix: WINDOW_PREFIX, segmentPrefix: SEGMENT_PREFIX, minAgeMs: COMPACT_MIN_AGE_MS, maxBytes: SEGMENT_MAX_BYTES, now: Date.now() })
        .catch((err: unknown) => this.logger.warn({ err, topic: store.topic, partition: store.index }, 'compaction failed; retrying later'));
    }
  }

  /** Log compaction of the compacted topics' partitions this broker leads (each leader cleans its own). */
  private async cleanKeys(): Promise<void> {
    const measured = new Set<SharedPartitionStore>();
    for (const { store } of this.byResource.values()) {
      if (!store.leading || this.closed) continue;
      const started = performance.now();
      await store.compactKeys({ now: Date.now(), maxKeys: this.config.logCleanerMaxKeys, maxRewriteBytes: SEGMENT_MAX_BYTES, segmentPrefix: SEGMENT_PREFIX }).then(
        (r) => {
          if (r === undefined) return;
          measured.add(store);
          if (r.dirtyRatio !== undefined) this.metrics.cleaner.dirtyRatio(store.topic, store.index, r.dirtyRatio);
          if (r.ran) this.metrics.cleaner.pass({ ...r, seconds: (performance.now() - started) / 1000 });
          if (r.recordsRemoved > 0) this.logger.info({ topic: store.topic, partition: store.index, removed: r.recordsRemoved }, 'log compaction removed superseded records');
        },
        (err: unknown) => {
          this.metrics.cleaner.failed();
          this.logger.warn({ err, topic: store.topic, partition: store.index }, 'log compaction failed; retrying later');
        },
      );
    }
    // Partitions this broker no longer leads (or no longer compacts) leave the dirty-ratio gauge.
    for (const store of this.cleanerGauged) if (!measured.has(store)) this.metrics.cleaner.forget(store.topic, store.index);
    this.cleanerGauged = measured;
  }

  /** Time retention on the partitions this broker leads (each leader applies its own). */
  private async applyRetention(): Promise<void> {
    for (const { store } of this.byResource.values()) {
      if (!store.leading) continue;
      await store.applyRetention(Date.now()).catch((err: unknown) => this.logger.warn({ err, topic: store.topic, partition: store.index }, 'retention failed'));
    }
  }

  /** Starts the lease loop, the metadata refresh and retention (once the listeners are bound and registered). */
  start(): void {
    this.balancer.start();
    this.retentionTimer = setInterval(() => void this.applyRetention(), this.config.retentionCheckIntervalMs);
    this.retentionTimer.unref();
    // One broker (the holder of coordinator bucket 0) collects objects no index entry names.
    this.collectTimer = setInterval(() => {
      if (!this.groups.holds(0)) return;
      this.collector.collect().then(
        ({ deleted }) => this.metrics.cluster.objectsCollected(deleted),
        (err: unknown) => this.logger.warn({ err }, 'object collection failed; retrying later'),
      );
    }, COLLECT_EVERY_MS);
    this.collectTimer.unref();
    // The segment compactor and log compaction never run at once: both point index entries
    // at new bytes, and one must not put back what the other just rewrote.
    this.compactTimer = setInterval(() => {
      if (this.compacting || this.cleaning) return;
      this.compacting = this.compact().finally(() => (this.compacting = undefined));
    }, COMPACT_EVERY_MS);
    this.compactTimer.unref();
    if (this.config.logCleanerEnable) {
      this.cleanTimer = setInterval(() => {
        if (this.cleaning || this.compacting) return;
        this.cleaning = this.cleanKeys().finally(() => (this.cleaning = undefined));
      }, this.config.logCleanerBackoffMs);
      this.cleanTimer.unref();
    }
    this.refreshNow();
  }

  /** A change another broker made was committed: re-read now rather than at the next poll. */
  private heard(change: MetadataChange): void {
    // Topics and leases are re-read by every refresh; users, ACLs and quotas only when told.
    if (change !== 'topics' && change !== 'leases') this.securityChanged = true;
    this.refreshNow();
  }

  /** Runs a refresh now (or right after the one running), then polls again a third of a lease ttl later. */
  private refreshNow(): void {
    if (this.closed) return;
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    clearTimeout(this.refreshTimer);
    this.refreshing = true;
    this.refresh().catch((err: unknown) => this.logger.warn({ err }, 'cluster metadata refresh failed; retrying')).finally(() => {
      this.refreshing = false;
      if (this.closed) return;
      if (this.refreshAgain) {
        this.refreshAgain = false;
        this.refreshNow();
        return;
      }
      this.refreshTimer = setTimeout(() => this.refreshNow(), Math.max(100, Math.floor(this.config.leaseTtlMs / 3)));
    });
  }

  /** Topics another broker changed, the live brokers and every lease's holder. */
  private async refresh(): Promise<void> {
    this.refreshes++;
    await this.topics.refresh();
    const [brokers, leases] = await Promise.all([this.metadata.brokers(), this.leases.live()]);
    this.view.update(brokers.map((b) => b.value), leases);
    // Users, ACLs and quotas another broker changed: at once when PostgreSQL told us, else every few polls.
    if (this.securityChanged || this.refreshes % SECURITY_EVERY === 0) {
      this.securityChanged = false;
      await this.reloadSecurity().catch((err: unknown) => {
        this.securityChanged = true;
        throw err;
      });
    }
    // One broker (the holder of coordinator bucket 0) reports the cluster-wide figure, now and then.
    if (this.groups.holds(0) && this.refreshes % UNCOMPACTED_EVERY === 0) this.metrics.cluster.uncompacted(await this.index.uncompactedBytes());
  }

  private async reloadSecurity(): Promise<void> {
    const boot = await readSecurityBoot(this.metadata);
    this.credentials.reload(boot.scram);
    if (this.authorizer instanceof AclAuthorizer) this.authorizer.reload(boot.acls);
    this.quotas.reload(boot.quotas);
  }

  /** This broker as clients are told to reach it. */
  get node(): NodeInfo {
    return this.cluster.self();
  }

  /** Records this broker's advertised address; then starts taking leases. */
  async register(): Promise<void> {
    await registerBroker(this.metadata, this.cluster.self());
    this.start();
  }

  connectionDeps(listener = 'PLAINTEXT'): ConnectionDeps {
    return connectionDepsOf(listener, this);
  }


  /** SIGTERM: every lease handed off (writes in flight flushed first), then the connections to the stores closed. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.refreshTimer !== undefined) clearTimeout(this.refreshTimer);
    await this.changes.close();
    if (this.retentionTimer !== undefined) clearInterval(this.retentionTimer);
    if (this.collectTimer !== undefined) clearInterval(this.collectTimer);
    if (this.compactTimer !== undefined) clearInterval(this.compactTimer);
    if (this.cleanTimer !== undefined) clearInterval(this.cleanTimer);
    await this.compacting;
    await this.cleaning;
    await this.balancer.stop(true).catch((err: unknown) => this.logger.warn({ err }, 'could not hand every lease off'));
    await this.window.close();
    for (const c of this.groups.dropAll()) await c.close();
    await this.cpu.close();
    await this.pool.end();
    await this.metadata.close();
    this.audit.flush();
  }
}
