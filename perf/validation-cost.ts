// What record validation costs on produce: the project's own client sends prebuilt
// batches of 1 KiB records (uncompressed, lz4, zstd; built once, so the client's work is
// the same in every run) with 16 requests in flight to a broker in a child process with
// validation on and with it off (STRATA_UNSAFE_SKIP_RECORD_VALIDATION=1), alternating over
// several rounds, the broker pinned to core 1 and the client to core 0. Reports the
// median MB/s and broker CPU per MB of each, and the on/off ratios per codec.
// Usage: npm run build && node dist/perf/validation-cost.js [--mb 400] [--rounds 5] [--codecs none,lz4,zstd]
//        [--data-root DIR]   e.g. /dev/shm: page-cache writeback noise dwarfs what is measured
//        [--log-writers N]   0 = --inline (validation on the main thread); N: on the writer threads
// Prints a markdown table and writes perf/results/validation-cost.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RawClient } from '../src/client/raw-client.js';
import { ApiKey } from '../src/protocol/generated/api-keys.js';
import { defaultProduceRequest, writeProduceRequest } from '../src/protocol/generated/produce-request.js';
import { readProduceResponse } from '../src/protocol/generated/produce-response.js';
import { BATCH_HEADER_SIZE, BatchField, COMPRESSION_MASK, LOG_OVERHEAD } from '../src/protocol/records/batch-layout.js';
import { buildRecordBatch } from '../src/protocol/records/batch-builder.js';
import { Codec, compress, type CodecId } from '../src/protocol/records/compression.js';
import { hot } from '../src/native/index.js';
import { procStat, repoRoot, startBrokerProcess } from './broker-process.js';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '400' },
    rounds: { type: 'string', default: '5' },
    codecs: { type: 'string', default: 'none,lz4,zstd' },
    'data-root': { type: 'string', default: tmpdir() },
    'log-writers': { type: 'string', default: '0' },
  },
});
const RECORDS_PER_BATCH = 900; // ~0.9 MiB uncompressed: under max.message.bytes
const PARTITIONS = 4;
const IN_FLIGHT = 16;
const CODECS: Record<string, CodecId> = { none: Codec.NONE, lz4: Codec.LZ4, zstd: Codec.ZSTD };

/** Text that compresses about as well as JSON events do (2-4x), not a run of one byte. */
function value(i: number): Buffer {
  let s = '';
  let x = i * 2654435761;
  while (s.length < 1023) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s += `"${['order', 'user', 'amount', 'status', 'region', 'item'][x % 6]}":${x % 100000},`;
  }
  return Buffer.from(s.slice(0, 1023));
}

function batchesFor(codec: CodecId): Buffer[] {
  return Array.from({ length: 8 }, (_, b) => {
    const plain = buildRecordBatch(Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({ value: value(b * RECORDS_PER_BATCH + i) })));
    if (codec === Codec.NONE) return plain;
    const out = Buffer.concat([plain.subarray(0, BATCH_HEADER_SIZE), compress(codec, plain.subarray(BATCH_HEADER_SIZE))]);
    out.writeInt32BE(out.length - LOG_OVERHEAD, BatchField.BATCH_LENGTH);
    out.writeInt16BE((out.readInt16BE(BatchField.ATTRIBUTES) & ~COMPRESSION_MASK) | codec, BatchField.ATTRIBUTES);
    out.writeUInt32BE(hot.crc32c(out.subarray(BatchField.ATTRIBUTES)), BatchField.CRC);
    return out;
  });
}

/** Sends `requests` produce requests (acks=1), IN_FLIGHT at a time; returns uncompressed MB/s. */
async function produce(port: number, topic: string, batches: Buffer[], requests: number): Promise<number> {
  const client = await RawClient.connect('127.0.0.1', port);
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < requests) {
      const i = next++;
      const req = { ...defaultProduceRequest(), acks: 1, timeoutMs: 30_000, topicData: [{ name: topic, partitionData: [{ index: i % PARTITIONS, records: batches[i % batches.length]! }] }] };
      const res = readProduceResponse(await client.request(ApiKey.Produce, 9, (w) => writeProduceRequest(w, 9, req)), 9);
      const code = res.responses[0]!.partitionResponses[0]!.errorCode;
      if (code !== 0) throw new Error(`produce error ${code}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - started) / 1000;
  client.close();
  return (requests * RECORDS_PER_BATCH * 1024) / 1e6 / seconds;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

if (values['log-writers'] === '0') spawnSync('taskset', ['-p', '-c', '0', String(process.pid)]);
const requests = Math.ceil((Number(values.mb) * 1e6) / (RECORDS_PER_BATCH * 1024));
const work = mkdtempSync(join(values['data-root'], 'strata-validation-'));
const rows: Array<{ codec: string; onMBs: number; offMBs: number; ratio: number; onCpuMsPerMB: number; offCpuMsPerMB: number; runs: unknown }> = [];
try {
  for (const name of values.codecs.split(',')) {
    const codec = CODECS[name];
    if (codec === undefined) throw new Error(`--codecs: ${name} is not none, lz4 or zstd`);
    const batches = batchesFor(codec);
    const runs: Record<'on' | 'off', Array<{ mbs: number; cpuMsPerMB: number }>> = { on: [], off: [] };
    for (let round = 0; round < Number(values.rounds); round++) {
      // Alternate which goes first so drift on a noisy machine hits both alike.
      const order: Array<'on' | 'off'> = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
      for (const setting of order) {
        const dataDir = join(work, `data-${name}-${round}-${setting}`);
        const env = setting === 'off' ? { STRATA_UNSAFE_SKIP_RECORD_VALIDATION: '1' } : {};
        const writers = values['log-writers'];
        const broker = await startBrokerProcess(dataDir, [...(writers === '0' ? ['--inline'] : ['--log-writers', writers]), '--default-partitions', String(PARTITIONS)], repoRoot, env);
        // Inline: the broker on one core, the client on the other (less noise). Threaded
        // brokers keep both cores: moving work off the main thread is their point.
        if (writers === '0') spawnSync('taskset', ['-a', '-p', '-c', '1', String(broker.pid)]);
        try {
          await produce(broker.port, 'warmup', batches, Math.ceil(requests / 4));
          const cpu0 = procStat(broker.pid).cpu;
          const mbs = await produce(broker.port, 'measured', batches, requests);
          const mb = (requests * RECORDS_PER_BATCH * 1024) / 1e6;
          runs[setting].push({ mbs, cpuMsPerMB: ((procStat(broker.pid).cpu - cpu0) * 1000) / mb });
        } finally {
          await broker.stop();
          rmSync(dataDir, { recursive: true, force: true });
        }
      }
    }
    const on = median(runs.on.map((r) => r.mbs));
    const off = median(runs.off.map((r) => r.mbs));
    rows.push({ codec: name, onMBs: on, offMBs: off, ratio: on / off, onCpuMsPerMB: median(runs.on.map((r) => r.cpuMsPerMB)), offCpuMsPerMB: median(runs.off.map((r) => r.cpuMsPerMB)), runs });
    console.error(`${name}: on ${runs.on.map((r) => r.mbs.toFixed(0)).join(' ')} MB/s; off ${runs.off.map((r) => r.mbs.toFixed(0)).join(' ')} MB/s`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log('| codec | validation on MB/s | off MB/s | on/off | broker CPU ms/MB on | off | off/on CPU per MB |\n|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.codec} | ${r.onMBs.toFixed(1)} | ${r.offMBs.toFixed(1)} | ${r.ratio.toFixed(2)}x | ${r.onCpuMsPerMB.toFixed(2)} | ${r.offCpuMsPerMB.toFixed(2)} | ${(r.offCpuMsPerMB / r.onCpuMsPerMB).toFixed(2)}x |`);
mkdirSync(join(repoRoot, 'perf', 'results'), { recursive: true });
writeFileSync(join(repoRoot, 'perf', 'results', `validation-cost-writers${values['log-writers']}.json`), JSON.stringify({ at: new Date().toISOString(), mb: Number(values.mb), recordsPerBatch: RECORDS_PER_BATCH, logWriters: Number(values['log-writers']), rows }, null, 2));
