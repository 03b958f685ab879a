// The broker's state and wiring: metadata, topics, consumer groups, producer ids, and
// the table of API handlers the network layer dispatches to.
import { mkdirSync } from 'node:fs';
import type { Logger } from '../logger.js';
import type { ApiHandler } from '../handlers/handler.js';
import { buildHandlerTable } from '../handlers/index.js';
import { nativeStatus } from '../native/index.js';
import type { BrokerConfig } from './config.js';
import { GroupCoordinator } from '../group/coordinator.js';
import { FileMetadataStore, type ClusterMetadata, type MetadataStore } from './metadata-store.js';
import { ProducerIdAllocator } from './producer-ids.js';
import { TopicManager } from './topic-manager.js';
import { Metrics } from '../metrics/metrics.js';

export interface NodeInfo {
  nodeId: number;
  host: string;
  port: number;
}

export class Broker {
  readonly topics: TopicManager;
  readonly groups: GroupCoordinator;
  readonly producerIds: ProducerIdAllocator;
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
    logger.info({ native: nativeStatus.mode, detail: nativeStatus.detail }, 'hot paths');
    this.metrics.storage.native(nativeStatus.mode);
    this.metrics.storage.watchDataDir(config.dataDir, this.metrics.registry);
    this.topics = new TopicManager(config, this.store, this.meta, logger, this.metrics.storage);
    this.groups = new GroupCoordinator(config, logger, (s) => this.metrics.storage.observeFsync(s));
    this.metrics.groups.watch(
      () => this.groups.committedOffsets().map((o) => ({ ...o, highWatermark: this.topics.partition(o.topic, o.partition)?.log.highWatermark })),
      () => this.groups.list().map((g) => ({ group: g.groupId, state: g.state, members: this.groups.existing(g.groupId)?.size ?? 0 })),
    );
    this.producerIds = new ProducerIdAllocator(this.meta, this.store);
    this.handlers = new Map(buildHandlerTable().map((h) => [h.apiKey, h]));
    this.node = { nodeId: config.nodeId, host: config.advertisedHost || config.host, port: config.advertisedPort || config.port };
  }

  async close(): Promise<void> {
    await this.groups.close();
    await this.topics.close();
  }
}
