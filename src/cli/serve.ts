// strata serve: run the broker until SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { startNode } from '../server/start.js';
import { CONFIG_KEYS, envName, flagName, type BrokerConfig } from '../config/broker-config.js';
import { StrataError } from '../errors.js';
import { flushLogs } from '../logger.js';

const USAGE = `usage: strata serve [options]

Runs a Kafka-compatible broker. Settings come from defaults, then --config FILE (JSON),
then STRATA_* environment variables, then flags.

options:
  --config FILE                 JSON file with any of the settings below (camelCase keys)
${CONFIG_KEYS.map((k) => `  --${flagName(k)} VALUE`.padEnd(32) + `(${envName(k)})`).join('\n')}
  --inline                      every partition log on the main thread (= --log-writers 0, the
                                default; --log-writers N moves logs to N writer threads)
  -h, --help                    this text

examples:
  strata serve                                   127.0.0.1:9092, data in ./data
  strata serve --port 19092 --data-dir /var/lib/strata --sync-policy always
  strata serve --log-writers 2                   partition logs on two writer threads
`;

function die(message: string, code = 2): never {
  process.stderr.write(`strata: ${message}\n`);
  process.exit(code);
}

export async function serve(argv: string[]): Promise<void> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { config: { type: 'string' }, inline: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };
  for (const k of CONFIG_KEYS) options[flagName(k)] = { type: 'string' };
  let parsed: { values: Record<string, string | boolean | undefined> };
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false }) as { values: Record<string, string | boolean | undefined> };
  } catch (err) {
    die(`${(err as Error).message}\n\n${USAGE}`);
  }
  if (parsed.values.help === true) {
    process.stdout.write(USAGE);
    return;
  }
  const overrides: Partial<Record<keyof BrokerConfig, unknown>> = {};
  for (const k of CONFIG_KEYS) {
    const v = parsed.values[flagName(k)];
    if (typeof v === 'string') overrides[k] = v;
  }
  if (parsed.values.inline === true) {
    if (overrides.logWriters !== undefined && overrides.logWriters !== '0') die('--inline and --log-writers disagree: --inline means --log-writers 0');
    overrides.logWriters = 0;
  }
  let running;
  try {
    running = await startNode({ ...(overrides as Partial<BrokerConfig>), env: process.env, ...(typeof parsed.values['config'] === 'string' ? { configFile: parsed.values['config'] } : {}) });
  } catch (err) {
    if (err instanceof StrataError) die(err.message);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') die(`cannot listen: ${e.message}`, 1);
    throw err;
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    running.broker.logger.info({ signal }, 'shutting down');
    const logger = running.broker.logger;
    running.close().then(
      () => flushLogs(logger).then(() => process.exit(0)),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        void flushLogs(logger).then(() => process.exit(1));
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

