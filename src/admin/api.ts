// /api/v1: topics, partitions, groups and broker info as JSON, over the same service
// interfaces the Kafka handlers use. The CLI and a web console can use it.
import type { HandlerServices } from '../services/handler-services.js';
import { INTERNAL_PREFIX, type TopicView } from '../services/topics.js';
import { TOPIC_CONFIGS } from '../config/topic-config.js';
import { KafkaError } from '../errors.js';
import { nativeStatus } from '../native/index.js';
import { ioMode } from '../native/durable-append.js';
import { HttpError, field, isInt, isPositiveInt, isString } from './http.js';
import type { SchemaRegistryService } from '../services/schemas.js';
import type { MetricsHistory } from './metrics-history.js';
import { decodeConsumerAssignment } from './consumer-assignment.js';

/** What the console's routes need beyond the handlers' services. */
export interface ConsoleExtras {
  registry?: SchemaRegistryService;
  history?: MetricsHistory;
  /** The schema registry's listener (http://host:port), when it is on. */
  registryUrl?: string;
  listeners?: () => Array<{ name: string; host: string; port: number }>;
  /** Strata's version (package.json). */
  version?: string;
}

export interface RouteContext {
  services: HandlerServices;
  params: Record<string, string>;
  body: unknown;
  query: URLSearchParams;
  extras: ConsoleExtras;
}

export interface Route {
  method: string;
  /** Path pattern with :params. */
  path: string;
  run(ctx: RouteContext): Promise<[number, unknown]> | [number, unknown];
}

function topicOr404(services: HandlerServices, name: string): TopicView {
  const t = services.topics.get(name);
  if (t === undefined) throw new HttpError(404, 'UNKNOWN_TOPIC_OR_PARTITION', `topic ${name} does not exist`);
  return t;
}

function describeTopic(services: HandlerServices, t: TopicView) {
  return {
    name: t.name,
    id: t.id,
    partitions: t.partitions.map((p) => ({
      partition: p.index, leader: services.cluster.leaderOf(t.name, p.index).leaderId, logStartOffset: p.logStartOffset, logEndOffset: p.logEndOffset,
      highWatermark: p.highWatermark, sizeBytes: p.sizeBytes, segments: p.segmentCount,
      // Offsets below the local log start live only in the object store (tiered topics).
      localLogStartOffset: p.localLogStartOffset, highestTieredOffset: p.highestTieredOffset,
    })),
    configs: Object.fromEntries(Object.entries(TOPIC_CONFIGS).map(([k, spec]) => [k, t.configs[k] ?? spec.def(services.config)])),
    overrides: t.configs,
  };
}

function describeGroup(services: HandlerServices, groupId: string) {
  const g = services.groups.existing(groupId);
  const offsets = services.groups.allCommitted(groupId);
  const consumer = services.groups.existingConsumerGroup(groupId);
  if (g === undefined && consumer === undefined && offsets.length === 0) throw new HttpError(404, 'GROUP_ID_NOT_FOUND', `group ${groupId} does not exist`);
  return {
    group: groupId,
    state: consumer?.state ?? g?.state ?? 'Empty',
    generation: g?.generationId ?? 0,
    protocolType: g?.protocolType ?? null,
    protocol: g?.protocolName ?? null,
    members: [
      ...(g?.memberList() ?? []).map((m) => ({
        memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
        assignment: g?.protocolType === 'consumer' ? (decodeConsumerAssignment(m.assignment) ?? null) : null,
      })),
      // KIP-848 members: their assignment is the broker's own.
      ...[...(services.groups.existingConsumerGroup(groupId)?.members.values() ?? [])].map((m) => ({
        memberId: m.memberId, groupInstanceId: m.instanceId, clientId: m.clientId, clientHost: m.clientHost,
        assignment: [...m.assigned].map(([topicId, parts]) => ({ topic: services.topics.byId(topicId)?.name ?? topicId, partitions: [...parts].sort((a, b) => a - b) })),
      })),
    ],
    offsets: offsets
      .map((o) => {
        const hw = services.topics.partition(o.topic, o.partition)?.highWatermark;
        return { topic: o.topic, partition: o.partition, committed: o.offset, highWatermark: hw ?? null, lag: hw === undefined ? null : Math.max(0, hw - o.offset), metadata: o.metadata };
      })
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
  };
}

function configsFrom(body: unknown): Record<string, string> {
  const raw = (body as { configs?: unknown } | null)?.configs ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new HttpError(400, 'INVALID_FIELD', '"configs" must be an object of strings');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string' && typeof v !== 'number') throw new HttpError(400, 'INVALID_FIELD', `config ${k} must be a string`);
    out[k] = String(v);
  }
  return out;
}

export const routes: Route[] = [
  {
    method: 'GET', path: '/api/v1/broker',
    run: ({ services: { cluster, config, topics } }) => [200, {
      nodeId: cluster.self().nodeId, host: cluster.self().host, port: cluster.self().port, clusterId: cluster.clusterId,
      dataDir: config.dataDir, syncPolicy: config.syncPolicy, native: nativeStatus.mode, ioMode,
      topics: topics.list().length, version: process.env.npm_package_version ?? null, node: process.version,
    }],
  },
  {
    method: 'GET', path: '/api/v1/topics',
    run: ({ services, query }) => [200, services.topics.list()
      .filter((t) => query.get('internal') === 'true' || !t.name.startsWith(INTERNAL_PREFIX))
      .map((t) => ({ name: t.name, id: t.id, partitions: t.partitions.length }))
      .sort((a, b) => a.name.localeCompare(b.name))],
  },
  {
    method: 'POST', path: '/api/v1/topics',
    run: async ({ services, body }) => {
      const name = field(body, 'name', isString, 'a topic name');
      const partitions = (body as { partitions?: unknown }).partitions ?? services.config.defaultPartitions;
      if (!isPositiveInt(partitions)) throw new HttpError(400, 'INVALID_FIELD', '"partitions" must be a positive integer');
      const t = (await services.topics.create(name, partitions, configsFrom(body)))!;
      return [201, describeTopic(services, t)];
    },
  },
  { method: 'GET', path: '/api/v1/topics/:topic', run: ({ services, params }) => [200, describeTopic(services, topicOr404(services, params.topic!))] },
  {
    method: 'PATCH', path: '/api/v1/topics/:topic',
    run: async ({ services, params, body }) => {
      const t = topicOr404(services, params.topic!);
      const raw = (body as { configs?: unknown } | null)?.configs;
      if (typeof raw !== 'object' || raw === null) throw new HttpError(400, 'INVALID_FIELD', '"configs" must be an object; a null value removes an override');
      const next = { ...t.configs };
      for (const [k, v] of Object.entries(raw)) {
        if (v === null) delete next[k];
        else next[k] = String(v);
      }
      await services.topics.setConfigs(t.name, next);
      return [200, describeTopic(services, services.topics.get(t.name) ?? t)];
    },
  },
  {
    method: 'DELETE', path: '/api/v1/topics/:topic',
    run: async ({ services, params }) => {
      topicOr404(services, params.topic!);
      await services.topics.delete(params.topic!);
      return [200, { deleted: params.topic }];
    },
  },
  { method: 'GET', path: '/api/v1/topics/:topic/partitions', run: ({ services, params }) => [200, describeTopic(services, topicOr404(services, params.topic!)).partitions] },
  {
    method: 'POST', path: '/api/v1/topics/:topic/partitions',
    run: async ({ services, params, body }) => {
      topicOr404(services, params.topic!);
      await services.topics.addPartitions(params.topic!, field(body, 'count', isPositiveInt, 'the new, larger partition count'));
      return [200, describeTopic(services, topicOr404(services, params.topic!)).partitions];
    },
  },
  {
    method: 'GET', path: '/api/v1/groups',
    run: ({ services: { groups } }) => [200, groups.list().map((g) => ({ group: g.groupId, state: g.state, protocolType: g.protocolType, members: groups.existing(g.groupId)?.size ?? 0 }))],
  },
  { method: 'GET', path: '/api/v1/groups/:group', run: ({ services, params }) => [200, describeGroup(services, params.group!)] },
  {
    method: 'POST', path: '/api/v1/groups/:group/reset-offsets',
    run: async ({ services, params, body }) => {
      const group = params.group!;
      const active = (services.groups.existing(group)?.size ?? 0) + (services.groups.existingConsumerGroup(group)?.members.size ?? 0);
      if (active > 0 && (body as { dryRun?: unknown } | null)?.dryRun !== true) throw new HttpError(409, 'NON_EMPTY_GROUP', `group ${group} has ${active} active members; stop them first`);
      const topic = topicOr404(services, field(body, 'topic', isString, 'a topic name'));
      const to = field(body, 'to', (v): v is string => v === 'earliest' || v === 'latest' || v === 'offset' || v === 'timestamp', 'earliest, latest, offset or timestamp');
      const value = (body as { value?: unknown }).value;
      if ((to === 'offset' || to === 'timestamp') && !isInt(value)) throw new HttpError(400, 'INVALID_FIELD', `"value" must be an integer ${to}`);
      const wanted = (body as { partitions?: unknown }).partitions;
      if (wanted !== undefined && !(Array.isArray(wanted) && wanted.every(isInt))) throw new HttpError(400, 'INVALID_FIELD', '"partitions" must be a list of partition numbers');
      const parts = wanted === undefined ? topic.partitions : (wanted as number[]).map((p) => topic.partitions[p] ?? (() => { throw new HttpError(404, 'UNKNOWN_TOPIC_OR_PARTITION', `partition ${p} does not exist`); })());
      const dryRun = (body as { dryRun?: unknown }).dryRun === true;
      const entries = await Promise.all(parts.map(async (p) => {
        // The store's log start counts tiered segments, and a time may fall there.
        const start = p.logStartOffset;
        let offset: number;
        if (to === 'earliest') offset = start;
        else if (to === 'latest') offset = p.highWatermark;
        else if (to === 'offset') offset = Math.min(Math.max(value as number, start), p.highWatermark);
        else offset = (await p.offsetForTimestamp(value as number))?.offset ?? p.highWatermark;
        return { topic: topic.name, partition: p.index, value: { offset, leaderEpoch: -1, metadata: null, commitTimestamp: services.clock.now() } };
      }));
      if (dryRun) {
        // What the reset would commit, next to what is committed now; nothing changes.
        const now = new Map(services.groups.allCommitted(group).map((o) => [`${o.topic}\u0000${o.partition}`, o.offset]));
        return [200, { group, dryRun: true, offsets: entries.map((e) => ({
          topic: e.topic, partition: e.partition, current: now.get(`${e.topic}\u0000${e.partition}`) ?? null, target: e.value.offset,
          lag: Math.max(0, (topic.partitions[e.partition]?.highWatermark ?? e.value.offset) - e.value.offset),
        })) }];
      }
      await services.groups.commit(group, '', -1, null, entries);
      return [200, describeGroup(services, group)];
    },
  },
  {
    method: 'DELETE', path: '/api/v1/groups/:group',
    run: async ({ services, params }) => {
      try {
        await services.groups.delete(params.group!);
      } catch (err) {
        if (err instanceof KafkaError && err.errorName === 'GROUP_ID_NOT_FOUND') throw new HttpError(404, 'GROUP_ID_NOT_FOUND', err.message);
        throw err;
      }
      return [200, { deleted: params.group }];
    },
  },
];
