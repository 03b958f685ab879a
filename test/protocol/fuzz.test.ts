// Fuzzing the request decoder (sans-io) with random and mutated valid frames: wrong
// lengths, huge array counts, negative sizes, unknown keys, truncated tagged fields.
// Every case must either decode or fail with a controlled error (MalformedFrameError, or
// Buffer's own bounds check), never anything else, never a hang. Then a smaller run of
// the same frames over TCP against a live broker, which must keep serving.
// STRATA_FUZZ_CASES raises the count (default 100,000).
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildHandlerTable } from '../../src/handlers/index.js';
import { API_SCHEMAS, ApiKey } from '../../src/protocol/generated/api-keys.js';
import { decodeRequest, encodeRequest, peekHeader } from '../../src/protocol/frame.js';
import { MalformedFrameError } from '../../src/protocol/primitives/malformed.js';
import type { Writer } from '../../src/protocol/primitives/writer.js';
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.js';
import { writeProduceRequest, defaultProduceRequest } from '../../src/protocol/generated/produce-request.js';
import { writeFetchRequest, defaultFetchRequest } from '../../src/protocol/generated/fetch-request.js';
import { writeMetadataRequest, defaultMetadataRequest } from '../../src/protocol/generated/metadata-request.js';
import { writeJoinGroupRequest, defaultJoinGroupRequest } from '../../src/protocol/generated/join-group-request.js';
import { writeCreateTopicsRequest } from '../../src/protocol/generated/create-topics-request.js';
import { writeOffsetCommitRequest, defaultOffsetCommitRequest } from '../../src/protocol/generated/offset-commit-request.js';
import { RawClient } from '../../src/client/raw-client.js';
import { testBroker } from '../helpers/broker.js';
import { rng } from '../helpers/batches.js';
import { defaultApiVersionsRequest, writeApiVersionsRequest } from '../../src/protocol/generated/api-versions-request.js';
import { readApiVersionsResponse } from '../../src/protocol/generated/api-versions-response.js';

const CASES = Number(process.env.STRATA_FUZZ_CASES ?? 100_000);
const handlers = new Map(buildHandlerTable().map((h) => [h.apiKey, h]));

type Seed = Buffer;

async function generatedDefaults(): Promise<Seed[]> {
  // Every implemented request at every advertised version, encoded from its defaults.
  const seeds: Seed[] = [];
  for (const h of handlers.values()) {
    const name = API_SCHEMAS.get(h.apiKey)!.name;
    const kebab = name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
    const mod = (await import(`../../src/protocol/generated/${kebab}-request.ts`)) as Record<string, unknown>;
    const write = mod[`write${name}Request`] as (w: Writer, v: number, o: unknown) => void;
    const dflt = mod[`default${name}Request`] as () => unknown;
    for (let v = h.minVersion; v <= h.maxVersion; v++) {
      seeds.push(encodeRequest({ requestApiKey: h.apiKey, requestApiVersion: v, correlationId: v, clientId: 'fuzz' }, (w) => write(w, v, dflt())).subarray(4));
    }
  }
  return seeds;
}

function richSeeds(): Seed[] {
  const batch = buildRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('some value'), headers: [{ key: 'h', value: Buffer.from('v') }] }, { value: null }]);
  const frame = (apiKey: number, v: number, body: (w: Writer) => void): Seed => encodeRequest({ requestApiKey: apiKey, requestApiVersion: v, correlationId: 7, clientId: 'fuzz-client' }, body).subarray(4);
  const out: Seed[] = [];
  for (const v of [3, 8, 9, 11]) {
    out.push(frame(ApiKey.Produce, v, (w) => writeProduceRequest(w, v, { ...defaultProduceRequest(), acks: 1, timeoutMs: 100, topicData: [{ name: 'fz', partitionData: [{ index: 0, records: batch }, { index: 1, records: batch }] }, { name: 'fz2', partitionData: [{ index: 0, records: null }] }] })));
  }
  for (const v of [4, 11, 12]) {
    out.push(frame(ApiKey.Fetch, v, (w) => writeFetchRequest(w, v, { ...defaultFetchRequest(), maxWaitMs: 0, minBytes: 1, maxBytes: 1000, topics: [{ topic: 'fz', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 500, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }] })));
  }
  for (const v of [1, 9, 12]) {
    out.push(frame(ApiKey.Metadata, v, (w) => writeMetadataRequest(w, v, { ...defaultMetadataRequest(), topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'fz' }, { topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'other' }] })));
  }
  for (const v of [0, 5, 9]) {
    out.push(frame(ApiKey.JoinGroup, v, (w) => writeJoinGroupRequest(w, v, { ...defaultJoinGroupRequest(), groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from([0, 1, 0, 0, 0, 1, 0, 2, 102, 122]) }] })));
  }
  for (const v of [2, 7]) {
    out.push(frame(ApiKey.CreateTopics, v, (w) => writeCreateTopicsRequest(w, v, { topics: [{ name: 'fzc', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: '1000' }] }], timeoutMs: 10, validateOnly: true })));
  }
  for (const v of [2, 8, 9]) {
    out.push(frame(ApiKey.OffsetCommit, v, (w) => writeOffsetCommitRequest(w, v, { ...defaultOffsetCommitRequest(), groupId: 'g', generationIdOrMemberEpoch: -1, topics: [{ name: 'fz', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: 'm' }] }] })));
  }
  return out;
}

const HUGE = [0x7fffffff, -2, -1, 0x40000000, 0x10000, 0xffff];

function mutate(seed: Buffer, next: () => number): Buffer {
  const pick = (n: number): number => Math.floor(next() * n);
  const b = Buffer.from(seed);
  switch (pick(9)) {
    case 0: {
      for (let i = 0, n = 1 + pick(4); i < n; i++) b[pick(b.length)] = pick(256);
      return b;
    }
    case 1:
      return b.subarray(0, pick(b.length)); // truncated anywhere, tagged fields included
    case 2: {
      const at = pick(Math.max(b.length - 4, 1));
      if (b.length >= at + 4) b.writeInt32BE(HUGE[pick(HUGE.length)]! | 0, at); // huge counts, negative sizes
      return b;
    }
    case 3: {
      const at = pick(Math.max(b.length - 2, 1));
      if (b.length >= at + 2) b.writeInt16BE(pick(65536) - 32768, at);
      return b;
    }
    case 4: {
      const at = pick(b.length);
      b.fill(0xff, at, Math.min(b.length, at + 1 + pick(8))); // endless varints
      return b;
    }
    case 5:
      return Buffer.from(Array.from({ length: pick(64) }, () => pick(256))); // noise
    case 6:
      return Buffer.concat([b, Buffer.from(Array.from({ length: 1 + pick(16) }, () => pick(256)))]);
    case 7: {
      if (b.length >= 4) {
        b.writeInt16BE(pick(80) - 5, 0); // another (or an unknown) API key
        b.writeInt16BE(pick(20) - 2, 2); // another version
      }
      return b;
    }
    default: {
      // Cut the trailing tagged-field section short.
      return b.subarray(0, Math.max(0, b.length - 1 - pick(3)));
    }
  }
}

/** Decodes like the connection does; returns 'ok', 'unsupported' or 'rejected'; throws on an uncontrolled failure. */
function decodeLikeTheBroker(frame: Buffer): string {
  const peek = peekHeader(frame);
  if (peek === undefined) return 'rejected';
  const h = handlers.get(peek.apiKey);
  if (h === undefined || peek.apiVersion < h.minVersion || peek.apiVersion > h.maxVersion) return 'unsupported';
  try {
    const { body } = decodeRequest(frame);
    h.read(body, peek.apiVersion);
    return 'ok';
  } catch (err) {
    if (err instanceof MalformedFrameError) return 'rejected';
    const code = (err as NodeJS.ErrnoException).code;
    if (err instanceof RangeError && (code === 'ERR_OUT_OF_RANGE' || code === 'ERR_BUFFER_OUT_OF_BOUNDS')) return 'rejected';
    throw err;
  }
}

describe('request fuzzing', () => {
  it(`decodes or cleanly rejects ${CASES.toLocaleString('en-US')} random and mutated frames`, async () => {
    const seeds = [...(await generatedDefaults()), ...richSeeds()];
    for (const s of seeds) expect(decodeLikeTheBroker(s)).toBe('ok'); // the seeds themselves are valid
    const next = rng(0xf022);
    const outcomes: Record<string, number> = {};
    const heapBefore = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < CASES; i++) {
      const seed = seeds[Math.floor(next() * seeds.length)]!;
      let frame = mutate(seed, next);
      if (next() < 0.2) frame = mutate(frame, next); // sometimes twice
      let outcome: string;
      try {
        outcome = decodeLikeTheBroker(frame);
      } catch (err) {
        throw new Error(`case ${i}: uncontrolled ${String(err)} on frame ${frame.toString('hex')}`);
      }
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    expect((outcomes.ok ?? 0) + (outcomes.rejected ?? 0) + (outcomes.unsupported ?? 0)).toBe(CASES);
    expect(outcomes.rejected).toBeGreaterThan(CASES / 10);
    expect(outcomes.ok).toBeGreaterThan(CASES / 20);
    // Nothing sized by a bogus length was allocated: buffers stay where they were.
    expect(process.memoryUsage().arrayBuffers - heapBefore).toBeLessThan(64 * 1024 * 1024);
    console.log(`fuzz outcomes: ${JSON.stringify(outcomes)}`);
  });

  it('a live broker survives the same frames over TCP and keeps serving well-behaved clients', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'strata-fuzz-'));
    const running = await testBroker(dataDir, { socketRequestMaxBytes: 1024 * 1024 });
    try {
      const seeds = [...(await generatedDefaults()), ...richSeeds()];
      const next = rng(77);
      const connections = 200;
      const perConnection = 20;
      for (let c = 0; c < connections; c++) {
        const sock = connect({ host: running.host, port: running.port });
        sock.on('error', () => undefined);
        await new Promise((r) => sock.once('connect', r));
        for (let i = 0; i < perConnection; i++) {
          const body = mutate(seeds[Math.floor(next() * seeds.length)]!, next);
          const len = Buffer.alloc(4);
          len.writeInt32BE(body.length, 0);
          sock.write(Buffer.concat([len, body]));
        }
        await new Promise((r) => setTimeout(r, 2));
        sock.destroy();
      }
      const client = await RawClient.connect(running.host, running.port);
      const res = readApiVersionsResponse(await client.request(ApiKey.ApiVersions, 3, (w) => writeApiVersionsRequest(w, 3, defaultApiVersionsRequest())), 3);
      expect(res.errorCode).toBe(0);
      client.close();
    } finally {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
