// strata produce TOPIC: one record per line of standard input.
import { createInterface } from 'node:readline';
import { partitionForKey } from '../client/partitioner.js';
import { buildRecordBatch, type RecordInput } from '../protocol/records/batch-builder.js';
import { COMMON_HELP, intOption, parse, print, progress, UsageError, withClient } from './common.js';

const USAGE = `usage: strata produce TOPIC [options] < lines

Sends each line of standard input as one record.

options:
  -k, --key KEY               the same key on every record
  -K, --key-separator SEP     split each line at the first SEP into key and value
  -H, --header KEY=VALUE      a header on every record (repeatable)
  -p, --partition N           all records to this partition (default: by key, as Kafka's
                              default partitioner does; without keys, spread evenly)
      --acks all|1|0          (default all)
      --batch N               records per produce request (default 500)
      --progress              show progress even when stderr is not a terminal

examples:
  printf 'a\\nb\\n' | strata produce events
  strata produce users -K : < users.txt            # lines like  alice:{"plan":"pro"}
  tail -f app.log | strata produce logs -H source=web-1

${COMMON_HELP}`;

export async function produceCommand(argv: string[]): Promise<void> {
  const p = parse(argv, {
    key: { type: 'string', short: 'k' },
    'key-separator': { type: 'string', short: 'K' },
    header: { type: 'string', short: 'H', multiple: true },
    partition: { type: 'string', short: 'p' },
    acks: { type: 'string' },
    batch: { type: 'string' },
    progress: { type: 'boolean' },
  }, USAGE);
  if (p === undefined) return;
  const topic = p.positionals[0];
  if (topic === undefined) throw new UsageError('strata produce needs a topic', USAGE);
  const acksText = (p.values.acks as string | undefined) ?? 'all';
  const acks = ({ all: -1, '-1': -1, '1': 1, '0': 0 } as Record<string, number>)[acksText];
  if (acks === undefined) throw new UsageError(`--acks must be all, 1 or 0, got ${acksText}`, USAGE);
  const batchSize = intOption(p.values, 'batch', USAGE, 500, 1);
  const headers = ((p.values.header as string[] | undefined) ?? []).map((h) => {
    const eq = h.indexOf('=');
    if (eq <= 0) throw new UsageError(`--header takes KEY=VALUE, got ${JSON.stringify(h)}`, USAGE);
    return { key: h.slice(0, eq), value: Buffer.from(h.slice(eq + 1)) };
  });
  const fixedKey = p.values.key as string | undefined;
  const separator = p.values['key-separator'] as string | undefined;
  if (fixedKey !== undefined && separator !== undefined) throw new UsageError('use --key or --key-separator, not both', USAGE);
  const show = progress(p.values.progress === true || process.stderr.isTTY === true);

  await withClient(p.common, async (c) => {
    await c.metadata([topic], true);
    const partitions = await c.partitionsOf(topic);
    const forced = p.values.partition === undefined ? undefined : intOption(p.values, 'partition', USAGE);
    if (forced !== undefined && !partitions.includes(forced)) throw new UsageError(`topic ${topic} has no partition ${forced}`, USAGE);
    const pending = new Map<number, RecordInput[]>();
    let roundRobin = 0;
    let sent = 0;
    let lastOffsets: Array<{ partition: number; offset: number }> = [];
    const started = performance.now();
    const flush = async (): Promise<void> => {
      const work = [...pending].filter(([, r]) => r.length > 0);
      pending.clear();
      await Promise.all(work.map(async ([partition, records]) => {
        const res = await c.produce(topic, partition, buildRecordBatch(records), acks);
        sent += records.length;
        if (res !== undefined) lastOffsets.push({ partition, offset: res.baseOffset + records.length - 1 });
      }));
      show.update(`${sent} records sent to ${topic}`);
    };
    let buffered = 0;
    for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
      let key: Buffer | null = fixedKey === undefined ? null : Buffer.from(fixedKey);
      let value = line;
      if (separator !== undefined) {
        const at = line.indexOf(separator);
        if (at >= 0) {
          key = Buffer.from(line.slice(0, at));
          value = line.slice(at + separator.length);
        }
      }
      const partition = forced ?? (key !== null ? partitions[partitionForKey(key, partitions.length)]! : partitions[Math.floor(roundRobin++ / batchSize) % partitions.length]!);
      const list = pending.get(partition) ?? [];
      list.push({ key, value: Buffer.from(value), headers, timestamp: Date.now() });
      pending.set(partition, list);
      if (++buffered >= batchSize) {
        buffered = 0;
        await flush();
      }
    }
    await flush();
    const seconds = (performance.now() - started) / 1000;
    show.done();
    const last = new Map<number, number>();
    for (const o of lastOffsets) last.set(o.partition, Math.max(last.get(o.partition) ?? -1, o.offset));
    lastOffsets = [];
    print(p.common, [{ topic, records: sent, seconds: Number(seconds.toFixed(3)), lastOffsets: Object.fromEntries(last) }]);
  });
}
