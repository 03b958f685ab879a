// ListOffsets against in-memory services.
import { describe, expect, it } from 'vitest';
import { listOffsetsHandler } from '../../../src/handlers/list-offsets.js';
import { ErrorCode } from '../../../src/protocol/generated/error-codes.js';
import { defaultListOffsetsPartition, defaultListOffsetsRequest, defaultListOffsetsTopic, writeListOffsetsRequest } from '../../../src/protocol/generated/list-offsets-request.js';
import { readListOffsetsResponse } from '../../../src/protocol/generated/list-offsets-response.js';
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.js';
import { callHandler } from '../../helpers/memory/call-handler.js';
import { memoryServices } from '../../helpers/memory/memory-services.js';

const T0 = 1_700_000_000_000;
const codecs = { writeRequest: writeListOffsetsRequest, readResponse: readListOffsetsResponse };
const request = (pairs: Array<[number, number]>, isolationLevel = 0) => ({
  ...defaultListOffsetsRequest(), replicaId: -1, isolationLevel,
  topics: [{ ...defaultListOffsetsTopic(), name: 't', partitions: pairs.map(([partitionIndex, timestamp]) => ({ ...defaultListOffsetsPartition(), partitionIndex, timestamp })) }],
});

describe('ListOffsets handler', () => {
  it('answers latest, earliest, max timestamp and by-time lookups', async () => {
    const services = memoryServices();
    await services.topics.create('t', 1, {});
    const p = services.topics.partition('t', 0)!;
    for (let i = 0; i < 5; i++) await p.append(buildRecordBatch([{ value: Buffer.from('x'), timestamp: T0 + i * 100 }, { value: Buffer.from('y'), timestamp: T0 + i * 100 + 50 }]));
    await p.truncateBelow(4);
    const res = await callHandler(listOffsetsHandler, services, 7, request([[0, -1], [0, -2], [0, -3], [0, T0 + 250], [0, T0 + 9_999], [3, -1]]), codecs);
    expect(res!.topics[0]!.partitions.map((x) => [x.errorCode, x.offset, x.timestamp])).toEqual([
      [0, 10, -1], [0, 4, -1], [0, 9, T0 + 450], [0, 5, T0 + 250], [0, -1, -1], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1],
    ]);
    const committed = await callHandler(listOffsetsHandler, services, 7, request([[0, -1]], 1), codecs);
    expect(committed!.topics[0]!.partitions[0]!.offset).toBe(p.lastStableOffset);
  });

  it('answers earliest-local (-4, v8+) and latest-tiered (-5, v9+) from the store', async () => {
    const services = memoryServices();
    await services.topics.create('t', 1, {});
    const p = services.topics.partition('t', 0)!;
    for (let i = 0; i < 4; i++) await p.append(buildRecordBatch([{ value: Buffer.from('x'), timestamp: T0 + i }]));
    await p.truncateBelow(2);
    const res = await callHandler(listOffsetsHandler, services, 10, request([[0, -4], [0, -5]]), codecs);
    expect(res!.topics[0]!.partitions.map((x) => [x.errorCode, x.offset])).toEqual([[0, p.localLogStartOffset], [0, -1]]);
    expect(p.localLogStartOffset).toBe(p.logStartOffset);
    const early = await callHandler(listOffsetsHandler, services, 7, request([[0, -4]]), codecs);
    expect(early!.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    const early9 = await callHandler(listOffsetsHandler, services, 8, request([[0, -5]]), codecs);
    expect(early9!.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });

  it('refuses max timestamp before v7 and answers v0 with old-style offsets', async () => {
    const services = memoryServices();
    await services.topics.create('t', 1, {});
    await services.topics.partition('t', 0)!.append(buildRecordBatch([{ value: Buffer.from('x'), timestamp: T0 }]));
    const old = await callHandler(listOffsetsHandler, services, 5, request([[0, -3]]), codecs);
    expect(old!.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    const v0 = await callHandler(listOffsetsHandler, services, 0, { ...request([[0, -1]]), topics: [{ ...defaultListOffsetsTopic(), name: 't', partitions: [{ ...defaultListOffsetsPartition(), partitionIndex: 0, timestamp: -1, maxNumOffsets: 1 }] }] }, codecs);
    expect(v0!.topics[0]!.partitions[0]!.oldStyleOffsets).toEqual([1]);
  });
});
