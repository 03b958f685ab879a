// A typed array that doubles when full: index entries are appended one at a time and
// binary-searched, so they live in flat numeric arrays, not arrays of objects.
type NumericArray = Uint32Array | Float64Array;

class Growable<A extends NumericArray> {
  private data: A;
  length = 0;

  constructor(private readonly make: (n: number) => A, capacity = 64) {
    this.data = make(capacity);
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  at(i: number): number {
    return this.data[i]!;
  }
}

/** Relative offsets and byte positions (both below 2^32). */
export class GrowableU32 extends Growable<Uint32Array> {
  constructor() {
    super((n) => new Uint32Array(n));
  }
}

/** Millisecond timestamps (exact in a double). */
export class GrowableF64 extends Growable<Float64Array> {
  constructor() {
    super((n) => new Float64Array(n));
  }
}

/** Index of the last element with key(i) <= target in a sorted sequence, or -1. */
export function lastAtOrBelow(length: number, key: (i: number) => number, target: number): number {
  let lo = 0;
  let hi = length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (key(mid) <= target) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
