// Circuit breaker in front of the object store: closed → open after `failures` failures in
// a row → half-open (one probe call) after `coolDownMs` → closed on a successful probe, open
// again on a failed one. While open, calls fail at once instead of piling up.
import { CircuitOpenError } from './tier-errors.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  failures: number;
  coolDownMs: number;
}

export class CircuitBreaker {
  state: BreakerState = 'closed';
  private consecutiveFailures = 0;
  private openedAt = 0;
  private probeInFlight = false;

  constructor(private readonly options: BreakerOptions, private readonly onChange: (s: BreakerState) => void = () => undefined) {}

  private set(s: BreakerState): void {
    if (s === this.state) return;
    this.state = s;
    this.onChange(s);
  }

  /** Throws CircuitOpenError when the call must not go out now. */
  beforeCall(now = Date.now()): void {
    if (this.state === 'open') {
      const left = this.openedAt + this.options.coolDownMs - now;
      if (left > 0) throw new CircuitOpenError(left);
      this.set('half-open');
    }
    if (this.state === 'half-open') {
      if (this.probeInFlight) throw new CircuitOpenError(this.options.coolDownMs);
      this.probeInFlight = true;
    }
  }

  onSuccess(): void {
    this.consecutiveFailures = 0;
    this.probeInFlight = false;
    this.set('closed');
  }

  onFailure(now = Date.now()): void {
    this.probeInFlight = false;
    this.consecutiveFailures++;
    if (this.state === 'half-open' || this.consecutiveFailures >= this.options.failures) {
      this.openedAt = now;
      this.set('open');
    }
  }
}
