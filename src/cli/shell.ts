// strata shell: an interactive prompt (node:readline) running the same topic, group and
// schema commands, with history kept in a file and tab completion of commands,
// subcommands, topics, groups and subjects (names fetched from the broker and the registry
// at start and after every command).
import { appendFileSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Completer } from 'node:readline';
import { KafkaClient } from '../client/kafka-client.js';
import { describeError, helpInsteadOfSubcommand, parse, UsageError } from './common.js';
import { groupCommand } from './group.js';
import { schemaCommand } from './schema.js';
import { topicCommand } from './topic.js';

const USAGE = `usage: strata shell [--bootstrap HOST:PORT] [--registry URL] [--output table|json]

An interactive prompt for the topic, group and schema commands, against one broker and
registry: "topic list", "group describe orders-app", "schema get orders-value". Tab completes
commands, topics, groups and subjects; history is kept in ~/.strata_history (STRATA_HISTORY).
"help" lists the commands, "exit" (or Ctrl-D) leaves.`;

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<void>; subcommands: string[]; names: 'topics' | 'groups' | 'subjects' }> = {
  topic: { run: topicCommand, subcommands: ['list', 'create', 'describe', 'alter', 'delete'], names: 'topics' },
  group: { run: groupCommand, subcommands: ['list', 'describe', 'reset-offsets', 'delete'], names: 'groups' },
  schema: { run: schemaCommand, subcommands: ['list', 'register', 'get', 'check', 'delete'], names: 'subjects' },
};
const BUILTINS = ['help', 'exit', 'quit'];
const HISTORY_LINES = 1000;

export interface Names {
  topics: string[];
  groups: string[];
  subjects: string[];
}

/** Splits a command line into words as a POSIX shell would for quotes and backslashes. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new UsageError('unterminated quote', USAGE);
  if (inWord) words.push(cur);
  return words;
}

/** Completions for the word being typed at the end of `line`. */
export function complete(line: string, names: Names): [string[], string] {
  const endsInSpace = /\s$/.test(line) || line === '';
  const words = line.trim() === '' ? [] : line.trim().split(/\s+/);
  const partial = endsInSpace ? '' : (words.pop() ?? '');
  const pick = (options: readonly string[]): [string[], string] => [options.filter((o) => o.startsWith(partial)), partial];
  if (words.length === 0) return pick([...Object.keys(COMMANDS), ...BUILTINS]);
  const command = COMMANDS[words[0]!];
  if (command === undefined) return [[], partial];
  if (words.length === 1) return pick(command.subcommands);
  const previous = words[words.length - 1];
  if (previous === '--topic' || previous === '-t') return pick(names.topics);
  if (partial.startsWith('-')) return [[], partial];
  return pick(names[command.names]);
}

async function fetchNames(bootstrap: string, registry: string): Promise<Names> {
  const names: Names = { topics: [], groups: [], subjects: [] };
  const client = await KafkaClient.connect(bootstrap).catch(() => undefined);
  if (client !== undefined) {
    try {
      names.topics = (await client.metadata(null)).filter((t) => t.errorCode === 0).map((t) => t.name).filter((n): n is string => typeof n === 'string').sort();
      names.groups = (await client.listGroups()).map((g) => g.groupId).filter((g): g is string => g !== null).sort();
    } catch {
      // Completion is a convenience: a broker that cannot answer leaves the lists empty.
    } finally {
      client.close();
    }
  }
  try {
    const res = await fetch(`${registry.replace(/\/$/, '')}/subjects`, { signal: AbortSignal.timeout(2000) });
    if (res.ok) names.subjects = ((await res.json()) as string[]).sort();
  } catch {
    // No registry there: no subjects to complete.
  }
  return names;
}

export async function shellCommand(argv: string[]): Promise<void> {
  if (helpInsteadOfSubcommand(argv[0], USAGE)) return;
  const p = parse(argv, { registry: { type: 'string', short: 'r' } }, USAGE);
  if (p === undefined) return;
  if (p.positionals.length > 0) throw new UsageError(`strata shell takes no arguments, got ${p.positionals.join(' ')}`, USAGE);
  const registry = typeof p.values.registry === 'string' ? p.values.registry : (process.env.STRATA_SCHEMA_REGISTRY || 'http://127.0.0.1:8081');
  const historyFile = process.env.STRATA_HISTORY || join(homedir(), '.strata_history');
  let history: string[] = [];
  try {
    history = readFileSync(historyFile, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(-HISTORY_LINES).reverse();
  } catch {
    // No history yet.
  }
  let names: Names = { topics: [], groups: [], subjects: [] };
  const refresh = (): Promise<void> => fetchNames(p.common.bootstrap, registry).then((n) => void (names = n));
  await refresh();
  const completer: Completer = (line) => complete(line, names);
  const interactive = process.stdin.isTTY === true;
  const rl = createInterface({ input: process.stdin, output: process.stdout, completer, history, historySize: HISTORY_LINES, terminal: interactive, prompt: 'strata> ' });
  if (interactive) process.stdout.write(`strata shell: broker ${p.common.bootstrap}, registry ${registry} ("help" lists the commands)\n`);
  // Piped input (a script) gets the output alone, without prompts.
  const prompt = (): void => {
    if (interactive) rl.prompt();
  };
  prompt();
  for await (const line of rl) {
    const trimmed = line.trim();
    if (trimmed !== '') {
      try {
        appendFileSync(historyFile, trimmed + '\n');
      } catch {
        // A read-only home: the shell still works, without history.
      }
      if (trimmed === 'exit' || trimmed === 'quit') break;
      await runLine(trimmed, p.common.bootstrap, p.common.output, registry);
      await refresh();
    }
    prompt();
  }
  rl.close();
  process.exitCode = 0;
}

async function runLine(line: string, bootstrap: string, output: string, registry: string): Promise<void> {
  let words: string[];
  try {
    words = splitWords(line);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return;
  }
  const [name, ...rest] = words;
  if (name === 'help') {
    process.stdout.write(`commands: ${Object.entries(COMMANDS).map(([n, c]) => `${n} ${c.subcommands.join('|')}`).join(';  ')}; exit\n("topic --help" and so on for each one's options)\n`);
    return;
  }
  const command = name === undefined ? undefined : COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`unknown command ${JSON.stringify(name)}: ${Object.keys(COMMANDS).join(', ')}, help or exit\n`);
    return;
  }
  // The shell's broker, registry and output apply unless the line names its own.
  const argv = [...rest];
  const has = (...flags: string[]): boolean => argv.some((a) => flags.includes(a) || flags.some((f) => a.startsWith(`${f}=`)));
  const isHelp = has('--help', '-h') || rest[0] === 'help';
  if (!isHelp) {
    if (!has('--bootstrap', '-b')) argv.push('--bootstrap', bootstrap);
    if (!has('--output', '-o')) argv.push('--output', output);
    if (name === 'schema' && !has('--registry', '-r')) argv.push('--registry', registry);
  }
  try {
    await command.run(argv);
  } catch (err) {
    // Inside the shell a usage error says what is wrong; "--help" shows the whole usage.
    const message = err instanceof UsageError ? `${err.message} ("${name} --help" for usage)` : describeError(err).message;
    process.stderr.write(`${name}: ${message}\n`);
  } finally {
    process.exitCode = 0;
  }
}
