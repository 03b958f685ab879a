// What a connection survives and what closes it: a topic deleted under long polls and
// fetches is that partition's UNKNOWN_TOPIC_OR_PARTITION (the connection lives on); a long
// poll over 1,000 partitions leaves no warning; requests pipelined before a malformed or
// oversized frame are answered, in order, before the connection closes.
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/server/start.js';
import { RawClient } from '../../src/client/raw-client.js';
import { encodeRequest } from '../../src/protocol/frame.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../src/protocol/generated/error-codes.js';
import { defaultApiVersionsRequest, writeApiVersionsRequest } from '../../src/protocol/generated/api-versions-request.js';
import { readApiVersionsResponse } from '../../src/protocol/generated/api-versions-response.js';
import { defaultFetchRequest, writeFetchRequest } from '../../src/protocol/generated/fetch-request.js';
import { readFetchResponse, type FetchResponse } from '../../src/protocol/generated/fetch-response.js';
import { defaultProduceRequest, writeProduceRequest } from '../../src/protocol/generated/produce-request.js';
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.js';
import { testBroker } from '../helpers/broker.js';

let running: RunningBroker;
let dataDir: string;
const warnings: string[] = [];
const onWarning = (w: Error): void => {
  warnings.push(`${w.name}: ${w.message}`);
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'strata-conn-'));
  running = await testBroker(dataDir, { socketRequestMaxBytes: 1024 * 1024 });
  process.on('warning', onWarning);
});

afterAll(async () => {
  process.off('warning', onWarning);
  await running.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const FETCH_VERSION = 12;

function fetchBody(topic: string, partitions: number[], maxWaitMs: number, fetchOffset = 0) {
  return {
    ...defaultFetchRequest(), maxWaitMs, minBytes: 1, maxBytes: 4 * 1024 * 1024,
    topics: [{
      topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
      partitions: partitions.map((partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1024 * 1024, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' })),
    }],
  };
}

async function fetch(c: RawClient, topic: string, partitions: number[], maxWaitMs: number): Promise<FetchResponse> {
  const body = fetchBody(topic, partitions, maxWaitMs);
  return readFetchResponse(await c.request(ApiKey.Fetch, FETCH_VERSION, (w) => writeFetchRequest(w, FETCH_VERSION, body)), FETCH_VERSION);
}

async function apiVersionsOk(c: RawClient): Promise<boolean> {
  const res = readApiVersionsResponse(await c.request(ApiKey.ApiVersions, 3, (w) => writeApiVersionsRequest(w, 3, { ...defaultApiVersionsRequest(), clientSoftwareName: 't', clientSoftwareVersion: '1' })), 3);
  return res.errorCode === 0;
}

async function produce(c: RawClient, topic: string, partition: number, records: number): Promise<void> {
  const batch = buildRecordBatch(Array.from({ length: records }, (_, i) => ({ value: Buffer.alloc(512, i) })));
  const req = { ...defaultProduceRequest(), acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }] };
  await c.request(ApiKey.Produce, 9, (w) => writeProduceRequest(w, 9, req));
}

const partitionCodes = (res: FetchResponse): number[] => res.responses.flatMap((t) => t.partitions.map((p) => p.errorCode));

describe('connection errors', () => {
  it('answers long polls over 1,000 partitions without a warning, and a deleted topic with UNKNOWN_TOPIC_OR_PARTITION', async () => {
    await running.broker.topics.create('wide', 1000, {});
    const client = await RawClient.connect(running.host, running.port);
    const all = Array.from({ length: 1000 }, (_, i) => i);
    // An empty topic: the poll waits its full maxWait, woken by nothing.
    const quiet = await fetch(client, 'wide', all, 200);
    expect(partitionCodes(quiet).every((c) => c === 0)).toBe(true);
    // Ten polls at once on one connection, then the topic is deleted under them.
    const polls = Array.from({ length: 10 }, () => fetch(client, 'wide', all, 10_000));
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await running.broker.topics.delete('wide');
    const answers = await Promise.all(polls);
    expect(Date.now() - started).toBeLessThan(5_000); // woken by the delete, not by maxWait
    for (const a of answers) expect(new Set(partitionCodes(a))).toEqual(new Set([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]));
    expect(client.closed).toBe(false);
    expect(await apiVersionsOk(client)).toBe(true);
    expect(warnings).toEqual([]);
    client.close();
  });

  it('answers fetches of a topic deleted while they read it, and keeps the connection', async () => {
    const client = await RawClient.connect(running.host, running.port);
    for (let round = 0; round < 5; round++) {
      const topic = `doomed-${round}`;
      await running.broker.topics.create(topic, 4, {});
      for (let p = 0; p < 4; p++) for (let i = 0; i < 10; i++) await produce(client, topic, p, 50);
      const fetches = Array.from({ length: 40 }, (_, i) => fetch(client, topic, [0, 1, 2, 3], i % 2 === 0 ? 0 : 2_000));
      await new Promise((r) => setTimeout(r, round)); // delete at a different point each round
      await running.broker.topics.delete(topic);
      const answers = await Promise.all(fetches);
      for (const a of answers) {
        for (const p of a.responses[0]!.partitions) {
          expect([0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]).toContain(p.errorCode);
          if (p.errorCode === 0) expect(p.records?.length ?? 0).toBeGreaterThan(0);
        }
      }
      expect(client.closed).toBe(false);
    }
    expect(await apiVersionsOk(client)).toBe(true);
    client.close();
  });

  /** Sends `frames` in one write on a fresh socket; resolves with the correlation ids answered, in order, once the broker closes. */
  function pipeline(frames: Buffer[]): Promise<number[]> {
    return new Promise((resolve, reject) => {
      const sock = connect({ host: running.host, port: running.port });
      const ids: number[] = [];
      let buffered = Buffer.alloc(0);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`the broker did not close the connection; answered ${ids.length}`));
      }, 15_000);
      sock.on('error', () => undefined);
      sock.on('data', (d: Buffer) => {
        buffered = Buffer.concat([buffered, d]);
        while (buffered.length >= 8 && buffered.length >= 4 + buffered.readInt32BE(0)) {
          ids.push(buffered.readInt32BE(4));
          buffered = buffered.subarray(4 + buffered.readInt32BE(0));
        }
      });
      sock.on('close', () => {
        clearTimeout(timer);
        resolve(ids);
      });
      sock.on('connect', () => sock.write(Buffer.concat(frames)));
    });
  }

  const apiVersionsFrame = (correlationId: number): Buffer =>
    encodeRequest({ requestApiKey: ApiKey.ApiVersions, requestApiVersion: 3, correlationId, clientId: 'pipe' }, (w) => writeApiVersionsRequest(w, 3, { ...defaultApiVersionsRequest(), clientSoftwareName: 't', clientSoftwareVersion: '1' }));
  const fetchFrame = (correlationId: number, maxWaitMs: number): Buffer =>
    encodeRequest({ requestApiKey: ApiKey.Fetch, requestApiVersion: FETCH_VERSION, correlationId, clientId: 'pipe' }, (w) => writeFetchRequest(w, FETCH_VERSION, fetchBody('pipe', [0], maxWaitMs, 1_000_000)));
  const expected = Array.from({ length: 100 }, (_, i) => i + 1);

  it('answers 100 pipelined requests before closing on a malformed frame after them', async () => {
    await running.broker.topics.create('pipe', 1, {});
    const bad = Buffer.alloc(4 + 20);
    bad.writeInt32BE(20, 0);
    bad.writeInt16BE(ApiKey.Metadata, 4);
    bad.writeInt16BE(12, 6);
    bad.writeInt32BE(999, 8);
    bad.fill(0xff, 12); // the body cannot decode
    // A mix of immediate answers and long polls (cut short by the close).
    const frames = expected.map((id) => (id % 10 === 0 ? fetchFrame(id, 20_000) : apiVersionsFrame(id)));
    const started = Date.now();
    expect(await pipeline([...frames, bad, apiVersionsFrame(1000)])).toEqual(expected);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('answers 100 pipelined requests before closing on an oversized frame after them', async () => {
    const huge = Buffer.alloc(8);
    huge.writeInt32BE(512 * 1024 * 1024, 0);
    expect(await pipeline([...expected.map(apiVersionsFrame), huge])).toEqual(expected);
  });

  it('counts the connections it closed by reason', async () => {
    const text = await (await globalThis.fetch(`http://127.0.0.1:${running.adminPort}/metrics`)).text();
    const count = (reason: string): number => Number(new RegExp(`strata_connections_closed_total\\{reason="${reason}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    expect(count('malformed')).toBeGreaterThanOrEqual(1);
    expect(count('oversized')).toBeGreaterThanOrEqual(1);
  });
});
