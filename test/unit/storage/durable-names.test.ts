// Every new name is made durable: after a directory or file is created, its parent
// directory is fsynced (a power loss must not drop a partition directory while the
// cluster metadata already lists its topic). Observed through dir-sync's seam, which
// sees every directory fsync on this thread (--inline brokers run every log here).
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dirSyncObserver, mkdirDurable } from '../../../src/storage/dir-sync.js';
import { PartitionLog } from '../../../src/storage/partition-log.js';
import { testBroker } from '../../helpers/broker.js';
import { useTmpDirs } from '../../helpers/tmp.js';

function recordSyncs(): string[] {
  const seen: string[] = [];
  dirSyncObserver.onSync = (dir) => seen.push(dir);
  return seen;
}

describe('durable names', () => {
  const tmp = useTmpDirs();
  afterEach(() => {
    dirSyncObserver.onSync = undefined;
  });

  it('mkdirDurable fsyncs the parent of every directory it creates, and nothing when all exist', () => {
    const root = tmp();
    const seen = recordSyncs();
    expect(mkdirDurable(join(root, 'a', 'b', 'c'))).toBe(true);
    expect(seen).toEqual([root, join(root, 'a'), join(root, 'a', 'b')]);
    seen.length = 0;
    expect(mkdirDurable(join(root, 'a', 'b', 'c'))).toBe(false);
    expect(seen).toEqual([]);
  });

  it('a new partition log fsyncs its parent after creating its directory, and its directory after creating the first segment', async () => {
    const dataDir = tmp();
    const seen = recordSyncs();
    const log = PartitionLog.open(join(dataDir, 't-0'));
    await log.close();
    const parentAt = seen.indexOf(dataDir);
    const selfAt = seen.indexOf(join(dataDir, 't-0'));
    expect(parentAt).toBeGreaterThanOrEqual(0);
    expect(selfAt).toBeGreaterThan(parentAt);
  });

  it('a broker makes its data directory, __strata_meta and every new partition directory durable', async () => {
    const root = tmp();
    const dataDir = join(root, 'data');
    const seen = recordSyncs();
    const running = await testBroker(dataDir, { logWriters: 0 });
    try {
      expect(seen).toContain(root); // the data directory's own name
      expect(seen).toContain(dataDir); // __strata_meta and __consumer_offsets-0 in it
      expect(seen).toContain(join(dataDir, '__strata_meta')); // cluster.json
      seen.length = 0;
      await running.broker.topics.create('durable', 2, {});
      expect(seen.filter((d) => d === dataDir).length).toBeGreaterThanOrEqual(2);
      expect(seen).toContain(join(dataDir, 'durable-0'));
      expect(seen).toContain(join(dataDir, 'durable-1'));
    } finally {
      await running.close();
    }
  });
});
