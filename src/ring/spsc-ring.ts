// A lock-free single-producer/single-consumer ring of variable-length records on a
// SharedArrayBuffer (layout in ./layout.ts; why not ringbuf.js: docs/adr/0004).
// Exactly one thread produces and one consumes; each side keeps its own index locally and
// publishes it with one Atomics.store per batch, so a hand-off costs no lock and no
// syscall unless the other side is asleep. Sleeping is Atomics.wait on the index the
// other side moves (workers) or Atomics.waitAsync (the main thread), after a short spin.
import { StrataError } from '../errors.js';
import { HEADER_BYTES, MAX_CAPACITY, MIN_CAPACITY, RECORD_HEADER_BYTES, RingSlot, WRAP_MARKER, recordSpan } from './layout.js';

export class RingClosedError extends StrataError {
  constructor() {
    super('STRATA_RING_CLOSED', 'the ring was closed (the other side stopped)');
    this.name = 'RingClosedError';
  }
}

/**
 * How long to spin before parking. Waking a thread on the other core costs ~25 µs (futex
 * wake plus scheduling; DESIGN.md), so a peer that answers within this window is caught
 * without that cost; an idle side parks after it and burns no CPU.
 */
const DEFAULT_SPIN_MICROS = 50;

/** Calls `ready` until it returns true or `micros` pass; checks the clock every 64 tries. */
function spin(ready: () => boolean, micros: number): boolean {
  if (micros <= 0) return ready();
  const until = performance.now() + micros / 1000;
  for (let i = 1; ; i++) {
    if (ready()) return true;
    if ((i & 63) === 0 && performance.now() > until) return false;
  }
}

export class SpscRing {
  readonly capacity: number;
  private readonly mask: number;
  private readonly header: Int32Array;
  private readonly data32: Int32Array;
  readonly data: Uint8Array;
  /** Producer's and consumer's private copies of their own index. */
  private head: number;
  private tail: number;
  private pendingHead: number;
  /** The consumer's index as the producer last saw it (when it found the ring full). */
  private seenTail: number;

  static allocate(capacity: number): SharedArrayBuffer {
    if (!Number.isInteger(capacity) || capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || (capacity & (capacity - 1)) !== 0) {
      throw new RangeError(`ring capacity must be a power of two from ${MIN_CAPACITY} to ${MAX_CAPACITY}, got ${capacity}`);
    }
    return new SharedArrayBuffer(HEADER_BYTES + capacity);
  }

  constructor(readonly sab: SharedArrayBuffer) {
    this.capacity = sab.byteLength - HEADER_BYTES;
    this.mask = this.capacity - 1;
    this.header = new Int32Array(sab, 0, HEADER_BYTES / 4);
    this.data32 = new Int32Array(sab, HEADER_BYTES, this.capacity / 4);
    this.data = new Uint8Array(sab, HEADER_BYTES, this.capacity);
    this.head = Atomics.load(this.header, RingSlot.HEAD) >>> 0;
    this.tail = Atomics.load(this.header, RingSlot.TAIL) >>> 0;
    this.pendingHead = this.head;
    this.seenTail = this.tail;
  }

  get closed(): boolean {
    return Atomics.load(this.header, RingSlot.CLOSED) === 1;
  }

  /** Bytes in use (written, not yet released): the occupancy metric. */
  get usedBytes(): number {
    return ((Atomics.load(this.header, RingSlot.HEAD) >>> 0) - (Atomics.load(this.header, RingSlot.TAIL) >>> 0)) >>> 0;
  }

  close(): void {
    Atomics.store(this.header, RingSlot.CLOSED, 1);
    Atomics.notify(this.header, RingSlot.HEAD);
    Atomics.notify(this.header, RingSlot.TAIL);
  }

  // ---- producer side ----

  /**
   * Reserves contiguous room for a payload of `length` bytes; returns its offset in
   * `data` (write the payload there, then commit()), or -1 when the ring is full.
   */
  reserve(length: number): number {
    if (this.closed) throw new RingClosedError();
    const span = recordSpan(length);
    if (span > this.capacity) throw new RangeError(`record of ${length} bytes does not fit a ${this.capacity}-byte ring`);
    let head = this.pendingHead;
    const tail = Atomics.load(this.header, RingSlot.TAIL) >>> 0;
    this.seenTail = tail;
    const free = this.capacity - ((head - tail) >>> 0);
    let pos = head & this.mask;
    const untilEnd = this.capacity - pos;
    if (untilEnd < span) {
      if (free < untilEnd + span) return -1;
      this.data32[pos >>> 2] = WRAP_MARKER;
      head = (head + untilEnd) >>> 0;
      pos = 0;
    } else if (free < span) {
      return -1;
    }
    this.data32[pos >>> 2] = length;
    this.pendingHead = (head + span) >>> 0;
    return pos + RECORD_HEADER_BYTES;
  }

  /** Publishes every reserved record (one store for a whole batch) and wakes a sleeping consumer. */
  commit(): void {
    if (this.pendingHead === this.head) return;
    this.head = this.pendingHead;
    Atomics.store(this.header, RingSlot.HEAD, this.head | 0);
    if (Atomics.load(this.header, RingSlot.CONSUMER_PARKED) === 1) Atomics.notify(this.header, RingSlot.HEAD);
  }

  /** Copies one payload in and commits it; false when the ring is full. */
  tryPush(payload: Uint8Array): boolean {
    const at = this.reserve(payload.length);
    if (at < 0) return false;
    this.data.set(payload, at);
    this.commit();
    return true;
  }

  /** Resolves when the consumer has released space (or after timeoutMs); main-thread safe. */
  async waitWritable(timeoutMs = 1000): Promise<void> {
    if (this.closed) throw new RingClosedError();
    Atomics.store(this.header, RingSlot.PRODUCER_PARKED, 1);
    try {
      // Wait on the tail we saw when the ring was full: if the consumer has released
      // space since, this returns at once instead of sleeping through it.
      const w = Atomics.waitAsync(this.header, RingSlot.TAIL, this.seenTail | 0, timeoutMs);
      if (w.async) await w.value;
    } finally {
      Atomics.store(this.header, RingSlot.PRODUCER_PARKED, 0);
    }
    if (this.closed) throw new RingClosedError();
  }

  /** Pushes with backpressure: waits while the ring is full. */
  async push(payload: Uint8Array): Promise<void> {
    while (!this.tryPush(payload)) await this.waitWritable();
  }

  // ---- consumer side ----

  /**
   * Hands every available record (up to `max`) to `visit` as a view into the ring (no copy;
   * valid only during the call), then releases them all with one store.
   */
  drain(visit: (payload: Uint8Array) => void, max = Infinity): number {
    let tail = this.tail;
    const head = Atomics.load(this.header, RingSlot.HEAD) >>> 0;
    let n = 0;
    while (tail !== head && n < max) {
      const pos = tail & this.mask;
      const length = this.data32[pos >>> 2]!;
      if (length === WRAP_MARKER) {
        tail = (tail + this.capacity - pos) >>> 0;
        continue;
      }
      const start = pos + RECORD_HEADER_BYTES;
      visit(this.data.subarray(start, start + length));
      tail = (tail + recordSpan(length)) >>> 0;
      n++;
    }
    if (tail !== this.tail) {
      this.tail = tail;
      Atomics.store(this.header, RingSlot.TAIL, tail | 0);
      if (Atomics.load(this.header, RingSlot.PRODUCER_PARKED) === 1) Atomics.notify(this.header, RingSlot.TAIL);
    }
    return n;
  }

  private hasData(): boolean {
    return (Atomics.load(this.header, RingSlot.HEAD) >>> 0) !== this.tail;
  }

  /**
   * Worker side: spins briefly, then sleeps until a record arrives or timeoutMs passes.
   * A wake-up without data is spurious (a notify meant for an earlier sleep can arrive
   * late, when the producer runs behind): it sleeps again until the deadline.
   */
  waitReadable(timeoutMs = 1000, spinMicros = DEFAULT_SPIN_MICROS): boolean {
    if (spin(() => this.hasData(), spinMicros)) return true;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const left = deadline - performance.now();
      if (left <= 0) return this.hasData();
      Atomics.store(this.header, RingSlot.CONSUMER_PARKED, 1);
      try {
        if (this.hasData()) return true;
        // Sleeps only while HEAD still equals our tail, so a commit between the check and
        // the wait is never missed.
        Atomics.wait(this.header, RingSlot.HEAD, this.tail | 0, left);
      } finally {
        Atomics.store(this.header, RingSlot.CONSUMER_PARKED, 0);
      }
      if (this.hasData()) return true;
    }
  }

  /**
   * Main-thread side: the same without blocking the event loop for longer than the short
   * spin (waitAsync wakes go through the event loop and cost more than a spin that hits).
   */
  async waitReadableAsync(timeoutMs = 1000, spinMicros = DEFAULT_SPIN_MICROS): Promise<boolean> {
    if (spin(() => this.hasData(), spinMicros)) return true;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const left = deadline - performance.now();
      if (left <= 0) return this.hasData();
      Atomics.store(this.header, RingSlot.CONSUMER_PARKED, 1);
      try {
        if (this.hasData()) return true;
        const w = Atomics.waitAsync(this.header, RingSlot.HEAD, this.tail | 0, left);
        if (w.async) await w.value;
      } finally {
        Atomics.store(this.header, RingSlot.CONSUMER_PARKED, 0);
      }
      if (this.hasData()) return true;
    }
  }
}
