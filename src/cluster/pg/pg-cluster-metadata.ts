// ClusterMetadataStore on PostgreSQL (cluster mode, --metadata-url): one row per entity,
// every change a conditional UPDATE on the row's version (`where version = $expected`), so a
// stale broker's write changes nothing and fails with STRATA_METADATA_CONFLICT. Creations
// rely on primary keys (a concurrent duplicate fails the insert); producer-id blocks are one
// atomic `update … returning`. Rows map to the same records as cluster.json.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { KafkaError, StrataError } from '../../errors.js';
import type { AclBinding } from '../../services/acls.js';
import type {
  BrokerRecord, ClientQuotaRecord, ClusterMetadataStore, LeaderRecord, ProducerIdBlock, ScramCredentialRecord, TopicRecord, Versioned,
} from '../../services/cluster-metadata.js';
import { migrate } from './migrations.js';

const UNIQUE_VIOLATION = '23505';

function conflict(what: string, expected: number): StrataError {
  return new StrataError('STRATA_METADATA_CONFLICT', `${what} is not at the expected version ${expected} (changed by another writer, or gone)`);
}

/** Quota entities keyed as cluster.json keys them: a default (null) is distinct from an unset type. */
const entityKey = (e: ClientQuotaRecord['entity']): string => JSON.stringify(['user' in e ? [e.user] : [], 'client-id' in e ? [e['client-id']] : []]);

interface TopicRow { name: string; topic_id: string; partitions: number; configs: Record<string, string>; version: string }

const topicOf = (r: TopicRow): Versioned<TopicRecord> => ({ value: { name: r.name, id: r.topic_id, partitions: r.partitions, configs: r.configs }, version: Number(r.version) });

export interface PgMetadataOptions {
  /** postgresql://… (the --metadata-url). */
  connectionString: string;
  /** Connections kept by this broker (default 4). */
  maxConnections?: number;
  /** Called with each statement's duration (metrics). */
  onStatement?: (seconds: number) => void;
}

export class PgClusterMetadataStore implements ClusterMetadataStore {
  private constructor(private readonly pool: pg.Pool, private readonly id: string, private readonly onStatement?: (seconds: number) => void) {}

  /** Connects, applies missing migrations, and fixes the cluster id on first use. */
  static async open(options: PgMetadataOptions): Promise<PgClusterMetadataStore> {
    const pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 4 });
    // An idle connection that breaks (PostgreSQL restarted) must not crash the broker: the pool drops it.
    pool.on('error', () => undefined);
    // A checked-out connection the server ends between two statements (a restart) emits
    // 'error' outside any query: without a listener that would end the process.
    pool.on('connect', (client) => client.on('error', () => undefined));
    try {
      await migrate(pool);
      await pool.query('insert into cluster (cluster_id) values ($1) on conflict do nothing', [randomBytes(16).toString('base64url')]);
      const { rows } = await pool.query<{ cluster_id: string }>('select cluster_id from cluster');
      return new PgClusterMetadataStore(pool, rows[0]!.cluster_id, options.onStatement);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
  }

  private async q<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    const started = process.hrtime.bigint();
    try {
      return await this.pool.query<R>(sql, params);
    } finally {
      this.onStatement?.(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  async clusterId(): Promise<string> {
    return this.id;
  }

  async topics(): Promise<Array<Versioned<TopicRecord>>> {
    return (await this.q<TopicRow>('select * from topics order by name')).rows.map(topicOf);
  }

  async topic(name: string): Promise<Versioned<TopicRecord> | undefined> {
    const r = (await this.q<TopicRow>('select * from topics where name = $1', [name])).rows[0];
    return r === undefined ? undefined : topicOf(r);
  }

  async createTopic(record: TopicRecord): Promise<Versioned<TopicRecord>> {
    try {
      await this.q('insert into topics (name, topic_id, partitions, configs, version) values ($1, $2, $3, $4, 1)', [record.name, record.id, record.partitions, JSON.stringify(record.configs)]);
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw new KafkaError('TOPIC_ALREADY_EXISTS', `topic ${record.name} already exists`);
      throw err;
    }
    return { value: { ...record, configs: { ...record.configs } }, version: 1 };
  }

  async updateTopic(record: TopicRecord, expected: number): Promise<Versioned<TopicRecord>> {
    const r = await this.q<{ version: string }>(
      'update topics set partitions = $3, configs = $4, version = version + 1 where name = $1 and topic_id = $2 and version = $5 returning version',
      [record.name, record.id, record.partitions, JSON.stringify(record.configs), expected],
    );
    if (r.rowCount !== 1) throw conflict(`topic ${record.name} (id ${record.id})`, expected);
    return { value: { ...record, configs: { ...record.configs } }, version: Number(r.rows[0]!.version) };
  }

  async deleteTopic(name: string, expected: number): Promise<void> {
    // Leadership rows go with the topic (on delete cascade).
    const r = await this.q('delete from topics where name = $1 and version = $2', [name, expected]);
    if (r.rowCount !== 1) throw conflict(`topic ${name}`, expected);
  }

  async leader(topic: string, partition: number): Promise<Versioned<LeaderRecord> | undefined> {
    const r = (await this.q<{ leader_id: number; leader_epoch: number; version: string }>('select leader_id, leader_epoch, version from partition_leaders where topic = $1 and partition = $2', [topic, partition])).rows[0];
    return r === undefined ? undefined : { value: { leaderId: r.leader_id, leaderEpoch: r.leader_epoch }, version: Number(r.version) };
  }

  async leaders(): Promise<Array<{ topic: string; partition: number } & Versioned<LeaderRecord>>> {
    const rows = (await this.q<{ topic: string; partition: number; leader_id: number; leader_epoch: number; version: string }>('select * from partition_leaders order by topic, partition')).rows;
    return rows.map((r) => ({ topic: r.topic, partition: r.partition, value: { leaderId: r.leader_id, leaderEpoch: r.leader_epoch }, version: Number(r.version) }));
  }

  async setLeader(topic: string, partition: number, leader: LeaderRecord, expected: number): Promise<Versioned<LeaderRecord>> {
    // One statement: the partition must exist in its topic, and the row must be at `expected` (0: absent).
    const r = await this.q<{ version: string | null; partitions: number | null }>(`
      with t as (select partitions from topics where name = $1),
      up as (
        insert into partition_leaders (topic, partition, leader_id, leader_epoch, version)
        select $1, $2, $3, $4, 1 from t where $2 >= 0 and $2 < t.partitions and $5 = 0
        on conflict (topic, partition) do nothing
        returning version
      ),
      ch as (
        update partition_leaders set leader_id = $3, leader_epoch = $4, version = version + 1
        where topic = $1 and partition = $2 and version = $5 and $5 > 0 and exists (select 1 from t where $2 < t.partitions)
        returning version
      )
      select (select version from up union all select version from ch limit 1) as version, (select partitions from t) as partitions`,
    [topic, partition, leader.leaderId, leader.leaderEpoch, expected]);
    const row = r.rows[0]!;
    if (row.partitions === null || partition < 0 || partition >= row.partitions) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `${topic}-${partition} does not exist`);
    if (row.version === null) throw conflict(`leadership of ${topic}-${partition}`, expected);
    return { value: { ...leader }, version: Number(row.version) };
  }

  async brokers(): Promise<Array<Versioned<BrokerRecord>>> {
    const rows = (await this.q<{ node_id: number; host: string; port: number; rack: string | null; version: string }>('select * from brokers order by node_id')).rows;
    return rows.map((r) => ({ value: { nodeId: r.node_id, host: r.host, port: r.port, rack: r.rack }, version: Number(r.version) }));
  }

  async registerBroker(broker: BrokerRecord, expected: number): Promise<Versioned<BrokerRecord>> {
    const r = expected === 0
      ? await this.q<{ version: string }>('insert into brokers (node_id, host, port, rack, version) values ($1, $2, $3, $4, 1) on conflict (node_id) do nothing returning version', [broker.nodeId, broker.host, broker.port, broker.rack])
      : await this.q<{ version: string }>('update brokers set host = $2, port = $3, rack = $4, version = version + 1 where node_id = $1 and version = $5 returning version', [broker.nodeId, broker.host, broker.port, broker.rack, expected]);
    if (r.rowCount !== 1) throw conflict(`broker ${broker.nodeId}`, expected);
    return { value: { ...broker }, version: Number(r.rows[0]!.version) };
  }

  async scramCredentials(): Promise<Array<Versioned<ScramCredentialRecord>>> {
    const rows = (await this.q<{ username: string; mechanism: ScramCredentialRecord['mechanism']; salt: string; stored_key: string; server_key: string; iterations: number; version: string }>('select * from scram_credentials order by username, mechanism')).rows;
    return rows.map((r) => ({ value: { user: r.username, mechanism: r.mechanism, salt: r.salt, storedKey: r.stored_key, serverKey: r.server_key, iterations: r.iterations }, version: Number(r.version) }));
  }

  async setScramCredential(c: ScramCredentialRecord, expected: number): Promise<Versioned<ScramCredentialRecord>> {
    const params = [c.user, c.mechanism, c.salt, c.storedKey, c.serverKey, c.iterations];
    const r = expected === 0
      ? await this.q<{ version: string }>('insert into scram_credentials (username, mechanism, salt, stored_key, server_key, iterations, version) values ($1, $2, $3, $4, $5, $6, 1) on conflict do nothing returning version', params)
      : await this.q<{ version: string }>('update scram_credentials set salt = $3, stored_key = $4, server_key = $5, iterations = $6, version = version + 1 where username = $1 and mechanism = $2 and version = $7 returning version', [...params, expected]);
    if (r.rowCount !== 1) throw conflict(`${c.mechanism} credential of ${c.user}`, expected);
    return { value: { ...c }, version: Number(r.rows[0]!.version) };
  }

  async deleteScramCredential(user: string, mechanism: ScramCredentialRecord['mechanism'], expected: number): Promise<void> {
    const r = await this.q('delete from scram_credentials where username = $1 and mechanism = $2 and version = $3', [user, mechanism, expected]);
    if (r.rowCount !== 1) throw conflict(`${mechanism} credential of ${user}`, expected);
  }

  async acls(): Promise<AclBinding[]> {
    const rows = (await this.q<{ resource_type: number; resource_name: string; pattern_type: number; principal: string; host: string; operation: number; permission: number }>('select * from acls order by seq')).rows;
    return rows.map((r) => ({ resourceType: r.resource_type, resourceName: r.resource_name, patternType: r.pattern_type, principal: r.principal, host: r.host, operation: r.operation, permission: r.permission }));
  }

  async addAcls(bindings: AclBinding[]): Promise<void> {
    for (const b of bindings) {
      await this.q('insert into acls (resource_type, resource_name, pattern_type, principal, host, operation, permission) values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing',
        [b.resourceType, b.resourceName, b.patternType, b.principal, b.host, b.operation, b.permission]);
    }
  }

  async removeAcls(bindings: AclBinding[]): Promise<void> {
    for (const b of bindings) {
      await this.q('delete from acls where resource_type = $1 and resource_name = $2 and pattern_type = $3 and principal = $4 and host = $5 and operation = $6 and permission = $7',
        [b.resourceType, b.resourceName, b.patternType, b.principal, b.host, b.operation, b.permission]);
    }
  }

  async clientQuotas(): Promise<ClientQuotaRecord[]> {
    const rows = (await this.q<{ entity: ClientQuotaRecord['entity']; quota_values: Record<string, number> }>('select entity, quota_values from client_quotas order by entity_key')).rows;
    return rows.map((r) => ({ entity: r.entity, values: r.quota_values }));
  }

  async setClientQuota(record: ClientQuotaRecord): Promise<void> {
    if (Object.keys(record.values).length === 0) {
      await this.q('delete from client_quotas where entity_key = $1', [entityKey(record.entity)]);
      return;
    }
    await this.q('insert into client_quotas (entity_key, entity, quota_values) values ($1, $2, $3) on conflict (entity_key) do update set quota_values = excluded.quota_values',
      [entityKey(record.entity), JSON.stringify(record.entity), JSON.stringify(record.values)]);
  }

  async allocateProducerIds(size: number): Promise<ProducerIdBlock> {
    if (!Number.isInteger(size) || size < 1) throw new StrataError('STRATA_CONFIG_INVALID', `a producer id block needs a positive size, got ${size}`);
    const r = await this.q<{ first: string }>('update cluster set next_producer_id = next_producer_id + $1 returning next_producer_id - $1 as first', [size]);
    return { first: Number(r.rows[0]!.first), size };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
