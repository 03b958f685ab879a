// Shared fdatasyncs for every partition log on one thread. Each log's group commit asks
// for its dirty segments to be synced; the requests made in one turn of the event loop go
// to the disk together: with io_uring in one submission, every fdatasync in flight at once
// (the addon's fdatasyncAll), instead of one libuv pool thread per file (four by default,
// so sixteen partitions used to queue behind each other). Without the addon, or with
// STRATA_IO_MODE=fs, each file is synced through Node's fs as before.
// Files are synced in chunks of at most half the descriptor cache's budget: each chunk's
// files are pinned open while their fdatasyncs are in flight, so ten thousand dirty
// partitions never need ten thousand descriptors at once (src/storage/fd-cache.ts).
import { fdatasync } from 'node:fs';
import { ioMode, type IoMode } from '../native/durable-append.js';
import { nativeIo } from '../native/index.js';
import { fdCache } from './fd-cache.js';

/** A file to sync: its descriptor (opened on demand), pinned open while in use. */
export interface SyncTarget {
  readonly fd: number;
  pin(): void;
  unpin(): void;
}

interface Waiter {
  target: SyncTarget;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export type Syncer = (targets: readonly SyncTarget[]) => Promise<void>;

function fsSync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

/** How many files one round may hold open. */
function chunkSize(): number {
  return Math.max(8, Math.floor(fdCache.budget / 2));
}

/** Runs `sync` over `targets` a chunk at a time, each chunk pinned open while it runs. */
async function inChunks<T extends SyncTarget>(targets: readonly T[], sync: (fds: number[], chunk: readonly T[]) => Promise<void>): Promise<void> {
  const size = chunkSize();
  for (let at = 0; at < targets.length; at += size) {
    const chunk = targets.slice(at, at + size);
    for (const t of chunk) t.pin();
    try {
      await sync(chunk.map((t) => t.fd), chunk);
    } finally {
      for (const t of chunk) t.unpin();
    }
  }
}

export class SyncBatcher {
  private waiting: Waiter[] = [];
  private scheduled = false;
  /** Native calls made and files synced by them (the batching factor is their ratio). */
  calls = 0;
  files = 0;

  constructor(readonly mode: IoMode = ioMode) {}

  readonly sync: Syncer = (targets) => {
    if (this.mode === 'fs' || nativeIo === undefined) return inChunks(targets, (fds) => Promise.all(fds.map(fsSync)).then(() => undefined));
    return Promise.all(targets.map((target) => new Promise<void>((resolve, reject) => {
      this.waiting.push({ target, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not a microtask: the group commits of every partition whose
        // appends arrived in this turn of the loop join the same submission.
        setImmediate(() => this.submit());
      }
    }))).then(() => undefined);
  };

  private submit(): void {
    this.scheduled = false;
    const batch = this.waiting;
    this.waiting = [];
    const targets = [...new Set(batch.map((w) => w.target))];
    const failed = new Map<SyncTarget, unknown>();
    void inChunks(targets, (fds, chunk) => {
      this.calls++;
      this.files += fds.length;
      // Which file failed is not reported: every waiter of the chunk fails and its log
      // cuts back to its durable offset (nothing unacknowledged survives), then producers retry.
      return nativeIo!.fdatasyncAll(fds, this.mode === 'uring').then(() => undefined, (err: unknown) => {
        for (const t of chunk) failed.set(t, err);
      });
    }).then(
      () => {
        for (const w of batch) {
          if (failed.has(w.target)) w.reject(failed.get(w.target));
          else w.resolve();
        }
      },
      (err: unknown) => {
        for (const w of batch) w.reject(err);
      },
    );
  }
}
