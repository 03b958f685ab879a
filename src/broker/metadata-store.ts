// Cluster metadata in the data directory: topics (name, id, partition count, configs),
// the cluster id, and the producer-id high-water mark. One JSON file replaced
// atomically on every change: small, rare writes. The MetadataStore interface is where
// a PostgreSQL store will plug in for many brokers (DESIGN.md, "Beyond one machine").
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { StrataError } from '../errors.js';
import { writeFileAtomic } from '../storage/dir-sync.js';
import type { TopicConfigs } from './topic-config.js';

export interface TopicRecord {
  name: string;
  /** Kafka topic id: 16 random bytes, base64url. */
  id: string;
  partitions: number;
  configs: TopicConfigs;
}

export interface ClusterMetadata {
  clusterId: string;
  /** Producer ids below this may have been handed out. */
  producerIdHighWater: number;
  topics: TopicRecord[];
}

export interface MetadataStore {
  load(): ClusterMetadata;
  save(m: ClusterMetadata): void;
}

const FILE = 'cluster.json';

export function newKafkaUuid(): string {
  return randomBytes(16).toString('base64url');
}

export class FileMetadataStore implements MetadataStore {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, '__strata_meta');
    mkdirSync(this.dir, { recursive: true });
  }

  load(): ClusterMetadata {
    const path = join(this.dir, FILE);
    if (!existsSync(path)) {
      const fresh: ClusterMetadata = { clusterId: newKafkaUuid(), producerIdHighWater: 0, topics: [] };
      this.save(fresh);
      return fresh;
    }
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as ClusterMetadata;
    } catch (err) {
      throw new StrataError('STRATA_CONFIG_INVALID', `cluster metadata ${path} is unreadable: ${(err as Error).message}`);
    }
  }

  save(m: ClusterMetadata): void {
    writeFileAtomic(this.dir, FILE, JSON.stringify(m, null, 1));
  }
}
