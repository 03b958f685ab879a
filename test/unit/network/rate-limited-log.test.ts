import { describe, expect, it } from 'vitest';
import { RateLimitedLog } from '../../../src/network/rate-limited-log.js';
import type { Logger } from '../../../src/logger.js';

function recorder(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = { info: (fields: Record<string, unknown>) => lines.push(fields) } as unknown as Logger;
  return { logger, lines };
}

describe('RateLimitedLog', () => {
  it('logs at most `limit` lines per window and reports how many it suppressed', () => {
    const { logger, lines } = recorder();
    const log = new RateLimitedLog('closing', 3, 1000);
    for (let i = 0; i < 100; i++) log.log(logger, { i }, 10_000 + i);
    expect(lines.map((l) => l.i)).toEqual([0, 1, 2]);
    log.log(logger, { i: 'next' }, 11_000);
    expect(lines[3]).toEqual({ i: 'next', suppressed: 97 });
    log.log(logger, { i: 'after' }, 11_001);
    expect(lines[4]).toEqual({ i: 'after' });
  });
});
