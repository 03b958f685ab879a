// librdkafka through kcat (Debian's kcat 1.7.1 with librdkafka 2.0.2): idempotent acks=all
// produce, consume by partition, consume as a group (-G). CI installs kcat; without it
// this suite fails in CI and is reported as not run elsewhere.
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/server/start.js';
import { testBroker } from '../helpers/broker.js';
import { KafkaClient } from '../../src/client/kafka-client.js';
import { COMPRESSION_TYPES } from '../../src/protocol/records/compression.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolsRequired } from '../helpers/tools.js';

const hasKcat = spawnSync('kcat', ['-V']).status === 0;
const required = toolsRequired;

let running: RunningBroker;
let dataDir: string;

/** Runs kcat without blocking: the broker under test lives in this same event loop. */
function kcat(args: string[], input?: string, timeoutMs = 40_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('kcat', ['-b', running.address, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${err}`));
    });
    p.stdin.end(input ?? '');
  });
}

describe.runIf(hasKcat || required)('kcat (librdkafka 2.0.2)', () => {
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'strata-kcat-'));
    running = await testBroker(dataDir, { defaultPartitions: 3 });
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is installed (CI installs it from Debian)', () => {
    expect(hasKcat).toBe(true);
  });

  it('produces with enable.idempotence=true and acks=all, then reads each partition in order', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => `k${i % 7}:message ${i}`);
    await kcat(['-P', '-t', 'kc', '-K', ':', '-X', 'enable.idempotence=true', '-X', 'acks=all'], lines.join('\n') + '\n');
    const out = (await kcat(['-C', '-t', 'kc', '-o', 'beginning', '-e', '-f', '%p|%o|%k|%s\n'])).trim().split('\n');
    expect(out.length).toBe(300);
    const byPartition = new Map<string, Array<{ offset: number; key: string; value: string }>>();
    for (const l of out) {
      const [p, o, k, v] = l.split('|');
      byPartition.set(p!, [...(byPartition.get(p!) ?? []), { offset: Number(o), key: k!, value: v! }]);
    }
    for (const rows of byPartition.values()) {
      expect(rows.map((r) => r.offset)).toEqual(rows.map((_, i) => i)); // contiguous from 0
      const nums = rows.map((r) => Number(r.value.split(' ')[1]));
      expect(nums).toEqual([...nums].sort((a, b) => a - b)); // produce order kept per partition
      for (const r of rows) expect(Number(r.value.split(' ')[1]) % 7).toBe(Number(r.key.slice(1))); // key kept
    }
    expect(new Set(out.map((l) => l.split('|')[3])).size).toBe(300); // exactly once
    const one = (await kcat(['-C', '-t', 'kc', '-p', '1', '-o', 'beginning', '-e', '-f', '%p\n'])).trim().split('\n');
    expect(new Set(one)).toEqual(new Set(['1']));
  });

  it('consumes as a group (-G) and commits, so a second run resumes where the first stopped', async () => {
    await kcat(['-P', '-t', 'kcg'], Array.from({ length: 50 }, (_, i) => `first ${i}`).join('\n') + '\n');
    const group = (): Promise<string> => kcat(['-G', 'kc-group', '-e', '-X', 'auto.offset.reset=earliest', '-f', '%s\n', 'kcg']);
    const first = (await group()).trim().split('\n');
    expect(first.length).toBe(50);
    await kcat(['-P', '-t', 'kcg'], Array.from({ length: 20 }, (_, i) => `second ${i}`).join('\n') + '\n');
    const second = (await group()).trim().split('\n');
    expect(second.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `second ${i}`).sort());
  });
  it.each(['lz4', 'zstd', 'snappy', 'gzip'])('accepts %s batches spanning many compression blocks (records validated after decompression) and reads them back', async (codec) => {
    const topic = `validated-${codec}`;
    // ~600 KiB a batch of text that compresses 2-3x: LZ4 frames of several linked 64 KiB blocks.
    let x = 7;
    const sent = Array.from({ length: 2000 }, (_, i) => {
      let line = `${i}:`;
      while (line.length < 300) {
        x = (x * 1103515245 + 12345) & 0x7fffffff;
        line += `${['order', 'user', 'amount', 'status'][x % 4]}=${x % 100000};`;
      }
      return line;
    });
    await kcat(['-P', '-t', topic, '-p', '0', '-z', codec, '-X', 'linger.ms=200', '-X', 'batch.num.messages=2000'], sent.join('\n') + '\n');
    const got = (await kcat(['-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q'])).trim().split('\n');
    expect(got).toEqual(sent);
  });

  it.each(['lz4', 'zstd', 'snappy', 'gzip', 'uncompressed'])('stores batches as compression.type=%s says, whatever codec the producer used, and they read back', async (target) => {
    const topic = `codec-${target}`;
    const admin = await KafkaClient.connect(running.address);
    try {
      await admin.createTopic(topic, 1, { 'compression.type': target });
      const sent = Array.from({ length: 300 }, (_, i) => `message ${i} ${'z'.repeat(i % 50)}`);
      const producerCodec = target === 'gzip' ? 'lz4' : 'gzip';
      await kcat(['-P', '-t', topic, '-p', '0', '-z', producerCodec, '-X', 'linger.ms=20'], sent.join('\n') + '\n');
      const got = (await kcat(['-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q'])).trim().split('\n');
      expect(got).toEqual(sent);
      const parts = await admin.fetch(topic, new Map([[0, 0]]), 100);
      const stored = parts[0]!.records!;
      expect(stored.length).toBeGreaterThan(61);
      for (let at = 0; at < stored.length; at += stored.readInt32BE(at + 8) + 12) {
        expect(stored.readInt16BE(at + 21) & 7).toBe(COMPRESSION_TYPES[target]);
      }
    } finally {
      admin.close();
    }
  });
});
