// Consumer groups: committed offsets and lag per partition, and a lag sum per group,
// computed at scrape time from the offsets store and the partitions' high watermarks.
import { Gauge, type Registry } from 'prom-client';

export interface GroupOffsetView {
  group: string;
  topic: string;
  partition: number;
  committed: number;
  /** Undefined when the partition no longer exists. */
  highWatermark: number | undefined;
}

export class GroupProbe {
  private offsets: () => GroupOffsetView[] = () => [];
  private members: () => Array<{ group: string; members: number; state: string }> = () => [];

  constructor(registry: Registry) {
    const registers = [registry];
    const self = this;
    new Gauge({
      name: 'strata_consumer_group_committed_offset', help: 'Committed offset per group and partition', labelNames: ['group', 'topic', 'partition'], registers,
      collect() {
        this.reset();
        for (const o of self.offsets()) this.set({ group: o.group, topic: o.topic, partition: String(o.partition) }, o.committed);
      },
    });
    new Gauge({
      name: 'strata_consumer_group_lag', help: 'High watermark minus committed offset, per group and partition', labelNames: ['group', 'topic', 'partition'], registers,
      collect() {
        this.reset();
        for (const o of self.offsets()) if (o.highWatermark !== undefined) this.set({ group: o.group, topic: o.topic, partition: String(o.partition) }, Math.max(0, o.highWatermark - o.committed));
      },
    });
    new Gauge({
      name: 'strata_consumer_group_total_lag', help: 'Total lag of a group over its committed partitions', labelNames: ['group'], registers,
      collect() {
        this.reset();
        const sums = new Map<string, number>();
        for (const o of self.offsets()) if (o.highWatermark !== undefined) sums.set(o.group, (sums.get(o.group) ?? 0) + Math.max(0, o.highWatermark - o.committed));
        for (const [group, lag] of sums) this.set({ group }, lag);
      },
    });
    new Gauge({
      name: 'strata_consumer_group_members', help: 'Members per consumer group', labelNames: ['group', 'state'], registers,
      collect() {
        this.reset();
        for (const g of self.members()) this.set({ group: g.group, state: g.state }, g.members);
      },
    });
  }

  watch(offsets: () => GroupOffsetView[], members: () => Array<{ group: string; members: number; state: string }>): void {
    this.offsets = offsets;
    this.members = members;
  }
}
