// The transaction coordinator against in-memory partitions and state: the state machine,
// fencing, timeouts, bad requests answered as Kafka answers them, the produce path's
// KIP-890 check, transactional offsets and a restart that finishes a prepared transaction.
import { describe, expect, it } from 'vitest';
import { produceHandler } from '../../../src/handlers/produce.js';
import { fetchHandler } from '../../../src/handlers/fetch.js';
import { offsetFetchHandler } from '../../../src/handlers/offsets.js';
import { txnOffsetCommitHandler } from '../../../src/handlers/transactions.js';
import { describeProducersHandler } from '../../../src/handlers/producers.js';
import { writeDescribeProducersRequest } from '../../../src/protocol/generated/describe-producers-request.js';
import { readDescribeProducersResponse } from '../../../src/protocol/generated/describe-producers-response.js';
import { ErrorCode } from '../../../src/protocol/generated/error-codes.js';
import { defaultPartitionProduceData, defaultProduceRequest, defaultTopicProduceData, writeProduceRequest } from '../../../src/protocol/generated/produce-request.js';
import { readProduceResponse } from '../../../src/protocol/generated/produce-response.js';
import { defaultFetchRequest, writeFetchRequest } from '../../../src/protocol/generated/fetch-request.js';
import { readFetchResponse } from '../../../src/protocol/generated/fetch-response.js';
import { defaultOffsetFetchRequest, writeOffsetFetchRequest } from '../../../src/protocol/generated/offset-fetch-request.js';
import { readOffsetFetchResponse } from '../../../src/protocol/generated/offset-fetch-response.js';
import { defaultTxnOffsetCommitRequest, writeTxnOffsetCommitRequest } from '../../../src/protocol/generated/txn-offset-commit-request.js';
import { readTxnOffsetCommitResponse } from '../../../src/protocol/generated/txn-offset-commit-response.js';
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.js';
import { TRANSACTIONAL_FLAG } from '../../../src/protocol/records/batch-layout.js';
import { silentLogger } from '../../../src/logger.js';
import { TransactionCoordinator } from '../../../src/transactions/coordinator.js';
import { IsolationLevel } from '../../../src/services/partition-store.js';
import { callHandler } from '../../helpers/memory/call-handler.js';
import { memoryServices, type MemoryServices } from '../../helpers/memory/memory-services.js';
import { errorName } from '../../helpers/error-name.js';

const txnBatch = (pid: number, epoch: number, seq: number, n = 2) => buildRecordBatch(
  Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`${pid}:${seq + i}`) })),
  { producerId: BigInt(pid), producerEpoch: epoch, baseSequence: seq, attributes: TRANSACTIONAL_FLAG },
);

async function produce(services: MemoryServices, txnId: string | null, topic: string, partition: number, records: Buffer, version = 9): Promise<number> {
  const req = {
    ...defaultProduceRequest(), acks: -1, timeoutMs: 1000, transactionalId: txnId,
    topicData: [{ ...defaultTopicProduceData(), name: topic, partitionData: [{ ...defaultPartitionProduceData(), index: partition, records }] }],
  };
  const res = await callHandler(produceHandler, services, version, req, { writeRequest: writeProduceRequest, readResponse: readProduceResponse });
  return res!.responses[0]!.partitionResponses[0]!.errorCode;
}

async function setup(): Promise<MemoryServices> {
  const services = memoryServices();
  await services.topics.create('t', 2, {});
  return services;
}

describe('transaction coordinator', () => {
  it('runs a transaction: init, add partitions, produce, commit; a second init bumps the epoch', async () => {
    const s = await setup();
    const tc = s.transactions;
    const { producerId, producerEpoch } = await tc.initProducerId({ transactionalId: 'a', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    expect(producerEpoch).toBe(0);
    expect(tc.describe('a')!.state).toBe('Empty');
    // Not added yet: KIP-890 part 1 refuses the write.
    expect(await produce(s, 'a', 't', 0, txnBatch(producerId, 0, 0))).toBe(ErrorCode.INVALID_TXN_STATE);
    await tc.addPartitions('a', producerId, 0, [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }], false);
    expect(tc.describe('a')).toMatchObject({ state: 'Ongoing', partitions: [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }] });
    expect(await produce(s, 'a', 't', 0, txnBatch(producerId, 0, 0))).toBe(0);
    // A transactional batch without the request's transactional id, a control batch from a client: refused.
    expect(await produce(s, null, 't', 0, txnBatch(producerId, 0, 2))).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    const p0 = s.topics.partition('t', 0)!;
    expect(p0.lastStableOffset).toBe(0);
    // DescribeProducers names the open transaction's first offset (kafka-transactions describe-producers).
    const described = await callHandler(describeProducersHandler, s, 0, { topics: [{ name: 't', partitionIndexes: [0] }] },
      { writeRequest: writeDescribeProducersRequest, readResponse: readDescribeProducersResponse });
    expect(described!.topics[0]!.partitions[0]!.activeProducers).toMatchObject([{ producerId, currentTxnStartOffset: 0 }]);
    await tc.endTransaction('a', producerId, 0, true);
    expect(tc.describe('a')).toMatchObject({ state: 'CompleteCommit', partitions: [] });
    // Markers in both partitions (one had no data: a marker anyway, as Kafka writes).
    expect(p0.highWatermark).toBe(3);
    expect(s.topics.partition('t', 1)!.highWatermark).toBe(1);
    expect(p0.lastStableOffset).toBe(3);
    // The retried EndTxn is answered again; the opposite outcome is refused.
    await tc.endTransaction('a', producerId, 0, true);
    expect(await errorName(() => tc.endTransaction('a', producerId, 0, false))).toBe('INVALID_TXN_STATE');
    const again = await tc.initProducerId({ transactionalId: 'a', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    expect(again).toEqual({ producerId, producerEpoch: 1 });
  });

  it('fences: a new init aborts the open transaction, and the old epoch is refused everywhere', async () => {
    const s = await setup();
    const tc = s.transactions;
    const old = await tc.initProducerId({ transactionalId: 'z', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    await tc.addPartitions('z', old.producerId, 0, [{ topic: 't', partition: 0 }], false);
    expect(await produce(s, 'z', 't', 0, txnBatch(old.producerId, 0, 0))).toBe(0);
    const fresh = await tc.initProducerId({ transactionalId: 'z', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    // Aborted with epoch 1 (the fence), then bumped again for the new producer.
    expect(fresh).toEqual({ producerId: old.producerId, producerEpoch: 2 });
    const p0 = s.topics.partition('t', 0)!;
    const read = p0.read(0, 1 << 20, IsolationLevel.READ_COMMITTED) as { abortedTransactions?: unknown[] };
    expect(read.abortedTransactions).toEqual([{ producerId: old.producerId, firstOffset: 0, lastOffset: 2 }]);
    expect(await produce(s, 'z', 't', 0, txnBatch(old.producerId, 0, 2))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(await errorName(() => tc.addPartitions('z', old.producerId, 0, [{ topic: 't', partition: 1 }], false))).toBe('PRODUCER_FENCED');
    expect(await errorName(() => tc.endTransaction('z', old.producerId, 0, true))).toBe('PRODUCER_FENCED');
    expect(await errorName(() => tc.endTransaction('z', 999, 2, true))).toBe('INVALID_PRODUCER_ID_MAPPING');
    // KIP-360: an init that names a stale epoch is fenced; the current one may bump.
    expect(await errorName(() => tc.initProducerId({ transactionalId: 'z', transactionTimeoutMs: 60_000, producerId: old.producerId, producerEpoch: 0 }))).toBe('PRODUCER_FENCED');
    expect(await tc.initProducerId({ transactionalId: 'z', transactionTimeoutMs: 60_000, producerId: old.producerId, producerEpoch: 2 })).toEqual({ producerId: old.producerId, producerEpoch: 3 });
  });

  it('answers concurrent inits for one id one after another, each with a higher epoch', async () => {
    const s = await setup();
    const tc = s.transactions;
    const first = await tc.initProducerId({ transactionalId: 'c', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    const all = await Promise.all(Array.from({ length: 5 }, () => tc.initProducerId({ transactionalId: 'c', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 })));
    expect(all.map((r) => r.producerEpoch).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(all.map((r) => r.producerId))).toEqual(new Set([first.producerId]));
  });

  it('refuses bad timeouts, an empty id, EndTxn without a transaction', async () => {
    const s = await setup();
    const tc = s.transactions;
    expect(await errorName(() => tc.initProducerId({ transactionalId: 'x', transactionTimeoutMs: 0, producerId: -1, producerEpoch: -1 }))).toBe('INVALID_TRANSACTION_TIMEOUT');
    expect(await errorName(() => tc.initProducerId({ transactionalId: 'x', transactionTimeoutMs: s.config.transactionMaxTimeoutMs + 1, producerId: -1, producerEpoch: -1 }))).toBe('INVALID_TRANSACTION_TIMEOUT');
    expect(await errorName(() => tc.initProducerId({ transactionalId: '', transactionTimeoutMs: 1000, producerId: -1, producerEpoch: -1 }))).toBe('INVALID_REQUEST');
    const { producerId } = await tc.initProducerId({ transactionalId: 'x', transactionTimeoutMs: 1000, producerId: -1, producerEpoch: -1 });
    expect(await errorName(() => tc.endTransaction('x', producerId, 0, true))).toBe('INVALID_TXN_STATE');
    expect(await errorName(() => tc.addPartitions('x', producerId, 0, [{ topic: 't', partition: 0 }], true))).toBe('INVALID_TXN_STATE');
  });

  it('aborts a transaction past its timeout with the epoch bumped: a late commit is fenced', async () => {
    const services = memoryServices({ transactionAbortTimedOutIntervalMs: 20 });
    await services.topics.create('t', 1, {});
    const tc = services.transactions;
    const { producerId } = await tc.initProducerId({ transactionalId: 'slow', transactionTimeoutMs: 50, producerId: -1, producerEpoch: -1 });
    await tc.addPartitions('slow', producerId, 0, [{ topic: 't', partition: 0 }], false);
    expect(await produce(services, 'slow', 't', 0, txnBatch(producerId, 0, 0))).toBe(0);
    const deadline = Date.now() + 5000;
    while (tc.describe('slow')!.state !== 'CompleteAbort' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(tc.describe('slow')).toMatchObject({ state: 'CompleteAbort', producerEpoch: 1 });
    expect(await errorName(() => tc.endTransaction('slow', producerId, 0, true))).toBe('PRODUCER_FENCED');
    const p = services.topics.partition('t', 0)!;
    expect(p.lastStableOffset).toBe(p.highWatermark);
    expect(await produce(services, 'slow', 't', 0, txnBatch(producerId, 0, 2))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  });

  it('forgets a transactional id idle past transactional.id.expiration.ms, never one with an open transaction', async () => {
    const services = memoryServices({ transactionAbortTimedOutIntervalMs: 20, transactionalIdExpirationMs: 100 });
    await services.topics.create('t', 1, {});
    const tc = services.transactions;
    await tc.initProducerId({ transactionalId: 'idle', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    const busy = await tc.initProducerId({ transactionalId: 'busy', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    await tc.addPartitions('busy', busy.producerId, 0, [{ topic: 't', partition: 0 }], false);
    const deadline = Date.now() + 5000;
    while (tc.describe('idle') !== undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(tc.describe('idle')).toBeUndefined();
    expect(services.transactionStore.load().map((r) => r.transactionalId)).toEqual(['busy']);
    expect(tc.describe('busy')!.state).toBe('Ongoing');
  });

  it('keeps transactional offsets pending until the commit (require_stable sees UNSTABLE_OFFSET_COMMIT); an abort drops them', async () => {
    const s = await setup();
    const tc = s.transactions;
    const { producerId } = await tc.initProducerId({ transactionalId: 'o', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    const commitOffsets = async (offset: number) => {
      const req = { ...defaultTxnOffsetCommitRequest(), transactionalId: 'o', groupId: 'g', producerId, producerEpoch: 0, generationId: -1, memberId: '', groupInstanceId: null,
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }] };
      return (await callHandler(txnOffsetCommitHandler, s, 3, req, { writeRequest: writeTxnOffsetCommitRequest, readResponse: readTxnOffsetCommitResponse }))!.topics[0]!.partitions[0]!.errorCode;
    };
    const fetchOffset = async (requireStable: boolean) => {
      const req = { ...defaultOffsetFetchRequest(), groupId: 'g', topics: [{ name: 't', partitionIndexes: [0] }], requireStable };
      return (await callHandler(offsetFetchHandler, s, 7, req, { writeRequest: writeOffsetFetchRequest, readResponse: readOffsetFetchResponse }))!.topics[0]!.partitions[0]!;
    };
    // Without AddOffsetsToTxn first: INVALID_TXN_STATE.
    expect(await commitOffsets(5)).toBe(ErrorCode.INVALID_TXN_STATE);
    await tc.addOffsets('o', producerId, 0, 'g');
    expect(await commitOffsets(5)).toBe(0);
    expect((await fetchOffset(true)).errorCode).toBe(ErrorCode.UNSTABLE_OFFSET_COMMIT);
    // A group that fetches with require_stable reads committed data: its lag counts to the LSO.
    expect(await fetchOffset(false)).toMatchObject({ errorCode: 0, committedOffset: -1 });
    await tc.endTransaction('o', producerId, 0, true);
    expect(await fetchOffset(true)).toMatchObject({ errorCode: 0, committedOffset: 5 });
    expect(s.groups.committedOffsets().find((o) => o.group === 'g')).toMatchObject({ committed: 5, readCommitted: true });
    await tc.addOffsets('o', producerId, 0, 'g');
    expect(await commitOffsets(9)).toBe(0);
    await tc.endTransaction('o', producerId, 0, false);
    expect(await fetchOffset(true)).toMatchObject({ errorCode: 0, committedOffset: 5 });
  });

  it('read_committed fetch stops at the open transaction and names the aborted one', async () => {
    const s = await setup();
    const tc = s.transactions;
    const { producerId } = await tc.initProducerId({ transactionalId: 'f', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    await tc.addPartitions('f', producerId, 0, [{ topic: 't', partition: 0 }], false);
    await produce(s, 'f', 't', 0, txnBatch(producerId, 0, 0));
    const fetch = async (isolationLevel: number) => {
      const req = { ...defaultFetchRequest(), maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel,
        topics: [{ topic: 't', topicId: '', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }] };
      return (await callHandler(fetchHandler, s, 11, req as never, { writeRequest: writeFetchRequest, readResponse: readFetchResponse }))!.responses[0]!.partitions[0]!;
    };
    const open = await fetch(1);
    expect([open.highWatermark, open.lastStableOffset, open.records?.length ?? 0]).toEqual([2, 0, 0]);
    expect((await fetch(0)).records!.length).toBeGreaterThan(0);
    await tc.endTransaction('f', producerId, 0, false);
    const after = await fetch(1);
    expect([after.highWatermark, after.lastStableOffset]).toEqual([3, 3]);
    expect(after.abortedTransactions).toEqual([{ producerId, firstOffset: 0 }]);
  });

  it('transaction version 2: Produce v12 and TxnOffsetCommit v5 join the transaction, EndTxn v5 bumps the epoch every time', async () => {
    const s = await setup();
    const tc = s.transactions;
    const { producerId } = await tc.initProducerId({ transactionalId: 'v2', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    // No AddPartitionsToTxn: the v12 write adds the partition (v11 would be refused).
    expect(await produce(s, 'v2', 't', 1, txnBatch(producerId, 0, 0), 11)).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(await produce(s, 'v2', 't', 1, txnBatch(producerId, 0, 0), 12)).toBe(0);
    expect(tc.describe('v2')).toMatchObject({ state: 'Ongoing', partitions: [{ topic: 't', partition: 1 }] });
    const req = { ...defaultTxnOffsetCommitRequest(), transactionalId: 'v2', groupId: 'g2', producerId, producerEpoch: 0, generationId: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 4, committedLeaderEpoch: -1, committedMetadata: null }] }] };
    const codecs = { writeRequest: writeTxnOffsetCommitRequest, readResponse: readTxnOffsetCommitResponse };
    expect((await callHandler(txnOffsetCommitHandler, s, 4, req, codecs))!.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect((await callHandler(txnOffsetCommitHandler, s, 5, req, codecs))!.topics[0]!.partitions[0]!.errorCode).toBe(0);
    // Commit: the epoch goes up, the marker carries the new one, the answer names it.
    expect(await tc.endTransaction('v2', producerId, 0, true, true)).toEqual({ producerId, producerEpoch: 1 });
    expect(s.groups.committed('g2', 't', 0)?.offset).toBe(4);
    const p1 = s.topics.partition('t', 1)!;
    expect((await p1.activeProducers()).find((p) => p.producerId === producerId)?.producerEpoch).toBe(1);
    // The retry of that EndTxn (the old epoch) is answered with the new one; a second commit at the new epoch is not a retry.
    expect(await tc.endTransaction('v2', producerId, 0, true, true)).toEqual({ producerId, producerEpoch: 1 });
    expect(await errorName(() => tc.endTransaction('v2', producerId, 1, true, true))).toBe('INVALID_TXN_STATE');
    // The next transaction runs at epoch 1, sequences from 0; the old epoch is fenced.
    expect(await produce(s, 'v2', 't', 1, txnBatch(producerId, 0, 2), 12)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(await produce(s, 'v2', 't', 1, txnBatch(producerId, 1, 0), 12)).toBe(0);
    expect(await tc.endTransaction('v2', producerId, 1, false, true)).toEqual({ producerId, producerEpoch: 2 });
    expect(p1.lastStableOffset).toBe(p1.highWatermark);
    // An abort with nothing open is allowed (and bumps); a commit is not.
    expect(await tc.endTransaction('v2', producerId, 2, false, true)).toEqual({ producerId, producerEpoch: 3 });
    expect(await errorName(() => tc.endTransaction('v2', producerId, 0, true, true))).toBe('PRODUCER_FENCED');
  });

  it('transaction version 2: writes to a partition reach its log in arrival order while adds are in flight', async () => {
    const s = await setup();
    const tc = s.transactions;
    const { producerId } = await tc.initProducerId({ transactionalId: 'order', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    s.transactionStore.delayMs = 30;
    // p's first write waits for its add; q's add queues behind; a second write to p queues behind q's.
    const first = produce(s, 'order', 't', 0, txnBatch(producerId, 0, 0), 12);
    const other = produce(s, 'order', 't', 1, txnBatch(producerId, 0, 0), 12);
    await new Promise((r) => setTimeout(r, 5));
    const second = produce(s, 'order', 't', 0, txnBatch(producerId, 0, 2), 12);
    // p has joined, q's add is still being written: a third write to p must not overtake the second.
    await new Promise((r) => setTimeout(r, 45));
    const third = produce(s, 'order', 't', 0, txnBatch(producerId, 0, 4), 12);
    expect(await Promise.all([first, other, second, third])).toEqual([0, 0, 0, 0]);
    expect(s.topics.partition('t', 0)!.highWatermark).toBe(6);
  });

  it('finishes a transaction that was prepared when the broker stopped, and keeps an ongoing one until its timeout', async () => {
    const s = await setup();
    const tc = s.transactions;
    const { producerId } = await tc.initProducerId({ transactionalId: 'r', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    await tc.addPartitions('r', producerId, 0, [{ topic: 't', partition: 0 }], false);
    await produce(s, 'r', 't', 0, txnBatch(producerId, 0, 0));
    // As if the broker died right after storing PrepareCommit: the state store has it, no marker was written.
    const stored = s.transactionStore.load().find((r) => r.transactionalId === 'r')!;
    await s.transactionStore.write('r', { ...stored, state: 'PrepareCommit' });
    const restarted = new TransactionCoordinator(s.transactionStore, (t, p) => s.topics.partition(t, p), s.groups, s.producerIds, s.clock, silentLogger, { maxTimeoutMs: 900_000, abortCheckIntervalMs: 60_000 });
    expect(restarted.describe('r')!.state).toBe('PrepareCommit');
    await restarted.recover();
    expect(restarted.describe('r')!.state).toBe('CompleteCommit');
    const p0 = s.topics.partition('t', 0)!;
    expect([p0.highWatermark, p0.lastStableOffset]).toEqual([3, 3]);
    await restarted.close();
  });
});
