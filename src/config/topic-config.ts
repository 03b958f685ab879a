// Topic configs by their Kafka names → partition log settings. Unknown names and
// values Strata cannot honour yet are refused (INVALID_CONFIG) rather than ignored.
import { KafkaError } from '../errors.js';
import { DEFAULT_LOG_CONFIG, type CleanupPolicy, type LogConfig } from './log-config.js';
import { COMPRESSION_TYPES } from '../protocol/records/compression.js';

export type TopicConfigs = Record<string, string>;

interface ConfigSpec {
  /** The default shown by DescribeConfigs. */
  def: (broker: BrokerDefaults) => string;
  validate: (v: string) => string | undefined;
}

export interface BrokerDefaults {
  syncPolicy: LogConfig['syncPolicy'];
  flushIntervalMs: number;
}

const long = (min: number) => (v: string): string | undefined =>
  /^-?\d+$/.test(v) && Number(v) >= min && Number.isSafeInteger(Number(v)) ? undefined : `an integer >= ${min}`;

export const TOPIC_CONFIGS: Record<string, ConfigSpec> = {
  'retention.ms': { def: () => String(DEFAULT_LOG_CONFIG.retentionMs), validate: long(-1) },
  'retention.bytes': { def: () => String(DEFAULT_LOG_CONFIG.retentionBytes), validate: long(-1) },
  'segment.bytes': { def: () => String(DEFAULT_LOG_CONFIG.segmentBytes), validate: (v) => long(14)(v) ?? (Number(v) > 2 ** 31 - 1 ? 'at most 2147483647' : undefined) },
  'segment.ms': { def: () => String(DEFAULT_LOG_CONFIG.segmentMs), validate: long(1) },
  'max.message.bytes': { def: () => String(DEFAULT_LOG_CONFIG.maxBatchBytes), validate: (v) => long(61)(v) ?? (Number(v) > 2 ** 31 - 1 ? 'at most 2147483647' : undefined) },
  'message.timestamp.type': { def: () => 'CreateTime', validate: (v) => (v === 'CreateTime' || v === 'LogAppendTime' ? undefined : 'CreateTime or LogAppendTime') },
  'cleanup.policy': { def: () => 'delete', validate: (v) => (parseCleanupPolicy(v) !== undefined ? undefined : 'delete, compact or compact,delete') },
  'min.cleanable.dirty.ratio': { def: () => String(DEFAULT_LOG_CONFIG.minCleanableDirtyRatio), validate: (v) => (/^\d*\.?\d+$/.test(v) && Number(v) <= 1 ? undefined : 'a number from 0 to 1') },
  'min.compaction.lag.ms': { def: () => String(DEFAULT_LOG_CONFIG.minCompactionLagMs), validate: long(0) },
  'max.compaction.lag.ms': { def: () => '9223372036854775807', validate: (v) => (v === '9223372036854775807' ? undefined : long(1)(v)) },
  'delete.retention.ms': { def: () => String(DEFAULT_LOG_CONFIG.deleteRetentionMs), validate: long(0) },
  'compression.type': { def: () => 'producer', validate: (v) => (v in COMPRESSION_TYPES ? undefined : Object.keys(COMPRESSION_TYPES).join(', ')) },
  'index.interval.bytes': { def: () => String(DEFAULT_LOG_CONFIG.indexIntervalBytes), validate: long(0) },
  'flush.ms': { def: (b) => String(b.flushIntervalMs), validate: long(1) },
  'strata.sync.policy': { def: (b) => b.syncPolicy, validate: (v) => (['always', 'interval', 'never'].includes(v) ? undefined : 'always, interval or never') },
  'min.insync.replicas': { def: () => '1', validate: (v) => (v === '1' ? undefined : 'a single-node broker has one replica') },
  'remote.storage.enable': { def: () => 'false', validate: (v) => (v === 'true' || v === 'false' ? undefined : 'true or false') },
  // -2: the same as retention.ms / retention.bytes (Kafka's KIP-405 convention).
  'retention.local.ms': { def: () => '-2', validate: long(-2) },
  'retention.local.bytes': { def: () => '-2', validate: long(-2) },
  // Schema validation on produce, as Confluent Server and Redpanda name it (TopicNameStrategy subjects).
  'confluent.value.schema.validation': { def: () => 'false', validate: (v) => (v === 'true' || v === 'false' ? undefined : 'true or false') },
  'confluent.key.schema.validation': { def: () => 'false', validate: (v) => (v === 'true' || v === 'false' ? undefined : 'true or false') },
};

export function isTiered(configs: TopicConfigs): boolean {
  return configs['remote.storage.enable'] === 'true';
}

/** A cleanup.policy value (a list, in any order, as Kafka accepts it), or undefined when invalid. */
export function parseCleanupPolicy(v: string): CleanupPolicy | undefined {
  const parts = new Set(v.split(',').map((p) => p.trim()));
  if (parts.size === 0 || [...parts].some((p) => p !== 'delete' && p !== 'compact')) return undefined;
  return parts.has('compact') ? (parts.has('delete') ? 'compact,delete' : 'compact') : 'delete';
}

/** Throws INVALID_CONFIG naming the first bad entry. */
export function validateTopicConfigs(configs: TopicConfigs): void {
  for (const [name, value] of Object.entries(configs)) {
    const spec = TOPIC_CONFIGS[name];
    if (spec === undefined) throw new KafkaError('INVALID_CONFIG', `unknown topic config ${name}`);
    const problem = spec.validate(value);
    if (problem !== undefined) throw new KafkaError('INVALID_CONFIG', `${name}=${value}: ${problem}`);
  }
  // The tier uploads segments as they are and does not clean them.
  if (isTiered(configs) && configs['cleanup.policy'] !== undefined && parseCleanupPolicy(configs['cleanup.policy']) !== 'delete') {
    throw new KafkaError('INVALID_CONFIG', 'remote.storage.enable=true with cleanup.policy compact: tiered storage does not support compacted topics yet');
  }
}

export function logConfigFor(configs: TopicConfigs, broker: BrokerDefaults): Partial<LogConfig> {
  const n = (k: string): number | undefined => (configs[k] === undefined ? undefined : Number(configs[k]));
  const out: Partial<LogConfig> = {
    syncPolicy: (configs['strata.sync.policy'] as LogConfig['syncPolicy'] | undefined) ?? broker.syncPolicy,
    flushIntervalMs: n('flush.ms') ?? broker.flushIntervalMs,
  };
  // A config not set gets its default, so removing an override (AlterConfigs) reverts the log to it.
  const set = <K extends keyof LogConfig>(key: K, v: LogConfig[K] | undefined): void => {
    out[key] = v ?? DEFAULT_LOG_CONFIG[key];
  };
  set('retentionMs', n('retention.ms'));
  set('retentionBytes', n('retention.bytes'));
  set('segmentBytes', n('segment.bytes'));
  set('segmentMs', n('segment.ms'));
  set('maxBatchBytes', n('max.message.bytes'));
  set('indexIntervalBytes', n('index.interval.bytes'));
  set('timestampType', configs['message.timestamp.type'] as LogConfig['timestampType'] | undefined);
  set('cleanupPolicy', configs['cleanup.policy'] === undefined ? undefined : parseCleanupPolicy(configs['cleanup.policy']));
  set('minCleanableDirtyRatio', n('min.cleanable.dirty.ratio'));
  set('minCompactionLagMs', n('min.compaction.lag.ms'));
  // Kafka's default is Long.MAX_VALUE: "never forced".
  set('maxCompactionLagMs', configs['max.compaction.lag.ms'] === undefined ? undefined : Math.min(Number(configs['max.compaction.lag.ms']), Number.MAX_SAFE_INTEGER));
  set('deleteRetentionMs', n('delete.retention.ms'));
  return out;
}
