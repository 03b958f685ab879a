// Structured JSON logs (pino). Components take a Logger so tests can pass a silent one.
import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = Pick<PinoLogger, 'info' | 'warn' | 'error' | 'debug' | 'child'>;

export function createLogger(level = process.env.STRATA_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: 'strata', level });
}

export const silentLogger: Logger = pino({ level: 'silent' });
