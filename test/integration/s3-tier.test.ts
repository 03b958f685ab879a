// The object store against a real S3-compatible server (s3rver, started here), directly
// and through the fault-injecting proxy with the throttle in front: SlowDown bursts,
// resets, hung requests, slow answers and an outage.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../src/tier/local-object-store.js';
import type { ObjectStore } from '../../src/tier/object-store.js';
import { S3ObjectStore } from '../../src/tier/s3-object-store.js';
import { ThrottledObjectStore, type ThrottleEvent, type ThrottleOptions } from '../../src/tier/throttled-object-store.js';
import { CircuitOpenError, ObjectNotFoundError } from '../../src/tier/tier-errors.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { randomBytes, rng } from '../helpers/batches.js';
import { startS3, type TestS3 } from '../helpers/s3.js';

let s3: TestS3;
let s3Port: number;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-s3-'));
  s3 = await startS3(dir);
  s3Port = s3.port;
});

afterAll(async () => {
  await s3.close();
  rmSync(dir, { recursive: true, force: true });
});

function s3Store(port: number, extra: Partial<ConstructorParameters<typeof S3ObjectStore>[0]> = {}): S3ObjectStore {
  return new S3ObjectStore({
    bucket: s3.bucket, prefix: 'test/', endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, ...extra,
  });
}

async function contract(store: ObjectStore): Promise<void> {
  const body = randomBytes(rng(1), 100_000);
  const put = await store.put('segments/0000.log', body);
  expect(put.etag).toMatch(/^".+"$/);
  expect((await store.get('segments/0000.log')).equals(body)).toBe(true);
  expect((await store.get('segments/0000.log', { start: 1000, end: 1999 })).equals(body.subarray(1000, 2000))).toBe(true);
  expect(await store.head('segments/0000.log')).toMatchObject({ size: 100_000 });
  expect(await store.head('segments/nope')).toBeUndefined();
  await store.put('segments/0001.log', Buffer.from('b'));
  await store.put('manifest.json', Buffer.from('{}'));
  expect(await store.list('segments/')).toEqual(['segments/0000.log', 'segments/0001.log']);
  await store.delete('segments/0000.log');
  await expect(store.get('segments/0000.log')).rejects.toThrow(ObjectNotFoundError);
  expect(await store.list('segments/')).toEqual(['segments/0001.log']);
}

describe('object stores', () => {
  it('local directory: the same contract', async () => {
    await contract(new LocalObjectStore(join(dir, 'local')));
  });

  it('S3: the same contract, and multipart uploads above the threshold', async () => {
    const store = s3Store(s3Port, { multipartThreshold: 6 * 1024 * 1024, partSize: 5 * 1024 * 1024 });
    await contract(store);
    const big = randomBytes(rng(2), 12 * 1024 * 1024 + 17);
    await store.put('big/segment.log', big);
    expect((await store.get('big/segment.log')).equals(big)).toBe(true);
    expect((await store.get('big/segment.log', { start: 5 * 1024 * 1024 - 3, end: 5 * 1024 * 1024 + 3 })).equals(big.subarray(5 * 1024 * 1024 - 3, 5 * 1024 * 1024 + 4))).toBe(true);
    store.destroy();
  });
});

const OPTIONS: ThrottleOptions = {
  rates: { PUT: { rate: 200, minRate: 5, maxRate: 400 }, GET: { rate: 200, minRate: 5, maxRate: 400 }, DELETE: { rate: 200, minRate: 5, maxRate: 400 }, LIST: { rate: 50, minRate: 1, maxRate: 100 } },
  retries: 4,
  baseBackoffMs: 5,
  maxBackoffMs: 50,
  breaker: { failures: 5, coolDownMs: 400 },
};

describe('S3 through faults, with the throttle', () => {
  let proxy: FaultProxy;
  let store: ThrottledObjectStore;
  let raw: S3ObjectStore;
  const events: ThrottleEvent[] = [];

  beforeAll(async () => {
    proxy = new FaultProxy(s3Port);
    const port = await proxy.start();
    raw = s3Store(port, { requestTimeoutMs: 300 });
    store = new ThrottledObjectStore(raw, OPTIONS, (e) => events.push(e));
  });

  afterAll(async () => {
    raw.destroy();
    await proxy.close();
  });

  it('rides out a SlowDown burst, halving the PUT rate, then earns it back', async () => {
    proxy.fault = { kind: 'slowdown', count: 3 };
    await store.put('faults/a', Buffer.from('survives'));
    expect(proxy.counts.slowdown).toBe(3);
    expect(store.buckets.PUT.rate).toBe(25); // 200 → 100 → 50 → 25
    expect((await store.get('faults/a')).toString()).toBe('survives');
    for (let i = 0; i < 60; i++) await store.put(`faults/up-${i}`, Buffer.from(String(i)));
    expect(store.buckets.PUT.rate).toBeGreaterThan(25 * 1.05 ** 2); // back up 5% per 20 successes
  });

  it('retries connection resets, hung requests (client timeout) and slow answers', async () => {
    proxy.fault = { kind: 'reset', count: 2 };
    await store.put('faults/reset', Buffer.from('r'));
    proxy.fault = { kind: 'hang', count: 1 };
    await store.put('faults/hang', Buffer.from('h'));
    expect(proxy.counts.hang).toBe(1);
    proxy.fault = { kind: 'slow', delayMs: 100 };
    expect((await store.get('faults/reset')).toString()).toBe('r');
    proxy.fault = { kind: 'none' };
    expect((await store.get('faults/hang')).toString()).toBe('h');
  });

  it('an outage opens the breaker (calls fail fast), and the first probe after it ends closes it', async () => {
    proxy.fault = { kind: 'outage' };
    await expect(store.put('faults/outage', Buffer.from('x'))).rejects.toThrow();
    expect(store.breaker.state).toBe('open');
    const sentBefore = proxy.counts.outage;
    await expect(store.put('faults/outage', Buffer.from('x'))).rejects.toThrow(CircuitOpenError);
    expect(proxy.counts.outage).toBe(sentBefore); // nothing reached the network
    await new Promise((r) => setTimeout(r, 450));
    await expect(store.put('faults/outage', Buffer.from('x'))).rejects.toThrow(); // the probe fails: still down
    expect(store.breaker.state).toBe('open');
    proxy.fault = { kind: 'none' }; // the outage ends
    await new Promise((r) => setTimeout(r, 450));
    await store.put('faults/outage', Buffer.from('back'));
    expect(store.breaker.state).toBe('closed');
    expect((await store.get('faults/outage')).toString()).toBe('back');
    const transitions = events.filter((e) => e.kind === 'breaker').map((e) => (e as { state: string }).state);
    expect(transitions).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });
});
