// DeleteRecords with real tools: kafkajs' admin.deleteTopicRecords and Kafka's own
// kafka-delete-records move a partition's log start forward; consumers from the beginning
// start there; the new start survives a restart (in threaded mode too, through the suite's
// STRATA_TEST_LOG_WRITERS run).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/server/start.js';
import { root, testBroker } from '../helpers/broker.js';
import { hasTool, runWith } from '../helpers/tools.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const lib = join(root, 'test', 'kafka-tools', 'target', 'lib');
const hasKafkaTools = existsSync(join(lib, 'kafka-tools-4.1.1.jar')) && hasTool('java', ['-version']);

describe('DeleteRecords', () => {
  let running: RunningBroker;
  let dir: string;
  const kafka = () => new Kafka({ brokers: [`127.0.0.1:${running.port}`], logLevel: logLevel.NOTHING });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-delete-records-'));
    running = await testBroker(join(dir, 'data'));
    const admin = kafka().admin();
    await admin.connect();
    // Small segments: deleting records also deletes whole segments below the new start.
    await admin.createTopics({ topics: [{ topic: 'purged', numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '4096' }] }] });
    await admin.disconnect();
    const producer = kafka().producer();
    await producer.connect();
    for (let i = 0; i < 10; i++) await producer.send({ topic: 'purged', messages: Array.from({ length: 10 }, (_, j) => ({ partition: 0, value: `m${i * 10 + j}`.padEnd(200, '.') })) });
    await producer.disconnect();
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const lowWatermark = async () => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      return Number((await admin.fetchTopicOffsets('purged'))[0]!.low);
    } finally {
      await admin.disconnect();
    }
  };

  const firstFromBeginning = async (group: string): Promise<string> => {
    const consumer = kafka().consumer({ groupId: group });
    await consumer.connect();
    await consumer.subscribe({ topic: 'purged', fromBeginning: true });
    const first = await new Promise<string>((resolve) => void consumer.run({ eachMessage: async ({ message }) => resolve(message.value!.toString().replace(/\.+$/, '')) }));
    await consumer.disconnect();
    return first;
  };

  it('kafkajs deleteTopicRecords moves the log start; consumers from the beginning start there', async () => {
    const admin = kafka().admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: ['purged'] }); // kafkajs looks the leader up in its cache
    await admin.deleteTopicRecords({ topic: 'purged', partitions: [{ partition: 0, offset: '25' }] });
    // Past the high watermark: OFFSET_OUT_OF_RANGE (kafkajs wraps it as 'Error while deleting records').
    await expect(admin.deleteTopicRecords({ topic: 'purged', partitions: [{ partition: 0, offset: '1000' }] })).rejects.toThrow(/deleting records/i);
    await admin.disconnect();
    expect(await lowWatermark()).toBe(25);
    expect(await firstFromBeginning('from-start-1')).toBe('m25');
  }, 30_000);

  it.runIf(runWith(hasKafkaTools))('kafka-delete-records does the same, and the new start survives a restart', async () => {
    const json = join(dir, 'offsets.json');
    writeFileSync(json, JSON.stringify({ version: 1, partitions: [{ topic: 'purged', partition: 0, offset: 42 }] }));
    // Asynchronously: the broker runs in this process and must keep answering.
    const r = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
      const p = spawn('java', ['-cp', join(lib, '*'), 'org.apache.kafka.tools.DeleteRecordsCommand', '--bootstrap-server', `127.0.0.1:${running.port}`, '--offset-json-file', json]);
      let stdout = '';
      p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      p.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
      p.on('exit', (status) => resolve({ status, stdout }));
    });
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/partition: purged-0\s+low_watermark: 42/);
    await running.close();
    running = await testBroker(join(dir, 'data'));
    expect(await lowWatermark()).toBe(42);
    expect(await firstFromBeginning('from-start-2')).toBe('m42');
  }, 60_000);
});
