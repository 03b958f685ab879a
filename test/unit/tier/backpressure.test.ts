// Producer backpressure from the tier: the upload backlog over its limit, or uploads
// lagging while the disk is past its high-water mark.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InlineBackend, Partition } from '../../../src/broker/partition.js';
import { silentLogger } from '../../../src/logger.js';
import { Metrics } from '../../../src/metrics/metrics.js';
import { PartitionLog } from '../../../src/storage/partition-log.js';
import { LocalObjectStore } from '../../../src/tier/local-object-store.js';
import { RemoteLogManager } from '../../../src/tier/remote-log-manager.js';
import { batchFor } from '../../helpers/batches.js';
import { useTmpDirs } from '../../helpers/tmp.js';

const tmp = useTmpDirs();

describe('tier backpressure', () => {
  it('pushes back when the backlog passes its limit or uploads lag on a full disk', async () => {
    const dir = tmp();
    const log = PartitionLog.open(join(dir, 't-0'), { segmentBytes: 4096, syncPolicy: 'never' });
    for (let i = 0; i < 40; i++) await log.append(batchFor(i, 1, 500));
    await log.flush();
    const partition = new Partition('t', 0, new InlineBackend(log));
    const policy = { retentionMs: -1, retentionBytes: -1, localRetentionMs: -1, localRetentionBytes: -1 };
    const manager = new RemoteLogManager(new LocalObjectStore(join(dir, 'remote')), () => [{ topic: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partition, policy }], 60_000, silentLogger, new Metrics().tier);
    const backlog = manager.backlogBytes();
    expect(backlog).toBeGreaterThan(10_000); // closed segments, nothing uploaded
    let now = 10_000;
    expect(manager.shouldPushBack(backlog - 1, dir, 0, (now += 2000))).toBe(true);
    expect(manager.shouldPushBack(backlog + 1, dir, 0, (now += 2000))).toBe(false);
    expect(manager.shouldPushBack(0, dir, 0, (now += 2000))).toBe(false);
    expect(manager.shouldPushBack(0, dir, 1, (now += 2000))).toBe(true); // this disk is more than 1% used
    await manager.runCycle(); // uploads everything closed
    expect(manager.backlogBytes()).toBe(0);
    expect(manager.shouldPushBack(1, dir, 1, (now += 2000))).toBe(false); // nothing lags: no push-back
    await manager.close();
    await log.close();
  });
});
