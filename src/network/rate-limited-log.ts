// An info log line that a misbehaving client cannot turn into a flood: at most `limit`
// lines per window; the next line after a window says how many were suppressed.
import type { Logger } from '../logger.js';

export class RateLimitedLog {
  private windowStart = 0;
  private inWindow = 0;
  private suppressed = 0;

  constructor(private readonly msg: string, private readonly limit: number, private readonly windowMs: number) {}

  log(logger: Logger, fields: Record<string, unknown>, now = Date.now()): void {
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (this.inWindow >= this.limit) {
      this.suppressed++;
      return;
    }
    this.inWindow++;
    const extra = this.suppressed > 0 ? { suppressed: this.suppressed } : {};
    this.suppressed = 0;
    logger.info({ ...fields, ...extra }, this.msg);
  }
}
