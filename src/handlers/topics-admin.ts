// Topic administration: CreateTopics, DeleteTopics, CreatePartitions.
import { KafkaError } from '../errors.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { readCreatePartitionsRequest, type CreatePartitionsRequest } from '../protocol/generated/create-partitions-request.js';
import { defaultCreatePartitionsResponse, writeCreatePartitionsResponse, type CreatePartitionsResponse } from '../protocol/generated/create-partitions-response.js';
import { readCreateTopicsRequest, type CreateTopicsRequest } from '../protocol/generated/create-topics-request.js';
import { defaultCreateTopicsResponse, writeCreateTopicsResponse, type CreatableTopicResult, type CreateTopicsResponse } from '../protocol/generated/create-topics-response.js';
import { readDeleteTopicsRequest, type DeleteTopicsRequest } from '../protocol/generated/delete-topics-request.js';
import { defaultDeleteTopicsResponse, writeDeleteTopicsResponse, type DeleteTopicsResponse } from '../protocol/generated/delete-topics-response.js';
import { ZERO_UUID } from '../protocol/primitives/reader.js';
import { INTERNAL_PREFIX } from '../services/topics.js';
import { describeTopicConfigs } from './configs.js';
import { AclOperation, mayCreateTopic, ResourceType } from '../services/acls.js';
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
  async handle(req, { services, session }) {
    const { topics, cluster, config, access } = services;
    const res = defaultCreateTopicsResponse();
    const seen = new Set<string>();
    const budget = requestBudget(config.maxPartitionsPerRequest);
    const brokerIds = cluster.brokers().map((b) => b.nodeId);
    // One at a time, in request order: the budget and duplicate checks see the earlier topics.
    for (const t of req.topics) {
      const result: CreatableTopicResult = {
        name: t.name, topicId: ZERO_UUID, errorCode: 0, errorMessage: null, topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1, configs: null,
      };
      try {
        if (seen.has(t.name)) throw new KafkaError('INVALID_REQUEST', `topic ${t.name} appears twice`);
        seen.add(t.name);
        if (!mayCreateTopic(access, session, t.name)) throw new KafkaError('TOPIC_AUTHORIZATION_FAILED', `may not create ${t.name}`);
        if (t.name.startsWith(INTERNAL_PREFIX)) throw new KafkaError('INVALID_TOPIC_EXCEPTION', `${t.name}: names starting with __ are reserved`);
        // Storage is not replicated by brokers (one today; shared storage later): a factor of 1.
        if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
          throw new KafkaError('INVALID_REPLICATION_FACTOR', `replication factor ${t.replicationFactor} is larger than the 1 available broker`);
        }
        if (t.assignments.some((a) => a.brokerIds.some((b) => !brokerIds.includes(b)))) {
          throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', `only broker ${brokerIds.join(', ')} exists`);
        }
        const partitions = t.assignments.length > 0 ? t.assignments.length : t.numPartitions === -1 ? config.defaultPartitions : t.numPartitions;
        const configs: Record<string, string> = {};
        for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
        budget.take(partitions);
        const topic = await topics.create(t.name, partitions, configs, req.validateOnly);
        result.topicId = topic?.id ?? ZERO_UUID;
        result.numPartitions = partitions;
        result.replicationFactor = 1;
        // As Kafka: the resulting configs are shown only to a session that may describe them.
        if (!access.allows(session, AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, t.name, true)) result.topicConfigErrorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        else result.configs = describeTopicConfigs(config, configs, null).map((c) => ({ name: c.name, value: c.value, readOnly: c.readOnly, configSource: c.configSource, isSensitive: false }));
      } catch (err) {
        result.errorCode = errorCodeOf(err);
        result.errorMessage = errorMessageOf(err);
      }
      res.topics.push(result);
    }
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
  async handle(req, { services: { topics, access }, version, session }) {
    const res = defaultDeleteTopicsResponse();
    const wanted = version >= 6 ? req.topics : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    for (const t of wanted) {
      const topic = t.name !== null ? topics.get(t.name) : topics.byId(t.topicId);
      const name = topic?.name ?? t.name;
      try {
        if (name !== null && !access.allows(session, AclOperation.DELETE, ResourceType.TOPIC, name)) throw new KafkaError('TOPIC_AUTHORIZATION_FAILED', `may not delete ${name}`);
        if (topic === undefined) {
          throw new KafkaError(t.name === null ? 'UNKNOWN_TOPIC_ID' : 'UNKNOWN_TOPIC_OR_PARTITION', `topic ${t.name ?? t.topicId} does not exist`);
        }
        await topics.delete(topic.name);
        res.responses.push({ name, topicId: topic.id, errorCode: 0, errorMessage: null });
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
  async handle(req, { services: { topics, config, access }, session }) {
    const res = defaultCreatePartitionsResponse();
    const budget = requestBudget(config.maxPartitionsPerRequest);
    for (const t of req.topics) {
      try {
        if (!access.allows(session, AclOperation.ALTER, ResourceType.TOPIC, t.name)) throw new KafkaError('TOPIC_AUTHORIZATION_FAILED', `may not alter ${t.name}`);
        const current = topics.get(t.name)?.partitions.length;
        if (current !== undefined && Number.isInteger(t.count) && t.count > current) budget.take(t.count - current);
        await topics.addPartitions(t.name, t.count, req.validateOnly);
        res.results.push({ name: t.name, errorCode: 0, errorMessage: null });
      } catch (err) {
        res.results.push({ name: t.name, errorCode: errorCodeOf(err), errorMessage: errorMessageOf(err) });
      }
    }
    return res;
  },
  errorResponse(req, _version, errorCode) {
    const res = defaultCreatePartitionsResponse();
    res.results = req.topics.map((t) => ({ name: t.name, errorCode, errorMessage: null }));
    return res;
  },
});
