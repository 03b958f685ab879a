// The cluster metadata as one document held in memory, every change applied under a
// version check and then handed to `persist` before it resolves. The file store persists
// it as cluster.json; with a no-op persist it is the in-memory store tests use. Changes
// are applied one at a time in call order (a promise chain), as a database would
// serialise conflicting transactions.
import { randomBytes } from 'node:crypto';
import { KafkaError, StrataError } from '../errors.js';
import type { AclBinding } from '../services/acls.js';
import type {
  BrokerRecord, ClientQuotaRecord, ClusterMetadataStore, LeaderRecord, ProducerIdBlock, ScramCredentialRecord, TopicRecord, Versioned,
} from '../services/cluster-metadata.js';

/** The document's shape, as stored in cluster.json. Fields after `topics` were added later and are optional. */
export interface MetadataDocument {
  clusterId: string;
  /** Producer ids below this may have been handed out. */
  producerIdHighWater: number;
  topics: Array<TopicRecord & { version?: number }>;
  leaders?: Array<{ topic: string; partition: number; leaderId: number; leaderEpoch: number; version: number }>;
  brokers?: Array<BrokerRecord & { version: number }>;
  scram?: Array<ScramCredentialRecord & { version: number }>;
  acls?: AclBinding[];
  quotas?: ClientQuotaRecord[];
}

const aclKey = (b: AclBinding): string => JSON.stringify([b.resourceType, b.resourceName, b.patternType, b.principal, b.host, b.operation, b.permission]);
// An absent entity type differs from its default (null): {user: null} is every user's default.
const entityKey = (e: ClientQuotaRecord['entity']): string => JSON.stringify(['user' in e ? [e.user] : [], 'client-id' in e ? [e['client-id']] : []]);

export function newKafkaUuid(): string {
  return randomBytes(16).toString('base64url');
}

export function freshDocument(): MetadataDocument {
  return { clusterId: newKafkaUuid(), producerIdHighWater: 0, topics: [] };
}

function conflict(what: string, expected: number, actual: number): StrataError {
  return new StrataError('STRATA_METADATA_CONFLICT', `${what} is at version ${actual}, not the expected ${expected}`);
}

const copyTopic = (t: TopicRecord): TopicRecord => ({ name: t.name, id: t.id, partitions: t.partitions, configs: { ...t.configs } });

export class DocumentClusterMetadata implements ClusterMetadataStore {
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly doc: MetadataDocument, private readonly persist: (doc: MetadataDocument) => void) {}

  /** Runs `change` after every earlier change; it mutates the document and the result resolves once persisted. */
  private write<T>(change: () => T): Promise<T> {
    const run = this.chain.then(() => {
      if (this.closed) throw new StrataError('STRATA_LOG_CLOSED', 'the metadata store is closed');
      const before = JSON.stringify(this.doc);
      const out = change();
      try {
        this.persist(this.doc);
      } catch (err) {
        // Not durable, so not done: the document returns to what is on disk.
        Object.assign(this.doc, JSON.parse(before) as MetadataDocument);
        throw err;
      }
      return out;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  async clusterId(): Promise<string> {
    return this.doc.clusterId;
  }

  async topics(): Promise<Array<Versioned<TopicRecord>>> {
    return this.doc.topics.map((t) => ({ value: copyTopic(t), version: t.version ?? 1 }));
  }

  async topic(name: string): Promise<Versioned<TopicRecord> | undefined> {
    const t = this.doc.topics.find((x) => x.name === name);
    return t === undefined ? undefined : { value: copyTopic(t), version: t.version ?? 1 };
  }

  createTopic(record: TopicRecord): Promise<Versioned<TopicRecord>> {
    return this.write(() => {
      if (this.doc.topics.some((t) => t.name === record.name)) throw new KafkaError('TOPIC_ALREADY_EXISTS', `topic ${record.name} already exists`);
      this.doc.topics.push({ ...copyTopic(record), version: 1 });
      return { value: copyTopic(record), version: 1 };
    });
  }

  updateTopic(record: TopicRecord, expected: number): Promise<Versioned<TopicRecord>> {
    return this.write(() => {
      const i = this.doc.topics.findIndex((t) => t.name === record.name);
      const actual = i < 0 ? 0 : this.doc.topics[i]!.version ?? 1;
      if (actual !== expected || i < 0) throw conflict(`topic ${record.name}`, expected, actual);
      if (this.doc.topics[i]!.id !== record.id) throw new StrataError('STRATA_METADATA_CONFLICT', `topic ${record.name} has id ${this.doc.topics[i]!.id}, not ${record.id}`);
      const version = actual + 1;
      this.doc.topics[i] = { ...copyTopic(record), version };
      return { value: copyTopic(record), version };
    });
  }

  deleteTopic(name: string, expected: number): Promise<void> {
    return this.write(() => {
      const i = this.doc.topics.findIndex((t) => t.name === name);
      const actual = i < 0 ? 0 : this.doc.topics[i]!.version ?? 1;
      if (actual !== expected || i < 0) throw conflict(`topic ${name}`, expected, actual);
      this.doc.topics.splice(i, 1);
      if (this.doc.leaders !== undefined) this.doc.leaders = this.doc.leaders.filter((l) => l.topic !== name);
    });
  }

  async leader(topic: string, partition: number): Promise<Versioned<LeaderRecord> | undefined> {
    const l = this.doc.leaders?.find((x) => x.topic === topic && x.partition === partition);
    return l === undefined ? undefined : { value: { leaderId: l.leaderId, leaderEpoch: l.leaderEpoch }, version: l.version };
  }

  async leaders(): Promise<Array<{ topic: string; partition: number } & Versioned<LeaderRecord>>> {
    return (this.doc.leaders ?? []).map((l) => ({ topic: l.topic, partition: l.partition, value: { leaderId: l.leaderId, leaderEpoch: l.leaderEpoch }, version: l.version }));
  }

  setLeader(topic: string, partition: number, leader: LeaderRecord, expected: number): Promise<Versioned<LeaderRecord>> {
    return this.write(() => {
      const t = this.doc.topics.find((x) => x.name === topic);
      if (t === undefined || partition < 0 || partition >= t.partitions) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `${topic}-${partition} does not exist`);
      const leaders = (this.doc.leaders ??= []);
      const i = leaders.findIndex((l) => l.topic === topic && l.partition === partition);
      const actual = i < 0 ? 0 : leaders[i]!.version;
      if (actual !== expected) throw conflict(`leadership of ${topic}-${partition}`, expected, actual);
      const entry = { topic, partition, leaderId: leader.leaderId, leaderEpoch: leader.leaderEpoch, version: actual + 1 };
      if (i < 0) leaders.push(entry);
      else leaders[i] = entry;
      return { value: { ...leader }, version: entry.version };
    });
  }

  async brokers(): Promise<Array<Versioned<BrokerRecord>>> {
    return (this.doc.brokers ?? []).map(({ version, ...b }) => ({ value: { ...b }, version }));
  }

  registerBroker(broker: BrokerRecord, expected: number): Promise<Versioned<BrokerRecord>> {
    return this.write(() => {
      const brokers = (this.doc.brokers ??= []);
      const i = brokers.findIndex((b) => b.nodeId === broker.nodeId);
      const actual = i < 0 ? 0 : brokers[i]!.version;
      if (actual !== expected) throw conflict(`broker ${broker.nodeId}`, expected, actual);
      const entry = { ...broker, version: actual + 1 };
      if (i < 0) brokers.push(entry);
      else brokers[i] = entry;
      return { value: { ...broker }, version: entry.version };
    });
  }

  async scramCredentials(): Promise<Array<Versioned<ScramCredentialRecord>>> {
    return (this.doc.scram ?? []).map(({ version, ...c }) => ({ value: { ...c }, version }));
  }

  setScramCredential(record: ScramCredentialRecord, expected: number): Promise<Versioned<ScramCredentialRecord>> {
    return this.write(() => {
      const all = (this.doc.scram ??= []);
      const i = all.findIndex((c) => c.user === record.user && c.mechanism === record.mechanism);
      const actual = i < 0 ? 0 : all[i]!.version;
      if (actual !== expected) throw conflict(`${record.mechanism} credential of ${record.user}`, expected, actual);
      const entry = { ...record, version: actual + 1 };
      if (i < 0) all.push(entry);
      else all[i] = entry;
      return { value: { ...record }, version: entry.version };
    });
  }

  deleteScramCredential(user: string, mechanism: ScramCredentialRecord['mechanism'], expected: number): Promise<void> {
    return this.write(() => {
      const all = this.doc.scram ?? [];
      const i = all.findIndex((c) => c.user === user && c.mechanism === mechanism);
      const actual = i < 0 ? 0 : all[i]!.version;
      if (actual !== expected || i < 0) throw conflict(`${mechanism} credential of ${user}`, expected, actual);
      all.splice(i, 1);
    });
  }

  async acls(): Promise<AclBinding[]> {
    return (this.doc.acls ?? []).map((b) => ({ ...b }));
  }

  addAcls(bindings: AclBinding[]): Promise<void> {
    return this.write(() => {
      const all = (this.doc.acls ??= []);
      const have = new Set(all.map(aclKey));
      for (const b of bindings) {
        if (have.has(aclKey(b))) continue;
        have.add(aclKey(b));
        all.push({ ...b });
      }
    });
  }

  removeAcls(bindings: AclBinding[]): Promise<void> {
    return this.write(() => {
      const gone = new Set(bindings.map(aclKey));
      if (this.doc.acls !== undefined) this.doc.acls = this.doc.acls.filter((b) => !gone.has(aclKey(b)));
    });
  }

  async clientQuotas(): Promise<ClientQuotaRecord[]> {
    return (this.doc.quotas ?? []).map((q) => ({ entity: { ...q.entity }, values: { ...q.values } }));
  }

  setClientQuota(record: ClientQuotaRecord): Promise<void> {
    return this.write(() => {
      const all = (this.doc.quotas ??= []).filter((q) => entityKey(q.entity) !== entityKey(record.entity));
      if (Object.keys(record.values).length > 0) all.push({ entity: { ...record.entity }, values: { ...record.values } });
      this.doc.quotas = all;
    });
  }

  allocateProducerIds(size: number): Promise<ProducerIdBlock> {
    return this.write(() => {
      if (!Number.isInteger(size) || size < 1) throw new StrataError('STRATA_CONFIG_INVALID', `a producer id block needs a positive size, got ${size}`);
      const first = this.doc.producerIdHighWater;
      this.doc.producerIdHighWater = first + size;
      return { first, size };
    });
  }

  async close(): Promise<void> {
    await this.chain;
    this.closed = true;
  }
}

/** The in-memory store (tests, and the contract suite's reference implementation). */
export function memoryClusterMetadata(doc: MetadataDocument = freshDocument()): DocumentClusterMetadata {
  return new DocumentClusterMetadata(doc, () => undefined);
}
