// Fetch: whole batches from each partition's log, within partition and response byte
// limits (the first partition with data always gets at least one whole batch, KIP-74),
// waiting up to maxWaitMs for minBytes. Long polls are woken by appends, not by timers.
// v0-3 are advertised for old librdkafka but answered UNSUPPORTED_VERSION.
import { KafkaError, StrataError } from '../errors.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { readFetchRequest, type FetchRequest } from '../protocol/generated/fetch-request.js';
import {
  defaultEpochEndOffset, defaultFetchResponse, defaultLeaderIdAndEpoch, defaultSnapshotId, writeFetchResponse,
  type FetchResponse, type PartitionData,
} from '../protocol/generated/fetch-response.js';
import { waitForAnyData, type Partition } from '../broker/partition.js';
import { BATCH_HEADER_SIZE, BatchField, LOG_OVERHEAD } from '../protocol/records/batch-layout.js';
import { defineHandler } from './handler.js';

const FIRST_SUPPORTED = 4;
const MAX_WAIT_CAP_MS = 30_000;
// Kafka sends an empty record set, never null: librdkafka rejects a null one (MessageSetSize -1).
const NO_RECORDS = Buffer.alloc(0);

/** Records in a run of whole batches, from their headers (lastOffsetDelta + 1 each). */
function countRecords(batches: Buffer): number {
  let n = 0;
  for (let at = 0; at + BATCH_HEADER_SIZE <= batches.length; at += batches.readInt32BE(at + BatchField.BATCH_LENGTH) + LOG_OVERHEAD) {
    n += batches.readInt32BE(at + BatchField.LAST_OFFSET_DELTA) + 1;
  }
  return n;
}

function partitionData(index: number, errorCode: number): PartitionData {
  return {
    partitionIndex: index, errorCode, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1,
    divergingEpoch: defaultEpochEndOffset(), currentLeader: defaultLeaderIdAndEpoch(), snapshotId: defaultSnapshotId(),
    abortedTransactions: null, preferredReadReplica: -1, records: NO_RECORDS,
  };
}

interface Slot {
  topic: string;
  partition: Partition | undefined;
  index: number;
  fetchOffset: number;
  maxBytes: number;
  /** Batches read from the tier for an offset below the local log start. */
  remote?: Buffer;
  /** The partition's first offset counting remote segments. */
  logStart?: number;
  /** The tier read failed: this partition's error code. */
  remoteError?: number;
}

/** A slot whose partition still exists (its topic was not deleted or recreated). */
type LiveSlot = Slot & { partition: Partition };

/**
 * A partition's read failure as its Kafka error: a topic deleted under the fetch is
 * UNKNOWN_TOPIC_OR_PARTITION, any other non-Kafka failure (I/O) KAFKA_STORAGE_ERROR. One
 * partition's failure never fails the request, let alone the connection.
 */
function readErrorCode(err: unknown, live: boolean): number {
  if (!live) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  if (err instanceof KafkaError) return err.errorCode;
  if (err instanceof StrataError && err.code === 'STRATA_LOG_CLOSED') return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  return ErrorCode.KAFKA_STORAGE_ERROR;
}

function readAll(slots: Slot[][], maxBytes: number, isLive: (s: Slot) => s is LiveSlot, onStorageError: (s: Slot, err: unknown) => void): { data: PartitionData[][]; bytes: number } {
  let total = 0;
  let first = true;
  const data = slots.map((topic) =>
    topic.map((s): PartitionData => {
      if (!isLive(s)) return partitionData(s.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      if (s.remoteError !== undefined) return partitionData(s.index, s.remoteError);
      const log = s.partition.log;
      const out = partitionData(s.index, 0);
      if (s.remote !== undefined) {
        out.highWatermark = log.highWatermark;
        out.lastStableOffset = log.highWatermark;
        out.logStartOffset = s.logStart ?? log.logStartOffset;
        if (s.remote.length > 0 && (first || total + s.remote.length <= maxBytes)) {
          out.records = s.remote;
          total += s.remote.length;
          first = false;
        }
        return out;
      }
      try {
        // The response limit is soft for the first batch only (so one large batch cannot stall a consumer).
        const budget = first ? s.maxBytes : Math.min(s.maxBytes, maxBytes - total);
        const r = budget <= 0 ? undefined : log.read(s.fetchOffset, budget);
        out.highWatermark = log.highWatermark;
        out.lastStableOffset = log.highWatermark;
        out.logStartOffset = s.logStart ?? log.logStartOffset;
        if (r !== undefined && r.bytes > 0) {
          out.records = r.chunks.length === 1 ? r.chunks[0]! : Buffer.concat(r.chunks, r.bytes);
          total += r.bytes;
          first = false;
        }
      } catch (err) {
        const code = readErrorCode(err, isLive(s));
        if (code === ErrorCode.KAFKA_STORAGE_ERROR) onStorageError(s, err);
        return partitionData(s.index, code);
      }
      return out;
    }),
  );
  return { data, bytes: total };
}

export const fetchHandler = defineHandler<FetchRequest, FetchResponse>({
  apiKey: ApiKey.Fetch,
  minVersion: 0,
  maxVersion: 12,
  read: readFetchRequest,
  write: writeFetchResponse,
  async handle(req, { broker, version, signal }) {
    const res = defaultFetchResponse();
    res.sessionId = 0; // no incremental fetch sessions: every fetch is a full one (KIP-227 allows this)
    if (version < FIRST_SUPPORTED) {
      res.responses = req.topics.map((t) => ({ topic: t.topic, topicId: t.topicId, partitions: t.partitions.map((p) => partitionData(p.partition, ErrorCode.UNSUPPORTED_VERSION)) }));
      return res;
    }
    const slots: Slot[][] = req.topics.map((t) =>
      t.partitions.map((p) => ({ topic: t.topic, partition: broker.topics.partition(t.topic, p.partition), index: p.partition, fetchOffset: p.fetchOffset, maxBytes: p.partitionMaxBytes })),
    );
    const maxBytes = req.maxBytes > 0 ? req.maxBytes : 0x7fffffff;
    // A partition whose topic was deleted (or recreated) since the request arrived is gone.
    const isLive = (s: Slot): s is LiveSlot => s.partition !== undefined && broker.topics.partition(s.topic, s.index) === s.partition;
    const storageError = (s: Slot, err: unknown): void => broker.logger.error({ err, topic: s.topic, partition: s.index }, 'fetch could not read the partition log');
    // Offsets below the local log start of a tiered partition come from the object store;
    // decided synchronously, so a fetch of local data takes no extra asynchronous step.
    const remoteReads: Array<Promise<void>> = [];
    for (const s of slots.flat()) {
      if (s.partition === undefined) continue;
      const remote = broker.tier.loaded(s.partition.topic, s.partition.index);
      if (remote === undefined || remote.remoteStartOffset === undefined) continue;
      s.logStart = Math.min(remote.remoteStartOffset, s.partition.log.logStartOffset);
      if (s.fetchOffset >= s.partition.log.logStartOffset || s.fetchOffset < remote.remoteStartOffset) continue;
      remoteReads.push(remote.read(s.fetchOffset, s.maxBytes).then((bytes) => {
        s.remote = bytes;
        broker.metrics.tier.remoteRead(bytes.length);
      }, (err: unknown) => {
        s.remoteError = readErrorCode(err, isLive(s));
      }));
    }
    if (remoteReads.length > 0) await Promise.all(remoteReads);
    const deadline = Date.now() + Math.min(Math.max(req.maxWaitMs, 0), MAX_WAIT_CAP_MS);
    let result = readAll(slots, maxBytes, isLive, storageError);
    while (result.bytes < Math.max(req.minBytes, 1) && !signal.aborted) {
      const left = deadline - Date.now();
      const errors = result.data.some((t) => t.some((p) => p.errorCode !== 0));
      if (left <= 0 || errors) break;
      const live = slots.flat().map((s) => s.partition).filter((p): p is Partition => p !== undefined);
      await waitForAnyData(live, left, signal);
      result = readAll(slots, maxBytes, isLive, storageError);
    }
    res.responses = req.topics.map((t, i) => ({ topic: t.topic, topicId: t.topicId, partitions: result.data[i]! }));
    for (const t of res.responses) {
      for (const p of t.partitions) if (p.records !== null && p.records.length > 0) broker.metrics.broker.fetched(t.topic, p.records.length, countRecords(p.records));
    }
    return res;
  },
  errorResponse(req, _version, errorCode) {
    const res = defaultFetchResponse();
    res.errorCode = errorCode;
    res.sessionId = 0;
    res.responses = req.topics.map((t) => ({ topic: t.topic, topicId: t.topicId, partitions: t.partitions.map((p) => partitionData(p.partition, errorCode)) }));
    return res;
  },
});
