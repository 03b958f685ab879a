// Public API of the strata package.
export { startBroker, type RunningBroker, type StartOptions } from './server/start.js';
export type { BrokerConfig } from './config/broker-config.js';
export { KafkaError, StrataError } from './errors.js';
export { PartitionLog } from './storage/partition-log.js';
