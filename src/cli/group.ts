// strata group list|describe|reset-offsets|delete
import type { KafkaClient } from '../client/kafka-client.js';
import { COMMON_HELP, parse, print, UsageError, withClient } from './common.js';
import { helpInsteadOfSubcommand } from './common.js';

const USAGE = `usage: strata group COMMAND [options]

commands:
  list                          groups with state and protocol type
  describe GROUP                members, and per partition the committed offset and lag
  reset-offsets GROUP --topic T --to earliest|latest|offset:N|timestamp:MS [--partition P ...]
                                the group must have no active members (stop its consumers)
  delete GROUP                  an empty group and its committed offsets

examples:
  strata group describe billing
  strata group reset-offsets billing --topic orders --to timestamp:1767225600000
  strata group reset-offsets billing --topic orders --to offset:42 --partition 0

${COMMON_HELP}`;

async function lagRows(c: KafkaClient, group: string) {
  const offsets = await c.committedOffsets(group);
  const byTopic = new Map<string, number[]>();
  for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o.partition]);
  const ends = new Map<string, Map<number, number>>();
  for (const [topic, parts] of byTopic) {
    try {
      ends.set(topic, await c.listOffsets(topic, parts, -1));
    } catch {
      ends.set(topic, new Map());
    }
  }
  return offsets
    .map((o) => {
      const end = ends.get(o.topic)?.get(o.partition);
      return { topic: o.topic, partition: o.partition, committed: o.offset, end: end ?? null, lag: end === undefined ? null : Math.max(0, end - o.offset) };
    })
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

export async function groupCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (helpInsteadOfSubcommand(sub, USAGE)) return;
  const p = parse(rest, {
    topic: { type: 'string', short: 't' },
    to: { type: 'string' },
    partition: { type: 'string', multiple: true },
  }, USAGE);
  if (p === undefined) return;
  const group = p.positionals[0];
  // Arguments are checked before any connection is made: a usage error needs no broker.
  if (sub !== undefined && ['describe', 'reset-offsets', 'delete'].includes(sub) && group === undefined) {
    throw new UsageError(`strata group ${sub} needs a group id`, USAGE);
  }
  const needGroup = (): string => group!;
  switch (sub) {
    case 'list':
      return withClient(p.common, async (c) => {
        print(p.common, (await c.listGroups()).map((g) => ({ group: g.groupId, state: g.groupState, protocolType: g.protocolType })));
      });
    case 'describe':
      return withClient(p.common, async (c) => {
        const id = needGroup();
        const g = await c.describeGroup(id);
        const members = g.members.map((m) => ({ member: m.memberId, instance: m.groupInstanceId, client: m.clientId, host: m.clientHost }));
        const lag = await lagRows(c, id);
        if (p.common.output === 'json') {
          print(p.common, [], { group: id, state: g.groupState, protocol: g.protocolData, members, offsets: lag, totalLag: lag.reduce((n, r) => n + (r.lag ?? 0), 0) });
          return;
        }
        process.stdout.write(`group ${id}: ${g.groupState}${g.protocolData ? ` (${g.protocolData})` : ''}, ${members.length} member(s), total lag ${lag.reduce((n, r) => n + (r.lag ?? 0), 0)}\n\n`);
        if (members.length > 0) {
          print(p.common, members);
          process.stdout.write('\n');
        }
        print(p.common, lag);
      });
    case 'reset-offsets': {
      const id = needGroup();
      const topic = p.values.topic;
      const to = p.values.to;
      if (typeof topic !== 'string') throw new UsageError('reset-offsets needs --topic', USAGE);
      if (typeof to !== 'string') throw new UsageError('reset-offsets needs --to', USAGE);
      const m = /^(earliest|latest|offset:(-?\d+)|timestamp:(\d+))$/.exec(to);
      if (m === null) throw new UsageError(`--to must be earliest, latest, offset:N or timestamp:MS, got ${to}`, USAGE);
      const wantedPartitions = ((p.values.partition as string[] | undefined) ?? []);
      if (wantedPartitions.some((x) => !/^\d+$/.test(x))) throw new UsageError(`--partition takes partition numbers, got ${wantedPartitions.join(', ')}`, USAGE);
      return withClient(p.common, async (c) => {
        const all = await c.partitionsOf(topic);
        const chosen = ((p.values.partition as string[] | undefined) ?? []).map(Number);
        if (chosen.some((x) => !all.includes(x))) throw new UsageError(`--partition must be among ${all.join(', ')}`, USAGE);
        const parts = chosen.length > 0 ? chosen : all;
        const g = await c.describeGroup(id);
        if (g.members.length > 0) throw new UsageError(`group ${id} has ${g.members.length} active member(s); stop its consumers before resetting offsets`, USAGE);
        const [start, end] = await Promise.all([c.listOffsets(topic, parts, -2), c.listOffsets(topic, parts, -1)]);
        const at = m[3] !== undefined ? await c.listOffsets(topic, parts, Number(m[3])) : undefined;
        const target = (pt: number): number => {
          if (to === 'earliest') return start.get(pt)!;
          if (to === 'latest') return end.get(pt)!;
          if (m[2] !== undefined) return Math.min(Math.max(Number(m[2]), start.get(pt)!), end.get(pt)!);
          const found = at!.get(pt)!;
          return found < 0 ? end.get(pt)! : found;
        };
        await c.commit(id, parts.map((pt) => ({ topic, partition: pt, offset: target(pt), metadata: null })));
        print(p.common, (await lagRows(c, id)).filter((r) => r.topic === topic));
      });
    }
    case 'delete':
      return withClient(p.common, async (c) => {
        const id = needGroup();
        await c.deleteGroup(id);
        print(p.common, [{ deleted: id }]);
      });
    default:
      throw new UsageError(sub === undefined ? 'strata group needs a command' : `unknown group command ${JSON.stringify(sub)}`, USAGE);
  }
}
