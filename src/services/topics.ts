// The topics this broker serves and their partitions, as handlers see them: lookups are
// synchronous (a cache of the cluster metadata), changes are asynchronous (they go through
// the metadata store, which may be PostgreSQL shared by many brokers).
import { KafkaError } from '../errors.js';
import type { TopicConfigs } from '../config/topic-config.js';
import type { PartitionStore } from './partition-store.js';

export interface TopicView {
  readonly name: string;
  /** Kafka topic id: 16 bytes, base64url. */
  readonly id: string;
  readonly configs: Readonly<TopicConfigs>;
  readonly partitions: readonly PartitionStore[];
}

export interface TopicDirectory {
  list(): TopicView[];
  get(name: string): TopicView | undefined;
  byId(id: string): TopicView | undefined;
  partition(topic: string, index: number): PartitionStore | undefined;
  /** Validates everything first; with validateOnly nothing is created (and undefined returned). */
  create(name: string, partitions: number, configs: TopicConfigs, validateOnly?: boolean): Promise<TopicView | undefined>;
  /** The topic, auto-created when `allow` and the broker's autoCreateTopics permit it. */
  getOrCreate(name: string, allow: boolean): TopicView | undefined | Promise<TopicView | undefined>;
  delete(name: string): Promise<void>;
  addPartitions(name: string, total: number, validateOnly?: boolean): Promise<void>;
  setConfigs(name: string, configs: TopicConfigs, validateOnly?: boolean): Promise<void>;
}

const LEGAL_TOPIC = /^[a-zA-Z0-9._-]+$/;
const MAX_TOPIC_LENGTH = 249;
/** Names the broker keeps for itself. */
export const INTERNAL_PREFIX = '__';

export function checkTopicName(name: string): void {
  if (name.length === 0 || name === '.' || name === '..' || name.length > MAX_TOPIC_LENGTH || !LEGAL_TOPIC.test(name)) {
    throw new KafkaError('INVALID_TOPIC_EXCEPTION', `illegal topic name ${JSON.stringify(name)}: up to 249 of [a-zA-Z0-9._-]`);
  }
}
