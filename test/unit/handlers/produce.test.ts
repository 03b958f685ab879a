// Produce against in-memory services: no broker, no sockets; bytes through the codecs.
import { describe, expect, it } from 'vitest';
import { produceHandler } from '../../../src/handlers/produce.js';
import { ErrorCode } from '../../../src/protocol/generated/error-codes.js';
import { defaultPartitionProduceData, defaultProduceRequest, defaultTopicProduceData, writeProduceRequest, type ProduceRequest } from '../../../src/protocol/generated/produce-request.js';
import { readProduceResponse } from '../../../src/protocol/generated/produce-response.js';
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.js';
import { batchCodec, recompressBatch } from '../../../src/protocol/records/recompress.js';
import { Codec } from '../../../src/protocol/records/compression.js';
import { callHandler } from '../../helpers/memory/call-handler.js';
import { memoryServices } from '../../helpers/memory/memory-services.js';

const codecs = { writeRequest: writeProduceRequest, readResponse: readProduceResponse };
const batch = (n: number) => buildRecordBatch(Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`v${i}`), timestamp: 1_700_000_000_000 + i })));

function request(topic: string, parts: Array<[number, Buffer | null]>, acks = -1): ProduceRequest {
  return {
    ...defaultProduceRequest(), acks, timeoutMs: 1000,
    topicData: [{ ...defaultTopicProduceData(), name: topic, partitionData: parts.map(([index, records]) => ({ ...defaultPartitionProduceData(), index, records })) }],
  };
}

describe('Produce handler', () => {
  it('appends to each partition and answers base offsets, counting bytes and records', async () => {
    const services = memoryServices();
    await services.topics.create('t', 2, {});
    const first = await callHandler(produceHandler, services, 9, request('t', [[0, batch(3)], [1, batch(1)]]), codecs);
    expect(first!.responses[0]!.partitionResponses.map((p) => [p.index, p.errorCode, p.baseOffset, p.logStartOffset])).toEqual([[0, 0, 0, 0], [1, 0, 0, 0]]);
    const second = await callHandler(produceHandler, services, 9, request('t', [[0, batch(2)]]), codecs);
    expect(second!.responses[0]!.partitionResponses[0]!.baseOffset).toBe(3);
    expect(services.topics.partition('t', 0)!.highWatermark).toBe(5);
    expect(services.metrics.events.filter((e) => e[0] === 'produced').map((e) => e[3])).toEqual([3, 1, 2]);
  });

  it('auto-creates a topic, refuses internal topics, unknown partitions, empty records and bad acks', async () => {
    const services = memoryServices();
    const created = await callHandler(produceHandler, services, 9, request('fresh', [[0, batch(1)]]), codecs);
    expect(created!.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    expect(services.topics.get('fresh')).toBeDefined();
    const codes = async (req: ProduceRequest, version = 9) => (await callHandler(produceHandler, services, version, req, codecs))!.responses[0]!.partitionResponses.map((p) => p.errorCode);
    expect(await codes(request('__internal', [[0, batch(1)]]))).toEqual([ErrorCode.INVALID_TOPIC_EXCEPTION]);
    expect(await codes(request('fresh', [[4, batch(1)]]))).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(await codes(request('fresh', [[0, null]]))).toEqual([ErrorCode.INVALID_RECORD]);
    expect(await codes(request('fresh', [[0, batch(1)]], 2))).toEqual([ErrorCode.INVALID_REQUIRED_ACKS]);
    expect(await codes(request('fresh', [[0, batch(1)]]), 2)).toEqual([ErrorCode.UNSUPPORTED_VERSION]);
    const corrupt = Buffer.from(batch(1));
    corrupt.writeInt32BE(corrupt.readInt32BE(8) + 3, 8);
    expect(await codes(request('fresh', [[0, corrupt]]))).toEqual([ErrorCode.CORRUPT_MESSAGE]);
    expect(services.metrics.events).toContainEqual(['produceError', 'fresh', 'CORRUPT_MESSAGE']);
  });

  it('answers nothing for acks=0 but still appends', async () => {
    const services = memoryServices();
    await services.topics.create('t', 1, {});
    expect(await callHandler(produceHandler, services, 9, request('t', [[0, batch(2)]], 0), codecs)).toBeUndefined();
    expect(services.topics.partition('t', 0)!.highWatermark).toBe(2);
  });

  it('stores batches in the topic\'s compression.type through the recompressor', async () => {
    const services = memoryServices();
    await services.topics.create('z', 1, { 'compression.type': 'gzip' });
    await callHandler(produceHandler, services, 9, request('z', [[0, batch(4)]]), codecs);
    const stored = services.topics.partition('z', 0)!.read(0, 1 << 20, 0);
    expect(batchCodec(stored.chunks[0]!)).toBe(Codec.GZIP);
  });

  it('with schema validation on, refuses records without the framing or with an id foreign to the subject, naming each', async () => {
    const services = memoryServices();
    await services.topics.create('v', 1, { 'confluent.value.schema.validation': 'true' });
    const { id } = await services.schemas.register('v-value', { schema: '"string"', schemaType: 'AVRO', references: [] });
    const { id: otherId } = await services.schemas.register('w-value', { schema: '"long"', schemaType: 'AVRO', references: [] });
    const frame = (schemaId: number): Buffer => {
      const b = Buffer.alloc(8);
      b.writeInt32BE(schemaId, 1);
      return b;
    };
    const records = (values: Array<Buffer | null>) => buildRecordBatch(values.map((value) => ({ value })));
    const ok = await callHandler(produceHandler, services, 9, request('v', [[0, records([frame(id), null])]]), codecs);
    expect(ok!.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    const bad = await callHandler(produceHandler, services, 9, request('v', [[0, recompressBatch(records([frame(id), Buffer.from('plain'), frame(otherId)]), Codec.GZIP, 1 << 20)]]), codecs);
    const p = bad!.responses[0]!.partitionResponses[0]!;
    expect(p.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(p.errorMessage).toMatch(/2 record\(s\) failed schema validation/);
    expect(p.recordErrors.map((e) => e.batchIndex)).toEqual([1, 2]);
    expect(p.recordErrors[1]!.batchIndexErrorMessage).toMatch(new RegExp(`schema id ${otherId}, which is not registered under subject v-value`));
    // Nothing of the refused batch was stored.
    expect(services.topics.partition('v', 0)!.highWatermark).toBe(2);
  });
});
