// Shared pieces of the `strata` client commands: option parsing with a teaching usage
// text, the client config file, output as a table or JSON, and errors that end the
// command with a message and a non-zero exit (2: usage, 1: it did not work).
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { KafkaClient } from '../client/kafka-client.js';
import { KafkaError, StrataError } from '../errors.js';

export class UsageError extends Error {
  constructor(message: string, readonly usage: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Output = 'table' | 'json';

export interface Common {
  bootstrap: string;
  output: Output;
}

type Options = NonNullable<ParseArgsConfig['options']>;

export const COMMON_OPTIONS: Options = {
  bootstrap: { type: 'string', short: 'b' },
  output: { type: 'string', short: 'o' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export const COMMON_HELP = `common options:
  -b, --bootstrap HOST:PORT   broker to talk to (default 127.0.0.1:9092, or STRATA_BOOTSTRAP)
  -o, --output table|json     how to print results (default table)
      --config FILE           JSON file with defaults for these, e.g. {"bootstrap": "10.0.0.5:9092"}
  -h, --help                  this text`;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  common: Common;
}

/** Parses argv; `--help` prints usage and returns undefined. */
export function parse(argv: string[], options: Options, usage: string): Parsed | undefined {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message, usage);
  }
  const values = parsed.values as Parsed['values'];
  if (values.help === true) {
    process.stdout.write(usage + '\n');
    return undefined;
  }
  let file: Partial<Common> = {};
  if (typeof values.config === 'string') {
    try {
      file = JSON.parse(readFileSync(values.config, 'utf8')) as Partial<Common>;
    } catch (err) {
      throw new UsageError(`cannot read --config ${values.config}: ${(err as Error).message}`, usage);
    }
  }
  const output = (values.output as string | undefined) ?? file.output ?? 'table';
  if (output !== 'table' && output !== 'json') throw new UsageError(`--output must be table or json, got ${output}`, usage);
  const fromEnv = process.env.STRATA_BOOTSTRAP === '' ? undefined : process.env.STRATA_BOOTSTRAP;
  const bootstrap = (values.bootstrap as string | undefined) ?? fromEnv ?? file.bootstrap ?? '127.0.0.1:9092';
  return { values, positionals: parsed.positionals, common: { bootstrap, output } };
}

export function intOption(values: Parsed['values'], name: string, usage: string, fallback?: number, min = 0): number {
  const raw = values[name];
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`, usage);
    return fallback;
  }
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${String(raw)}`, usage);
  return n;
}

/** Opens a client, runs `f`, closes; connection failures get a message that helps. */
export async function withClient<T>(common: Common, f: (c: KafkaClient) => Promise<T>): Promise<T> {
  let client: KafkaClient;
  try {
    client = await KafkaClient.connect(common.bootstrap);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new StrataError('STRATA_CONFIG_INVALID', `cannot connect to ${common.bootstrap} (${code || (err as Error).message}): is the broker running? (--bootstrap)`);
  }
  try {
    return await f(client);
  } finally {
    client.close();
  }
}

export function print(common: Common, rows: Array<Record<string, unknown>>, json: unknown = rows): void {
  if (common.output === 'json') {
    process.stdout.write(JSON.stringify(json, null, 2) + '\n');
    return;
  }
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown): string => (v === null || v === undefined ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => cell(r[k]).length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write([line(keys.map((k) => k.toUpperCase())), ...rows.map((r) => line(keys.map((k) => cell(r[k]))))].join('\n') + '\n');
}

/** A one-line progress display on stderr, only when stderr is a terminal (or forced). */
export function progress(enabled: boolean): { update(text: string): void; done(text?: string): void } {
  let last = 0;
  return {
    update(text) {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      process.stderr.write(`\r\x1b[K${text}`);
    },
    done(text) {
      if (enabled) process.stderr.write('\r\x1b[K');
      if (text !== undefined) process.stderr.write(text + '\n');
    },
  };
}

/** `strata topic --help` (the subcommand slot holds the flag): print usage, true. */
export function helpInsteadOfSubcommand(sub: string | undefined, usage: string): boolean {
  if (sub !== '--help' && sub !== '-h' && sub !== 'help') return false;
  process.stdout.write(usage + '\n');
  return true;
}

export function describeError(err: unknown): { message: string; exit: number } {
  if (err instanceof UsageError) return { message: `${err.message}\n\n${err.usage}`, exit: 2 };
  if (err instanceof KafkaError) return { message: err.message, exit: 1 };
  if (err instanceof StrataError) return { message: err.message, exit: 1 };
  return { message: err instanceof Error ? err.message : String(err), exit: 1 };
}
