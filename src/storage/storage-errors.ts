// Maps file-system failures to the Kafka errors a broker returns (batch check results:
// protocol/records/batch-status-error.ts).
import { KafkaError } from '../errors.js';

export { batchStatusError } from '../protocol/records/batch-status-error.js';

export function storageError(err: unknown, what: string): KafkaError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'unknown';
  const message = err instanceof Error ? err.message : String(err);
  return new KafkaError('KAFKA_STORAGE_ERROR', `${what} failed (${code}): ${message}`, { cause: err });
}
