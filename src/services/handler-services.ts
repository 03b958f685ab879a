// Everything a request handler may use, as interfaces. The composition root (src/server/)
// builds one from the concrete implementations; handler unit tests build one from the
// in-memory ones (test/helpers/memory-services.ts).
import type { BrokerConfig } from '../config/broker-config.js';
import type { CodecId } from '../protocol/records/compression.js';
import type { Logger } from '../logger.js';
import type { AccessControl, AclAdmin } from './acls.js';
import type { Authenticator, ScramCredentialAdmin } from './auth.js';
import type { ClientQuotaAdmin } from './quotas.js';
import type { LogDirs } from './log-dirs.js';
import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import type { ClusterView } from './cluster.js';
import type { GroupCoordinatorService } from './groups.js';
import type { RequestMetrics } from './metrics.js';
import type { ProducerIdSource } from './producer-ids.js';
import type { TopicDirectory } from './topics.js';
import type { TransactionCoordinatorService } from './transactions.js';
import type { SchemaIds } from './schemas.js';

/** Batch recompression (a topic's compression.type differs from the producer's), on the CPU pool. */
export interface Recompressor {
  recompress(batch: Buffer, codec: CodecId, maxDecompressedBytes: number): Promise<Buffer>;
}

export interface HandlerServices {
  readonly topics: TopicDirectory;
  readonly cluster: ClusterView;
  readonly groups: GroupCoordinatorService;
  readonly producerIds: ProducerIdSource;
  /** The transaction coordinator (InitProducerId with a transactional id, the transaction APIs). */
  readonly transactions: TransactionCoordinatorService;
  readonly recompressor: Recompressor;
  /** The schema registry's ids, for topics that validate records on produce. */
  readonly schemas: SchemaIds;
  /** SASL mechanisms (SaslHandshake/SaslAuthenticate). */
  readonly authenticator: Authenticator;
  /** SCRAM users (Describe/AlterUserScramCredentials). */
  readonly scramCredentials: ScramCredentialAdmin;
  /** Authorisation decisions per resource (the authorise stage makes the request-level ones). */
  readonly access: AccessControl;
  /** The ACLs (Describe/Create/DeleteAcls). */
  readonly acls: AclAdmin;
  /** Where the logs live (DescribeLogDirs). */
  readonly logDirs: LogDirs;
  /** Client quotas (Describe/AlterClientQuotas); the connection enforces them. */
  readonly quotas: ClientQuotaAdmin;
  /** Authentication failures and changes to users go here. */
  readonly audit: AuditLog;
  readonly metrics: RequestMetrics;
  /** The broker's settings (DescribeConfigs shows them; CreateTopics uses the defaults). */
  readonly config: Readonly<BrokerConfig>;
  readonly logger: Logger;
  readonly clock: Clock;
}
