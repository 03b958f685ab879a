// Shared fdatasyncs for every partition log on one thread. Each log's group commit asks
// for its dirty segments to be synced; the requests made in one turn of the event loop go
// to the disk together: with io_uring in one submission, every fdatasync in flight at once
// (the addon's fdatasyncAll), instead of one libuv pool thread per file (four by default,
// so sixteen partitions used to queue behind each other). Without the addon, or with
// STRATA_IO_MODE=fs, each file is synced through Node's fs as before.
import { fdatasync } from 'node:fs';
import { ioMode, type IoMode } from '../native/durable-append.js';
import { nativeIo } from '../native/index.js';

interface Waiter {
  fd: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export type Syncer = (fds: readonly number[]) => Promise<void>;

function fsSync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export class SyncBatcher {
  private waiting: Waiter[] = [];
  private scheduled = false;
  /** Native calls made and files synced by them (the batching factor is their ratio). */
  calls = 0;
  files = 0;

  constructor(readonly mode: IoMode = ioMode) {}

  readonly sync: Syncer = (fds) => {
    if (this.mode === 'fs' || nativeIo === undefined) return Promise.all(fds.map(fsSync)).then(() => undefined);
    return Promise.all(fds.map((fd) => new Promise<void>((resolve, reject) => {
      this.waiting.push({ fd, resolve, reject });
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
    const fds = [...new Set(batch.map((w) => w.fd))];
    this.calls++;
    this.files += fds.length;
    nativeIo!.fdatasyncAll(fds, this.mode === 'uring').then(
      () => {
        for (const w of batch) w.resolve();
      },
      (err: unknown) => {
        // Which file failed is not reported: every waiter fails and its log cuts back to
        // its durable offset (nothing unacknowledged survives), then producers retry.
        for (const w of batch) w.reject(err);
      },
    );
  }
}
