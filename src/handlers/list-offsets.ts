// ListOffsets: earliest (-2), latest (-1), max timestamp (-3), or the first record at
// or after a timestamp. Latest is the high watermark (read_committed: the last stable
// offset, which is the high watermark until transactions). The partition store merges
// segments that exist only in the object store into earliest and timestamp lookups.
import { KafkaError } from '../errors.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { readListOffsetsRequest, type ListOffsetsRequest } from '../protocol/generated/list-offsets-request.js';
import { defaultListOffsetsResponse, writeListOffsetsResponse, type ListOffsetsPartitionResponse, type ListOffsetsResponse } from '../protocol/generated/list-offsets-response.js';
import { IsolationLevel } from '../services/partition-store.js';
import { AclOperation, ResourceType } from '../services/acls.js';
import { defineHandler } from './handler.js';
import { errorCodeOf } from './error-code.js';

const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;
/** KIP-405 (v8+): the first offset on local disk. */
const EARLIEST_LOCAL = -4;
/** KIP-1005 (v9+): the last offset in the object store. */
const LATEST_TIERED = -5;

export const listOffsetsHandler = defineHandler<ListOffsetsRequest, ListOffsetsResponse>({
  apiKey: ApiKey.ListOffsets,
  minVersion: 0,
  maxVersion: 10,
  read: readListOffsetsRequest,
  write: writeListOffsetsResponse,
  async handle(req, { services: { topics, access }, version, session }) {
    const res = defaultListOffsetsResponse();
    res.topics = await Promise.all(req.topics.map(async (t) => {
      const denied = !access.allows(session, AclOperation.DESCRIBE, ResourceType.TOPIC, t.name);
      return {
        name: t.name,
        partitions: await Promise.all(t.partitions.map(async (p): Promise<ListOffsetsPartitionResponse> => {
          const out: ListOffsetsPartitionResponse = { partitionIndex: p.partitionIndex, errorCode: 0, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: 0 };
          if (denied) return { ...out, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, leaderEpoch: -1 };
          const partition = topics.partition(t.name, p.partitionIndex);
          if (partition === undefined) return { ...out, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, leaderEpoch: -1 };
          try {
            if (p.timestamp === LATEST) out.offset = req.isolationLevel === IsolationLevel.READ_COMMITTED ? partition.lastStableOffset : partition.highWatermark;
            else if (p.timestamp === EARLIEST) out.offset = partition.logStartOffset;
            else if (p.timestamp === EARLIEST_LOCAL) {
              if (version < 8) throw new KafkaError('UNSUPPORTED_VERSION', 'earliest-local needs ListOffsets v8');
              out.offset = partition.localLogStartOffset;
            } else if (p.timestamp === LATEST_TIERED) {
              if (version < 9) throw new KafkaError('UNSUPPORTED_VERSION', 'latest-tiered needs ListOffsets v9');
              out.offset = partition.highestTieredOffset;
            }
            else if (p.timestamp === MAX_TIMESTAMP) {
              if (version < 7) throw new KafkaError('UNSUPPORTED_VERSION', 'max timestamp needs ListOffsets v7');
              const best = await partition.maxTimestampRecord();
              if (best !== undefined) Object.assign(out, best);
            } else {
              const found = await partition.offsetForTimestamp(p.timestamp);
              if (found !== undefined) Object.assign(out, found);
            }
          } catch (err) {
            return { ...out, errorCode: errorCodeOf(err) };
          }
          if (version === 0) out.oldStyleOffsets = out.offset >= 0 ? [out.offset] : [];
          return out;
        })),
      };
    }));
    return res;
  },
  errorResponse(req, _version, errorCode) {
    const res = defaultListOffsetsResponse();
    res.topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: -1 })),
    }));
    return res;
  },
});
