// Fetch against in-memory services: reads, limits, errors and the long poll.
import { describe, expect, it } from 'vitest';
import { fetchHandler } from '../../../src/handlers/fetch.js';
import { ErrorCode } from '../../../src/protocol/generated/error-codes.js';
import { defaultFetchPartition, defaultFetchRequest, defaultFetchTopic, writeFetchRequest, type FetchRequest } from '../../../src/protocol/generated/fetch-request.js';
import { readFetchResponse } from '../../../src/protocol/generated/fetch-response.js';
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.js';
import { callHandler } from '../../helpers/memory/call-handler.js';
import { memoryServices } from '../../helpers/memory/memory-services.js';

const codecs = { writeRequest: writeFetchRequest, readResponse: readFetchResponse };
const batch = (tag: string, n = 1) => buildRecordBatch(Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`${tag}-${i}`.padEnd(100, '.')) })));

function request(topic: string, parts: Array<[number, number]>, extra: Partial<FetchRequest> = {}): FetchRequest {
  return {
    ...defaultFetchRequest(), maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, ...extra,
    topics: [{ ...defaultFetchTopic(), topic, partitions: parts.map(([partition, fetchOffset]) => ({ ...defaultFetchPartition(), partition, fetchOffset, partitionMaxBytes: 1 << 20 })) }],
  };
}

async function seeded() {
  const services = memoryServices();
  await services.topics.create('t', 2, {});
  for (let i = 0; i < 3; i++) await services.topics.partition('t', 0)!.append(batch(`a${i}`, 2));
  await services.topics.partition('t', 1)!.append(batch('b', 1));
  return services;
}

describe('Fetch handler', () => {
  it('returns whole batches with the high watermark, last stable offset and log start', async () => {
    const services = await seeded();
    const res = await callHandler(fetchHandler, services, 12, request('t', [[0, 2], [1, 0]]), codecs);
    const [p0, p1] = res!.responses[0]!.partitions;
    expect([p0!.errorCode, p0!.highWatermark, p0!.lastStableOffset, p0!.logStartOffset]).toEqual([0, 6, 6, 0]);
    expect(p0!.records!.length).toBe(services.topics.partition('t', 0)!.read(2, 1 << 20, 0).bytes);
    expect(p1!.highWatermark).toBe(1);
    expect(services.metrics.events.filter((e) => e[0] === 'fetched').map((e) => e[3])).toEqual([4, 1]);
  });

  it('names topics by id from v13 on, and answers an unknown id UNKNOWN_TOPIC_ID', async () => {
    const services = await seeded();
    const id = services.topics.get('t')!.id;
    const byId = (topicId: string): FetchRequest => ({
      ...request('', [[0, 0]]),
      topics: [{ ...defaultFetchTopic(), topicId, partitions: [{ ...defaultFetchPartition(), partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    });
    for (const version of [13, 15, 17]) {
      const res = await callHandler(fetchHandler, services, version, byId(id), codecs);
      expect(res!.responses[0]!.topicId).toBe(id);
      expect(res!.responses[0]!.partitions[0]!.errorCode).toBe(0);
      expect(res!.responses[0]!.partitions[0]!.records!.length).toBeGreaterThan(0);
    }
    const unknown = await callHandler(fetchHandler, services, 13, byId('AAAAAAAAAAAAAAAAAAAAAQ'), codecs);
    expect(unknown!.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
  });

  it('bounds reads by the partition and the response limits, with at least one batch first, as Kafka', async () => {
    const services = await seeded();
    const one = services.topics.partition('t', 0)!.read(0, 1, 0).bytes;
    const res = await callHandler(fetchHandler, services, 12, request('t', [[0, 0], [1, 0]], { maxBytes: one + 10 }), codecs);
    const [p0, p1] = res!.responses[0]!.partitions;
    expect(p0!.records!.length).toBe(one);
    expect(p1!.records!.length).toBe(0);
    // A response limit smaller than one batch still gets the first batch whole (KIP-74).
    const tiny = await callHandler(fetchHandler, services, 12, request('t', [[0, 0], [1, 0]], { maxBytes: 1 }), codecs);
    expect(tiny!.responses[0]!.partitions.map((p) => p.records!.length)).toEqual([one, 0]);
    const small = await callHandler(fetchHandler, services, 12, { ...request('t', [[0, 0]]), topics: [{ ...request('t', [[0, 0]]).topics[0]!, partitions: [{ ...request('t', [[0, 0]]).topics[0]!.partitions[0]!, partitionMaxBytes: 1 }] }] }, codecs);
    expect(small!.responses[0]!.partitions[0]!.records!.length).toBe(one);
  });

  it('answers per partition: out of range, unknown partition, unsupported old versions', async () => {
    const services = await seeded();
    const res = await callHandler(fetchHandler, services, 11, request('t', [[0, 99], [7, 0]]), codecs);
    expect(res!.responses[0]!.partitions.map((p) => p.errorCode)).toEqual([ErrorCode.OFFSET_OUT_OF_RANGE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    const old = await callHandler(fetchHandler, services, 3, request('t', [[0, 0]]), codecs);
    expect(old!.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });

  it('long-polls: waits for an append, then answers with it', async () => {
    const services = await seeded();
    const started = Date.now();
    const pending = callHandler(fetchHandler, services, 12, request('t', [[1, 1]], { maxWaitMs: 5_000 }), codecs);
    setTimeout(() => void services.topics.partition('t', 1)!.append(batch('late')), 100);
    const res = await pending;
    const elapsed = Date.now() - started;
    expect(res!.responses[0]!.partitions[0]!.records!.length).toBeGreaterThan(0);
    expect(elapsed).toBeGreaterThanOrEqual(90);
    expect(elapsed).toBeLessThan(4_000);
  });

  it('long-polls: gives up at maxWaitMs with nothing, or when the connection goes away', async () => {
    const services = await seeded();
    let started = Date.now();
    const empty = await callHandler(fetchHandler, services, 12, request('t', [[1, 1]], { maxWaitMs: 150 }), codecs);
    expect(empty!.responses[0]!.partitions[0]!.records!.length).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const abort = new AbortController();
    started = Date.now();
    setTimeout(() => abort.abort(), 50);
    await callHandler(fetchHandler, services, 12, request('t', [[1, 1]], { maxWaitMs: 10_000 }), codecs, { signal: abort.signal });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('ends a long poll on a topic deleted under it with UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const services = await seeded();
    const pending = callHandler(fetchHandler, services, 12, request('t', [[1, 1]], { maxWaitMs: 10_000 }), codecs);
    setTimeout(() => void services.topics.delete('t'), 50);
    const res = await pending;
    expect(res!.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});
