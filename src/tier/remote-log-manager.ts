// The tier for the whole broker: which partitions are tiered (remote.storage.enable), the
// upload/retention cycle that runs every `tierIntervalMs`, remote reads for fetches below
// the local log start, and the upload backlog that pushes back on producers.
import { statfsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hot } from '../native/index.js';
import type { Logger } from '../logger.js';
import type { TierProbe } from '../metrics/tier-probe.js';
import type { Partition } from '../broker/partition.js';
import type { ObjectStore } from './object-store.js';
import { RangeCache } from './range-cache.js';
import { RemotePartition, type TierPolicy } from './remote-partition.js';

export interface TieredPartitionRef {
  topic: string;
  topicId: string;
  partition: Partition;
  policy: TierPolicy;
}

export class RemoteLogManager {
  private readonly remotes = new Map<string, RemotePartition>();
  private readonly cache: RangeCache;
  private timer: NodeJS.Timeout | undefined;
  private cycle: Promise<void> | undefined;
  private stopped = false;

  constructor(
    readonly store: ObjectStore,
    private readonly tiered: () => TieredPartitionRef[],
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly probe: TierProbe,
    cacheBytes = 64 * 1024 * 1024,
  ) {
    this.cache = new RangeCache(cacheBytes);
    probe.watch(() => ({ backlogBytes: this.backlogBytes(), cacheHits: this.cache.hits, cacheMisses: this.cache.misses, cacheBytes: this.cache.sizeBytes }));
  }

  /** xxHash64 (hex) of a closed segment file; the broker points it at its CPU pool. */
  hashFile: (path: string) => Promise<string> = async (path) => hot.xxhash64(await readFile(path)).toString(16).padStart(16, '0');

  private key(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`;
  }

  /** The remote side of a partition (created and loaded on first use). */
  async remote(ref: { topic: string; topicId: string; partition: number }): Promise<RemotePartition> {
    const k = this.key(ref.topic, ref.partition);
    let r = this.remotes.get(k);
    if (r === undefined) {
      r = new RemotePartition(ref.topic, ref.topicId, ref.partition, this.store, this.cache, this.logger);
      this.remotes.set(k, r);
    }
    if (!r.isLoaded) await r.load();
    return r;
  }

  /** Already-loaded remote state, without I/O (for the synchronous paths). */
  loaded(topic: string, partition: number): RemotePartition | undefined {
    const r = this.remotes.get(this.key(topic, partition));
    return r?.isLoaded === true ? r : undefined;
  }

  start(): void {
    const tick = (): void => {
      if (this.stopped || this.cycle !== undefined) return;
      this.cycle = this.runCycle()
        .catch((err: unknown) => this.logger.warn({ err }, 'tier cycle failed; will retry'))
        .finally(() => {
          this.cycle = undefined;
        });
    };
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
    tick();
  }

  /** One pass: upload closed segments, then local and remote retention, per partition. */
  async runCycle(): Promise<void> {
    for (const ref of this.tiered()) {
      if (this.stopped) return;
      const log = ref.partition.log;
      const remote = await this.remote({ topic: ref.topic, topicId: ref.topicId, partition: ref.partition.index });
      try {
        const up = await remote.uploadClosed(log, this.hashFile, ref.partition.backend);
        if (up.segments > 0) this.probe.uploaded(up.segments, up.bytes);
        const freed = await remote.applyLocalRetention(ref.partition.backend, ref.policy);
        if (freed > 0) this.probe.localDeleted(freed);
        const removed = await remote.applyRemoteRetention(log.sizeBytes, ref.policy);
        if (removed > 0) this.probe.remoteDeleted(removed);
      } catch (err) {
        this.probe.uploadFailed();
        this.logger.warn({ err, topic: ref.topic, partition: ref.partition.index }, 'tier upload failed; local segments are kept');
      }
    }
  }

  private backlogCheckedAt = 0;
  private backlogFull = false;

  /**
   * Whether producers to tiered topics must wait: the upload backlog is over `limitBytes`
   * (0: no limit), or uploads lag while the data directory's file system is fuller than
   * `diskHighWaterPercent` (0: off). Recomputed at most once a second.
   */
  shouldPushBack(limitBytes: number, dataDir: string, diskHighWaterPercent: number, now = Date.now()): boolean {
    if (now - this.backlogCheckedAt > 1000) {
      this.backlogCheckedAt = now;
      const backlog = this.backlogBytes();
      let diskFull = false;
      if (diskHighWaterPercent > 0 && backlog > 0) {
        try {
          const s = statfsSync(dataDir);
          diskFull = 100 * (1 - s.bavail / s.blocks) > diskHighWaterPercent;
        } catch {
          diskFull = false;
        }
      }
      this.backlogFull = (limitBytes > 0 && backlog > limitBytes) || diskFull;
    }
    return this.backlogFull;
  }

  /** Bytes of closed local segments not uploaded yet, over every tiered partition. */
  backlogBytes(): number {
    let n = 0;
    for (const ref of this.tiered()) {
      const r = this.loaded(ref.topic, ref.partition.index);
      const uploaded = r?.uploadedUpTo ?? 0;
      for (const s of ref.partition.log.closedSegments()) if (s.nextOffset > uploaded) n += s.size;
    }
    return n;
  }

  async forget(topic: string, topicId: string, partitions: number): Promise<void> {
    for (let p = 0; p < partitions; p++) {
      const r = await this.remote({ topic, topicId, partition: p });
      await r.deleteAll();
      this.remotes.delete(this.key(topic, p));
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.cycle;
  }
}
