// File descriptors are a budget: a broker whose open-files limit is lowered to 1024 under
// it (prlimit) creates 10,000 partitions across ten topics and keeps producing to and
// fetching from every one of them, reopening segment files on demand, and still accepts
// connections. Prints the creation time, descriptor count and RSS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../src/client/kafka-client.js';
import { RawClient } from '../../src/client/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { defaultFetchRequest, writeFetchRequest } from '../../src/protocol/generated/fetch-request.js';
import { readFetchResponse } from '../../src/protocol/generated/fetch-response.js';
import { defaultProduceRequest, writeProduceRequest } from '../../src/protocol/generated/produce-request.js';
import { readProduceResponse } from '../../src/protocol/generated/produce-response.js';
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.js';
import { childBroker, type ChildBroker } from '../helpers/broker.js';
import { hasTool, runWith } from '../helpers/tools.js';

const hasPrlimit = hasTool('prlimit', ['--version']);
const TOPICS = 10;
const PER_TOPIC = 1000;
const LIMIT = 1024;

function procFigures(pid: number): { fds: number; rssMiB: number } {
  const status = execFileSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' });
  return { fds: readdirSync(`/proc/${pid}/fd`).length, rssMiB: Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024) };
}

describe.runIf(runWith(hasPrlimit))('descriptor budget', () => {
  let broker: ChildBroker;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'strata-fds-'));
    broker = await childBroker(['--port', '0', '--data-dir', dataDir, '--inline', '--max-partitions', '20000']);
    execFileSync('prlimit', ['--pid', String(broker.proc.pid), `--nofile=${LIMIT}:${LIMIT}`]);
  });

  afterAll(async () => {
    await broker.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`runs ${TOPICS * PER_TOPIC} partitions under ulimit -n ${LIMIT}: creates, produces to and fetches from all of them`, async () => {
    const admin = await KafkaClient.connect(broker.address, 'fds');
    const raw = await RawClient.connect('127.0.0.1', broker.port);
    try {
      const started = Date.now();
      for (let t = 0; t < TOPICS; t++) await admin.createTopic(`wide-${t}`, PER_TOPIC, {});
      const createdIn = Date.now() - started;
      const afterCreate = procFigures(broker.proc.pid!);
      expect(afterCreate.fds).toBeLessThan(LIMIT);

      // Two rounds over every partition: the second reopens files the cache closed.
      for (let round = 0; round < 2; round++) {
        for (let t = 0; t < TOPICS; t++) {
          const topic = `wide-${t}`;
          const req = {
            ...defaultProduceRequest(), acks: -1, timeoutMs: 30_000,
            topicData: [{ name: topic, partitionData: Array.from({ length: PER_TOPIC }, (_, index) => ({ index, records: buildRecordBatch([{ value: Buffer.from(`${topic}/${index}/${round}`) }]) })) }],
          };
          const res = readProduceResponse(await raw.request(ApiKey.Produce, 9, (w) => writeProduceRequest(w, 9, req)), 9);
          const codes = res.responses[0]!.partitionResponses.map((p) => p.errorCode);
          expect(codes.filter((c) => c !== 0)).toEqual([]);
        }
      }
      for (let t = 0; t < TOPICS; t++) {
        const topic = `wide-${t}`;
        const req = {
          ...defaultFetchRequest(), maxWaitMs: 0, minBytes: 1, maxBytes: 64 * 1024 * 1024,
          topics: [{ topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: Array.from({ length: PER_TOPIC }, (_, partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 4096, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' })) }],
        };
        const res = readFetchResponse(await raw.request(ApiKey.Fetch, 12, (w) => writeFetchRequest(w, 12, req)), 12);
        for (const p of res.responses[0]!.partitions) {
          if (p.errorCode !== 0) console.log(broker.output().split('\n').filter((l) => l.includes('"level":50')).slice(0, 3).join('\n'));
          expect(p.errorCode).toBe(0);
          expect(p.highWatermark).toBe(2);
          expect(p.records?.toString('latin1')).toContain(`${topic}/${p.partitionIndex}/0`);
        }
      }
      // Still accepting connections, still within the limit.
      const another = await KafkaClient.connect(broker.address, 'fds-late');
      expect((await another.partitionsOf('wide-9')).length).toBe(PER_TOPIC);
      another.close();
      const end = procFigures(broker.proc.pid!);
      expect(end.fds).toBeLessThan(LIMIT);
      const metrics = await (await fetch(`http://127.0.0.1:${broker.adminPort}/metrics`)).text();
      const evictions = Number(/strata_segment_file_evictions_total (\d+)/.exec(metrics)?.[1]);
      expect(evictions).toBeGreaterThan(TOPICS * PER_TOPIC);
      console.log(`${TOPICS * PER_TOPIC} partitions created in ${createdIn} ms; after creation ${afterCreate.fds} fds, ${afterCreate.rssMiB} MiB RSS; at the end ${end.fds} fds, ${end.rssMiB} MiB RSS; ${evictions} segment files closed by the cache; budget ${/strata_segment_file_budget (\d+)/.exec(metrics)?.[1]}`);
    } finally {
      raw.close();
      admin.close();
    }
  }, 240_000);
});
