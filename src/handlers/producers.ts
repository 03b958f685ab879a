// DescribeProducers (61): the idempotent producers each partition keeps state for, with
// their epoch, last sequence and last timestamp (`kafka-transactions describe-producers`,
// how operators find a producer that holds a partition back), with the first offset of its
// open transaction in the partition (-1: none). One broker: no coordinator epoch (-1).
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { readDescribeProducersRequest, type DescribeProducersRequest } from '../protocol/generated/describe-producers-request.js';
import { defaultDescribeProducersResponse, writeDescribeProducersResponse, type DescribeProducersResponse } from '../protocol/generated/describe-producers-response.js';
import { AclOperation, ResourceType } from '../services/acls.js';
import { defineHandler } from './handler.js';
import { errorCodeOf } from './error-code.js';

export const describeProducersHandler = defineHandler<DescribeProducersRequest, DescribeProducersResponse>({
  apiKey: ApiKey.DescribeProducers,
  minVersion: 0,
  maxVersion: 0,
  read: readDescribeProducersRequest,
  write: writeDescribeProducersResponse,
  async handle(req, { services: { topics, access }, session }) {
    const res = defaultDescribeProducersResponse();
    res.topics = await Promise.all(req.topics.map(async (t) => {
      // As Kafka: Read on the topic.
      const allowed = access.allows(session, AclOperation.READ, ResourceType.TOPIC, t.name);
      return {
        name: t.name,
        partitions: await Promise.all(t.partitionIndexes.map(async (partitionIndex) => {
          const failed = (errorCode: number, errorMessage: string | null = null) => ({ partitionIndex, errorCode, errorMessage, activeProducers: [] });
          if (!allowed) return failed(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
          const store = topics.partition(t.name, partitionIndex);
          if (store === undefined) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          try {
            const active = await store.activeProducers();
            return {
              partitionIndex,
              errorCode: 0,
              errorMessage: null,
              activeProducers: active.map((p) => ({
                producerId: p.producerId,
                producerEpoch: p.producerEpoch,
                lastSequence: p.lastSequence,
                lastTimestamp: p.lastTimestamp,
                coordinatorEpoch: -1,
                currentTxnStartOffset: p.currentTxnStartOffset,
              })),
            };
          } catch (err) {
            return failed(errorCodeOf(err), err instanceof Error ? err.message : null);
          }
        })),
      };
    }));
    return res;
  },
  errorResponse: (req, _version, errorCode) => ({
    ...defaultDescribeProducersResponse(),
    topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode, errorMessage: null, activeProducers: [] })) })),
  }),
});
