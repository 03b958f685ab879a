import { StrataError } from '../errors.js';

/** The key does not exist in the store. */
export class ObjectNotFoundError extends StrataError {
  constructor(readonly key: string) {
    super('STRATA_OBJECT_NOT_FOUND', `object ${key} does not exist`);
    this.name = 'ObjectNotFoundError';
  }
}

/** The store answered that we are going too fast (503 SlowDown, 429, throttling codes). */
export class ObjectStoreThrottledError extends StrataError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STRATA_OBJECT_STORE_THROTTLED', message, options);
    this.name = 'ObjectStoreThrottledError';
  }
}

/** The circuit breaker is open: calls fail fast until its cool-down ends. */
export class CircuitOpenError extends StrataError {
  constructor(readonly retryInMs: number) {
    super('STRATA_OBJECT_STORE_UNAVAILABLE', `object store circuit breaker is open; next probe in ${retryInMs} ms`);
    this.name = 'CircuitOpenError';
  }
}
