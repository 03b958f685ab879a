// The cluster as handlers see it in cluster mode (ClusterView): the live brokers (their
// broker lease renewed, their address registered), each partition's leader and epoch from
// its lease, a group's coordinator from its bucket's lease. A snapshot refreshed by the
// broker's lease loop about once a second; between refreshes clients may be sent to a
// broker that just lost a lease, which answers NOT_LEADER_OR_FOLLOWER / NOT_COORDINATOR.
import { KafkaError } from '../errors.js';
import type { LocalCluster } from '../broker/local-cluster.js';
import type { BrokerRecord } from '../services/cluster-metadata.js';
import type { ClusterView, NodeInfo, PartitionLeadership } from '../services/cluster.js';
import type { Lease } from '../services/leases.js';
import { bucketResource, groupBucket } from './group-buckets.js';

export class LeaseClusterView implements ClusterView {
  private live: NodeInfo[] = [];
  private readonly leaders = new Map<string, Lease>();

  constructor(
    /** This broker's own addresses, one per listener. */
    private readonly local: LocalCluster,
    /** The lease resource of a partition (undefined for an unknown topic). */
    private readonly resourceOf: (topic: string, partition: number) => string | undefined,
  ) {}

  get clusterId(): string {
    return this.local.clusterId;
  }

  private get nodeId(): number {
    return this.local.self().nodeId;
  }

  /** A fresh look at the store: registered brokers and every live lease. */
  update(brokers: readonly BrokerRecord[], leases: readonly Lease[]): void {
    const alive = new Set(leases.filter((l) => l.resource.startsWith('b:')).map((l) => Number(l.resource.slice(2))));
    alive.add(this.nodeId);
    this.live = brokers.filter((b) => alive.has(b.nodeId) && b.nodeId !== this.nodeId).map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
    this.leaders.clear();
    for (const l of leases) if (!l.resource.startsWith('b:')) this.leaders.set(l.resource, l);
  }

  /** Records a lease this broker just took or gave up, before the next refresh. */
  note(resource: string, lease: Lease | undefined): void {
    if (lease === undefined) this.leaders.delete(resource);
    else this.leaders.set(resource, lease);
  }

  self(listener?: string): NodeInfo {
    return this.local.self(listener);
  }

  /** The lowest live node id: any broker can serve admin requests, so this is only a name. */
  controllerId(): number {
    return Math.min(this.nodeId, ...this.live.map((b) => b.nodeId));
  }

  brokers(listener?: string): NodeInfo[] {
    return [this.self(listener), ...this.live].sort((a, b) => a.nodeId - b.nodeId);
  }

  private node(id: number, listener?: string): NodeInfo | undefined {
    return id === this.nodeId ? this.self(listener) : this.live.find((b) => b.nodeId === id);
  }

  leaderOf(topic: string, partition: number): PartitionLeadership {
    const resource = this.resourceOf(topic, partition);
    const lease = resource === undefined ? undefined : this.leaders.get(resource);
    // A leader whose address is unknown (not registered yet, or gone) is no leader for a client.
    if (lease === undefined || this.node(lease.holder) === undefined) return { leaderId: -1, leaderEpoch: -1, replicas: [], isr: [] };
    return { leaderId: lease.holder, leaderEpoch: lease.epoch, replicas: [lease.holder], isr: [lease.holder] };
  }

  /** The holder of the key's coordinator bucket (group-buckets.ts). */
  coordinatorFor(key: string, listener?: string): NodeInfo {
    const resource = bucketResource(groupBucket(key));
    const lease = this.leaders.get(resource);
    const node = lease === undefined ? undefined : this.node(lease.holder, listener);
    if (node === undefined) throw new KafkaError('COORDINATOR_NOT_AVAILABLE', `no broker holds the coordinator lease ${resource} yet`);
    return node;
  }
}
