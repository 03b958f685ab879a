// The audit log: authentication failures and every change to users (and, later, ACLs and
// quotas), as JSON lines on a stream of its own (pino), each with the principal, the
// client's address, the resource and the operation.
import { pino, type Logger as PinoLogger } from 'pino';
import type { AuditLog, AuditEvent } from '../services/audit.js';

export class PinoAuditLog implements AuditLog {
  private readonly log: PinoLogger;

  /** `file`: where the lines go ('' = standard output, '-' = nowhere). */
  constructor(file: string) {
    const destination = file === '' ? pino.destination({ dest: 1, sync: false }) : file === '-' ? undefined : pino.destination({ dest: file, mkdir: true, sync: false });
    this.log = destination === undefined ? pino({ level: 'silent' }) : pino({ base: { log: 'audit' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  }

  record(event: AuditEvent): void {
    this.log.info(event, event.event);
  }

  flush(): void {
    this.log.flush();
  }
}
