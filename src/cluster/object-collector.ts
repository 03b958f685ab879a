// Deletes flush-window objects no committed index entry names any more: what retention and
// DeleteRecords left behind (their rows are gone), and the objects of windows whose commit
// failed or was fenced (never named). An object is only looked at once it is older than a
// grace period far longer than any window takes from its PUT to its commit (a commit needs
// a live lease, so a writer paused for longer than its lease can no longer commit), so an
// object still on its way into the index is never taken. Its age is in its key
// (`<prefix>…/<ms since the epoch, base 36>-….batches`: window objects and the compactor's
// segments alike). One broker runs it (the group coordinator's), every minute.
import type { ObjectStore } from '../tier/object-store.js';
import type { PartitionIndex } from '../services/leases.js';

/** Keys asked about per index query. */
const CHUNK = 500;

export interface CollectorOptions {
  /** Where flush-window objects (and the compactor's segments) live: each key prefix looked under. */
  prefixes: readonly string[];
  /** Objects younger than this are left alone. */
  graceMs: number;
  now?: () => number;
}

/** When the object was written, from its key; undefined for a key that is not a window object's. */
export function writtenAt(key: string, prefix: string): number | undefined {
  const name = key.slice(key.lastIndexOf('/') + 1);
  if (!key.startsWith(prefix) || !name.endsWith('.batches')) return undefined;
  const ms = parseInt(name.slice(0, name.indexOf('-')), 36);
  return Number.isFinite(ms) ? ms : undefined;
}

export class ObjectCollector {
  constructor(private readonly objects: ObjectStore, private readonly index: Pick<PartitionIndex, 'referencedObjects'>, private readonly options: CollectorOptions) {}

  /** One pass: resolves with how many objects were looked at and how many deleted. */
  async collect(): Promise<{ old: number; deleted: number }> {
    const now = (this.options.now ?? Date.now)();
    const old: string[] = [];
    for (const prefix of this.options.prefixes) {
      for (const k of await this.objects.list(prefix)) {
        const at = writtenAt(k, prefix);
        if (at !== undefined && at < now - this.options.graceMs) old.push(k);
      }
    }
    let deleted = 0;
    for (let i = 0; i < old.length; i += CHUNK) {
      const chunk = old.slice(i, i + CHUNK);
      const named = await this.index.referencedObjects(chunk);
      for (const key of chunk) {
        if (named.has(key)) continue;
        await this.objects.delete(key);
        deleted++;
      }
    }
    return { old: old.length, deleted };
  }
}
