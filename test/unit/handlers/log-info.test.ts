// OffsetDelete, OffsetForLeaderEpoch and DescribeLogDirs against in-memory services.
import { describe, expect, it } from 'vitest';
import { offsetDeleteHandler } from '../../../src/handlers/offsets.js';
import { describeLogDirsHandler, offsetForLeaderEpochHandler } from '../../../src/handlers/log-info.js';
import { ErrorCode } from '../../../src/protocol/generated/error-codes.js';
import { writeOffsetDeleteRequest } from '../../../src/protocol/generated/offset-delete-request.js';
import { readOffsetDeleteResponse } from '../../../src/protocol/generated/offset-delete-response.js';
import { writeOffsetForLeaderEpochRequest } from '../../../src/protocol/generated/offset-for-leader-epoch-request.js';
import { readOffsetForLeaderEpochResponse } from '../../../src/protocol/generated/offset-for-leader-epoch-response.js';
import { writeDescribeLogDirsRequest } from '../../../src/protocol/generated/describe-log-dirs-request.js';
import { readDescribeLogDirsResponse } from '../../../src/protocol/generated/describe-log-dirs-response.js';
import { writeConsumerProtocolSubscription } from '../../../src/protocol/generated/consumer-protocol-subscription.js';
import { Writer } from '../../../src/protocol/primitives/writer.js';
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.js';
import { callHandler } from '../../helpers/memory/call-handler.js';
import { memoryServices } from '../../helpers/memory/memory-services.js';

const deleteCodecs = { writeRequest: writeOffsetDeleteRequest, readResponse: readOffsetDeleteResponse };
const epochCodecs = { writeRequest: writeOffsetForLeaderEpochRequest, readResponse: readOffsetForLeaderEpochResponse };
const dirsCodecs = { writeRequest: writeDescribeLogDirsRequest, readResponse: readDescribeLogDirsResponse };
const offsetDelete = (groupId: string, topics: Array<[string, number[]]>) => ({ groupId, topics: topics.map(([name, ps]) => ({ name, partitions: ps.map((partitionIndex) => ({ partitionIndex })) })) });

function subscription(topics: string[]): Buffer {
  const w = new Writer(64).int16(1);
  writeConsumerProtocolSubscription(w, 1, { topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null });
  return w.toBuffer();
}

async function withOffsets() {
  const services = memoryServices();
  await services.topics.create('a', 2, {});
  await services.topics.create('b', 1, {});
  const commit = (topic: string, partition: number) => ({ topic, partition, value: { offset: 5, leaderEpoch: -1, metadata: '', commitTimestamp: 1 } });
  await services.groups.commit('g', '', -1, null, [commit('a', 0), commit('a', 1), commit('b', 0)]);
  return services;
}

describe('OffsetDelete handler', () => {
  it('deletes an empty group\'s offsets, answers unknown partitions and unknown groups as Kafka', async () => {
    const services = await withOffsets();
    const res = await callHandler(offsetDeleteHandler, services, 0, offsetDelete('g', [['a', [0, 7]], ['nope', [0]]]), deleteCodecs);
    expect(res!.errorCode).toBe(0);
    expect(res!.topics.map((t) => [t.name, t.partitions.map((p) => p.errorCode)])).toEqual([['a', [0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]], ['nope', [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]]);
    expect(services.groups.allCommitted('g').map((o) => `${o.topic}-${o.partition}`).sort()).toEqual(['a-1', 'b-0']);
    const unknown = await callHandler(offsetDeleteHandler, services, 0, offsetDelete('who', [['a', [0]]]), deleteCodecs);
    expect(unknown!.errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    // The last offsets of an empty group gone: the group is gone too.
    await callHandler(offsetDeleteHandler, services, 0, offsetDelete('g', [['a', [1]], ['b', [0]]]), deleteCodecs);
    expect(services.groups.list().map((x) => x.groupId)).not.toContain('g');
  });

  it('keeps the offsets of topics the group\'s members subscribe to', async () => {
    const services = await withOffsets();
    const join = services.groups.group('g').join({
      memberId: '', groupInstanceId: null, clientId: 'c', clientHost: 'h', sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000,
      protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription(['a']) }], requireKnownMemberId: false,
    });
    await join;
    const res = await callHandler(offsetDeleteHandler, services, 0, offsetDelete('g', [['a', [0]], ['b', [0]]]), deleteCodecs);
    expect(res!.topics.map((t) => t.partitions[0]!.errorCode)).toEqual([ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, 0]);
    expect(services.groups.allCommitted('g').map((o) => o.topic).sort()).toEqual(['a', 'a']);
  });
});

describe('OffsetForLeaderEpoch handler', () => {
  it('ends the current epoch at the log end and checks the client\'s epoch', async () => {
    const services = memoryServices();
    await services.topics.create('t', 1, {});
    for (let i = 0; i < 3; i++) await services.topics.partition('t', 0)!.append(buildRecordBatch([{ value: Buffer.from('x') }, { value: Buffer.from('y') }]));
    const ask = (partition: number, currentLeaderEpoch: number, leaderEpoch: number) => ({ replicaId: -1, topics: [{ topic: 't', partitions: [{ partition, currentLeaderEpoch, leaderEpoch }] }] });
    const answer = async (r: ReturnType<typeof ask>) => (await callHandler(offsetForLeaderEpochHandler, services, 4, r, epochCodecs))!.topics[0]!.partitions[0]!;
    expect(await answer(ask(0, 0, 0))).toMatchObject({ errorCode: 0, leaderEpoch: 0, endOffset: 6 });
    expect(await answer(ask(0, -1, 0))).toMatchObject({ errorCode: 0, leaderEpoch: 0, endOffset: 6 });
    expect(await answer(ask(0, 0, 3))).toMatchObject({ errorCode: 0, leaderEpoch: -1, endOffset: -1 });
    expect(await answer(ask(0, 2, 0))).toMatchObject({ errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH });
    expect(await answer(ask(5, -1, 0))).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
  });
});

describe('DescribeLogDirs handler', () => {
  it('lists every partition with its size in the data directory, or the ones asked for', async () => {
    const services = memoryServices();
    await services.topics.create('t', 2, {});
    await services.topics.create('u', 1, {});
    await services.topics.partition('t', 1)!.append(buildRecordBatch([{ value: Buffer.alloc(100) }]));
    const all = await callHandler(describeLogDirsHandler, services, 4, { topics: null }, dirsCodecs);
    expect(all!.results).toHaveLength(1);
    expect(all!.results[0]).toMatchObject({ errorCode: 0, logDir: '/memory', totalBytes: 1 << 30, usableBytes: 1 << 29 });
    const sizes = Object.fromEntries(all!.results[0]!.topics.flatMap((t) => t.partitions.map((p) => [`${t.name}-${p.partitionIndex}`, p.partitionSize])));
    expect(Object.keys(sizes).sort()).toEqual(['t-0', 't-1', 'u-0']);
    expect(sizes['t-1']).toBeGreaterThan(100);
    const some = await callHandler(describeLogDirsHandler, services, 4, { topics: [{ topic: 't', partitions: [1] }, { topic: 'zz', partitions: [0] }] }, dirsCodecs);
    expect(some!.results[0]!.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)])).toEqual([['t', [1]]]);
  });
});
