// Group commit: appends that arrive while an fdatasync is in flight wait for the next
// one, which then covers all of them. One flush is in flight at a time; each covers
// everything written before it started. Under N concurrent appenders this turns N
// fsyncs into about one (the "group-commit factor" docs/perf.md reports).

interface Waiter {
  upTo: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitHooks {
  /** Forces everything written so far to disk. */
  flushAll(): Promise<void>;
  /** The offset after the last written batch, read when a flush starts. */
  endOffset(): number;
  /** Called once per failed flush, before the waiters are rejected. */
  onFailure(err: unknown): void;
}

export class GroupCommit {
  /** Every offset below this is on disk. */
  durableOffset: number;
  flushes = 0;
  private waiters: Waiter[] = [];
  private inFlight = false;

  constructor(private readonly hooks: GroupCommitHooks, initialDurable: number) {
    this.durableOffset = initialDurable;
  }

  get flushing(): boolean {
    return this.inFlight;
  }

  /** Resolves once every offset below upTo is durable. */
  waitFor(upTo: number): Promise<void> {
    if (upTo <= this.durableOffset) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ upTo, resolve, reject });
      this.kick();
    });
  }

  /** Flushes whatever is written now (interval timer, close). */
  flushNow(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ upTo: this.hooks.endOffset(), resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.inFlight || this.waiters.length === 0) return;
    this.inFlight = true;
    // Start the fsync after the current synchronous run: every append issued in the
    // same tick (one socket read can hold many produce requests) shares it. Measured:
    // 16 appends issued together took 2 fsyncs when the flush started at once, 1 this way.
    queueMicrotask(() => this.startFlush());
  }

  private startFlush(): void {
    const target = this.hooks.endOffset();
    this.hooks.flushAll().then(
      () => {
        this.inFlight = false;
        this.flushes++;
        if (target > this.durableOffset) this.durableOffset = target;
        let done = 0;
        while (done < this.waiters.length && this.waiters[done]!.upTo <= target) done++;
        const ready = this.waiters.splice(0, done);
        for (const w of ready) w.resolve();
        this.kick();
      },
      (err: unknown) => {
        this.inFlight = false;
        const failed = this.waiters;
        this.waiters = [];
        this.hooks.onFailure(err);
        for (const w of failed) w.reject(err);
      },
    );
  }

  /** Lowers the durable mark after the log was cut back (recovery from a failed flush). */
  resetTo(offset: number): void {
    this.durableOffset = offset;
  }
}
