// Admin API routes the web console needs beyond topics and groups: an overview (broker,
// listeners, disk, tier, alerts), the metrics history behind its charts, a bounded message
// browser, and the schema registry's subjects and versions. Same services as the Kafka
// handlers; the registry through its service interface.
import { INTERNAL_PREFIX } from '../services/topics.js';
import { IsolationLevel } from '../services/partition-store.js';
import type { SchemaInputView, SchemaRegistryService } from '../services/schemas.js';
import { nativeStatus } from '../native/index.js';
import { decodedRecordsOf } from '../protocol/records/decoded-records.js';
import { HttpError, field, isString } from './http.js';
import { RecordDecoder } from './record-view.js';
import type { Route, RouteContext } from './api.js';

/** A page of the message browser is at most this many records and this many bytes read. */
export const MAX_MESSAGES = 500;
const MAX_READ_BYTES = 4 * 1024 * 1024;

function registryOf(ctx: RouteContext): SchemaRegistryService {
  if (ctx.extras.registry === undefined) throw new HttpError(404, 'NO_SCHEMA_REGISTRY', 'this broker has no schema registry');
  return ctx.extras.registry;
}

function schemaInput(body: unknown): SchemaInputView {
  const schema = field(body, 'schema', isString, 'the schema text');
  const type = (body as { schemaType?: unknown }).schemaType ?? 'AVRO';
  if (type !== 'AVRO' && type !== 'JSON' && type !== 'PROTOBUF') throw new HttpError(400, 'INVALID_FIELD', '"schemaType" must be AVRO, JSON or PROTOBUF');
  return { schema, schemaType: type, references: [] };
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw new HttpError(400, 'INVALID_FIELD', `${name} must be an integer`);
  return Number(raw);
}

export const consoleRoutes: Route[] = [
  {
    method: 'GET', path: '/api/v1/overview',
    run: ({ services, extras }) => {
      const h = extras.history;
      const topics = services.topics.list().filter((t) => !t.name.startsWith(INTERNAL_PREFIX));
      const partitions = topics.flatMap((t) => [...t.partitions]);
      const breaker = ['closed', 'open', 'half-open'].find((state) => h?.gauge('strata_tier_breaker_state', (l) => l.state === state) === 1) ?? null;
      return [200, {
        broker: { nodeId: services.cluster.self().nodeId, clusterId: services.cluster.clusterId, version: extras.version ?? null, node: process.version, native: nativeStatus.mode, uptimeSeconds: Math.round(process.uptime()) },
        listeners: extras.listeners?.() ?? [],
        schemaRegistry: extras.registryUrl ?? null,
        disk: { dataDir: services.config.dataDir, freeBytes: h?.gauge('strata_data_dir_free_bytes') ?? null, capacityBytes: h?.gauge('strata_data_dir_capacity_bytes') ?? null, logBytes: partitions.reduce((n, p) => n + p.sizeBytes, 0) },
        counts: { topics: topics.length, partitions: partitions.length, groups: services.groups.list().length },
        tier: { breaker, backlogBytes: h?.gauge('strata_tier_backlog_bytes') ?? null, cacheBytes: h?.gauge('strata_tier_cache_bytes') ?? null },
        alerts: h?.alerts() ?? [],
      }];
    },
  },
  { method: 'GET', path: '/api/v1/metrics/history', run: ({ extras }) => [200, extras.history?.history() ?? []] },
  {
    method: 'GET', path: '/api/v1/topics/:topic/messages',
    run: async ({ services, params, query, extras }) => {
      const topic = services.topics.get(params.topic!);
      if (topic === undefined) throw new HttpError(404, 'UNKNOWN_TOPIC_OR_PARTITION', `topic ${params.topic} does not exist`);
      const index = intParam(query, 'partition') ?? 0;
      const p = topic.partitions[index];
      if (p === undefined) throw new HttpError(404, 'UNKNOWN_TOPIC_OR_PARTITION', `partition ${index} does not exist`);
      const limit = Math.min(Math.max(intParam(query, 'limit') ?? 50, 1), MAX_MESSAGES);
      const timestamp = intParam(query, 'timestamp');
      let offset = intParam(query, 'offset');
      if (timestamp !== undefined) offset = (await p.offsetForTimestamp(timestamp))?.offset ?? p.highWatermark;
      // No position given: the last `limit` records.
      offset ??= Math.max(p.logStartOffset, p.highWatermark - limit);
      offset = Math.min(Math.max(offset, p.logStartOffset), p.highWatermark);
      const decoder = new RecordDecoder(extras.registry);
      const records = [];
      let next = offset;
      if (offset < p.highWatermark) {
        const read = await p.read(offset, MAX_READ_BYTES, IsolationLevel.READ_UNCOMMITTED);
        for (const r of decodedRecordsOf(read.chunks, MAX_READ_BYTES * 16)) {
          if (r.offset < offset) continue;
          if (records.length >= limit) break;
          records.push({
            offset: r.offset, timestamp: r.timestamp, key: await decoder.view(r.key), value: await decoder.view(r.value),
            headers: await Promise.all(r.headers.map(async (hd) => ({ key: hd.key, value: await decoder.view(hd.value) }))),
          });
          next = r.offset + 1;
        }
      }
      return [200, { topic: topic.name, partition: index, logStartOffset: p.logStartOffset, highWatermark: p.highWatermark, from: offset, next, records }];
    },
  },
  {
    method: 'GET', path: '/api/v1/schemas/subjects',
    run: async (ctx) => {
      const registry = registryOf(ctx);
      const subjects = await registry.subjectsList({ deleted: ctx.query.get('deleted') === 'true' });
      return [200, await Promise.all(subjects.map(async (subject) => {
        const latest = await registry.version(subject, 'latest', false);
        return { subject, latestVersion: latest.version, id: latest.id, schemaType: latest.schemaType, compatibility: await registry.compatibility(subject, true) };
      }))];
    },
  },
  {
    method: 'GET', path: '/api/v1/schemas/subjects/:subject',
    run: async (ctx) => {
      const registry = registryOf(ctx);
      const subject = ctx.params.subject!;
      const versions = await registry.versions(subject, false);
      return [200, { subject, compatibility: await registry.compatibility(subject, true), versions: await Promise.all(versions.map((v) => registry.version(subject, String(v), false))) }];
    },
  },
  {
    method: 'POST', path: '/api/v1/schemas/subjects/:subject/versions',
    run: async (ctx) => [200, await registryOf(ctx).register(ctx.params.subject!, schemaInput(ctx.body))],
  },
  {
    method: 'POST', path: '/api/v1/schemas/subjects/:subject/compatibility',
    run: async (ctx) => {
      const version = (ctx.body as { version?: unknown }).version;
      if (version !== undefined && typeof version !== 'string' && typeof version !== 'number') throw new HttpError(400, 'INVALID_FIELD', '"version" must be a version number or "latest"');
      return [200, await registryOf(ctx).checkCompatibility(ctx.params.subject!, version === undefined ? undefined : String(version), schemaInput(ctx.body))];
    },
  },
  {
    method: 'DELETE', path: '/api/v1/schemas/subjects/:subject',
    run: async (ctx) => [200, { deleted: ctx.params.subject, versions: await registryOf(ctx).deleteSubject(ctx.params.subject!, ctx.query.get('permanent') === 'true') }],
  },
];
