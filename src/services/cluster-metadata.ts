// The cluster's metadata as a store of separate entities: topics (with their configs),
// partition leadership, registered brokers and producer-id blocks. Every method is
// asynchronous and every change is conditional on the entity's version, so a store shared
// by many brokers (PostgreSQL) can fence a stale writer: an update whose expected version
// is not the stored one fails with STRATA_METADATA_CONFLICT and changes nothing.
//
// Versions: an absent entity has version 0; creating one gives version 1; each accepted
// change adds 1. A write resolves once it is durable; reads see every resolved write.
// Implementations: one JSON document in the data directory (broker/file-cluster-metadata.ts,
// today's cluster.json stays readable), memory (tests); PostgreSQL rows later
// (docs/adr/0008-seams.md says how).
import type { TopicConfigs } from '../config/topic-config.js';
import type { AclBinding } from './acls.js';

export interface TopicRecord {
  name: string;
  /** Kafka topic id: 16 random bytes, base64url. */
  id: string;
  partitions: number;
  configs: TopicConfigs;
}

export interface LeaderRecord {
  leaderId: number;
  /** Raised on every change of leader, so fetches and produces to an old leader can be refused. */
  leaderEpoch: number;
}

export interface BrokerRecord {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

/** A user's SCRAM credential (RFC 5802): never the password. Binary fields base64. */
export interface ScramCredentialRecord {
  user: string;
  mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  salt: string;
  storedKey: string;
  serverKey: string;
  iterations: number;
}

/**
 * One quota entity and its limits. An entity names a user, a client id or both; a null name
 * is that type's default (`--entity-default`).
 */
export interface ClientQuotaRecord {
  entity: { user?: string | null; 'client-id'?: string | null };
  values: Record<string, number>;
}

export interface Versioned<T> {
  readonly value: T;
  readonly version: number;
}

export interface ProducerIdBlock {
  /** The first id of the block; ids first..first+size-1 belong to the caller alone. */
  first: number;
  size: number;
}

export interface ClusterMetadataStore {
  /** The cluster id, fixed when the store was first created. */
  clusterId(): Promise<string>;

  topics(): Promise<Array<Versioned<TopicRecord>>>;
  topic(name: string): Promise<Versioned<TopicRecord> | undefined>;
  /** Creates a topic; TOPIC_ALREADY_EXISTS (a KafkaError) when the name is taken. */
  createTopic(record: TopicRecord): Promise<Versioned<TopicRecord>>;
  /** Replaces a topic's record (partition count, configs; never its name or id) if its version is `expected`. */
  updateTopic(record: TopicRecord, expected: number): Promise<Versioned<TopicRecord>>;
  /** Deletes a topic and its leadership records if its version is `expected`. */
  deleteTopic(name: string, expected: number): Promise<void>;

  leader(topic: string, partition: number): Promise<Versioned<LeaderRecord> | undefined>;
  leaders(): Promise<Array<{ topic: string; partition: number } & Versioned<LeaderRecord>>>;
  /** Sets a partition's leader if its leadership version is `expected` (0: none recorded yet). */
  setLeader(topic: string, partition: number, leader: LeaderRecord, expected: number): Promise<Versioned<LeaderRecord>>;

  brokers(): Promise<Array<Versioned<BrokerRecord>>>;
  /** Registers a broker or updates its address if its registration version is `expected` (0: new). */
  registerBroker(broker: BrokerRecord, expected: number): Promise<Versioned<BrokerRecord>>;

  scramCredentials(): Promise<Array<Versioned<ScramCredentialRecord>>>;
  /** Stores a credential if its version (per user and mechanism) is `expected` (0: new). */
  setScramCredential(record: ScramCredentialRecord, expected: number): Promise<Versioned<ScramCredentialRecord>>;
  deleteScramCredential(user: string, mechanism: ScramCredentialRecord['mechanism'], expected: number): Promise<void>;

  /**
   * ACLs are a set of immutable bindings: adding one that exists, or removing one that does
   * not, changes nothing, so concurrent writers cannot conflict and no version is needed.
   */
  acls(): Promise<AclBinding[]>;
  addAcls(bindings: AclBinding[]): Promise<void>;
  removeAcls(bindings: AclBinding[]): Promise<void>;

  /** Client quotas (Kafka's quota entities and their `producer_byte_rate`-style values); an empty `values` removes the entry. */
  clientQuotas(): Promise<ClientQuotaRecord[]>;
  setClientQuota(record: ClientQuotaRecord): Promise<void>;

  /** Takes the next `size` producer ids for this broker alone (an atomic increment). */
  allocateProducerIds(size: number): Promise<ProducerIdBlock>;

  close(): Promise<void>;
}
