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
  /** This broker, with the address clients of `listener` should use (default: the first listener). */
  self(listener?: string): NodeInfo;
  controllerId(): number;
  /** Every broker, each with its address on `listener` (a client is told the listener it came in on). */
  brokers(listener?: string): NodeInfo[];
  leaderOf(topic: string, partition: number): PartitionLeadership;
  /** The broker that coordinates `key` (a group id or transactional id), addressed for `listener`. */
  coordinatorFor(key: string, listener?: string): NodeInfo;
}
