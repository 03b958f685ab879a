#!/usr/bin/env node
// The `strata` command: run a broker, manage topics and groups, move records, measure.
import { benchCommand } from './bench.js';
import { describeError } from './common.js';
import { consumeCommand } from './consume.js';
import { groupCommand } from './group.js';
import { produceCommand } from './produce.js';
import { serve } from './serve.js';
import { topicCommand } from './topic.js';
import { schemaCommand } from './schema.js';
import { shellCommand } from './shell.js';

const USAGE = `usage: strata COMMAND [options]     (strata COMMAND --help for details)

  serve                          run a broker (127.0.0.1:9092, data in ./data)
  topic list|create|describe|alter|delete
  group list|describe|reset-offsets|delete
  produce TOPIC                  one record per line of standard input
  consume TOPIC                  print records (from the beginning, an offset, or as a group)
  bench produce|consume          measure throughput and latency against a broker
  schema list|register|get|check|delete
                                 the schema registry (--registry URL, default http://127.0.0.1:8081)
  shell                          an interactive prompt for the topic, group and schema commands

Client commands talk Kafka to --bootstrap HOST:PORT (default 127.0.0.1:9092), so they work
against any Kafka-compatible broker; --output json gives machine-readable results.

examples:
  strata serve --data-dir /var/lib/strata
  strata topic create orders --partitions 6
  echo hello | strata produce orders && strata consume orders --from-beginning -e
`;

const commands: Record<string, (argv: string[]) => Promise<void>> = {
  serve,
  topic: topicCommand,
  group: groupCommand,
  produce: produceCommand,
  consume: consumeCommand,
  bench: benchCommand,
  schema: schemaCommand,
  shell: shellCommand,
};

// `strata consume ... | head` closes our stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const [command, ...rest] = process.argv.slice(2);
if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
  process.stdout.write(USAGE);
  if (command === undefined) process.exitCode = 2;
} else if (commands[command] === undefined) {
  process.stderr.write(`strata: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
  process.exitCode = 2;
} else {
  try {
    await commands[command](rest);
  } catch (err) {
    const { message, exit } = describeError(err);
    process.stderr.write(`strata ${command}: ${message}\n`);
    process.exitCode = exit;
  }
}
