// The VM deployment assets: the systemd unit passes systemd-analyze, the example config
// is a valid broker config, and SIGTERM finishes in-flight requests before the clean stop.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveBrokerConfig } from '../../src/config/broker-config.js';
import { RawClient } from '../../src/client/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/api-keys.js';
import { defaultFetchRequest, writeFetchRequest } from '../../src/protocol/generated/fetch-request.js';
import { readFetchResponse } from '../../src/protocol/generated/fetch-response.js';
import { defaultProduceRequest, writeProduceRequest } from '../../src/protocol/generated/produce-request.js';
import { readProduceResponse } from '../../src/protocol/generated/produce-response.js';
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.js';
import { CLEAN_SHUTDOWN_FILE } from '../../src/storage/names.js';
import { childBroker, root } from '../helpers/broker.js';
import { useTmpDirs } from '../helpers/tmp.js';
import { toolsRequired } from '../helpers/tools.js';

const tmp = useTmpDirs();
const required = toolsRequired;
const hasSystemd = spawnSync('systemd-analyze', ['--version']).status === 0;

describe('bare metal / VM', () => {
  it.runIf(hasSystemd || required)('the systemd unit passes systemd-analyze verify', () => {
    const r = spawnSync('systemd-analyze', ['verify', join(root, 'deploy', 'systemd', 'strata.service')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/Unknown|error|ignoring/i);
  });

  it('the example config is a valid broker config', () => {
    const c = resolveBrokerConfig({ file: join(root, 'deploy', 'strata.example.json') });
    expect(c).toMatchObject({ dataDir: '/var/lib/strata', adminPort: 9644, autoCreateTopics: false });
  });

  it('SIGTERM: stops accepting, answers in-flight requests, flushes, leaves clean markers, exits 0', async () => {
    const dataDir = tmp();
    const broker = await childBroker(['--port', '0', '--data-dir', dataDir]);
    const client = await RawClient.connect('127.0.0.1', broker.port);
    const produce = { ...defaultProduceRequest(), acks: -1, timeoutMs: 5000, topicData: [{ name: 'drain', partitionData: [{ index: 0, records: buildRecordBatch([{ value: Buffer.from('before stop') }]) }] }] };
    const produced = readProduceResponse(await client.request(ApiKey.Produce, 9, (w) => writeProduceRequest(w, 9, produce)), 9);
    expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    // A long poll at the end of the log: still waiting when SIGTERM arrives.
    const fetch = { ...defaultFetchRequest(), maxWaitMs: 1500, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic: 'drain', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 1, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }] };
    const inFlight = client.request(ApiKey.Fetch, 12, (w) => writeFetchRequest(w, 12, fetch));
    await new Promise((r) => setTimeout(r, 200));
    const exited = broker.kill('SIGTERM');
    const answer = readFetchResponse(await inFlight, 12);
    expect(answer.responses[0]!.partitions[0]).toMatchObject({ errorCode: 0, highWatermark: 1 });
    expect(await exited).toBe(0);
    expect(existsSync(join(dataDir, 'drain-0', CLEAN_SHUTDOWN_FILE))).toBe(true);
    expect(existsSync(join(dataDir, '__consumer_offsets-0', CLEAN_SHUTDOWN_FILE))).toBe(true);
    // Stopped accepting: a new connection is refused.
    await expect(RawClient.connect('127.0.0.1', broker.port)).rejects.toThrow(/ECONNREFUSED/);
    client.close();
  });
});
