// File descriptors are a budget. Every segment of every partition is a file; holding all
// of them open ties the number of partitions (and of segments) to `ulimit -n`, and running
// out took the whole broker down (EMFILE on every accept and open). Segments therefore
// open their file on first use and this cache closes the least recently used ones past a
// budget, as Kafka and Redpanda bound their open segments. A segment in the middle of an
// asynchronous operation on its descriptor (an fdatasync) is pinned and never closed.
// Running out anyway (other processes, a lowered limit) is recoverable: the budget shrinks
// to what is open now, the oldest files are closed, and the open is retried once.
import { readFileSync } from 'node:fs';

/** What the cache can close: a segment's file. */
export interface CachedFile {
  /** Closes the descriptor now; the next use reopens it. */
  evictFd(): void;
  /** In use by an operation that holds the descriptor number: not closable. */
  readonly pinned: boolean;
}

const MIN_BUDGET = 16;

/** The soft RLIMIT_NOFILE of this process (Node raises it to the hard limit at start). */
export function openFilesLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    return Number.isFinite(soft) && soft > 0 ? soft : 1024;
  } catch {
    return 1024;
  }
}

/** Opens between two looks at the process's limit (which an operator may lower under us). */
const LIMIT_CHECK_EVERY = 256;

export class FdCache {
  /** Open files, least recently used first (a Map keeps insertion order). */
  private readonly lru = new Map<CachedFile, true>();
  private opensSinceLimitCheck = 0;
  evictions = 0;
  exhaustions = 0;

  /** `limit` reports the process's open-files limit; the budget never exceeds half of it. */
  constructor(public budget: number, private readonly limit: () => number = openFilesLimit) {}

  get openCount(): number {
    return this.lru.size;
  }

  /** A file was just opened: count it, and close the oldest ones past the budget. */
  opened(f: CachedFile): void {
    this.lru.set(f, true);
    if (++this.opensSinceLimitCheck >= LIMIT_CHECK_EVERY) {
      this.opensSinceLimitCheck = 0;
      this.budget = Math.max(MIN_BUDGET, Math.min(this.budget, Math.floor(this.limit() / 2)));
    }
    this.trim(this.budget, f);
  }

  /** A file was used: it becomes the most recently used. */
  touch(f: CachedFile): void {
    if (this.lru.delete(f)) this.lru.set(f, true);
  }

  /** A file was closed by its owner. */
  closed(f: CachedFile): void {
    this.lru.delete(f);
  }

  /**
   * The process ran out of descriptors: keep three quarters of what this cache holds open
   * from now on, close the rest, and let the caller retry its open.
   */
  exhausted(): void {
    this.exhaustions++;
    this.budget = Math.max(MIN_BUDGET, Math.floor(this.lru.size * 0.75));
    this.trim(this.budget);
  }

  private trim(budget: number, keep?: CachedFile): void {
    if (this.lru.size <= budget) return;
    for (const f of this.lru.keys()) {
      if (this.lru.size <= budget) break;
      if (f === keep || f.pinned) continue;
      this.lru.delete(f);
      this.evictions++;
      f.evictFd();
    }
  }
}

/**
 * Runs `open` (anything that opens a descriptor), and once more after the cache gave some
 * back when the process was out of them: a full descriptor table costs one retry, not an
 * error, as long as the cache holds files it can close.
 */
export function retryOnEmfile<T>(open: () => T): T {
  try {
    return open();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EMFILE' && code !== 'ENFILE') throw err;
    fdCache.exhausted();
    return open();
  }
}

function defaultBudget(): number {
  const explicit = Number(process.env.STRATA_MAX_OPEN_SEGMENT_FILES);
  if (Number.isInteger(explicit) && explicit >= MIN_BUDGET) return explicit;
  // Half the limit: sockets, index writes, the tier and other threads need the rest.
  return Math.max(MIN_BUDGET, Math.floor(openFilesLimit() / 2));
}

/** This thread's cache (each log writer thread has its own module instance). */
export const fdCache = new FdCache(defaultBudget());
