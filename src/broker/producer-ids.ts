// Producer ids for idempotent producers: handed out in increasing order and never
// reused across restarts (or, with a shared metadata store, across brokers). Ids come
// from blocks the metadata store hands out atomically, so handing out an id rarely
// touches the store: synchronously while the current block lasts.
import type { ClusterMetadataStore, ProducerIdBlock } from '../services/cluster-metadata.js';
import type { ProducerIdSource } from '../services/producer-ids.js';

const BLOCK = 1000;

export class ProducerIdAllocator implements ProducerIdSource {
  private next = 0;
  private end = 0;
  /** The block being fetched: concurrent callers wait for the same one. */
  private fetching: Promise<ProducerIdBlock> | undefined;

  constructor(private readonly store: ClusterMetadataStore, private readonly blockSize = BLOCK) {}

  allocate(): number | Promise<number> {
    if (this.next < this.end) return this.next++;
    return this.refill().then(() => this.allocate());
  }

  private async refill(): Promise<void> {
    this.fetching ??= this.store.allocateProducerIds(this.blockSize).finally(() => {
      this.fetching = undefined;
    });
    const block = await this.fetching;
    // Only the first waiter installs the block; the others find it installed (or used up, and fetch again).
    if (this.next >= this.end && block.first >= this.end) {
      this.next = block.first;
      this.end = block.first + block.size;
    }
  }
}
