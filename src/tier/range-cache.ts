// A bounded cache of object bytes fetched for remote reads (indexes and ranges), least
// recently used first out, with hit/miss counts for the metrics.
export class RangeCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly maxBytes: number) {}

  async get(key: string, load: () => Promise<Buffer>): Promise<Buffer> {
    const found = this.entries.get(key);
    if (found !== undefined) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, found);
      return found;
    }
    this.misses++;
    const value = await load();
    if (value.length <= this.maxBytes) {
      this.entries.set(key, value);
      this.bytes += value.length;
      for (const [k, v] of this.entries) {
        if (this.bytes <= this.maxBytes) break;
        this.entries.delete(k);
        this.bytes -= v.length;
      }
    }
    return value;
  }

  get sizeBytes(): number {
    return this.bytes;
  }
}
