// Failed logins, limited per source address: each address has a bucket of `burst` failures
// that refills at `perSecond`; while it is empty, new SASL handshakes from that address are
// refused before any password work is done, so one address cannot brute-force passwords or
// burn the broker's CPU on PBKDF2 (the broker keeps serving everyone else). Addresses are
// forgotten once their bucket is full again; at most `maxAddresses` are tracked (the
// oldest are dropped first).
export class LoginThrottle {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly burst: number, private readonly perSecond: number, private readonly maxAddresses = 10_000, private readonly now: () => number = Date.now) {}

  private level(address: string): { tokens: number; at: number } | undefined {
    const b = this.buckets.get(address);
    if (b === undefined) return undefined;
    const t = this.now();
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    if (b.tokens >= this.burst) {
      this.buckets.delete(address);
      return undefined;
    }
    return b;
  }

  /** Whether `address` may try to log in now. */
  admit(address: string): boolean {
    const b = this.level(address);
    return b === undefined || b.tokens >= 1;
  }

  /** A failed login from `address`. */
  failed(address: string): void {
    const b = this.level(address) ?? { tokens: this.burst, at: this.now() };
    b.tokens = Math.max(0, b.tokens - 1);
    this.buckets.delete(address);
    this.buckets.set(address, b);
    if (this.buckets.size > this.maxAddresses) this.buckets.delete(this.buckets.keys().next().value!);
  }
}
