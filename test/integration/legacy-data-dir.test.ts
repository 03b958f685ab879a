// A data directory written by an earlier release starts unchanged: its topics (names,
// ids, partition counts, configs), records, committed offsets and producer-id high-water
// mark are all there, and new writes land on top. The fixture was written by release
// 0.1.0 (scripts/make-legacy-data-dir.mjs); the test runs on a copy.
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KafkaClient } from '../../src/client/kafka-client.js';
import { RawClient } from '../../src/client/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { defaultInitProducerIdRequest, writeInitProducerIdRequest } from '../../src/protocol/generated/init-producer-id-request.js';
import { readInitProducerIdResponse } from '../../src/protocol/generated/init-producer-id-response.js';
import { readRecords } from '../../src/protocol/records/record-reader.js';
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.js';
import { root, testBroker } from '../helpers/broker.js';
import { useTmpDirs } from '../helpers/tmp.js';

const FIXTURE = join(root, 'test', 'fixtures', 'legacy-data-dirs', '0.1.0');
const legacy = JSON.parse(readFileSync(join(FIXTURE, '__strata_meta', 'cluster.json'), 'utf8')) as { clusterId: string; producerIdHighWater: number; topics: Array<{ name: string; id: string; partitions: number }> };

function values(batches: Buffer | null): string[] {
  const out: string[] = [];
  for (let at = 0; batches !== null && at < batches.length; at += batches.readInt32BE(at + 8) + 12) {
    for (const r of readRecords(batches.subarray(at, at + batches.readInt32BE(at + 8) + 12))) out.push(r.value?.toString() ?? '');
  }
  return out;
}

describe('a data directory from release 0.1.0', () => {
  const tmp = useTmpDirs();

  it('starts with its topics, records, offsets and producer ids, and takes new writes', async () => {
    const dataDir = tmp();
    cpSync(FIXTURE, dataDir, { recursive: true });
    let running = await testBroker(dataDir);
    try {
      expect(running.broker.clusterId).toBe(legacy.clusterId);
      const client = await KafkaClient.connect(running.address);
      const topics = await client.metadata(null);
      expect(topics.map((t) => ({ name: t.name ?? '', id: t.topicId, partitions: t.partitions.length })).sort((a, b) => a.name.localeCompare(b.name)))
        .toEqual(legacy.topics.map((t) => ({ name: t.name, id: t.id, partitions: t.partitions })).sort((a, b) => a.name.localeCompare(b.name)));
      const configs = await client.describeTopicConfigs('orders');
      expect(configs.find((c) => c.name === 'retention.ms')?.value).toBe('86400000');
      const orders = await client.fetch('orders', new Map([[0, 0], [1, 0], [2, 0]]), 0);
      expect(orders.map((p) => values(p.records).length)).toEqual([20, 20, 20]);
      expect(values(orders[1]!.records)[7]).toBe('order 1/1/2');
      expect(values((await client.fetch('events', new Map([[0, 0]]), 0))[0]!.records)).toEqual(['hello']);
      const committed = await client.committedOffsets('billing', [{ name: 'orders', partitions: [0, 1, 2] }]);
      expect(committed.map((o) => [o.partition, o.offset, o.metadata])).toEqual([[0, 12, 'legacy'], [1, -1, ''], [2, 5, '']]);
      const raw = await RawClient.connect(running.host, running.port);
      const pid = readInitProducerIdResponse(await raw.request(ApiKey.InitProducerId, 4, (w) => writeInitProducerIdRequest(w, 4, { ...defaultInitProducerIdRequest(), transactionalId: null, transactionTimeoutMs: 60000 })), 4);
      raw.close();
      expect(pid.producerId).toBeGreaterThanOrEqual(legacy.producerIdHighWater);
      await client.produce('orders', 0, buildRecordBatch([{ value: Buffer.from('after upgrade') }]), -1);
      client.close();
      await running.close();

      running = await testBroker(dataDir);
      const again = await KafkaClient.connect(running.address);
      const after = await again.fetch('orders', new Map([[0, 0]]), 0);
      expect(values(after[0]!.records).at(-1)).toBe('after upgrade');
      expect(values(after[0]!.records)).toHaveLength(21);
      again.close();
      const stored = JSON.parse(readFileSync(join(dataDir, '__strata_meta', 'cluster.json'), 'utf8')) as typeof legacy;
      expect(stored.clusterId).toBe(legacy.clusterId);
      expect(stored.topics.map((t) => t.id).sort()).toEqual(legacy.topics.map((t) => t.id).sort());
    } finally {
      await running.close();
    }
  });
});
