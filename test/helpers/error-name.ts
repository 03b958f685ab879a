// The name of what an operation failed with: a KafkaError's error name, a StrataError's
// code, anything else as text; undefined when it succeeded.
import { isKafkaError, StrataError } from '../../src/errors.js';

export async function errorName(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
    return undefined;
  } catch (err) {
    return err instanceof StrataError ? err.code : isKafkaError(err) ? err.errorName : String(err);
  }
}
