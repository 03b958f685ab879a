// The broker is killed (SIGKILL) mid-stream and restarted on the same data: consumers
// resume from their committed offsets, the idempotent producer's state is rebuilt from
// the log (so its retries are not duplicated), and nothing acknowledged is lost.
import { describe, expect, it } from 'vitest';
import { Kafka, logLevel, type EachMessagePayload } from 'kafkajs';
import { childBroker, eventually, freePort } from '../helpers/broker.js';
import { useTmpDirs } from '../helpers/tmp.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const tmp = useTmpDirs();


describe('broker restart', () => {
  it('after SIGKILL, consumers resume from committed offsets and acknowledged messages survive', async () => {
    const dataDir = tmp();
    const port = await freePort();
    const args = ['--port', String(port), '--data-dir', dataDir, '--group-initial-rebalance-delay-ms', '100'];
    let broker = await childBroker(args);
    const kafka = new Kafka({ clientId: 'restart', brokers: [broker.address], logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'crashy', numPartitions: 3 }] });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const acked = new Set<number>();
    let next = 0;
    let producing = true;
    // A steady stream (about 1,000 messages/s) that the consumer, committing after every
    // message, can keep up with.
    const produceLoop = (async () => {
      while (producing) {
        const batch = Array.from({ length: 10 }, () => next++);
        await producer.send({ topic: 'crashy', acks: -1, messages: batch.map((n) => ({ key: `k${n}`, value: String(n) })) });
        for (const n of batch) acked.add(n);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const seen: number[] = [];
    const firstAfterRestart = new Map<number, string>();
    let restarted = false;
    const consumer = kafka.consumer({ groupId: 'crashy-g', heartbeatInterval: 300, sessionTimeout: 10_000, maxWaitTimeInMs: 300 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'crashy', fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async (p: EachMessagePayload) => {
        if (restarted && !firstAfterRestart.has(p.partition)) firstAfterRestart.set(p.partition, p.message.offset);
        seen.push(Number(p.message.value!.toString()));
        await consumer.commitOffsets([{ topic: p.topic, partition: p.partition, offset: String(Number(p.message.offset) + 1) }]);
      },
    });
    await eventually(() => seen.length >= 200, 30_000, '200 consumed before the crash');
    await broker.kill('SIGKILL');
    const committedBefore = seen.length;
    broker = await childBroker(args);
    restarted = true;
    await eventually(() => acked.size >= committedBefore + 300, 60_000, 'producing again after the restart');
    producing = false;
    await produceLoop;
    const seenSet = (): Set<number> => new Set(seen);
    await eventually(() => [...acked].every((n) => seenSet().has(n)), 60_000, 'every acknowledged message consumed').catch((err: Error) => {
      const have = seenSet();
      const missing = [...acked].filter((n) => !have.has(n));
      throw new Error(`${err.message}: acked ${acked.size}, seen ${seen.length} (${have.size} distinct), missing ${missing.length}: ${missing.slice(0, 20).join(',')}; first after restart ${JSON.stringify([...firstAfterRestart])}\n${broker.output().slice(-3000)}`);
    });
    // Committing after every message leaves at most one uncommitted message per
    // partition at the crash: anything more would be committed progress repeated.
    const duplicates = seen.length - new Set(seen).size;
    expect(duplicates).toBeLessThanOrEqual(3);
    // The stored log holds each produced value once: idempotence survived the restart.
    const offsets = await admin.fetchTopicOffsets('crashy');
    const stored = offsets.reduce((n, p) => n + Number(p.high), 0);
    expect(stored).toBe(new Set(seen).size);
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();
    expect(await broker.kill('SIGTERM')).toBe(0);
  });
});
