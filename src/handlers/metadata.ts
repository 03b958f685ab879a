import { KafkaError } from '../errors.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { readMetadataRequest, type MetadataRequest } from '../protocol/generated/metadata-request.js';
import { defaultMetadataResponse, writeMetadataResponse, type MetadataResponse, type MetadataResponseTopic } from '../protocol/generated/metadata-response.js';
import { ZERO_UUID } from '../protocol/primitives/reader.js';
import { checkTopicName, INTERNAL_PREFIX, type TopicView } from '../services/topics.js';
import { AclOperation, CLUSTER_NAME, mayCreateTopic, ResourceType } from '../services/acls.js';
import { defineHandler } from './handler.js';

/** Kafka's "authorized operations were not asked for" (Integer.MIN_VALUE). */
const NOT_ASKED = -2147483648;
import { errorCodeOf } from './error-code.js';

export const metadataHandler = defineHandler<MetadataRequest, MetadataResponse>({
  apiKey: ApiKey.Metadata,
  minVersion: 0,
  maxVersion: 12,
  read: readMetadataRequest,
  write: writeMetadataResponse,
  async handle(req, { services: { topics, cluster, access, config }, version, session }) {
    const res = defaultMetadataResponse();
    res.brokers = cluster.brokers(session.listener).map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
    res.clusterId = cluster.clusterId;
    res.controllerId = cluster.controllerId();
    res.clusterAuthorizedOperations = req.includeClusterAuthorizedOperations ? access.authorizedOperations(session, ResourceType.CLUSTER, CLUSTER_NAME) : NOT_ASKED;
    const describe = (t: TopicView): MetadataResponseTopic => ({
      errorCode: 0,
      name: t.name,
      topicId: t.id,
      isInternal: t.name.startsWith(INTERNAL_PREFIX),
      topicAuthorizedOperations: req.includeTopicAuthorizedOperations ? access.authorizedOperations(session, ResourceType.TOPIC, t.name) : NOT_ASKED,
      partitions: t.partitions.map((p) => {
        const lead = cluster.leaderOf(t.name, p.index);
        return {
          // No leader while a lease moves between brokers (cluster mode): clients retry.
          errorCode: lead.leaderId < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : 0, partitionIndex: p.index, leaderId: lead.leaderId, leaderEpoch: lead.leaderEpoch,
          replicaNodes: lead.replicas, isrNodes: lead.isr, offlineReplicas: [],
        };
      }),
    });
    // v0: an empty list means all topics; v1+: null means all, empty means none.
    const all = req.topics === null || (version === 0 && req.topics.length === 0);
    // Topics the session may not Describe are left out of a full list (not a denial: quiet).
    const visible = (name: string, quiet: boolean): boolean => access.allows(session, AclOperation.DESCRIBE, ResourceType.TOPIC, name, quiet);
    if (all) {
      res.topics = topics.list().filter((t) => !t.name.startsWith(INTERNAL_PREFIX) && visible(t.name, true)).map(describe);
      return res;
    }
    const allowCreate = version < 4 || req.allowAutoTopicCreation;
    res.topics = await Promise.all((req.topics ?? []).map(async (q) => {
      const failed = (errorCode: number): MetadataResponseTopic => ({
        errorCode, name: q.name, topicId: q.topicId, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648,
      });
      if (q.name === null) {
        const byId = q.topicId === ZERO_UUID ? undefined : topics.byId(q.topicId);
        if (byId !== undefined && !visible(byId.name, false)) return failed(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        return byId === undefined ? failed(ErrorCode.UNKNOWN_TOPIC_ID) : describe(byId);
      }
      // As Kafka: a topic the session may not Describe is TOPIC_AUTHORIZATION_FAILED whether or not it exists.
      if (!visible(q.name, false)) return failed(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      try {
        const create = allowCreate && mayCreateTopic(access, session, q.name);
        const t = await topics.getOrCreate(q.name, create);
        if (t === undefined) {
          // It would have been created, but this session may not create topics.
          if (allowCreate && !create && config.autoCreateTopics) throw new KafkaError('TOPIC_AUTHORIZATION_FAILED', `may not create ${q.name}`);
          checkTopicName(q.name); // as Kafka: an illegal name is INVALID_TOPIC_EXCEPTION, not unknown
          throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', q.name);
        }
        return describe(t);
      } catch (err) {
        return failed(errorCodeOf(err));
      }
    }));
    return res;
  },
  errorResponse(req, _version, errorCode) {
    // Kafka's MetadataRequest error response: every asked topic with the error, no brokers.
    const res = defaultMetadataResponse();
    res.topics = (req.topics ?? []).map((q) => ({ errorCode, name: q.name, topicId: q.topicId, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648 }));
    return res;
  },
});
