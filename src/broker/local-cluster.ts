// The cluster view of a single broker: itself is every partition's leader (epoch 0, as
// the file metadata records it), the controller and every group's coordinator. Each
// listener has its own advertised address (known once the listener is bound): a client
// is told the address of the listener it came in on, as Kafka does.
import type { ClusterView, NodeInfo, PartitionLeadership } from '../services/cluster.js';

export class LocalCluster implements ClusterView {
  private readonly addresses = new Map<string, { host: string; port: number }>();
  private readonly nodeId: number;
  private readonly rack: string | null;

  constructor(
    readonly clusterId: string,
    node: Omit<NodeInfo, 'rack'> & { rack?: string | null },
    /** The listener answered when none is named (the first one). */
    private readonly defaultListener = 'PLAINTEXT',
  ) {
    this.nodeId = node.nodeId;
    this.rack = node.rack ?? null;
    this.addresses.set(defaultListener, { host: node.host, port: node.port });
  }

  /** The address clients of the default listener are told (set after the listener binds). */
  advertise(node: Omit<NodeInfo, 'rack'>): void {
    this.addresses.set(this.defaultListener, { host: node.host, port: node.port });
  }

  /** The address clients of `listener` are told. */
  advertiseListener(listener: string, host: string, port: number): void {
    this.addresses.set(listener, { host, port });
  }

  /** Every listener and its advertised address. */
  listeners(): Array<{ name: string; host: string; port: number }> {
    return [...this.addresses].map(([name, a]) => ({ name, ...a }));
  }

  self(listener = this.defaultListener): NodeInfo {
    const a = this.addresses.get(listener) ?? this.addresses.get(this.defaultListener)!;
    return { nodeId: this.nodeId, host: a.host, port: a.port, rack: this.rack };
  }

  controllerId(): number {
    return this.nodeId;
  }

  brokers(listener?: string): NodeInfo[] {
    return [this.self(listener)];
  }

  leaderOf(_topic: string, _partition: number): PartitionLeadership {
    return { leaderId: this.nodeId, leaderEpoch: 0, replicas: [this.nodeId], isr: [this.nodeId] };
  }

  coordinatorFor(_key: string, listener?: string): NodeInfo {
    return this.self(listener);
  }
}
