// Typed errors. A KafkaError carries the Kafka error code a real broker would answer
// with (from the generated table), so handlers map it to the wire without matching text.
// StrataError is for internal failures with a stable string code (STRATA_*).
import { ERRORS_BY_CODE, ErrorCode, type ErrorCodeName } from './protocol/generated/error-codes.js';

export class KafkaError extends Error {
  readonly errorCode: number;
  readonly errorName: ErrorCodeName;
  readonly retriable: boolean;

  constructor(name: ErrorCodeName, message: string, options?: { cause?: unknown }) {
    super(`${name}: ${message}`, options);
    this.name = 'KafkaError';
    this.errorName = name;
    this.errorCode = ErrorCode[name];
    this.retriable = ERRORS_BY_CODE.get(this.errorCode)?.retriable ?? false;
  }
}

export function isKafkaError(err: unknown, name?: ErrorCodeName): err is KafkaError {
  return err instanceof KafkaError && (name === undefined || err.errorName === name);
}

export type StrataErrorCode =
  | 'STRATA_CONFIG_INVALID'
  | 'STRATA_LOG_CLOSED'
  | 'STRATA_LOG_FAILED'
  /** A stored batch that does not decode (the log cleaner leaves such a log as it is). */
  | 'STRATA_LOG_CORRUPT'
  | 'STRATA_NATIVE_UNAVAILABLE'
  | 'STRATA_PROTOCOL_MALFORMED'
  | 'STRATA_RING_CLOSED'
  | 'STRATA_OBJECT_NOT_FOUND'
  | 'STRATA_OBJECT_STORE_THROTTLED'
  | 'STRATA_OBJECT_STORE_UNAVAILABLE'
  /** A conditional metadata update lost: the entity's version moved (another writer, or a stale broker). */
  | 'STRATA_METADATA_CONFLICT';

export class StrataError extends Error {
  readonly code: StrataErrorCode;

  constructor(code: StrataErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StrataError';
    this.code = code;
  }
}
