// The SharedArrayBuffer ring across real worker threads: millions of records of random
// sizes with their contents checked, order kept, nothing lost or duplicated; a full ring
// with backpressure; a consumer that dies; and single-thread edge cases.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { RECORD_HEADER_BYTES, recordSpan } from '../../../src/ring/layout.js';
import { RingClosedError, SpscRing } from '../../../src/ring/spsc-ring.js';
import { fillRecord, recordSize } from '../../fixtures/ring-records.js';
import { root } from '../../helpers/broker.js';

const workerFile = join(root, 'dist', 'test', 'fixtures', 'ring-worker.js');
const RECORDS = Number(process.env.STRATA_RING_RECORDS ?? 2_000_000);

function start(data: Record<string, unknown>): { worker: Worker; result: Promise<any>; exit: Promise<number> } {
  const worker = new Worker(workerFile, { workerData: data });
  const result = new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const exit = new Promise<number>((resolve) => worker.once('exit', resolve));
  return { worker, result, exit };
}

describe('SpscRing (single thread)', () => {
  it('rejects bad capacities and records that cannot fit', () => {
    expect(() => SpscRing.allocate(1000)).toThrow(/power of two/);
    expect(() => SpscRing.allocate(512)).toThrow(/power of two/);
    const ring = new SpscRing(SpscRing.allocate(1024));
    expect(() => ring.reserve(1024)).toThrow(/does not fit/);
  });

  it('fills, reports full, drains, and wraps records around the end without splitting them', () => {
    const ring = new SpscRing(SpscRing.allocate(1024));
    const payload = (n: number, b: number): Uint8Array => new Uint8Array(n).fill(b);
    let pushed = 0;
    while (ring.tryPush(payload(100, pushed))) pushed++;
    expect(pushed).toBe(Math.floor(1024 / recordSpan(100)));
    expect(ring.usedBytes).toBe(pushed * recordSpan(100));
    // Free three records, then push one that must wrap to offset 0.
    expect(ring.drain(() => undefined, 3)).toBe(3);
    const seen: number[] = [];
    expect(ring.tryPush(payload(200, 77))).toBe(true);
    ring.drain((p) => seen.push(p.length === 200 ? 1000 + p[0]! : p[0]!));
    expect(seen).toEqual([...Array.from({ length: pushed - 3 }, (_, i) => i + 3), 1077]);
    expect(ring.usedBytes).toBe(0);
    const at = ring.reserve(10);
    expect(at % 8).toBe(RECORD_HEADER_BYTES % 8);
  });

  it('refuses to produce once closed', async () => {
    const ring = new SpscRing(SpscRing.allocate(1024));
    ring.close();
    expect(() => ring.tryPush(new Uint8Array(1))).toThrow(RingClosedError);
    await expect(ring.push(new Uint8Array(1))).rejects.toThrow(RingClosedError);
  });
});

describe('SpscRing across worker threads', () => {
  it(`main → worker: ${RECORDS.toLocaleString('en-US')} records of random sizes arrive whole, in order, once`, async () => {
    const sab = SpscRing.allocate(1 << 20);
    const ring = new SpscRing(sab);
    const { result, exit } = start({ mode: 'verify', sab, count: RECORDS, seed: 7 });
    // If the consumer stops early, close the ring so the producer fails instead of waiting forever.
    void exit.then(() => ring.close());
    const scratch = new Uint8Array(70_000);
    for (let i = 0; i < RECORDS; i++) {
      const size = recordSize(i, 7);
      fillRecord(scratch, i, size);
      if (!ring.tryPush(scratch.subarray(0, size))) await ring.push(scratch.subarray(0, size));
    }
    expect(await result).toEqual({ received: RECORDS, bad: 0 });
  });

  it('worker → main: records arrive in order while the main thread waits asynchronously', async () => {
    const sab = SpscRing.allocate(1 << 20);
    const ring = new SpscRing(sab);
    const count = Math.min(RECORDS, 300_000);
    const { result } = start({ mode: 'produce', sab, count, seed: 3 });
    let next = 0;
    let bad = 0;
    while (next < count) {
      if (!(await ring.waitReadableAsync(5000))) break;
      ring.drain((p) => {
        const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
        if (p.length !== recordSize(next, 3) || v.getUint32(0, true) !== next || (p.length > 5 && p[5] !== ((next + 5) & 0xff))) bad++;
        next++;
      });
    }
    expect({ next, bad }).toEqual({ next: count, bad: 0 });
    expect(await result).toEqual({ produced: count });
  });

  it('a full ring pushes back on the producer until the consumer catches up', async () => {
    const sab = SpscRing.allocate(4096); // a few records at a time
    const ring = new SpscRing(sab);
    const count = 20_000;
    const { result, exit } = start({ mode: 'verify', sab, count, seed: 11 });
    void exit.then(() => ring.close());
    let fullTimes = 0;
    const scratch = new Uint8Array(70_000);
    for (let i = 0; i < count; i++) {
      const size = Math.min(recordSize(i, 11), 1000);
      fillRecord(scratch, i, size);
      while (!ring.tryPush(scratch.subarray(0, size))) {
        fullTimes++;
        await ring.waitWritable(1000);
      }
    }
    expect(fullTimes).toBeGreaterThan(0);
    expect(ring.usedBytes).toBeLessThanOrEqual(4096);
    const r = await result;
    expect(r.received).toBe(count);
    // Sizes were clamped here, so the worker's size check flags records over 1000 bytes only.
    expect(r.bad).toBe(Array.from({ length: count }, (_, i) => recordSize(i, 11) > 1000).filter(Boolean).length);
  });

  it('a consumer that dies closes the ring: the producer gets an error, not a hang', async () => {
    const sab = SpscRing.allocate(8192);
    const ring = new SpscRing(sab);
    const { worker, exit } = start({ mode: 'verify', sab, count: 1_000_000, dieAfter: 500, seed: 5 });
    worker.on('error', () => undefined);
    exit.then(() => ring.close());
    const scratch = new Uint8Array(70_000);
    let err: unknown;
    try {
      for (let i = 0; i < 1_000_000; i++) {
        const size = Math.min(recordSize(i, 5), 2000);
        fillRecord(scratch, i, size);
        await ring.push(scratch.subarray(0, size));
      }
    } catch (e) {
      err = e;
    }
    expect(await exit).toBe(3);
    expect(err).toBeInstanceOf(RingClosedError);
  });
});
