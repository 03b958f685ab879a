// Walks the batches of a segment file in order, reading windows of the file rather than
// one syscall per batch. Yields views into the window: valid until the next step.
import { BATCH_HEADER_SIZE, BatchField, LOG_OVERHEAD } from '../protocol/records/batch-layout.js';
import { readAt } from './file-io.js';

const WINDOW = 256 * 1024;

export interface WalkedBatch {
  position: number;
  /** The whole batch when it is framed within the file, else what is there (a torn tail). */
  bytes: Buffer;
  /** False when the file ends inside the header or the body (a torn tail). */
  complete: boolean;
}

export function* walkBatches(fd: number, start: number, end: number): Generator<WalkedBatch> {
  let windowStart = start;
  let window = readAt(fd, start, Math.min(WINDOW, end - start));
  let position = start;
  while (position < end) {
    let rel = position - windowStart;
    if (rel + LOG_OVERHEAD > window.length) {
      windowStart = position;
      window = readAt(fd, position, Math.min(Math.max(WINDOW, BATCH_HEADER_SIZE), end - position));
      rel = 0;
      if (window.length < LOG_OVERHEAD) {
        yield { position, bytes: window, complete: false };
        return;
      }
    }
    const batchLength = window.readInt32BE(rel + BatchField.BATCH_LENGTH);
    // A length below the header size can never be valid; hand it to the caller as is.
    const size = batchLength + LOG_OVERHEAD;
    if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD || position + size > end) {
      yield { position, bytes: window.subarray(rel), complete: false };
      return;
    }
    if (rel + size > window.length) {
      windowStart = position;
      window = readAt(fd, position, Math.min(Math.max(WINDOW, size), end - position));
      rel = 0;
    }
    yield { position, bytes: window.subarray(rel, rel + size), complete: true };
    position += size;
  }
}
