// Shared fdatasync submissions: the group commits of many partition logs on one thread go
// to the disk together (one io_uring submission, or the addon's serial loop, or Node's fs),
// every acknowledged append is in the file after reopening, and a failed sync fails every
// waiter of its submission.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IoMode } from '../../../src/native/durable-append.js';
import { nativeIo } from '../../../src/native/index.js';
import { PartitionLog } from '../../../src/storage/partition-log.js';
import { SyncBatcher } from '../../../src/storage/sync-batcher.js';
import { batchFor } from '../../helpers/batches.js';
import { useTmpDirs } from '../../helpers/tmp.js';

const tmp = useTmpDirs();
const modes: IoMode[] = ['fs'];
if (nativeIo !== undefined) modes.push('pwrite');
if (nativeIo?.ioUringAvailable()) modes.push('uring');

describe('sync batcher', () => {
  it.each(modes)('%s: 16 logs with sync=always share submissions and keep every acknowledged append', async (mode) => {
    const dir = tmp();
    const syncs = new SyncBatcher(mode);
    const logs = Array.from({ length: 16 }, (_, i) => PartitionLog.open(join(dir, `p-${i}`), { syncPolicy: 'always' }, { syncer: syncs.sync }));
    for (let round = 0; round < 20; round++) {
      const acked = await Promise.all(logs.map((log) => log.append(batchFor(round, 2, 300))));
      for (const a of acked) expect(a.baseOffset).toBe(round * 2);
    }
    for (const log of logs) expect(log.highWatermark).toBe(40);
    if (mode !== 'fs') {
      // One submission per round covers all sixteen logs.
      expect(syncs.calls).toBe(20);
      expect(syncs.files).toBe(20 * 16);
    }
    await Promise.all(logs.map((l) => l.close()));
    for (let i = 0; i < 16; i++) {
      const reopened = PartitionLog.open(join(dir, `p-${i}`));
      expect(reopened.logEndOffset).toBe(40);
      await reopened.close();
    }
  });

  it.each(modes.filter((m) => m !== 'fs'))('%s: a failed fdatasync fails every waiter of its submission', async (mode) => {
    const syncs = new SyncBatcher(mode);
    const bad = (fd: number) => ({ fd, pin: () => undefined, unpin: () => undefined });
    await expect(Promise.all([syncs.sync([bad(987_654)]), syncs.sync([bad(987_655)])])).rejects.toThrow(/fdatasync failed/);
  });
});
