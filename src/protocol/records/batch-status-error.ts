// Maps a batch check result (native or fallback) to the Kafka error a broker returns.
import { KafkaError } from '../../errors.js';
import { BatchStatus, type BatchStatusCode } from './batch-layout.js';

export function batchStatusError(status: BatchStatusCode, size: number, maxBytes: number): KafkaError {
  switch (status) {
    case BatchStatus.TOO_SHORT:
      return new KafkaError('CORRUPT_MESSAGE', `record batch of ${size} bytes is shorter than its header`);
    case BatchStatus.LENGTH_MISMATCH:
      return new KafkaError('CORRUPT_MESSAGE', `record batch length field does not match its ${size} bytes`);
    case BatchStatus.TOO_LARGE:
      return new KafkaError('MESSAGE_TOO_LARGE', `record batch of ${size} bytes exceeds max.message.bytes=${maxBytes}`);
    case BatchStatus.BAD_MAGIC:
      return new KafkaError('INVALID_RECORD', 'only magic 2 record batches are accepted');
    case BatchStatus.BAD_CRC:
      return new KafkaError('CORRUPT_MESSAGE', 'record batch CRC-32C does not match its contents');
    case BatchStatus.BAD_RECORD_COUNT:
      return new KafkaError('INVALID_RECORD', 'record count and lastOffsetDelta disagree');
    default:
      return new KafkaError('CORRUPT_MESSAGE', `record batch rejected (status ${status})`);
  }
}
