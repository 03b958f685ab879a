// Writes a small data directory with a given build of Strata (its dist/), for the test
// that a data directory written by an earlier release starts unchanged
// (test/integration/legacy-data-dir.test.ts). Run once per release whose format must stay
// readable; the result is checked in under test/fixtures/legacy-data-dirs/<name>.
//
//   node scripts/make-legacy-data-dir.mjs <repo with dist/ of that release> <out dir>
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [releaseRoot, out] = process.argv.slice(2).map((p) => resolve(p));
const dist = (p) => import(join(releaseRoot, 'dist', p));
const { startBroker } = await dist('src/index.js');
const { silentLogger } = await dist('src/logger.js');
const { KafkaClient } = await dist('src/client/kafka-client.js');
const { buildRecordBatch } = await dist('src/protocol/records/batch-builder.js');

const dataDir = mkdtempSync(join(tmpdir(), 'strata-legacy-'));
const broker = await startBroker({ host: '127.0.0.1', port: 0, adminPort: 0, dataDir, logger: silentLogger, logWriters: 0 });
const client = await KafkaClient.connect(broker.address);
await client.createTopic('orders', 3, { 'retention.ms': '86400000', 'cleanup.policy': 'delete' });
await client.createTopic('events', 1, {});
for (let p = 0; p < 3; p++) {
  for (let b = 0; b < 4; b++) {
    const records = Array.from({ length: 5 }, (_, i) => ({ key: Buffer.from(`k${p}-${b}-${i}`), value: Buffer.from(`order ${p}/${b}/${i}`), timestamp: 1_700_000_000_000 + b * 1000 + i }));
    await client.produce('orders', p, buildRecordBatch(records), -1);
  }
}
await client.produce('events', 0, buildRecordBatch([{ value: Buffer.from('hello') }]), -1);
await client.commit('billing', [{ topic: 'orders', partition: 0, offset: 12, metadata: 'legacy' }, { topic: 'orders', partition: 2, offset: 5, metadata: null }]);
client.close();
// An idempotent producer's id: the next release must never hand it out again.
const { RawClient } = await dist('src/client/raw-client.js');
const { writeInitProducerIdRequest, defaultInitProducerIdRequest } = await dist('src/protocol/generated/init-producer-id-request.js');
const { readInitProducerIdResponse } = await dist('src/protocol/generated/init-producer-id-response.js');
const raw = await RawClient.connect('127.0.0.1', broker.port);
const pid = readInitProducerIdResponse(await raw.request(22, 4, (w) => writeInitProducerIdRequest(w, 4, { ...defaultInitProducerIdRequest(), transactionalId: null, transactionTimeoutMs: 60000 })), 4);
console.log(`producer id ${pid.producerId}`);
raw.close();
await broker.close();
rmSync(out, { recursive: true, force: true });
cpSync(dataDir, out, { recursive: true });
rmSync(dataDir, { recursive: true, force: true });
const walk = (d) => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
console.log(walk(out).map((f) => `${f.slice(out.length + 1)} ${statSync(f).size}`).join('\n'));
