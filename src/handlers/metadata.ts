import { KafkaError } from '../errors.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { readMetadataRequest, type MetadataRequest } from '../protocol/generated/metadata-request.js';
import { defaultMetadataResponse, writeMetadataResponse, type MetadataResponse, type MetadataResponseTopic } from '../protocol/generated/metadata-response.js';
import { ZERO_UUID } from '../protocol/primitives/reader.js';
import type { Topic } from '../broker/topic-manager.js';
import { checkTopicName, INTERNAL_PREFIX } from '../broker/topic-manager.js';
import { defineHandler } from './handler.js';
import { errorCodeOf } from './error-code.js';

export const metadataHandler = defineHandler<MetadataRequest, MetadataResponse>({
  apiKey: ApiKey.Metadata,
  minVersion: 0,
  maxVersion: 12,
  read: readMetadataRequest,
  write: writeMetadataResponse,
  handle(req, { broker, version }) {
    const res = defaultMetadataResponse();
    const node = broker.node;
    res.brokers = [{ nodeId: node.nodeId, host: node.host, port: node.port, rack: null }];
    res.clusterId = broker.clusterId;
    res.controllerId = node.nodeId;
    res.clusterAuthorizedOperations = -2147483648;
    const describe = (t: Topic): MetadataResponseTopic => ({
      errorCode: 0,
      name: t.record.name,
      topicId: t.record.id,
      isInternal: t.record.name.startsWith(INTERNAL_PREFIX),
      topicAuthorizedOperations: -2147483648,
      partitions: t.partitions.map((p) => ({
        errorCode: 0, partitionIndex: p.index, leaderId: node.nodeId, leaderEpoch: 0,
        replicaNodes: [node.nodeId], isrNodes: [node.nodeId], offlineReplicas: [],
      })),
    });
    // v0: an empty list means all topics; v1+: null means all, empty means none.
    const all = req.topics === null || (version === 0 && req.topics.length === 0);
    if (all) {
      res.topics = broker.topics.list().filter((t) => !t.record.name.startsWith(INTERNAL_PREFIX)).map(describe);
      return res;
    }
    const allowCreate = version < 4 || req.allowAutoTopicCreation;
    res.topics = (req.topics ?? []).map((q) => {
      const failed = (errorCode: number): MetadataResponseTopic => ({
        errorCode, name: q.name, topicId: q.topicId, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648,
      });
      if (q.name === null) {
        const byId = broker.topics.list().find((t) => t.record.id === q.topicId && q.topicId !== ZERO_UUID);
        return byId === undefined ? failed(ErrorCode.UNKNOWN_TOPIC_ID) : describe(byId);
      }
      try {
        const t = broker.topics.getOrCreate(q.name, allowCreate);
        if (t === undefined) {
          checkTopicName(q.name); // as Kafka: an illegal name is INVALID_TOPIC_EXCEPTION, not unknown
          throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', q.name);
        }
        return describe(t);
      } catch (err) {
        return failed(errorCodeOf(err));
      }
    });
    return res;
  },
  errorResponse(req, _version, errorCode) {
    // Kafka's MetadataRequest error response: every asked topic with the error, no brokers.
    const res = defaultMetadataResponse();
    res.topics = (req.topics ?? []).map((q) => ({ errorCode, name: q.name, topicId: q.topicId, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648 }));
    return res;
  },
});
