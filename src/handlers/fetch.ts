// Fetch: whole batches from each partition's log, within partition and response byte
// limits (the first partition with data always gets at least one whole batch, KIP-74),
// waiting up to maxWaitMs for minBytes. Long polls are woken by appends, not by timers.
// v0-3 are advertised for old librdkafka but answered UNSUPPORTED_VERSION. v13+ name topics
// by id (v14 adds nothing on the wire, v15 moves the replica id into a tagged field, v16 adds
// leader endpoints for KIP-951, unused with one broker, v17 a replica directory id).
import { KafkaError, StrataError } from '../errors.js';
import { ApiKey } from '../protocol/generated/api-keys.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import { readFetchRequest, type FetchRequest } from '../protocol/generated/fetch-request.js';
import {
  defaultEpochEndOffset, defaultFetchResponse, defaultLeaderIdAndEpoch, defaultSnapshotId, writeFetchResponse,
  type FetchResponse, type PartitionData,
} from '../protocol/generated/fetch-response.js';
import { AclOperation, ResourceType } from '../services/acls.js';
import { IsolationLevel, waitForAnyProgress, type PartitionStore, type ReadOutcome } from '../services/partition-store.js';
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
  partition: PartitionStore | undefined;
  index: number;
  fetchOffset: number;
  maxBytes: number;
  /** Answered with this code and never read: TOPIC_AUTHORIZATION_FAILED, or UNKNOWN_TOPIC_ID (v13+). */
  refused: number | undefined;
}

/** A slot whose partition still exists (its topic was not deleted or recreated). */
type LiveSlot = Slot & { partition: PartitionStore };

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

interface Gathered {
  data: PartitionData[][];
  bytes: number;
}

/**
 * One pass over every partition in request order, within the response budget (soft for
 * the first batch only, so one large batch cannot stall a consumer). Synchronous while
 * every store answers synchronously (local data); the first read that returns a promise
 * (segments in the object store) makes the rest of the pass wait for it, in order.
 */
function readAll(slots: Slot[][], maxBytes: number, isolation: IsolationLevel, isLive: (s: Slot) => s is LiveSlot, onStorageError: (s: Slot, err: unknown) => void): Gathered | Promise<Gathered> {
  const flat = slots.flat();
  const out: PartitionData[] = new Array<PartitionData>(flat.length);
  let total = 0;
  let first = true;
  const fill = (s: LiveSlot, r: ReadOutcome): PartitionData => {
    const p = partitionData(s.index, 0);
    const store = s.partition;
    p.highWatermark = store.highWatermark;
    p.lastStableOffset = store.lastStableOffset;
    p.logStartOffset = store.logStartOffset;
    // read_committed: the aborted transactions in the range (null, as Kafka sends, when there are none).
    if (r.abortedTransactions !== undefined && r.abortedTransactions.length > 0) {
      p.abortedTransactions = r.abortedTransactions.map((a) => ({ producerId: a.producerId, firstOffset: a.firstOffset }));
    }
    if (r.bytes > 0) {
      p.records = r.chunks.length === 1 ? r.chunks[0]! : Buffer.concat(r.chunks, r.bytes);
      total += r.bytes;
      first = false;
    }
    return p;
  };
  const failed = (s: Slot, err: unknown): PartitionData => {
    const code = readErrorCode(err, isLive(s));
    if (code === ErrorCode.KAFKA_STORAGE_ERROR) onStorageError(s, err);
    return partitionData(s.index, code);
  };
  const step = (i: number): Gathered | Promise<Gathered> => {
    for (; i < flat.length; i++) {
      const s = flat[i]!;
      if (!isLive(s)) {
        out[i] = partitionData(s.index, s.refused ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      // Partition and response limits both bound every read; the first read with data still
      // returns at least one whole batch (KIP-74), the log's read guarantees that.
      const budget = first ? Math.max(1, Math.min(s.maxBytes, maxBytes)) : Math.min(s.maxBytes, maxBytes - total);
      // A log read returns at least one whole batch; only the first read with data may keep
      // one larger than its budget, later ones return nothing rather than overrun the response.
      const withinBudget = first ? (x: ReadOutcome): ReadOutcome => x : (x: ReadOutcome): ReadOutcome => (x.bytes > budget ? EMPTY_READ : x);
      let r: ReadOutcome | Promise<ReadOutcome>;
      try {
        r = budget <= 0 ? EMPTY_READ : s.partition.read(s.fetchOffset, budget, isolation);
      } catch (err) {
        out[i] = failed(s, err);
        continue;
      }
      if (r instanceof Promise) {
        const at = i;
        const slot: Slot = s;
        return r.then((res) => (out[at] = isLive(slot) ? fill(slot, withinBudget(res)) : partitionData(slot.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)), (err: unknown) => (out[at] = failed(slot, err))).then(() => step(at + 1));
      }
      out[i] = fill(s, withinBudget(r));
    }
    let k = 0;
    return { data: slots.map((t) => t.map(() => out[k++]!)), bytes: total };
  };
  return step(0);
}

const EMPTY_READ: ReadOutcome = { chunks: [], bytes: 0 };

export const fetchHandler = defineHandler<FetchRequest, FetchResponse>({
  apiKey: ApiKey.Fetch,
  minVersion: 0,
  maxVersion: 17,
  read: readFetchRequest,
  write: writeFetchResponse,
  async handle(req, { services, version, signal, session }) {
    const res = defaultFetchResponse();
    res.sessionId = 0; // no incremental fetch sessions: every fetch is a full one (KIP-227 allows this)
    if (version < FIRST_SUPPORTED) {
      res.responses = req.topics.map((t) => ({ topic: t.topic, topicId: t.topicId, partitions: t.partitions.map((p) => partitionData(p.partition, ErrorCode.UNSUPPORTED_VERSION)) }));
      return res;
    }
    const { topics, metrics, logger } = services;
    // v13+ names topics by id; an id this broker does not know is UNKNOWN_TOPIC_ID.
    const names = req.topics.map((t) => (version >= 13 ? topics.byId(t.topicId)?.name : t.topic));
    const slots: Slot[][] = req.topics.map((t, i) => {
      const name = names[i];
      const refused = name === undefined ? ErrorCode.UNKNOWN_TOPIC_ID
        : !services.access.allows(session, AclOperation.READ, ResourceType.TOPIC, name) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : undefined;
      return t.partitions.map((p) => ({
        topic: name ?? '', partition: refused !== undefined ? undefined : topics.partition(name!, p.partition), index: p.partition, fetchOffset: p.fetchOffset, maxBytes: p.partitionMaxBytes, refused,
      }));
    });
    const maxBytes = req.maxBytes > 0 ? req.maxBytes : 0x7fffffff;
    const isolation = req.isolationLevel === IsolationLevel.READ_COMMITTED ? IsolationLevel.READ_COMMITTED : IsolationLevel.READ_UNCOMMITTED;
    // A partition whose topic was deleted (or recreated) since the request arrived is gone.
    const isLive = (s: Slot): s is LiveSlot => s.partition !== undefined && topics.partition(s.topic, s.index) === s.partition;
    const storageError = (s: Slot, err: unknown): void => logger.error({ err, topic: s.topic, partition: s.index }, 'fetch could not read the partition log');
    const deadline = services.clock.now() + Math.min(Math.max(req.maxWaitMs, 0), MAX_WAIT_CAP_MS);
    const gathered = readAll(slots, maxBytes, isolation, isLive, storageError);
    let result = gathered instanceof Promise ? await gathered : gathered;
    while (result.bytes < Math.max(req.minBytes, 1) && !signal.aborted) {
      const left = deadline - services.clock.now();
      const errors = result.data.some((t) => t.some((p) => p.errorCode !== 0));
      if (left <= 0 || errors) break;
      const live = slots.flat().map((s) => s.partition).filter((p): p is PartitionStore => p !== undefined);
      await waitForAnyProgress(live, left, signal);
      const again = readAll(slots, maxBytes, isolation, isLive, storageError);
      result = again instanceof Promise ? await again : again;
    }
    res.responses = req.topics.map((t, i) => ({ topic: names[i] ?? t.topic, topicId: t.topicId, partitions: result.data[i]! }));
    for (const t of res.responses) {
      for (const p of t.partitions) if (p.records !== null && p.records.length > 0) metrics.fetched(t.topic, p.records.length, countRecords(p.records));
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
