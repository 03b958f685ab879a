// @platformatic/kafka (a current pure-JavaScript client): produce, then consume in a group
// from the earliest offset. It negotiates Fetch up to v17 (topic ids), as it does with Kafka.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Consumer, MessagesStreamModes, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/server/start.js';
import { testBroker } from '../helpers/broker.js';

describe('@platformatic/kafka', () => {
  let running: RunningBroker;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-platformatic-'));
    running = await testBroker(dir, { defaultPartitions: 3 });
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('produces and consumes in a group', async () => {
    const brokers = [`127.0.0.1:${running.port}`];
    const producer = new Producer({ clientId: 'pk-producer', bootstrapBrokers: brokers, serializers: stringSerializers, autocreateTopics: true });
    const sent = Array.from({ length: 30 }, (_, i) => ({ topic: 'platformatic', key: `k${i % 5}`, value: `v${i}` }));
    try {
      await producer.send({ messages: sent });
    } finally {
      await producer.close();
    }
    const consumer = new Consumer({ groupId: 'pk-group', clientId: 'pk-consumer', bootstrapBrokers: brokers, deserializers: stringDeserializers });
    const seen: string[] = [];
    try {
      const stream = await consumer.consume({ topics: ['platformatic'], mode: MessagesStreamModes.EARLIEST, sessionTimeout: 10_000, heartbeatInterval: 500 });
      const deadline = Date.now() + 20_000;
      for await (const message of stream) {
        seen.push(message.value as string);
        if (seen.length === sent.length || Date.now() > deadline) break;
      }
      await stream.close();
    } finally {
      await consumer.close(true);
    }
    expect(seen.sort()).toEqual(sent.map((m) => m.value).sort());
  }, 40_000);
});
