// Every object-store call goes through here: a token bucket per operation (adaptive on
// throttling answers), bounded retries with full-jitter exponential backoff, and a
// circuit breaker. What happens is reported through `onEvent` (metrics, logs).
import type { ByteRange, ObjectInfo, ObjectOperation, ObjectStore, PutResult } from './object-store.js';
import { CircuitBreaker, type BreakerOptions, type BreakerState } from './circuit-breaker.js';
import { CircuitOpenError, ObjectNotFoundError, ObjectStoreThrottledError } from './tier-errors.js';
import { TokenBucket, type RateLimits } from './token-bucket.js';

export interface ThrottleOptions {
  rates: Record<ObjectOperation, RateLimits>;
  /** Attempts after the first one. */
  retries: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  breaker: BreakerOptions;
}

export type ThrottleEvent =
  | { kind: 'success'; op: ObjectOperation; seconds: number; bytes: number }
  | { kind: 'error'; op: ObjectOperation; error: 'throttled' | 'other' | 'not-found' }
  | { kind: 'retry'; op: ObjectOperation; attempt: number; delayMs: number }
  | { kind: 'rejected'; op: ObjectOperation }
  | { kind: 'rate'; op: ObjectOperation; rate: number }
  | { kind: 'breaker'; state: BreakerState };

export const DEFAULT_THROTTLE: ThrottleOptions = {
  rates: {
    PUT: { rate: 100, minRate: 1, maxRate: 3500 },
    GET: { rate: 500, minRate: 5, maxRate: 5500 },
    DELETE: { rate: 100, minRate: 1, maxRate: 3500 },
    LIST: { rate: 20, minRate: 1, maxRate: 100 },
  },
  retries: 4,
  baseBackoffMs: 100,
  maxBackoffMs: 5000,
  breaker: { failures: 5, coolDownMs: 10_000 },
};

export class ThrottledObjectStore implements ObjectStore {
  readonly buckets: Record<ObjectOperation, TokenBucket>;
  readonly breaker: CircuitBreaker;

  constructor(private readonly inner: ObjectStore, private readonly options: ThrottleOptions = DEFAULT_THROTTLE, private readonly onEvent: (e: ThrottleEvent) => void = () => undefined) {
    this.buckets = {
      PUT: new TokenBucket(options.rates.PUT),
      GET: new TokenBucket(options.rates.GET),
      DELETE: new TokenBucket(options.rates.DELETE),
      LIST: new TokenBucket(options.rates.LIST),
    };
    this.breaker = new CircuitBreaker(options.breaker, (state) => onEvent({ kind: 'breaker', state }));
  }

  private async run<T>(op: ObjectOperation, f: () => Promise<T>, size: (t: T) => number): Promise<T> {
    const bucket = this.buckets[op];
    let last: unknown;
    for (let attempt = 0; attempt <= this.options.retries; attempt++) {
      try {
        this.breaker.beforeCall();
      } catch (err) {
        this.onEvent({ kind: 'rejected', op });
        throw err;
      }
      await bucket.take();
      const started = performance.now();
      try {
        const out = await f();
        this.breaker.onSuccess();
        const before = bucket.rate;
        bucket.onSuccess();
        if (bucket.rate !== before) this.onEvent({ kind: 'rate', op, rate: bucket.rate });
        this.onEvent({ kind: 'success', op, seconds: (performance.now() - started) / 1000, bytes: size(out) });
        return out;
      } catch (err) {
        if (err instanceof ObjectNotFoundError) {
          // An answer, not a failure of the store.
          this.breaker.onSuccess();
          this.onEvent({ kind: 'error', op, error: 'not-found' });
          throw err;
        }
        last = err;
        const throttled = err instanceof ObjectStoreThrottledError;
        this.onEvent({ kind: 'error', op, error: throttled ? 'throttled' : 'other' });
        if (throttled) {
          bucket.onThrottled();
          this.onEvent({ kind: 'rate', op, rate: bucket.rate });
        }
        this.breaker.onFailure();
        if (attempt === this.options.retries || this.breaker.state === 'open') break;
        const cap = Math.min(this.options.maxBackoffMs, this.options.baseBackoffMs * 2 ** attempt);
        const delayMs = Math.floor(Math.random() * cap);
        this.onEvent({ kind: 'retry', op, attempt: attempt + 1, delayMs });
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
    if (this.breaker.state === 'open' && !(last instanceof Error)) throw new CircuitOpenError(this.options.breaker.coolDownMs);
    throw last;
  }

  put(key: string, body: Buffer): Promise<PutResult> {
    return this.run('PUT', () => this.inner.put(key, body), () => body.length);
  }

  get(key: string, range?: ByteRange): Promise<Buffer> {
    return this.run('GET', () => this.inner.get(key, range), (b) => b.length);
  }

  head(key: string): Promise<ObjectInfo | undefined> {
    return this.run('GET', () => this.inner.head(key), () => 0);
  }

  delete(key: string): Promise<void> {
    return this.run('DELETE', () => this.inner.delete(key), () => 0);
  }

  list(prefix: string): Promise<string[]> {
    return this.run('LIST', () => this.inner.list(prefix), () => 0);
  }
}
