// /api/v1: topics, partitions, groups and broker info as JSON, over the same broker
// objects the Kafka handlers use. The CLI and a web console can use it.
import type { Broker } from '../broker/broker.js';
import type { Topic } from '../broker/topic-manager.js';
import { INTERNAL_PREFIX } from '../broker/topic-manager.js';
import { TOPIC_CONFIGS } from '../broker/topic-config.js';
import { KafkaError } from '../errors.js';
import { nativeStatus } from '../native/index.js';
import { ioMode } from '../native/durable-append.js';
import { HttpError, field, isInt, isPositiveInt, isString } from './http.js';

export interface Route {
  method: string;
  /** Path pattern with :params. */
  path: string;
  run(ctx: { broker: Broker; params: Record<string, string>; body: unknown; query: URLSearchParams }): Promise<[number, unknown]> | [number, unknown];
}

function topicOr404(broker: Broker, name: string): Topic {
  const t = broker.topics.get(name);
  if (t === undefined) throw new HttpError(404, 'UNKNOWN_TOPIC_OR_PARTITION', `topic ${name} does not exist`);
  return t;
}

function describeTopic(broker: Broker, t: Topic) {
  return {
    name: t.record.name,
    id: t.record.id,
    partitions: t.partitions.map((p) => ({
      partition: p.index, leader: broker.node.nodeId, logStartOffset: p.log.logStartOffset, logEndOffset: p.log.logEndOffset,
      highWatermark: p.log.highWatermark, sizeBytes: p.log.sizeBytes, segments: p.log.segmentCount,
    })),
    configs: Object.fromEntries(Object.entries(TOPIC_CONFIGS).map(([k, spec]) => [k, t.record.configs[k] ?? spec.def(broker.config)])),
    overrides: t.record.configs,
  };
}

function describeGroup(broker: Broker, groupId: string) {
  const g = broker.groups.existing(groupId);
  const offsets = broker.groups.offsets.all(groupId);
  if (g === undefined && offsets.length === 0) throw new HttpError(404, 'GROUP_ID_NOT_FOUND', `group ${groupId} does not exist`);
  return {
    group: groupId,
    state: g?.state ?? 'Empty',
    generation: g?.generationId ?? 0,
    protocolType: g?.protocolType ?? null,
    protocol: g?.protocolName ?? null,
    members: (g?.memberList() ?? []).map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost })),
    offsets: offsets
      .map((o) => {
        const hw = broker.topics.partition(o.topic, o.partition)?.log.highWatermark;
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
    run: ({ broker }) => [200, {
      nodeId: broker.node.nodeId, host: broker.node.host, port: broker.node.port, clusterId: broker.clusterId,
      dataDir: broker.config.dataDir, syncPolicy: broker.config.syncPolicy, native: nativeStatus.mode, ioMode,
      topics: broker.topics.list().length, version: process.env.npm_package_version ?? null, node: process.version,
    }],
  },
  {
    method: 'GET', path: '/api/v1/topics',
    run: ({ broker, query }) => [200, broker.topics.list()
      .filter((t) => query.get('internal') === 'true' || !t.record.name.startsWith(INTERNAL_PREFIX))
      .map((t) => ({ name: t.record.name, id: t.record.id, partitions: t.partitions.length }))
      .sort((a, b) => a.name.localeCompare(b.name))],
  },
  {
    method: 'POST', path: '/api/v1/topics',
    run: ({ broker, body }) => {
      const name = field(body, 'name', isString, 'a topic name');
      const partitions = (body as { partitions?: unknown }).partitions ?? broker.config.defaultPartitions;
      if (!isPositiveInt(partitions)) throw new HttpError(400, 'INVALID_FIELD', '"partitions" must be a positive integer');
      const t = broker.topics.create(name, partitions, configsFrom(body))!;
      return [201, describeTopic(broker, t)];
    },
  },
  { method: 'GET', path: '/api/v1/topics/:topic', run: ({ broker, params }) => [200, describeTopic(broker, topicOr404(broker, params.topic!))] },
  {
    method: 'PATCH', path: '/api/v1/topics/:topic',
    run: ({ broker, params, body }) => {
      const t = topicOr404(broker, params.topic!);
      const raw = (body as { configs?: unknown } | null)?.configs;
      if (typeof raw !== 'object' || raw === null) throw new HttpError(400, 'INVALID_FIELD', '"configs" must be an object; a null value removes an override');
      const next = { ...t.record.configs };
      for (const [k, v] of Object.entries(raw)) {
        if (v === null) delete next[k];
        else next[k] = String(v);
      }
      broker.topics.setConfigs(t.record.name, next);
      return [200, describeTopic(broker, t)];
    },
  },
  {
    method: 'DELETE', path: '/api/v1/topics/:topic',
    run: async ({ broker, params }) => {
      topicOr404(broker, params.topic!);
      await broker.topics.delete(params.topic!);
      return [200, { deleted: params.topic }];
    },
  },
  { method: 'GET', path: '/api/v1/topics/:topic/partitions', run: ({ broker, params }) => [200, describeTopic(broker, topicOr404(broker, params.topic!)).partitions] },
  {
    method: 'POST', path: '/api/v1/topics/:topic/partitions',
    run: ({ broker, params, body }) => {
      topicOr404(broker, params.topic!);
      broker.topics.addPartitions(params.topic!, field(body, 'count', isPositiveInt, 'the new, larger partition count'));
      return [200, describeTopic(broker, topicOr404(broker, params.topic!)).partitions];
    },
  },
  {
    method: 'GET', path: '/api/v1/groups',
    run: ({ broker }) => [200, broker.groups.list().map((g) => ({ group: g.groupId, state: g.state, protocolType: g.protocolType, members: broker.groups.existing(g.groupId)?.size ?? 0 }))],
  },
  { method: 'GET', path: '/api/v1/groups/:group', run: ({ broker, params }) => [200, describeGroup(broker, params.group!)] },
  {
    method: 'POST', path: '/api/v1/groups/:group/reset-offsets',
    run: async ({ broker, params, body }) => {
      const group = params.group!;
      const g = broker.groups.existing(group);
      if (g !== undefined && g.size > 0) throw new HttpError(409, 'NON_EMPTY_GROUP', `group ${group} has ${g.size} active members; stop them first`);
      const topic = topicOr404(broker, field(body, 'topic', isString, 'a topic name'));
      const to = field(body, 'to', (v): v is string => v === 'earliest' || v === 'latest' || v === 'offset' || v === 'timestamp', 'earliest, latest, offset or timestamp');
      const value = (body as { value?: unknown }).value;
      if ((to === 'offset' || to === 'timestamp') && !isInt(value)) throw new HttpError(400, 'INVALID_FIELD', `"value" must be an integer ${to}`);
      const wanted = (body as { partitions?: unknown }).partitions;
      if (wanted !== undefined && !(Array.isArray(wanted) && wanted.every(isInt))) throw new HttpError(400, 'INVALID_FIELD', '"partitions" must be a list of partition numbers');
      const parts = wanted === undefined ? topic.partitions : (wanted as number[]).map((p) => topic.partitions[p] ?? (() => { throw new HttpError(404, 'UNKNOWN_TOPIC_OR_PARTITION', `partition ${p} does not exist`); })());
      const entries = await Promise.all(parts.map(async (p) => {
        const log = p.log;
        // Tiered partitions start at their oldest remote segment, and a time may fall there.
        const remote = broker.tier.loaded(topic.record.name, p.index);
        const start = Math.min(log.logStartOffset, remote?.remoteStartOffset ?? Infinity);
        let offset: number;
        if (to === 'earliest') offset = start;
        else if (to === 'latest') offset = log.highWatermark;
        else if (to === 'offset') offset = Math.min(Math.max(value as number, start), log.highWatermark);
        else offset = ((await remote?.recordForTimestamp(value as number, log.logStartOffset)) ?? log.recordForTimestamp(value as number))?.offset ?? log.highWatermark;
        return { topic: topic.record.name, partition: p.index, value: { offset, leaderEpoch: -1, metadata: null, commitTimestamp: Date.now() } };
      }));
      await broker.groups.commit(group, '', -1, null, entries);
      return [200, describeGroup(broker, group)];
    },
  },
  {
    method: 'DELETE', path: '/api/v1/groups/:group',
    run: async ({ broker, params }) => {
      try {
        await broker.groups.delete(params.group!);
      } catch (err) {
        if (err instanceof KafkaError && err.errorName === 'GROUP_ID_NOT_FOUND') throw new HttpError(404, 'GROUP_ID_NOT_FOUND', err.message);
        throw err;
      }
      return [200, { deleted: params.group }];
    },
  },
];
