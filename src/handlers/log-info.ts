// What operators and clients ask about the logs themselves: DescribeLogDirs (35: where each
// partition lives and its size, `kafka-log-dirs --describe`) and OffsetForLeaderEpoch (23:
// where a leader epoch ends, which consumers use to detect a truncated log) and
// DeleteRecords (21: move a partition's log start forward, `kafka-delete-records`, Kafka
// Streams purging its repartition topics).
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { readDescribeLogDirsRequest, type DescribeLogDirsRequest } from '../protocol/generated/describe-log-dirs-request.js';
import { defaultDescribeLogDirsResponse, writeDescribeLogDirsResponse, type DescribeLogDirsResponse } from '../protocol/generated/describe-log-dirs-response.js';
import { readOffsetForLeaderEpochRequest, type OffsetForLeaderEpochRequest } from '../protocol/generated/offset-for-leader-epoch-request.js';
import { defaultOffsetForLeaderEpochResponse, writeOffsetForLeaderEpochResponse, type EpochEndOffset, type OffsetForLeaderEpochResponse } from '../protocol/generated/offset-for-leader-epoch-response.js';
import { readDeleteRecordsRequest, type DeleteRecordsRequest } from '../protocol/generated/delete-records-request.js';
import { defaultDeleteRecordsResponse, writeDeleteRecordsResponse, type DeleteRecordsResponse } from '../protocol/generated/delete-records-response.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../services/acls.js';
import { defineHandler } from './handler.js';
import { errorCodeOf } from './error-code.js';

export const describeLogDirsHandler = defineHandler<DescribeLogDirsRequest, DescribeLogDirsResponse>({
  apiKey: ApiKey.DescribeLogDirs,
  minVersion: 0,
  maxVersion: 4,
  read: readDescribeLogDirsRequest,
  write: writeDescribeLogDirsResponse,
  handle(req, { services: { topics, logDirs, access }, session, version }) {
    const res = defaultDescribeLogDirsResponse();
    // As Kafka: Describe on the cluster; before v3 (no top-level code) a refusal is an empty answer.
    if (!access.allows(session, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME)) {
      if (version >= 3) res.errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      return res;
    }
    const wanted = req.topics === null ? null : new Map(req.topics.map((t) => [t.topic, new Set(t.partitions)]));
    const described = topics.list()
      .filter((t) => wanted === null || wanted.has(t.name))
      .map((t) => ({
        name: t.name,
        partitions: t.partitions
          .filter((p) => wanted === null || wanted.get(t.name)!.has(p.index))
          .map((p) => ({ partitionIndex: p.index, partitionSize: p.sizeBytes, offsetLag: 0, isFutureKey: false })),
      }))
      .filter((t) => t.partitions.length > 0);
    res.results = logDirs.list().map((d) => ({ errorCode: 0, logDir: d.path, topics: described, totalBytes: d.totalBytes, usableBytes: d.usableBytes }));
    return res;
  },
  errorResponse: (_req, _version, errorCode) => ({ ...defaultDescribeLogDirsResponse(), errorCode }),
});

const UNDEFINED_EPOCH = -1;
const UNDEFINED_OFFSET = -1;

export const offsetForLeaderEpochHandler = defineHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>({
  apiKey: ApiKey.OffsetForLeaderEpoch,
  minVersion: 0,
  maxVersion: 4,
  read: readOffsetForLeaderEpochRequest,
  write: writeOffsetForLeaderEpochResponse,
  async handle(req, { services: { topics, cluster, access }, session }) {
    const res = defaultOffsetForLeaderEpochResponse();
    res.topics = await Promise.all(req.topics.map(async (t) => {
      const allowed = access.allows(session, AclOperation.DESCRIBE, ResourceType.TOPIC, t.topic);
      return {
        topic: t.topic,
        partitions: await Promise.all(t.partitions.map(async (p): Promise<EpochEndOffset> => {
          const out = { errorCode: 0, partition: p.partition, leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_OFFSET };
          if (!allowed) return { ...out, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
          const store = topics.partition(t.topic, p.partition);
          if (store === undefined) return { ...out, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
          const epoch = cluster.leaderOf(t.topic, p.partition).leaderEpoch;
          // The client's view of the leader's epoch (v2+, -1 = not given) is checked as Kafka does.
          if (p.currentLeaderEpoch > epoch) return { ...out, errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH };
          if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch < epoch) return { ...out, errorCode: ErrorCode.FENCED_LEADER_EPOCH };
          // The current epoch ends at the log end, as in Kafka; older ones where the next began
          // (the store knows its epoch history: one epoch on a single broker, the index's in a cluster).
          try {
            const end = await store.endOffsetForEpoch(p.leaderEpoch, epoch);
            return { ...out, leaderEpoch: end.leaderEpoch, endOffset: end.endOffset };
          } catch (err) {
            return { ...out, errorCode: errorCodeOf(err) };
          }
        })),
      };
    }));
    return res;
  },
  errorResponse: (req, _version, errorCode) => ({
    ...defaultOffsetForLeaderEpochResponse(),
    topics: req.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ errorCode, partition: p.partition, leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_OFFSET })) })),
  }),
});

export const deleteRecordsHandler = defineHandler<DeleteRecordsRequest, DeleteRecordsResponse>({
  apiKey: ApiKey.DeleteRecords,
  minVersion: 0,
  maxVersion: 2,
  read: readDeleteRecordsRequest,
  write: writeDeleteRecordsResponse,
  async handle(req, { services: { topics, access }, session }) {
    const res = defaultDeleteRecordsResponse();
    res.topics = await Promise.all(req.topics.map(async (t) => {
      // As Kafka: Delete on the topic; an unknown partition is UNKNOWN_TOPIC_OR_PARTITION.
      const allowed = access.allows(session, AclOperation.DELETE, ResourceType.TOPIC, t.name);
      return {
        name: t.name,
        partitions: await Promise.all(t.partitions.map(async (p) => {
          const failed = (errorCode: number) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode });
          if (!allowed) return failed(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
          const store = topics.partition(t.name, p.partitionIndex);
          if (store === undefined) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          try {
            return { partitionIndex: p.partitionIndex, lowWatermark: await store.deleteRecordsBelow(p.offset), errorCode: 0 };
          } catch (err) {
            return failed(errorCodeOf(err));
          }
        })),
      };
    }));
    return res;
  },
  errorResponse: (req, _version, errorCode) => ({
    ...defaultDeleteRecordsResponse(),
    topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode })) })),
  }),
});
