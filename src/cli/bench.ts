// strata bench produce|consume: load from the command line, on perf/own-client-load.
import { consumeLoad, produceLoad } from '../../perf/own-client-load.js';
import { COMMON_HELP, intOption, parse, print, progress, UsageError } from './common.js';
import { helpInsteadOfSubcommand } from './common.js';

const USAGE = `usage: strata bench produce|consume [options]

produce: sends --records records of --size bytes in requests of --batch records, with
--concurrency requests in flight; reports MB/s, records/s and request latency.
consume: reads --topic from the beginning to its current end; reports MB/s, records/s.
For the full sweep with librdkafka as the load (and broker CPU), see: npm run perf -- --help

options:
  -t, --topic NAME          (default strata-bench; produce creates it if the broker allows)
      --records N           (produce, default 100000)
      --size BYTES          (produce, default 1024)
      --batch N             records per request (produce, default 100)
      --concurrency N       requests in flight (produce, default 8)
      --acks all|1          (produce, default all)

examples:
  strata bench produce --records 500000 --size 512
  strata bench consume --topic strata-bench --output json

${COMMON_HELP}`;

export async function benchCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (helpInsteadOfSubcommand(sub, USAGE)) return;
  const p = parse(rest, {
    topic: { type: 'string', short: 't' },
    records: { type: 'string' },
    size: { type: 'string' },
    batch: { type: 'string' },
    concurrency: { type: 'string' },
    acks: { type: 'string' },
  }, USAGE);
  if (p === undefined) return;
  const topic = (p.values.topic as string | undefined) ?? 'strata-bench';
  const show = progress(process.stderr.isTTY === true);
  if (sub === 'produce') {
    const records = intOption(p.values, 'records', USAGE, 100_000, 1);
    const acksText = (p.values.acks as string | undefined) ?? 'all';
    if (acksText !== 'all' && acksText !== '1') throw new UsageError('--acks must be all or 1', USAGE);
    const r = await produceLoad({
      bootstrap: p.common.bootstrap, topic, records, recordBytes: intOption(p.values, 'size', USAGE, 1024, 1),
      recordsPerRequest: intOption(p.values, 'batch', USAGE, 100, 1), concurrency: intOption(p.values, 'concurrency', USAGE, 8, 1),
      acks: acksText === 'all' ? -1 : 1, onProgress: (n) => show.update(`produced ${n}/${records}`),
    });
    show.done();
    print(p.common, [{ test: 'produce', records: r.records, 'MB/s': r.mbPerSec.toFixed(1), 'records/s': Math.round(r.recordsPerSec), 'p50 ms': r.p50ms?.toFixed(2), 'p99 ms': r.p99ms?.toFixed(2), seconds: r.seconds.toFixed(2) }], r);
    return;
  }
  if (sub === 'consume') {
    const r = await consumeLoad({ bootstrap: p.common.bootstrap, topic, onProgress: (n) => show.update(`consumed ${n}`) });
    show.done();
    print(p.common, [{ test: 'consume', records: r.records, 'MB/s': r.mbPerSec.toFixed(1), 'records/s': Math.round(r.recordsPerSec), seconds: r.seconds.toFixed(2) }], r);
    return;
  }
  throw new UsageError(sub === undefined ? 'strata bench needs produce or consume' : `unknown bench command ${JSON.stringify(sub)}`, USAGE);
}
