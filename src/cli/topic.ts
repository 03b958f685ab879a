// strata topic create|list|describe|alter|delete
import { COMMON_HELP, intOption, parse, print, UsageError, withClient } from './common.js';
import { helpInsteadOfSubcommand } from './common.js';

const USAGE = `usage: strata topic COMMAND [options]

commands:
  list                          topics with their partition counts
  create NAME [--partitions N] [--config KEY=VALUE ...]
  describe NAME                 partitions (offsets) and every config with its source
  alter NAME [--config KEY=VALUE ...] [--delete-config KEY ...] [--partitions N]
  delete NAME

examples:
  strata topic create orders --partitions 6 --config retention.ms=86400000
  strata topic alter orders --config max.message.bytes=2000000 --delete-config retention.ms
  strata topic describe orders --output json

${COMMON_HELP}`;

function configs(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (list as string[] | undefined) ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--config takes KEY=VALUE, got ${JSON.stringify(item)}`, USAGE);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

export async function topicCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (helpInsteadOfSubcommand(sub, USAGE)) return;
  const p = parse(rest, {
    partitions: { type: 'string', short: 'p' },
    config: { type: 'string', multiple: true },
    'delete-config': { type: 'string', multiple: true },
  }, USAGE);
  if (p === undefined) return;
  const name = p.positionals[0];
  // Arguments are checked before any connection is made: a usage error needs no broker.
  if (sub !== undefined && ['create', 'describe', 'alter', 'delete'].includes(sub) && name === undefined) {
    throw new UsageError(`strata topic ${sub} needs a topic name`, USAGE);
  }
  const needName = (): string => name!;
  switch (sub) {
    case 'list':
      return withClient(p.common, async (c) => {
        const topics = (await c.metadata(null)).filter((t) => t.errorCode === 0);
        print(p.common, topics.map((t) => ({ topic: t.name, partitions: t.partitions.length })).sort((a, b) => String(a.topic).localeCompare(String(b.topic))));
      });
    case 'create': {
      const topic = needName();
      const partitions = intOption(p.values, 'partitions', USAGE, -1, -1);
      const wanted = configs(p.values.config);
      return withClient(p.common, async (c) => {
        await c.createTopic(topic, partitions, wanted);
        print(p.common, [{ created: topic, partitions: (await c.partitionsOf(topic)).length }]);
      });
    }
    case 'describe':
      return withClient(p.common, async (c) => {
        const topic = needName();
        const partitions = await c.partitionsOf(topic);
        const [start, end, cfg] = await Promise.all([c.listOffsets(topic, partitions, -2), c.listOffsets(topic, partitions, -1), c.describeTopicConfigs(topic)]);
        const rows = partitions.map((pt) => ({ partition: pt, start: start.get(pt), end: end.get(pt), records: (end.get(pt) ?? 0) - (start.get(pt) ?? 0) }));
        const configRows = cfg.map((x) => ({ config: x.name, value: x.value, source: x.configSource === 1 ? 'topic' : 'default' }));
        if (p.common.output === 'json') {
          print(p.common, [], { topic, partitions: rows, configs: Object.fromEntries(cfg.map((x) => [x.name, x.value])) });
        } else {
          print(p.common, rows);
          process.stdout.write('\n');
          print(p.common, configRows);
        }
      });
    case 'alter': {
      const topic = needName();
      const changes: Record<string, string | null> = { ...configs(p.values.config) };
      for (const k of (p.values['delete-config'] as string[] | undefined) ?? []) changes[k] = null;
      const partitions = p.values.partitions === undefined ? undefined : intOption(p.values, 'partitions', USAGE, undefined, 1);
      if (Object.keys(changes).length === 0 && partitions === undefined) throw new UsageError('nothing to alter: give --config, --delete-config or --partitions', USAGE);
      return withClient(p.common, async (c) => {
        if (Object.keys(changes).length > 0) await c.alterTopicConfigs(topic, changes);
        if (partitions !== undefined) await c.createPartitions(topic, partitions);
        print(p.common, [{ altered: topic, configs: Object.keys(changes).length, partitions: (await c.partitionsOf(topic)).length }]);
      });
    }
    case 'delete':
      return withClient(p.common, async (c) => {
        const topic = needName();
        await c.deleteTopic(topic);
        print(p.common, [{ deleted: topic }]);
      });
    default:
      throw new UsageError(sub === undefined ? 'strata topic needs a command' : `unknown topic command ${JSON.stringify(sub)}`, USAGE);
  }
}
