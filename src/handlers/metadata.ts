import { KafkaError } from '../errors.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { readMetadataRequest, type MetadataRequest } from '../protocol/generated/metadata-request.js';
import { defaultMetadataResponse, writeMetadataResponse, type MetadataResponse, type MetadataResponseTopic } from '../protocol/generated/metadata-response.js';
import { ZERO_UUID } from '../protocol/primitives/reader.js';
import { checkTopicName, INTERNAL_PREFIX, type TopicView } from '../services/topics.js';
import { defineHandler } from './handler.js';
import { errorCodeOf } from './error-code.js';

export const metadataHandler = defineHandler<MetadataRequest, MetadataResponse>({
  apiKey: ApiKey.Metadata,
  minVersion: 0,
  maxVersion: 12,
  read: readMetadataRequest,
  write: writeMetadataResponse,
  async handle(req, { services: { topics, cluster }, version, session }) {
    const res = defaultMetadataResponse();
    res.brokers = cluster.brokers(session.listener).map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
    res.clusterId = cluster.clusterId;
    res.controllerId = cluster.controllerId();
    res.clusterAuthorizedOperations = -2147483648;
    const describe = (t: TopicView): MetadataResponseTopic => ({
      errorCode: 0,
      name: t.name,
      topicId: t.id,
      isInternal: t.name.startsWith(INTERNAL_PREFIX),
      topicAuthorizedOperations: -2147483648,
      partitions: t.partitions.map((p) => {
        const lead = cluster.leaderOf(t.name, p.index);
        return {
          errorCode: 0, partitionIndex: p.index, leaderId: lead.leaderId, leaderEpoch: lead.leaderEpoch,
          replicaNodes: lead.replicas, isrNodes: lead.isr, offlineReplicas: [],
        };
      }),
    });
    // v0: an empty list means all topics; v1+: null means all, empty means none.
    const all = req.topics === null || (version === 0 && req.topics.length === 0);
    if (all) {
      res.topics = topics.list().filter((t) => !t.name.startsWith(INTERNAL_PREFIX)).map(describe);
      return res;
    }
    const allowCreate = version < 4 || req.allowAutoTopicCreation;
    res.topics = await Promise.all((req.topics ?? []).map(async (q) => {
      const failed = (errorCode: number): MetadataResponseTopic => ({
        errorCode, name: q.name, topicId: q.topicId, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648,
      });
      if (q.name === null) {
        const byId = q.topicId === ZERO_UUID ? undefined : topics.byId(q.topicId);
        return byId === undefined ? failed(ErrorCode.UNKNOWN_TOPIC_ID) : describe(byId);
      }
      try {
        const t = await topics.getOrCreate(q.name, allowCreate);
        if (t === undefined) {
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
