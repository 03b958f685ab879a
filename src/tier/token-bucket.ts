// A token bucket per S3 operation, with an adaptive rate: halved when the store says
// "slow down", raised 5% after a run of successes, always within [minRate, maxRate].
export interface RateLimits {
  /** Requests per second to start at. */
  rate: number;
  minRate: number;
  maxRate: number;
  /** Requests allowed back to back. */
  burst?: number;
}

/** Successes in a row before the rate goes up by 5%. */
const SUCCESS_RUN = 20;

export class TokenBucket {
  private tokens: number;
  private last: number;
  private successes = 0;
  rate: number;
  readonly burst: number;

  constructor(private readonly limits: RateLimits, now = Date.now()) {
    if (!(limits.minRate > 0 && limits.minRate <= limits.rate && limits.rate <= limits.maxRate)) {
      throw new RangeError(`rate limits must satisfy 0 < minRate <= rate <= maxRate, got ${JSON.stringify(limits)}`);
    }
    this.rate = limits.rate;
    this.burst = Math.max(1, limits.burst ?? Math.ceil(limits.rate));
    this.tokens = this.burst;
    this.last = now;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  /** Takes a token and returns 0, or returns how many ms until one will be there. */
  tryTake(now = Date.now()): number {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }

  async take(): Promise<void> {
    for (let wait = this.tryTake(); wait > 0; wait = this.tryTake()) await new Promise((r) => setTimeout(r, wait));
  }

  /** The store throttled us: halve the rate (not below minRate). */
  onThrottled(): void {
    this.successes = 0;
    this.rate = Math.max(this.limits.minRate, this.rate / 2);
    this.tokens = Math.min(this.tokens, 0);
  }

  onSuccess(): void {
    if (++this.successes < SUCCESS_RUN) return;
    this.successes = 0;
    this.rate = Math.min(this.limits.maxRate, this.rate * 1.05);
  }
}
