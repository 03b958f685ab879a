// The cluster view of a single broker: itself is every partition's leader (epoch 0, as
// the file metadata records it), the controller and every group's coordinator. The
// advertised address is known only once the listener is bound.
import type { ClusterView, NodeInfo, PartitionLeadership } from '../services/cluster.js';

export class LocalCluster implements ClusterView {
  private node: NodeInfo;

  constructor(readonly clusterId: string, node: Omit<NodeInfo, 'rack'> & { rack?: string | null }, private readonly epochOf: (topic: string, partition: number) => number = () => 0) {
    this.node = { rack: null, ...node };
  }

  /** The address clients are told (set after the listener binds). */
  advertise(node: Omit<NodeInfo, 'rack'>): void {
    this.node = { ...this.node, ...node };
  }

  self(): NodeInfo {
    return this.node;
  }

  controllerId(): number {
    return this.node.nodeId;
  }

  brokers(): NodeInfo[] {
    return [this.node];
  }

  leaderOf(topic: string, partition: number): PartitionLeadership {
    const id = this.node.nodeId;
    return { leaderId: id, leaderEpoch: this.epochOf(topic, partition), replicas: [id], isr: [id] };
  }

  coordinatorFor(_key: string): NodeInfo {
    return this.node;
  }
}
