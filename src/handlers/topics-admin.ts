// Topic administration: CreateTopics, DeleteTopics, CreatePartitions.
import { KafkaError } from '../errors.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { readCreatePartitionsRequest, type CreatePartitionsRequest } from '../protocol/generated/create-partitions-request.js';
import { defaultCreatePartitionsResponse, writeCreatePartitionsResponse, type CreatePartitionsResponse } from '../protocol/generated/create-partitions-response.js';
import { readCreateTopicsRequest, type CreateTopicsRequest } from '../protocol/generated/create-topics-request.js';
import { defaultCreateTopicsResponse, writeCreateTopicsResponse, type CreatableTopicResult, type CreateTopicsResponse } from '../protocol/generated/create-topics-response.js';
import { readDeleteTopicsRequest, type DeleteTopicsRequest } from '../protocol/generated/delete-topics-request.js';
import { defaultDeleteTopicsResponse, writeDeleteTopicsResponse, type DeleteTopicsResponse } from '../protocol/generated/delete-topics-response.js';
import { ZERO_UUID } from '../protocol/primitives/reader.js';
import { INTERNAL_PREFIX } from '../broker/topic-manager.js';
import { describeTopicConfigs } from './configs.js';
import { defineHandler } from './handler.js';
import { errorCodeOf, errorMessageOf } from './error-code.js';

/**
 * How many partitions one request may still add (maxPartitionsPerRequest): a topic that
 * would go past it is refused with POLICY_VIOLATION before anything of it is created.
 */
function requestBudget(max: number): { take(n: number): void } {
  let left = max;
  return {
    take(n: number): void {
      if (n > left) throw new KafkaError('POLICY_VIOLATION', `${n} partitions would exceed the ${max} one request may add (maxPartitionsPerRequest)`);
      left -= n;
    },
  };
}

export const createTopicsHandler = defineHandler<CreateTopicsRequest, CreateTopicsResponse>({
  apiKey: ApiKey.CreateTopics,
  minVersion: 2,
  maxVersion: 7,
  read: readCreateTopicsRequest,
  write: writeCreateTopicsResponse,
  handle(req, { broker }) {
    const res = defaultCreateTopicsResponse();
    const seen = new Set<string>();
    const budget = requestBudget(broker.config.maxPartitionsPerRequest);
    res.topics = req.topics.map((t): CreatableTopicResult => {
      const result: CreatableTopicResult = {
        name: t.name, topicId: ZERO_UUID, errorCode: 0, errorMessage: null, topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1, configs: null,
      };
      try {
        if (seen.has(t.name)) throw new KafkaError('INVALID_REQUEST', `topic ${t.name} appears twice`);
        seen.add(t.name);
        if (t.name.startsWith(INTERNAL_PREFIX)) throw new KafkaError('INVALID_TOPIC_EXCEPTION', `${t.name}: names starting with __ are reserved`);
        if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
          throw new KafkaError('INVALID_REPLICATION_FACTOR', `replication factor ${t.replicationFactor} is larger than the 1 available broker`);
        }
        if (t.assignments.some((a) => a.brokerIds.some((b) => b !== broker.node.nodeId))) {
          throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', `only broker ${broker.node.nodeId} exists`);
        }
        const partitions = t.assignments.length > 0 ? t.assignments.length : t.numPartitions === -1 ? broker.config.defaultPartitions : t.numPartitions;
        const configs: Record<string, string> = {};
        for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
        budget.take(partitions);
        const topic = broker.topics.create(t.name, partitions, configs, req.validateOnly);
        result.topicId = topic?.record.id ?? ZERO_UUID;
        result.numPartitions = partitions;
        result.replicationFactor = 1;
        result.configs = describeTopicConfigs(broker, configs, null).map((c) => ({ name: c.name, value: c.value, readOnly: c.readOnly, configSource: c.configSource, isSensitive: false }));
      } catch (err) {
        result.errorCode = errorCodeOf(err);
        result.errorMessage = errorMessageOf(err);
      }
      return result;
    });
    return res;
  },
  errorResponse(req, _version, errorCode) {
    const res = defaultCreateTopicsResponse();
    res.topics = req.topics.map((t) => ({
      name: t.name, topicId: ZERO_UUID, errorCode, errorMessage: null, topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1, configs: null,
    }));
    return res;
  },
});

export const deleteTopicsHandler = defineHandler<DeleteTopicsRequest, DeleteTopicsResponse>({
  apiKey: ApiKey.DeleteTopics,
  minVersion: 1,
  maxVersion: 6,
  read: readDeleteTopicsRequest,
  write: writeDeleteTopicsResponse,
  async handle(req, { broker, version }) {
    const res = defaultDeleteTopicsResponse();
    const wanted = version >= 6 ? req.topics : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    for (const t of wanted) {
      const topic = t.name !== null ? broker.topics.get(t.name) : broker.topics.list().find((x) => x.record.id === t.topicId);
      const name = topic?.record.name ?? t.name;
      try {
        if (topic === undefined) {
          throw new KafkaError(t.name === null ? 'UNKNOWN_TOPIC_ID' : 'UNKNOWN_TOPIC_OR_PARTITION', `topic ${t.name ?? t.topicId} does not exist`);
        }
        await broker.topics.delete(topic.record.name);
        res.responses.push({ name, topicId: topic.record.id, errorCode: 0, errorMessage: null });
      } catch (err) {
        res.responses.push({ name, topicId: t.topicId, errorCode: errorCodeOf(err), errorMessage: errorMessageOf(err) });
      }
    }
    return res;
  },
  errorResponse(req, version, errorCode) {
    const res = defaultDeleteTopicsResponse();
    const wanted = version >= 6 ? req.topics : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    res.responses = wanted.map((t) => ({ name: t.name, topicId: t.topicId, errorCode, errorMessage: null }));
    return res;
  },
});

export const createPartitionsHandler = defineHandler<CreatePartitionsRequest, CreatePartitionsResponse>({
  apiKey: ApiKey.CreatePartitions,
  minVersion: 0,
  maxVersion: 3,
  read: readCreatePartitionsRequest,
  write: writeCreatePartitionsResponse,
  handle(req, { broker }) {
    const res = defaultCreatePartitionsResponse();
    const budget = requestBudget(broker.config.maxPartitionsPerRequest);
    res.results = req.topics.map((t) => {
      try {
        const current = broker.topics.get(t.name)?.partitions.length;
        if (current !== undefined && Number.isInteger(t.count) && t.count > current) budget.take(t.count - current);
        broker.topics.addPartitions(t.name, t.count, req.validateOnly);
        return { name: t.name, errorCode: 0, errorMessage: null };
      } catch (err) {
        return { name: t.name, errorCode: errorCodeOf(err), errorMessage: errorMessageOf(err) };
      }
    });
    return res;
  },
  errorResponse(req, _version, errorCode) {
    const res = defaultCreatePartitionsResponse();
    res.results = req.topics.map((t) => ({ name: t.name, errorCode, errorMessage: null }));
    return res;
  },
});
