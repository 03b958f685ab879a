// The cluster as handlers see it: which brokers exist, who leads each partition, who
// coordinates groups. One broker today (itself, leader of everything, epoch 0); a
// shared-storage cluster answers the same questions from its leases.
export interface NodeInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionLeadership {
  leaderId: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
}

export interface ClusterView {
  readonly clusterId: string;
  /** This broker, with the address clients should use (known once the listener is bound). */
  self(): NodeInfo;
  controllerId(): number;
  brokers(): NodeInfo[];
  leaderOf(topic: string, partition: number): PartitionLeadership;
  /** The broker that coordinates `key` (a group id or transactional id). */
  coordinatorFor(key: string): NodeInfo;
}
