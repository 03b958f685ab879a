import { KafkaError } from '../errors.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';

export function errorCodeOf(err: unknown): number {
  return err instanceof KafkaError ? err.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR;
}

export function errorMessageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
