// The PostgreSQL schema of cluster mode, as numbered migrations applied at start (in order,
// each in its own transaction, under an advisory lock so brokers starting together apply each
// once). A migration, once released, is never edited: changes are new migrations.
import type { Pool, PoolClient } from 'pg';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'cluster metadata',
    sql: `
      create table cluster (
        singleton boolean primary key default true check (singleton),
        cluster_id text not null,
        next_producer_id bigint not null default 0
      );
      create table topics (
        name text primary key,
        topic_id text not null unique,
        partitions integer not null check (partitions > 0),
        configs jsonb not null,
        version bigint not null
      );
      create table partition_leaders (
        topic text not null references topics (name) on delete cascade,
        partition integer not null,
        leader_id integer not null,
        leader_epoch integer not null,
        version bigint not null,
        primary key (topic, partition)
      );
      create table brokers (
        node_id integer primary key,
        host text not null,
        port integer not null,
        rack text,
        version bigint not null
      );
      create table scram_credentials (
        username text not null,
        mechanism text not null,
        salt text not null,
        stored_key text not null,
        server_key text not null,
        iterations integer not null,
        version bigint not null,
        primary key (username, mechanism)
      );
      create table acls (
        seq bigserial,
        resource_type integer not null,
        resource_name text not null,
        pattern_type integer not null,
        principal text not null,
        host text not null,
        operation integer not null,
        permission integer not null,
        primary key (resource_type, resource_name, pattern_type, principal, host, operation, permission)
      );
      create table client_quotas (
        entity_key text primary key,
        entity jsonb not null,
        quota_values jsonb not null
      );
    `,
  },
  {
    version: 2,
    name: 'leases and the index of committed data',
    sql: `
      create table leases (
        resource text primary key,
        holder integer not null,
        epoch bigint not null,
        expires_at timestamptz not null
      );
      create table log_index (
        topic_id text not null,
        partition integer not null,
        base_offset bigint not null,
        last_offset bigint not null,
        object_key text not null,
        byte_start bigint not null,
        byte_end bigint not null,
        max_timestamp bigint not null,
        leader_epoch bigint not null,
        primary key (topic_id, partition, base_offset)
      );
      create index log_index_last on log_index (topic_id, partition, last_offset);
    `,
  },
  {
    version: 3,
    name: 'group offsets, memberships and transactions',
    sql: `
      create table group_offsets (
        group_id text not null,
        topic text not null,
        partition integer not null,
        committed_offset bigint not null,
        leader_epoch integer not null,
        metadata text,
        commit_timestamp bigint not null,
        primary key (group_id, topic, partition)
      );
      create table group_members (
        group_id text primary key,
        snapshot jsonb not null
      );
      create table pending_txn_offsets (
        producer_id bigint not null,
        group_id text not null,
        topic text not null,
        partition integer not null,
        committed_offset bigint not null,
        leader_epoch integer not null,
        metadata text,
        commit_timestamp bigint not null,
        primary key (producer_id, group_id, topic, partition)
      );
      -- text, not jsonb: a record's partitions are "topic\\u0000partition", and jsonb refuses \\u0000.
      create table transactions (
        transactional_id text primary key,
        record text not null
      );
    `,
  },
  {
    version: 4,
    name: 'idempotent producers in the index',
    sql: `
      alter table log_index
        add column producer_id bigint not null default -1,
        add column producer_epoch integer not null default -1,
        add column base_sequence integer not null default -1;
      create index log_index_producers on log_index (topic_id, partition, base_offset) where producer_id >= 0;
    `,
  },
  {
    version: 5,
    name: 'log start offsets (DeleteRecords, retention), objects named by the index',
    sql: `
      create table partition_starts (
        topic_id text not null,
        partition integer not null,
        log_start bigint not null,
        primary key (topic_id, partition)
      );
      -- The object collector asks which flush-window objects rows still name.
      create index log_index_objects on log_index (object_key);
    `,
  },
  {
    version: 6,
    name: 'schema registry log',
    sql: `
      -- The schema registry's records (what _schemas holds on one node), in order; every
      -- broker's registry appends here and reads what the others appended.
      create table registry_log (
        seq bigint primary key check (seq >= 0),
        key bytea not null,
        value bytea
      );
    `,
  },
  {
    version: 7,
    name: 'notify brokers of metadata changes',
    sql: `
      -- A change to topics or to users, ACLs and quotas tells every listening broker at commit
      -- (LISTEN strata_metadata; the payload names the table), so it re-reads at once instead
      -- of at its next poll. Polling stays: a broker that was not listening misses nothing.
      create function strata_metadata_changed() returns trigger language plpgsql as $$
      begin
        perform pg_notify('strata_metadata', tg_table_name);
        return null;
      end
      $$;
      create trigger topics_changed after insert or update or delete on topics
        for each statement execute function strata_metadata_changed();
      create trigger scram_credentials_changed after insert or update or delete on scram_credentials
        for each statement execute function strata_metadata_changed();
      create trigger acls_changed after insert or update or delete on acls
        for each statement execute function strata_metadata_changed();
      create trigger client_quotas_changed after insert or update or delete on client_quotas
        for each statement execute function strata_metadata_changed();
    `,
  },
  {
    version: 8,
    name: 'notify brokers of lease moves',
    sql: `
      -- A lease taken (a new holder or epoch) or given up tells every broker at commit, so
      -- Metadata everywhere names the new leader at once. Renewals and heartbeats (only
      -- expires_at moving on) say nothing: they happen every second on every broker.
      create trigger leases_taken after insert on leases
        for each row execute function strata_metadata_changed();
      create trigger leases_moved after update on leases
        for each row when (old.holder is distinct from new.holder or old.epoch is distinct from new.epoch or new.expires_at <= now())
        execute function strata_metadata_changed();
      create trigger leases_removed after delete on leases
        for each statement execute function strata_metadata_changed();
    `,
  },
];

/** An arbitrary constant: the advisory lock every broker takes to migrate. */
const MIGRATION_LOCK = 0x5354_5241; // "STRA"

/** Applies the migrations the database lacks; returns the versions applied now. */
export async function migrate(pool: Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const client: PoolClient = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query('create table if not exists schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())');
    const done = new Set((await client.query<{ version: number }>('select version from schema_migrations')).rows.map((r) => r.version));
    const known = Math.max(0, ...migrations.map((m) => m.version));
    const newer = [...done].filter((v) => v > known);
    if (newer.length > 0) throw new Error(`the database has schema version ${Math.max(...newer)}, newer than this broker knows (${known}): upgrade the broker`);
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await client.query('begin');
      try {
        await client.query(m.sql);
        await client.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw err;
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}
