// Producer ids for idempotent producers: handed out in increasing order and never
// reused across restarts. The persisted high-water mark is raised a block at a time,
// so handing out an id rarely touches the disk.
import type { ClusterMetadata, MetadataStore } from './metadata-store.js';

const BLOCK = 1000;

export class ProducerIdAllocator {
  private next: number;

  constructor(private readonly meta: ClusterMetadata, private readonly store: MetadataStore) {
    this.next = meta.producerIdHighWater;
  }

  allocate(): number {
    if (this.next >= this.meta.producerIdHighWater) {
      this.meta.producerIdHighWater = this.next + BLOCK;
      this.store.save(this.meta);
    }
    return this.next++;
  }
}
