// DescribeConfigs and IncrementalAlterConfigs for topics (and a read-only view of the
// broker's settings).
import { KafkaError } from '../errors.js';
import { CONFIG_KEYS, flagName, SENSITIVE_KEYS, type BrokerConfig } from '../config/broker-config.js';
import { TOPIC_CONFIGS, type TopicConfigs } from '../config/topic-config.js';
import { checkTopicName } from '../services/topics.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { readDescribeConfigsRequest, type DescribeConfigsRequest } from '../protocol/generated/describe-configs-request.js';
import { defaultDescribeConfigsResponse, writeDescribeConfigsResponse, type DescribeConfigsResourceResult, type DescribeConfigsResponse } from '../protocol/generated/describe-configs-response.js';
import { readIncrementalAlterConfigsRequest, type IncrementalAlterConfigsRequest } from '../protocol/generated/incremental-alter-configs-request.js';
import { readAlterConfigsRequest, type AlterConfigsRequest } from '../protocol/generated/alter-configs-request.js';
import { defaultAlterConfigsResponse, writeAlterConfigsResponse, type AlterConfigsResponse } from '../protocol/generated/alter-configs-response.js';
import { defaultIncrementalAlterConfigsResponse, writeIncrementalAlterConfigsResponse, type IncrementalAlterConfigsResponse } from '../protocol/generated/incremental-alter-configs-response.js';
import { defineHandler } from './handler.js';
import { errorCodeOf, errorMessageOf } from './error-code.js';
import { AclOperation, CLUSTER_NAME, ResourceType, type AccessControl } from '../services/acls.js';
import type { Session } from '../services/session.js';

const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;
/** DescribeConfigs config sources. */
const SOURCE_TOPIC = 1;
const SOURCE_STATIC_BROKER = 4;

/** As Kafka: topic configs need the operation on the topic, broker configs on the cluster. */
function checkConfigAccess(access: AccessControl, session: Session, operation: number, resourceType: number, name: string): void {
  if (resourceType === RESOURCE_TOPIC && !access.allows(session, operation, ResourceType.TOPIC, name)) throw new KafkaError('TOPIC_AUTHORIZATION_FAILED', `not authorised for ${name}`);
  if (resourceType === RESOURCE_BROKER && !access.allows(session, operation, ResourceType.CLUSTER, CLUSTER_NAME)) throw new KafkaError('CLUSTER_AUTHORIZATION_FAILED', 'not authorised for the cluster');
}
const SOURCE_DEFAULT = 5;
const OP_SET = 0;
const OP_DELETE = 1;
const TYPE_STRING = 2;

/** As Kafka's controller: no default (empty-named) topic resource, and a legal name. */
function checkAlterableTopicName(name: string): void {
  if (name === '') throw new KafkaError('INVALID_REQUEST', 'default topic resources are not allowed');
  checkTopicName(name);
}

export function describeTopicConfigs(broker: Readonly<BrokerConfig>, configs: TopicConfigs, keys: string[] | null): DescribeConfigsResourceResult[] {
  return Object.entries(TOPIC_CONFIGS)
    .filter(([name]) => keys === null || keys.includes(name))
    .map(([name, spec]) => {
      const set = configs[name];
      return {
        name, value: set ?? spec.def(broker), readOnly: false, isDefault: set === undefined,
        configSource: set === undefined ? SOURCE_DEFAULT : SOURCE_TOPIC, isSensitive: false, synonyms: [], configType: TYPE_STRING, documentation: null,
      };
    });
}

export const describeConfigsHandler = defineHandler<DescribeConfigsRequest, DescribeConfigsResponse>({
  apiKey: ApiKey.DescribeConfigs,
  minVersion: 1,
  maxVersion: 4,
  read: readDescribeConfigsRequest,
  write: writeDescribeConfigsResponse,
  handle(req, { services: { topics, config, access }, session }) {
    const res = defaultDescribeConfigsResponse();
    res.results = req.resources.map((r) => {
      const base = { errorCode: 0, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] as DescribeConfigsResourceResult[] };
      try {
        checkConfigAccess(access, session, AclOperation.DESCRIBE_CONFIGS, r.resourceType, r.resourceName);
        if (r.resourceType === RESOURCE_TOPIC) {
          checkTopicName(r.resourceName);
          const topic = topics.get(r.resourceName);
          if (topic === undefined) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${r.resourceName} does not exist`);
          base.configs = describeTopicConfigs(config, topic.configs, r.configurationKeys);
        } else if (r.resourceType === RESOURCE_BROKER) {
          base.configs = CONFIG_KEYS.filter((k) => r.configurationKeys === null || r.configurationKeys.includes(flagName(k))).map((k) => ({
            name: flagName(k), value: SENSITIVE_KEYS.has(k) ? null : String(config[k]), readOnly: true, isDefault: false, configSource: SOURCE_STATIC_BROKER,
            isSensitive: SENSITIVE_KEYS.has(k), synonyms: [], configType: TYPE_STRING, documentation: null,
          }));
        } else {
          throw new KafkaError('INVALID_REQUEST', `resource type ${r.resourceType} is not supported`);
        }
      } catch (err) {
        return { ...base, errorCode: errorCodeOf(err), errorMessage: errorMessageOf(err) };
      }
      return base;
    });
    return res;
  },
  errorResponse(req, _version, errorCode) {
    const res = defaultDescribeConfigsResponse();
    res.results = req.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] }));
    return res;
  },
});

export const incrementalAlterConfigsHandler = defineHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>({
  apiKey: ApiKey.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  read: readIncrementalAlterConfigsRequest,
  write: writeIncrementalAlterConfigsResponse,
  async handle(req, { services: { topics, access }, session }) {
    const res = defaultIncrementalAlterConfigsResponse();
    for (const r of req.resources) {
      const base = { errorCode: 0, errorMessage: null as string | null, resourceType: r.resourceType, resourceName: r.resourceName };
      try {
        checkConfigAccess(access, session, AclOperation.ALTER_CONFIGS, r.resourceType, r.resourceName);
        if (r.resourceType !== RESOURCE_TOPIC) throw new KafkaError('INVALID_REQUEST', 'only topic configs can be altered');
        checkAlterableTopicName(r.resourceName);
        const topic = topics.get(r.resourceName);
        if (topic === undefined) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${r.resourceName} does not exist`);
        const next = { ...topic.configs };
        for (const c of r.configs) {
          if (c.configOperation === OP_SET) {
            if (c.value === null) throw new KafkaError('INVALID_CONFIG', `${c.name}: SET needs a value`);
            next[c.name] = c.value;
          } else if (c.configOperation === OP_DELETE) {
            delete next[c.name];
          } else {
            throw new KafkaError('INVALID_CONFIG', `${c.name}: APPEND and SUBTRACT apply to list configs, which topics here do not have`);
          }
        }
        await topics.setConfigs(r.resourceName, next, req.validateOnly);
        res.responses.push(base);
      } catch (err) {
        res.responses.push({ ...base, errorCode: errorCodeOf(err), errorMessage: errorMessageOf(err) });
      }
    }
    return res;
  },
  errorResponse(req, _version, errorCode) {
    const res = defaultIncrementalAlterConfigsResponse();
    res.responses = req.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName }));
    return res;
  },
});

/**
 * AlterConfigs (the older, non-incremental API that kafkajs' admin.alterConfigs uses):
 * the given set replaces every override of the topic; configs left out return to defaults.
 */
export const alterConfigsHandler = defineHandler<AlterConfigsRequest, AlterConfigsResponse>({
  apiKey: ApiKey.AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  read: readAlterConfigsRequest,
  write: writeAlterConfigsResponse,
  async handle(req, { services: { topics, access }, session }) {
    const res = defaultAlterConfigsResponse();
    for (const r of req.resources) {
      const base = { errorCode: 0, errorMessage: null as string | null, resourceType: r.resourceType, resourceName: r.resourceName };
      try {
        checkConfigAccess(access, session, AclOperation.ALTER_CONFIGS, r.resourceType, r.resourceName);
        if (r.resourceType !== RESOURCE_TOPIC) throw new KafkaError('INVALID_REQUEST', 'only topic configs can be altered');
        checkAlterableTopicName(r.resourceName);
        if (topics.get(r.resourceName) === undefined) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${r.resourceName} does not exist`);
        const next: Record<string, string> = {};
        for (const c of r.configs) if (c.value !== null) next[c.name] = c.value;
        await topics.setConfigs(r.resourceName, next, req.validateOnly);
        res.responses.push(base);
      } catch (err) {
        res.responses.push({ ...base, errorCode: errorCodeOf(err), errorMessage: errorMessageOf(err) });
      }
    }
    return res;
  },
  errorResponse(req, _version, errorCode) {
    const res = defaultAlterConfigsResponse();
    res.responses = req.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName }));
    return res;
  },
});
