// strata consume TOPIC: from the beginning, an offset, the end, or as a group member.
import { GroupMember } from '../client/group-member.js';
import type { KafkaClient } from '../client/kafka-client.js';
import { readRecords, type DecodedRecord } from '../protocol/records/record-reader.js';
import { BATCH_HEADER_SIZE, BatchField, LOG_OVERHEAD } from '../protocol/records/batch-layout.js';
import { COMMON_HELP, intOption, parse, UsageError, withClient } from './common.js';

const USAGE = `usage: strata consume TOPIC [options]

Prints records as they arrive. Stops at Ctrl-C, after --count records, or with -e at the
end of what was there when it started.

where to start (default: new records only):
      --from-beginning        every partition from its first offset
      --offset N              this offset (needs --partition)
  -g, --group GROUP           as a member of GROUP: committed offsets, commits as it goes
                              (falls back to --from-beginning or the end for new groups)
options:
  -p, --partition N           only this partition
  -n, --count N               stop after N records
  -e, --exit-at-end           stop once caught up with the end
  -f, --format FORMAT         value (default), json, or a template with %t %p %o %k %v %T
                              (topic, partition, offset, key, value, timestamp)

examples:
  strata consume events --from-beginning -e
  strata consume events -g billing -f '%p:%o %k=%v'
  strata consume events --partition 2 --offset 100 -n 10 -f json

${COMMON_HELP}`;

function formatter(format: string, topic: string): (partition: number, r: DecodedRecord) => string {
  const text = (b: Buffer | null): string => (b === null ? '' : b.toString('utf8'));
  if (format === 'value') return (_p, r) => text(r.value);
  if (format === 'json') {
    return (partition, r) => JSON.stringify({ topic, partition, offset: r.offset, timestamp: r.timestamp, key: r.key === null ? null : text(r.key), value: r.value === null ? null : text(r.value), headers: Object.fromEntries(r.headers.map((h) => [h.key, text(h.value)])) });
  }
  return (partition, r) => format.replace(/%([tpokvT%])/g, (_, c: string) => ({ t: topic, p: String(partition), o: String(r.offset), k: text(r.key), v: text(r.value), T: String(r.timestamp), '%': '%' })[c]!);
}

export async function consumeCommand(argv: string[]): Promise<void> {
  const p = parse(argv, {
    'from-beginning': { type: 'boolean' },
    offset: { type: 'string' },
    group: { type: 'string', short: 'g' },
    partition: { type: 'string', short: 'p' },
    count: { type: 'string', short: 'n' },
    'exit-at-end': { type: 'boolean', short: 'e' },
    format: { type: 'string', short: 'f' },
  }, USAGE);
  if (p === undefined) return;
  const topic = p.positionals[0];
  if (topic === undefined) throw new UsageError('strata consume needs a topic', USAGE);
  const group = p.values.group as string | undefined;
  const offset = p.values.offset === undefined ? undefined : intOption(p.values, 'offset', USAGE);
  if (offset !== undefined && p.values.partition === undefined) throw new UsageError('--offset needs --partition', USAGE);
  if (group !== undefined && (offset !== undefined || p.values.partition !== undefined)) throw new UsageError('--group assigns partitions itself: drop --offset/--partition', USAGE);
  const limit = p.values.count === undefined ? Infinity : intOption(p.values, 'count', USAGE, undefined, 1);
  const format = formatter((p.values.format as string | undefined) ?? (p.common.output === 'json' ? 'json' : 'value'), topic);
  const fromBeginning = p.values['from-beginning'] === true;
  const exitAtEnd = p.values['exit-at-end'] === true;

  await withClient(p.common, async (c) => {
    const all = await c.partitionsOf(topic);
    const only = p.values.partition === undefined ? undefined : intOption(p.values, 'partition', USAGE);
    if (only !== undefined && !all.includes(only)) throw new UsageError(`topic ${topic} has no partition ${only}`, USAGE);
    const member = group === undefined ? undefined : new GroupMember(c, group, topic);
    let stop = false;
    const onSignal = (): void => void (stop = true);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      let positions = await startPositions(c, topic, member, only === undefined ? all : [only], offset, fromBeginning);
      const ends = exitAtEnd ? await c.listOffsets(topic, [...positions.keys()], -1) : undefined;
      let printed = 0;
      let lastHeartbeat = Date.now();
      while (!stop && printed < limit) {
        if (ends !== undefined && [...positions].every(([pt, off]) => off >= (ends.get(pt) ?? 0))) break;
        if (positions.size === 0 && member === undefined) break;
        const data = positions.size === 0 ? [] : await c.fetch(topic, positions, 500);
        const commits = new Map<number, number>();
        for (const d of data) {
          if (d.errorCode !== 0 || d.records === null) continue;
          let next = positions.get(d.partitionIndex)!;
          for (let at = 0; at + BATCH_HEADER_SIZE <= d.records.length && printed < limit; at += d.records.readInt32BE(at + BatchField.BATCH_LENGTH) + LOG_OVERHEAD) {
            for (const r of readRecords(d.records, at)) {
              if (r.offset < next || printed >= limit) continue;
              process.stdout.write(format(d.partitionIndex, r) + '\n');
              printed++;
              next = r.offset + 1;
            }
          }
          positions.set(d.partitionIndex, next);
          commits.set(d.partitionIndex, next);
        }
        if (member !== undefined) {
          if (commits.size > 0) await member.commit(commits);
          if (Date.now() - lastHeartbeat > 1000) {
            lastHeartbeat = Date.now();
            if ((await member.heartbeat()) === 'rejoin') positions = await startPositions(c, topic, member, all, undefined, fromBeginning);
          }
        }
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await member?.leave().catch(() => undefined);
    }
  });
}

async function startPositions(c: KafkaClient, topic: string, member: GroupMember | undefined, partitions: number[], offset: number | undefined, fromBeginning: boolean): Promise<Map<number, number>> {
  const owned = member === undefined ? partitions : await member.join();
  if (owned.length === 0) return new Map();
  if (offset !== undefined) return new Map([[owned[0]!, offset]]);
  const fallback = await c.listOffsets(topic, owned, fromBeginning ? -2 : -1);
  if (member === undefined) return fallback;
  const committed = await c.committedOffsets(member.group, [{ name: topic, partitions: owned }]);
  return new Map(owned.map((pt) => {
    const o = committed.find((x) => x.partition === pt)?.offset ?? -1;
    return [pt, o >= 0 ? o : fallback.get(pt)!];
  }));
}
