// Partition budgets and running out of file descriptors: requests past maxPartitions or
// maxPartitionsPerRequest are refused with POLICY_VIOLATION before anything is created; a
// topic whose logs cannot all be opened is rolled back whole, counted, and the broker keeps
// creating, producing and fetching afterwards. The descriptor cache makes a low limit
// survivable (test/integration/fd-budget.test.ts), so this one leaves the broker a dozen
// descriptors beyond what it holds: fewer than the cache's smallest budget.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../../src/client/kafka-client.js';
import { KafkaError } from '../../src/errors.js';
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.js';
import { childBroker, testBroker, type ChildBroker } from '../helpers/broker.js';
import { hasTool, runWith } from '../helpers/tools.js';

const hasPrlimit = hasTool('prlimit', ['--version']);

async function errorName(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(() => undefined, (e: unknown) => (e instanceof KafkaError ? e.errorName : String(e)));
}

describe('partition budgets', () => {
  it('refuses topics and partition growth past maxPartitions and maxPartitionsPerRequest with POLICY_VIOLATION', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'strata-budget-'));
    const running = await testBroker(dataDir, { maxPartitions: 10, maxPartitionsPerRequest: 6 });
    const client = await KafkaClient.connect(running.address, 'budget');
    try {
      expect(await errorName(client.createTopic('seven', 7, {}))).toBe('POLICY_VIOLATION'); // one request: at most 6
      await client.createTopic('six', 6, {});
      await client.createTopic('three', 3, {});
      expect(await errorName(client.createTopic('two', 2, {}))).toBe('POLICY_VIOLATION'); // 11 > 10
      expect(await errorName(client.createPartitions('three', 5))).toBe('POLICY_VIOLATION');
      await client.createPartitions('three', 4); // exactly 10
      expect(await errorName(client.createTopic('zero', 0, {}))).toBe('INVALID_PARTITIONS');
      expect(running.broker.topics.list().map((t) => `${t.record.name}:${t.partitions.length}`).sort()).toEqual(['six:6', 'three:4']);
      expect(readdirSync(dataDir).filter((d) => /^(seven|two|zero)-/.test(d))).toEqual([]);
    } finally {
      client.close();
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe.runIf(runWith(hasPrlimit))('out of file descriptors', () => {
  let broker: ChildBroker;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'strata-emfile-'));
    broker = await childBroker(['--port', '0', '--data-dir', dataDir, '--inline']);
  });

  afterAll(async () => {
    await broker.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('rolls back a topic it cannot open, counts it, and keeps serving', async () => {
    const client = await KafkaClient.connect(broker.address, 'emfile');
    // What the broker holds now (this connection included), and a dozen more.
    const limit = readdirSync(`/proc/${broker.proc.pid}/fd`).length + 12;
    execFileSync('prlimit', ['--pid', String(broker.proc.pid), `--nofile=${limit}:${limit}`]);
    try {
      expect(await errorName(client.createTopic('too-many', 1000, {}))).toBe('KAFKA_STORAGE_ERROR');
      // Nothing of it is left: no metadata, no directories, no descriptors.
      expect(await errorName(client.partitionsOf('too-many'))).toBe('UNKNOWN_TOPIC_OR_PARTITION');
      expect(readdirSync(dataDir).filter((d) => d.startsWith('too-many-'))).toEqual([]);
      // Descriptors came back: the same can fail again and a small topic works.
      expect(await errorName(client.createTopic('too-many', 1000, {}))).toBe('KAFKA_STORAGE_ERROR');
      await client.createTopic('small', 2, {});
      for (const partition of [0, 1]) {
        const out = await client.produce('small', partition, buildRecordBatch([{ value: Buffer.from(`hello ${partition}`) }]), -1);
        expect(out?.errorCode).toBe(0);
      }
      const fetched = await client.fetch('small', new Map([[0, 0], [1, 0]]), 100);
      expect(fetched.every((p) => p.errorCode === 0 && (p.records?.length ?? 0) > 0)).toBe(true);
      const metrics = await (await fetch(`http://127.0.0.1:${broker.adminPort}/metrics`)).text();
      expect(Number(/strata_partition_open_failures_total (\d+)/.exec(metrics)?.[1])).toBe(2);
      expect(broker.output()).toMatch(/could not open new partitions; rolling back/);
    } finally {
      client.close();
    }
  });
});
