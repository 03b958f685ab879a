// Structured JSON logs (pino). Components take a Logger so tests can pass a silent one.
// Lines go to stdout asynchronously, through a bounded buffer: a reader that stops reading
// (an orphaned pipe, a stuck log shipper) can neither block the broker's main thread nor
// grow its memory without bound; past the bound, lines are dropped and counted.
//
// On a terminal the lines are rendered for people (pino-pretty: time, level, message, fields);
// anywhere else — a pipe, a file, journald — they stay JSON lines for machines.
// STRATA_LOG_FORMAT=json or =pretty overrides the choice.
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type Logger = Pick<PinoLogger, 'info' | 'warn' | 'error' | 'debug' | 'child'>;

/** Unwritten log bytes kept before lines are dropped. */
export const LOG_BUFFER_MAX_BYTES = 16 * 1024 * 1024;

let droppedLines = 0;

/** Log lines dropped because stdout was not being read (the buffer was full). */
export function droppedLogLines(): number {
  return droppedLines;
}

export function createLogger(level = process.env.STRATA_LOG_LEVEL ?? 'info'): Logger {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 0, maxLength: LOG_BUFFER_MAX_BYTES });
  destination.on('drop', () => droppedLines++);
  const format = process.env.STRATA_LOG_FORMAT ?? (process.stdout.isTTY === true ? 'pretty' : 'json');
  const stream: DestinationStream = format === 'pretty'
    ? PinoPretty({ destination, colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' })
    : destination;
  return pino({ name: 'strata', level }, stream);
}

/** Writes out buffered lines, waiting at most `ms` (a stuck reader must not stop an exit). */
export function flushLogs(logger: Logger, ms = 1000): Promise<void> {
  const flush = (logger as Partial<PinoLogger>).flush;
  if (flush === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    try {
      flush.call(logger, () => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

export const silentLogger: Logger = pino({ level: 'silent' });
