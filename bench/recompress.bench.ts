// Recompression of a 16 KiB batch of text-like records (what a topic with a
// compression.type other than the producer's costs per batch), per codec: on the calling
// thread (--inline) and on the Piscina pool with the batch transferred both ways (threaded
// mode). A same-codec task measures the pool's hand-off alone. 16 batches in flight per call.
import { randomBytes } from 'node:crypto';
import { CpuPool } from '../src/pool/cpu-pool.js';
import { nativeIo } from '../src/native/index.js';
import { buildRecordBatch } from '../src/protocol/records/batch-builder.js';
import { Codec, type CodecId } from '../src/protocol/records/compression.js';
import { ratio, runBench, type BenchTask } from './harness.js';

const IN_FLIGHT = 16;
const records = Array.from({ length: 16 }, () => ({ value: Buffer.from(randomBytes(1024).toString('base64').slice(0, 1024)) }));
const batch = buildRecordBatch(records);
const codecs: Array<[string, CodecId]> = [['lz4', Codec.LZ4], ['gzip', Codec.GZIP]];
if (nativeIo !== undefined) codecs.push(['zstd', Codec.ZSTD], ['snappy', Codec.SNAPPY]);
const pool = new CpuPool(1);
const inline = new CpuPool(0);
const tasks: BenchTask[] = [];
for (const [name, codec] of [...codecs, ['none (hand-off only)', Codec.NONE] as [string, CodecId]]) {
  for (const [where, p] of [['inline', inline], ['pool', pool]] as const) {
    tasks.push({
      name: `${where} ${name}`,
      opsPerCall: IN_FLIGHT,
      bytesPerCall: IN_FLIGHT * batch.length,
      fn: async () => {
        await Promise.all(Array.from({ length: IN_FLIGHT }, () => p.recompress(batch, codec, 1 << 20)));
      },
    });
  }
}
const rows = await runBench('recompress', tasks, { time: Number(process.env.STRATA_BENCH_TIME_MS ?? 2000), warmupTime: 300 });
for (const [name] of [...codecs, ['none (hand-off only)']]) console.log(`${name}: pool / inline = ${ratio(rows, `pool ${name}`, `inline ${name}`).toFixed(2)}x`);
await pool.close();
