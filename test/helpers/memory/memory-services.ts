// HandlerServices built from in-memory implementations: handler unit tests run a handler
// on these, without a broker, sockets or files.
import { LocalCluster } from '../../../src/broker/local-cluster.js';
import { resolveBrokerConfig, type BrokerConfig } from '../../../src/config/broker-config.js';
import { GroupCoordinator } from '../../../src/group/coordinator.js';
import { silentLogger } from '../../../src/logger.js';
import { recompressBatch } from '../../../src/protocol/records/recompress.js';
import type { HandlerServices } from '../../../src/services/handler-services.js';
import type { RequestMetrics } from '../../../src/services/metrics.js';
import type { AuditEvent } from '../../../src/services/audit.js';
import { memoryClusterMetadata } from '../../../src/broker/cluster-metadata-document.js';
import { ScramCredentials } from '../../../src/security/credentials.js';
import { AclAuthorizer, allowEverything } from '../../../src/security/acl-authorizer.js';
import { ClientQuotas } from '../../../src/security/client-quotas.js';
import type { AccessControl, AclAdmin } from '../../../src/services/acls.js';
import { MemoryGroupStore } from './memory-group-store.js';
import { MemoryTopics } from './memory-topics.js';
import { MemoryTransactionStore } from './memory-transaction-store.js';
import { TransactionCoordinator } from '../../../src/transactions/coordinator.js';
import { SchemaRegistry } from '../../../src/registry/registry.js';
import { TopicSchemaLog } from '../../../src/registry/topic-schema-log.js';

export interface RecordedMetrics extends RequestMetrics {
  events: Array<[string, ...unknown[]]>;
}

export interface MemoryServices extends HandlerServices {
  topics: MemoryTopics;
  cluster: LocalCluster;
  groups: GroupCoordinator;
  metrics: RecordedMetrics;
  groupStore: MemoryGroupStore;
  authenticator: ScramCredentials;
  scramCredentials: ScramCredentials;
  audit: { events: AuditEvent[]; record(e: AuditEvent): void };
  access: AccessControl & AclAdmin;
  acls: AccessControl & AclAdmin;
  quotas: ClientQuotas;
  transactions: TransactionCoordinator;
  transactionStore: MemoryTransactionStore;
  /** The schema registry over the in-memory topics (its `_schemas` is a memory partition). */
  schemas: SchemaRegistry;
}

export function memoryServices(overrides: Partial<BrokerConfig> = {}): MemoryServices {
  const config = resolveBrokerConfig({ env: {}, overrides: { nodeId: 1, autoCreateTopics: true, defaultPartitions: 1, groupInitialRebalanceDelayMs: 0, ...overrides } });
  const events: RecordedMetrics['events'] = [];
  let nextProducerId = 0;
  const groupStore = new MemoryGroupStore();
  const credentials = new ScramCredentials(memoryClusterMetadata(), [], config.saslEnabledMechanisms.split(','));
  const audit: MemoryServices['audit'] = { events: [], record(e) { this.events.push(e); } };
  // --authorizer acl gives the real ACL authorizer over an in-memory store.
  const access = config.authorizer === 'acl'
    ? new AclAuthorizer(memoryClusterMetadata(), [], { superUsers: config.superUsers.split(';').filter((p) => p !== ''), allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound, audit })
    : allowEverything;
  const topics = new MemoryTopics({ autoCreate: config.autoCreateTopics, defaultPartitions: config.defaultPartitions });
  const groups = new GroupCoordinator(groupStore, { initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs }, silentLogger);
  const producerIds = { allocate: () => nextProducerId++ };
  const transactionStore = new MemoryTransactionStore();
  const clock = { now: () => Date.now() };
  const transactions = new TransactionCoordinator(transactionStore, (t, p) => topics.partition(t, p), groups, producerIds, clock, silentLogger, {
    maxTimeoutMs: config.transactionMaxTimeoutMs, abortCheckIntervalMs: config.transactionAbortTimedOutIntervalMs, idExpirationMs: config.transactionalIdExpirationMs,
  });
  return {
    schemas: new SchemaRegistry(new TopicSchemaLog(topics)),
    transactions,
    transactionStore,
    audit,
    access,
    acls: access,
    quotas: new ClientQuotas(memoryClusterMetadata(), []),
    logDirs: { list: () => [{ path: '/memory', totalBytes: 1 << 30, usableBytes: 1 << 29 }] },
    authenticator: credentials,
    scramCredentials: credentials,
    topics,
    cluster: new LocalCluster('bWVtb3J5LWNsdXN0ZXI', { nodeId: config.nodeId, host: 'memory.test', port: 9092 }),
    groups,
    groupStore,
    producerIds,
    recompressor: { recompress: async (batch, codec, max) => recompressBatch(batch, codec, max) },
    metrics: {
      events,
      produced: (...a) => void events.push(['produced', ...a]),
      produceError: (...a) => void events.push(['produceError', ...a]),
      fetched: (...a) => void events.push(['fetched', ...a]),
    },
    config,
    logger: silentLogger,
    clock,
  };
}
