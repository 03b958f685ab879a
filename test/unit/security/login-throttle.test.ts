// Failed logins per address: a burst, then a steady rate; other addresses unaffected.
import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../../src/security/login-throttle.js';

describe('LoginThrottle', () => {
  it('admits a burst of failures, then refills at the given rate, per address', () => {
    let now = 0;
    const t = new LoginThrottle(3, 2, 100, () => now);
    for (let i = 0; i < 3; i++) {
      expect(t.admit('a')).toBe(true);
      t.failed('a');
    }
    expect(t.admit('a')).toBe(false);
    expect(t.admit('b')).toBe(true);
    now += 499;
    expect(t.admit('a')).toBe(false);
    now += 1;
    expect(t.admit('a')).toBe(true);
    now += 10_000;
    expect(t.admit('a')).toBe(true);
  });

  it('tracks at most maxAddresses, dropping the oldest', () => {
    const t = new LoginThrottle(1, 1, 2, () => 0);
    for (const a of ['x', 'y', 'z']) t.failed(a);
    expect(t.admit('x')).toBe(true);
    expect(t.admit('y')).toBe(false);
    expect(t.admit('z')).toBe(false);
  });
});
