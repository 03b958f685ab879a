// Layout of a single-producer/single-consumer ring on a SharedArrayBuffer.
//
//   [ header: 5 cache lines ][ data: capacity bytes (a power of two) ]
//
// Header slots are Int32 indices, one per 64-byte cache line so the producer's and the
// consumer's writes never share a line (no false sharing between the two cores).
// Records in the data area are 8-byte aligned: [length i32][reserved i32][payload].
// A record never wraps: when it does not fit before the end, the producer writes a WRAP
// marker (length -1) and continues at offset 0, so every payload is contiguous and can be
// handed out as one view without copying.

const CACHE_LINE_INTS = 16;

export const RingSlot = {
  /** Bytes ever committed by the producer (uint32, wraps). */
  HEAD: 0,
  /** Bytes ever released by the consumer (uint32, wraps). */
  TAIL: 1 * CACHE_LINE_INTS,
  /** 1 while the consumer sleeps (or is about to) waiting for HEAD to move. */
  CONSUMER_PARKED: 2 * CACHE_LINE_INTS,
  /** 1 while the producer sleeps waiting for TAIL to move (ring full). */
  PRODUCER_PARKED: 3 * CACHE_LINE_INTS,
  /** 1 once either side gave up on the ring (a thread died, shutdown). */
  CLOSED: 4 * CACHE_LINE_INTS,
} as const;

export const HEADER_BYTES = 5 * CACHE_LINE_INTS * 4;
export const RECORD_HEADER_BYTES = 8;
export const RECORD_ALIGN = 8;
export const WRAP_MARKER = -1;
export const MIN_CAPACITY = 1024;
export const MAX_CAPACITY = 1 << 30;

/** Bytes a record of `length` payload bytes takes in the ring. */
export function recordSpan(length: number): number {
  return (RECORD_HEADER_BYTES + length + RECORD_ALIGN - 1) & ~(RECORD_ALIGN - 1);
}
