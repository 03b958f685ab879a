// Token buckets, adaptive rates, the circuit breaker, and the throttled store's retries,
// with a scripted inner store.
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerState } from '../../../src/tier/circuit-breaker.js';
import type { ObjectStore } from '../../../src/tier/object-store.js';
import { ThrottledObjectStore, type ThrottleEvent, type ThrottleOptions } from '../../../src/tier/throttled-object-store.js';
import { CircuitOpenError, ObjectNotFoundError, ObjectStoreThrottledError } from '../../../src/tier/tier-errors.js';
import { TokenBucket } from '../../../src/tier/token-bucket.js';

describe('TokenBucket', () => {
  it('lets a burst through, then paces at the rate', () => {
    const b = new TokenBucket({ rate: 10, minRate: 1, maxRate: 100, burst: 3 }, 0);
    expect([b.tryTake(0), b.tryTake(0), b.tryTake(0)]).toEqual([0, 0, 0]);
    expect(b.tryTake(0)).toBe(100); // one token per 100 ms at 10/s
    expect(b.tryTake(100)).toBe(0);
    expect(b.tryTake(150)).toBe(50);
  });

  it('halves on throttling, not below the minimum, and creeps up 5% after 20 successes, not above the maximum', () => {
    const b = new TokenBucket({ rate: 100, minRate: 30, maxRate: 110 });
    b.onThrottled();
    expect(b.rate).toBe(50);
    b.onThrottled();
    expect(b.rate).toBe(30);
    for (let i = 0; i < 19; i++) b.onSuccess();
    expect(b.rate).toBe(30);
    b.onSuccess();
    expect(b.rate).toBeCloseTo(31.5);
    for (let i = 0; i < 20 * 40; i++) b.onSuccess();
    expect(b.rate).toBe(110);
  });

  it('refuses inconsistent limits', () => {
    expect(() => new TokenBucket({ rate: 5, minRate: 10, maxRate: 20 })).toThrow(/minRate/);
  });
});

describe('CircuitBreaker', () => {
  it('opens after N failures, fails fast, probes once after the cool-down, closes on success', () => {
    const states: BreakerState[] = [];
    const b = new CircuitBreaker({ failures: 3, coolDownMs: 1000 }, (s) => states.push(s));
    for (let i = 0; i < 3; i++) {
      b.beforeCall(0);
      b.onFailure(0);
    }
    expect(b.state).toBe('open');
    expect(() => b.beforeCall(500)).toThrow(CircuitOpenError);
    b.beforeCall(1000); // the probe
    expect(b.state).toBe('half-open');
    expect(() => b.beforeCall(1000)).toThrow(CircuitOpenError); // one probe at a time
    b.onFailure(1000);
    expect(b.state).toBe('open');
    b.beforeCall(2000);
    b.onSuccess();
    expect(b.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('a success resets the failure count', () => {
    const b = new CircuitBreaker({ failures: 2, coolDownMs: 1000 });
    b.onFailure(0);
    b.onSuccess();
    b.onFailure(0);
    expect(b.state).toBe('closed');
  });
});

const FAST: ThrottleOptions = {
  rates: { PUT: { rate: 1000, minRate: 10, maxRate: 2000 }, GET: { rate: 1000, minRate: 10, maxRate: 2000 }, DELETE: { rate: 1000, minRate: 10, maxRate: 2000 }, LIST: { rate: 1000, minRate: 10, maxRate: 2000 } },
  retries: 3,
  baseBackoffMs: 1,
  maxBackoffMs: 5,
  breaker: { failures: 4, coolDownMs: 200 },
};

/** An inner store that fails according to a script, then succeeds. */
function scripted(script: Array<'throttle' | 'fail' | 'ok'>): ObjectStore & { calls: number } {
  const s = {
    calls: 0,
    async put() {
      const step = script[s.calls++] ?? 'ok';
      if (step === 'throttle') throw new ObjectStoreThrottledError('SlowDown');
      if (step === 'fail') throw new Error('connection reset');
      return { etag: '"e"' };
    },
    async get(key: string): Promise<Buffer> {
      throw new ObjectNotFoundError(key);
    },
    async head() {
      return undefined;
    },
    async delete() {},
    async list() {
      return [];
    },
  };
  return s;
}

describe('ThrottledObjectStore', () => {
  it('retries throttling and errors, halving the rate on SlowDown', async () => {
    const events: ThrottleEvent[] = [];
    const inner = scripted(['throttle', 'fail', 'ok']);
    const store = new ThrottledObjectStore(inner, FAST, (e) => events.push(e));
    expect(await store.put('k', Buffer.from('x'))).toEqual({ etag: '"e"' });
    expect(inner.calls).toBe(3);
    expect(store.buckets.PUT.rate).toBe(500);
    expect(events.filter((e) => e.kind === 'retry').length).toBe(2);
    expect(events.some((e) => e.kind === 'success' && e.bytes === 1)).toBe(true);
  });

  it('gives up after the retries and opens the breaker; calls then fail fast until the cool-down; a probe closes it', async () => {
    const events: ThrottleEvent[] = [];
    const inner = scripted(['fail', 'fail', 'fail', 'fail', 'fail']);
    const store = new ThrottledObjectStore(inner, FAST, (e) => events.push(e));
    await expect(store.put('k', Buffer.from('x'))).rejects.toThrow(/connection reset/);
    expect(store.breaker.state).toBe('open');
    const calls = inner.calls;
    await expect(store.put('k', Buffer.from('x'))).rejects.toThrow(CircuitOpenError);
    expect(inner.calls).toBe(calls); // failed fast, nothing sent
    await new Promise((r) => setTimeout(r, 250));
    inner.calls = 100; // the script is over: the probe succeeds
    await store.put('k', Buffer.from('x'));
    expect(store.breaker.state).toBe('closed');
    expect(events.filter((e) => e.kind === 'breaker').map((e) => (e as { state: string }).state)).toEqual(['open', 'half-open', 'closed']);
  });

  it('does not count a missing object as a failure', async () => {
    const store = new ThrottledObjectStore(scripted([]), FAST);
    for (let i = 0; i < 10; i++) await expect(store.get('nope')).rejects.toThrow(ObjectNotFoundError);
    expect(store.breaker.state).toBe('closed');
  });
});
