// Broker settings: defaults, then a config file, then STRATA_* environment variables,
// then flags. Every value is checked once, at start; a bad one stops start-up with a
// message naming it (StrataError STRATA_CONFIG_INVALID).
import { readFileSync } from 'node:fs';
import { StrataError } from '../errors.js';
import type { SyncPolicy } from './log-config.js';
import { parseListeners, usesTls, type ListenerSpec } from './listeners.js';

export type SslClientAuth = 'none' | 'requested' | 'required';

export interface BrokerConfig {
  host: string;
  port: number;
  /** Host and port clients are told to connect to (Metadata). */
  advertisedHost: string;
  advertisedPort: number;
  dataDir: string;
  nodeId: number;
  autoCreateTopics: boolean;
  defaultPartitions: number;
  syncPolicy: SyncPolicy;
  flushIntervalMs: number;
  /** socket.request.max.bytes: larger frames are refused before they are buffered. */
  socketRequestMaxBytes: number;
  /** group.initial.rebalance.delay.ms */
  groupInitialRebalanceDelayMs: number;
  /** group.consumer.session.timeout.ms: a KIP-848 member silent this long is removed. */
  groupConsumerSessionTimeoutMs: number;
  /** group.consumer.heartbeat.interval.ms: how often KIP-848 members heartbeat. */
  groupConsumerHeartbeatIntervalMs: number;
  /** transaction.max.timeout.ms: the longest transaction.timeout.ms a producer may ask for. */
  transactionMaxTimeoutMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms: how often timed-out transactions are aborted. */
  transactionAbortTimedOutIntervalMs: number;
  /** transactional.id.expiration.ms: an idle transactional id with no open transaction is forgotten after this. */
  transactionalIdExpirationMs: number;
  retentionCheckIntervalMs: number;
  /** log.cleaner.enable: compacted topics are cleaned. */
  logCleanerEnable: boolean;
  /** log.cleaner.backoff.ms: how often the cleaner looks for a partition to clean. */
  logCleanerBackoffMs: number;
  /** log.cleaner.io.max.bytes.per.second: the cleaner's reads plus writes (0: unthrottled). */
  logCleanerIoMaxBytesPerSecond: number;
  /** Distinct keys one cleaning pass holds in memory (Kafka's dedupe buffer); a dirty part with more is cleaned in several passes. */
  logCleanerMaxKeys: number;
  /** Partitions this broker may hold in all (CreateTopics/CreatePartitions past it: POLICY_VIOLATION). */
  maxPartitions: number;
  /** Partitions one CreateTopics or CreatePartitions request may add. */
  maxPartitionsPerRequest: number;
  logLevel: string;
  /** Admin HTTP server (/metrics, /health, /ready, /api/v1). */
  adminHost: string;
  adminPort: number;
  /** S3 tier (used by topics with remote.storage.enable=true); without a bucket, a local directory. */
  s3Endpoint: string;
  s3Region: string;
  s3Bucket: string;
  s3Prefix: string;
  s3ForcePathStyle: boolean;
  /** How often closed segments are uploaded and tier retention runs. */
  tierIntervalMs: number;
  /** Cluster mode (ADR 0011): postgresql://… of the shared metadata; empty runs single-node. */
  metadataUrl: string;
  /** Cluster mode: how long appends gather before one object is written and indexed. */
  flushWindowMs: number;
  /** Cluster mode: partition and coordinator leases lapse this long after their last renewal. */
  leaseTtlMs: number;
  /** Producers to tiered topics get a retriable error while more than this is waiting for upload (0: no limit). */
  tierBacklogMaxBytes: number;
  /** Object-store requests per second to start at (adaptive: halved on throttling, +5% after 20 successes, up to 10x). */
  tierPutRate: number;
  tierGetRate: number;
  tierDeleteRate: number;
  tierListRate: number;
  /** Retries after a failed request, with full-jitter backoff capped at tierBackoffMaxMs. */
  tierRetries: number;
  tierBackoffMaxMs: number;
  /** Circuit breaker: opens after this many failures in a row, probes again after the cool-down. */
  tierBreakerFailures: number;
  tierBreakerCoolDownMs: number;
  /** Producers to tiered topics also get a retriable error while uploads lag and the data
   * directory's file system is fuller than this percentage (0: off). */
  tierDiskHighWaterPercent: number;
  /**
   * Log writer threads that own the partition logs; 0 = --inline (everything on the main
   * thread). Default 0: on the 2-core machines measured, threaded mode lost to inline
   * (docs/perf.md, "Threaded vs --inline"); the numbers decide the default.
   */
  logWriters: number;
  /** Bytes of each writer's request ring and completion ring (a power of two). */
  writerRingBytes: number;
  /** A writer whose heartbeat stops this long is replaced. */
  writerHangTimeoutMs: number;
  /** Piscina threads for recompression and segment hashing (threaded mode; --inline runs them on the main thread). */
  cpuPoolThreads: number;
  /** listeners: NAME://host:port,… (empty: one PLAINTEXT listener on host:port). */
  listeners: string;
  /** advertised.listeners: what Metadata tells clients of each listener (empty: as bound, or advertisedHost/Port). */
  advertisedListeners: string;
  /** TLS for SSL listeners: PEM certificate chain and key, and the CA that signs client certificates. */
  sslCertFile: string;
  sslKeyFile: string;
  sslCaFile: string;
  /** ssl.client.auth: none, requested or required (mTLS; the principal is the certificate's subject). */
  sslClientAuth: SslClientAuth;
  /** sasl.enabled.mechanisms: a comma list of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER. */
  saslEnabledMechanisms: string;
  /** sasl.oauthbearer.jwks.endpoint.url: where OAUTHBEARER's signing keys are (https://, http:// or file://). */
  saslOauthbearerJwksEndpointUrl: string;
  /** sasl.oauthbearer.expected.audience / .issuer ('' = not checked). */
  saslOauthbearerExpectedAudience: string;
  saslOauthbearerExpectedIssuer: string;
  /** sasl.oauthbearer.sub.claim.name: the claim that names the principal. */
  saslOauthbearerSubClaimName: string;
  /** NAME:PASSWORD: a user given SCRAM credentials at start unless it has some (the first admin). */
  bootstrapUser: string;
  /** A SASL connection that has not authenticated within this is closed. */
  saslAuthTimeoutMs: number;
  /** connections.max.reauth.ms: a SASL session's lifetime; it must re-authenticate (KIP-368) or is closed. 0: for ever. */
  connectionsMaxReauthMs: number;
  /** Failed logins one address may make in a burst, and how many a second it earns back. */
  saslFailedLoginBurst: number;
  saslFailedLoginsPerSecond: number;
  /** The audit log's file ('' = standard output, '-' = off). */
  auditLogFile: string;
  /** A file holding the bearer tokens /metrics and /api/v1 require, one per line, optionally "User:name TOKEN" ('' = no token). */
  adminTokenFile: string;
  /** HTTPS for the admin API and /metrics: PEM certificate chain and key ('' = plain HTTP). */
  adminSslCertFile: string;
  adminSslKeyFile: string;
  /** authorizer: none (everything allowed) or acl (Kafka's ACL semantics). */
  authorizer: 'none' | 'acl';
  /** super.users: "User:admin;User:ops", allowed everything. */
  superUsers: string;
  /** allow.everyone.if.no.acl.found */
  allowEveryoneIfNoAclFound: boolean;
  /** The schema registry's listener: http://HOST:PORT, or none. */
  schemaRegistryListener: string;
}

export const DEFAULT_BROKER_CONFIG: Readonly<BrokerConfig> = Object.freeze({
  host: '127.0.0.1',
  port: 9092,
  advertisedHost: '',
  advertisedPort: 0,
  dataDir: './data',
  nodeId: 1,
  autoCreateTopics: true,
  defaultPartitions: 1,
  syncPolicy: 'interval',
  flushIntervalMs: 1000,
  socketRequestMaxBytes: 104_857_600,
  groupInitialRebalanceDelayMs: 3000,
  groupConsumerSessionTimeoutMs: 45_000,
  groupConsumerHeartbeatIntervalMs: 5000,
  transactionMaxTimeoutMs: 900_000,
  transactionAbortTimedOutIntervalMs: 10_000,
  transactionalIdExpirationMs: 604_800_000,
  retentionCheckIntervalMs: 300_000,
  logCleanerEnable: true,
  logCleanerBackoffMs: 15_000,
  logCleanerIoMaxBytesPerSecond: 0,
  logCleanerMaxKeys: 1_000_000,
  maxPartitions: 20_000,
  maxPartitionsPerRequest: 10_000,
  logLevel: 'info',
  adminHost: '127.0.0.1',
  adminPort: 9644,
  s3Endpoint: '',
  s3Region: 'us-east-1',
  s3Bucket: '',
  s3Prefix: '',
  s3ForcePathStyle: false,
  tierIntervalMs: 5000,
  metadataUrl: '',
  flushWindowMs: 10,
  leaseTtlMs: 3000,
  tierBacklogMaxBytes: 10 * 1024 * 1024 * 1024,
  tierPutRate: 100,
  tierGetRate: 500,
  tierDeleteRate: 100,
  tierListRate: 20,
  tierRetries: 4,
  tierBackoffMaxMs: 5000,
  tierBreakerFailures: 5,
  tierBreakerCoolDownMs: 10_000,
  tierDiskHighWaterPercent: 90,
  logWriters: 0,
  writerRingBytes: 8 * 1024 * 1024,
  writerHangTimeoutMs: 10_000,
  cpuPoolThreads: 2,
  listeners: '',
  advertisedListeners: '',
  sslCertFile: '',
  sslKeyFile: '',
  sslCaFile: '',
  sslClientAuth: 'none',
  saslEnabledMechanisms: 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
  saslOauthbearerJwksEndpointUrl: '',
  saslOauthbearerExpectedAudience: '',
  saslOauthbearerExpectedIssuer: '',
  saslOauthbearerSubClaimName: 'sub',
  bootstrapUser: '',
  saslAuthTimeoutMs: 10_000,
  connectionsMaxReauthMs: 0,
  saslFailedLoginBurst: 20,
  saslFailedLoginsPerSecond: 5,
  auditLogFile: '',
  adminTokenFile: '',
  adminSslCertFile: '',
  adminSslKeyFile: '',
  authorizer: 'none',
  superUsers: '',
  allowEveryoneIfNoAclFound: false,
  schemaRegistryListener: 'http://127.0.0.1:8081',
});

type Kind = 'string' | 'optional' | 'port' | 'int' | 'bool' | 'sync' | 'clientAuth' | 'authorizer';
const KINDS: Record<keyof BrokerConfig, Kind> = {
  host: 'string', port: 'port', advertisedHost: 'string', advertisedPort: 'port', dataDir: 'string', nodeId: 'int',
  autoCreateTopics: 'bool', defaultPartitions: 'int', syncPolicy: 'sync', flushIntervalMs: 'int',
  socketRequestMaxBytes: 'int', groupInitialRebalanceDelayMs: 'int', groupConsumerSessionTimeoutMs: 'int', groupConsumerHeartbeatIntervalMs: 'int', retentionCheckIntervalMs: 'int',
  transactionMaxTimeoutMs: 'int', transactionAbortTimedOutIntervalMs: 'int', transactionalIdExpirationMs: 'int', logLevel: 'string',
  logCleanerEnable: 'bool', logCleanerBackoffMs: 'int', logCleanerIoMaxBytesPerSecond: 'int', logCleanerMaxKeys: 'int',
  maxPartitions: 'int', maxPartitionsPerRequest: 'int',
  adminHost: 'string', adminPort: 'port',
  s3Endpoint: 'optional', s3Region: 'string', s3Bucket: 'optional', s3Prefix: 'optional', s3ForcePathStyle: 'bool',
  metadataUrl: 'optional', flushWindowMs: 'int', leaseTtlMs: 'int',
  tierIntervalMs: 'int', tierBacklogMaxBytes: 'int', tierPutRate: 'int', tierGetRate: 'int', tierDeleteRate: 'int', tierListRate: 'int', tierRetries: 'int',
  tierBackoffMaxMs: 'int', tierBreakerFailures: 'int', tierBreakerCoolDownMs: 'int', tierDiskHighWaterPercent: 'int',
  logWriters: 'int', writerRingBytes: 'int', writerHangTimeoutMs: 'int', cpuPoolThreads: 'int',
  listeners: 'optional', advertisedListeners: 'optional', sslCertFile: 'optional', sslKeyFile: 'optional', sslCaFile: 'optional', sslClientAuth: 'clientAuth',
  saslEnabledMechanisms: 'string', saslOauthbearerJwksEndpointUrl: 'optional', saslOauthbearerExpectedAudience: 'optional',
  saslOauthbearerExpectedIssuer: 'optional', saslOauthbearerSubClaimName: 'string', bootstrapUser: 'optional', saslAuthTimeoutMs: 'int', connectionsMaxReauthMs: 'int',
  saslFailedLoginBurst: 'int', saslFailedLoginsPerSecond: 'int', auditLogFile: 'optional', adminTokenFile: 'optional', adminSslCertFile: 'optional', adminSslKeyFile: 'optional',
  authorizer: 'authorizer', superUsers: 'optional', allowEveryoneIfNoAclFound: 'bool', schemaRegistryListener: 'string',
};

/** Flag name (kebab case) and environment variable (STRATA_SNAKE) of each setting. */
export function flagName(key: keyof BrokerConfig): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function envName(key: keyof BrokerConfig): string {
  return `STRATA_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

export const CONFIG_KEYS = Object.keys(KINDS) as Array<keyof BrokerConfig>;

/** Settings whose values are secrets: DescribeConfigs and logs never show them. */
export const SENSITIVE_KEYS: ReadonlySet<keyof BrokerConfig> = new Set<keyof BrokerConfig>(['bootstrapUser']);

function bad(source: string, value: unknown, rule: string): never {
  throw new StrataError('STRATA_CONFIG_INVALID', `invalid setting ${source}=${JSON.stringify(value)}: ${rule}`);
}

function coerce(key: keyof BrokerConfig, value: unknown, source: string): unknown {
  const kind = KINDS[key];
  const asNumber = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  switch (kind) {
    case 'string':
      if (typeof value !== 'string' || (key !== 'advertisedHost' && value === '')) bad(source, value, 'a non-empty string');
      return value;
    case 'optional':
      if (typeof value !== 'string') bad(source, value, 'a string');
      return value;
    case 'port':
      if (typeof asNumber !== 'number' || !Number.isInteger(asNumber) || asNumber < 0 || asNumber > 65535) bad(source, value, 'a port from 0 to 65535');
      return asNumber;
    case 'int':
      if (typeof asNumber !== 'number' || !Number.isInteger(asNumber) || asNumber < 0) bad(source, value, 'a non-negative integer');
      return asNumber;
    case 'bool':
      if (value === true || value === 'true' || value === '1') return true;
      if (value === false || value === 'false' || value === '0') return false;
      return bad(source, value, 'true or false');
    case 'sync':
      if (value !== 'always' && value !== 'interval' && value !== 'never') bad(source, value, 'always, interval or never');
      return value;
    case 'authorizer':
      if (value !== 'none' && value !== 'acl') bad(source, value, 'none or acl');
      return value;
    case 'clientAuth':
      if (value !== 'none' && value !== 'requested' && value !== 'required') bad(source, value, 'none, requested or required');
      return value;
  }
}

export interface ConfigSources {
  /** Path of a JSON config file with the same keys (camelCase). */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Already-parsed values, highest precedence (flags, startBroker options). */
  overrides?: Partial<Record<keyof BrokerConfig, unknown>>;
}

export function resolveBrokerConfig(sources: ConfigSources = {}): BrokerConfig {
  const out: Record<string, unknown> = { ...DEFAULT_BROKER_CONFIG };
  if (sources.file !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(sources.file, 'utf8'));
    } catch (err) {
      throw new StrataError('STRATA_CONFIG_INVALID', `cannot read config file ${sources.file}: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) bad(`config file ${sources.file}`, parsed, 'a JSON object');
    for (const [k, v] of Object.entries(parsed)) {
      if (!(k in KINDS)) bad(`${sources.file}: ${k}`, v, `unknown setting (known: ${CONFIG_KEYS.join(', ')})`);
      out[k] = coerce(k as keyof BrokerConfig, v, `${sources.file}: ${k}`);
    }
  }
  const env = sources.env ?? {};
  for (const key of CONFIG_KEYS) {
    const v = env[envName(key)];
    if (v !== undefined) out[key] = coerce(key, v, envName(key));
  }
  for (const [k, v] of Object.entries(sources.overrides ?? {})) {
    if (v === undefined) continue;
    if (!(k in KINDS)) bad(k, v, 'unknown setting');
    out[k] = coerce(k as keyof BrokerConfig, v, `--${flagName(k as keyof BrokerConfig)}`);
  }
  const c = out as unknown as BrokerConfig;
  if (c.defaultPartitions < 1) bad('defaultPartitions', c.defaultPartitions, 'at least 1');
  if (c.maxPartitions < 1) bad('maxPartitions', c.maxPartitions, 'at least 1');
  if (c.maxPartitionsPerRequest < 1) bad('maxPartitionsPerRequest', c.maxPartitionsPerRequest, 'at least 1');
  if (c.socketRequestMaxBytes < 1024) bad('socketRequestMaxBytes', c.socketRequestMaxBytes, 'at least 1024');
  if (c.flushIntervalMs < 1) bad('flushIntervalMs', c.flushIntervalMs, 'at least 1');
  if (c.flushWindowMs < 1 || c.flushWindowMs > 1000) bad('flushWindowMs', c.flushWindowMs, 'from 1 to 1000');
  if (c.leaseTtlMs < 500) bad('leaseTtlMs', c.leaseTtlMs, 'at least 500');
  // The URL may carry a password: the message shows only its scheme.
  if (c.metadataUrl !== '' && !/^postgres(ql)?:\/\//.test(c.metadataUrl)) bad('metadataUrl', `${c.metadataUrl.split(':')[0]}:…`, 'a postgresql:// URL');
  if (c.tierIntervalMs < 10) bad('tierIntervalMs', c.tierIntervalMs, 'at least 10');
  if (c.tierPutRate < 1) bad('tierPutRate', c.tierPutRate, 'at least 1');
  if (c.tierGetRate < 1) bad('tierGetRate', c.tierGetRate, 'at least 1');
  if (c.tierDeleteRate < 1) bad('tierDeleteRate', c.tierDeleteRate, 'at least 1');
  if (c.tierListRate < 1) bad('tierListRate', c.tierListRate, 'at least 1');
  if (c.tierBreakerFailures < 1) bad('tierBreakerFailures', c.tierBreakerFailures, 'at least 1');
  if (c.tierDiskHighWaterPercent > 100) bad('tierDiskHighWaterPercent', c.tierDiskHighWaterPercent, 'a percentage from 0 to 100');
  if (c.logWriters > 64) bad('logWriters', c.logWriters, 'from 0 (inline) to 64');
  if (c.writerRingBytes < 65536 || c.writerRingBytes > 1 << 30 || (c.writerRingBytes & (c.writerRingBytes - 1)) !== 0) {
    bad('writerRingBytes', c.writerRingBytes, 'a power of two from 65536 to 1073741824');
  }
  if (c.cpuPoolThreads < 1 || c.cpuPoolThreads > 64) bad('cpuPoolThreads', c.cpuPoolThreads, 'from 1 to 64');
  if (c.writerHangTimeoutMs < 100) bad('writerHangTimeoutMs', c.writerHangTimeoutMs, 'at least 100');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(c.logLevel)) bad('logLevel', c.logLevel, 'fatal, error, warn, info, debug, trace or silent');
  const listeners = listenersOf(c);
  const advertised = parseListeners('advertisedListeners', c.advertisedListeners) ?? [];
  for (const a of advertised) {
    if (!listeners.some((l) => l.name === a.name)) bad('advertisedListeners', c.advertisedListeners, `${a.name} is not one of the listeners (${listeners.map((l) => l.name).join(', ')})`);
  }
  if (listeners.some((l) => usesTls(l.protocol)) && (c.sslCertFile === '' || c.sslKeyFile === '')) {
    bad('listeners', c.listeners, 'an SSL or SASL_SSL listener needs sslCertFile and sslKeyFile (PEM)');
  }
  const mechanisms = c.saslEnabledMechanisms.split(',').map((m) => m.trim());
  for (const m of mechanisms) if (!['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'].includes(m)) bad('saslEnabledMechanisms', c.saslEnabledMechanisms, `${m} is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER`);
  if (mechanisms.includes('OAUTHBEARER') && c.saslOauthbearerJwksEndpointUrl === '') bad('saslEnabledMechanisms', c.saslEnabledMechanisms, 'OAUTHBEARER needs saslOauthbearerJwksEndpointUrl (where the token signing keys are)');
  if (c.saslOauthbearerJwksEndpointUrl !== '' && !/^(https?|file):\/\/./.test(c.saslOauthbearerJwksEndpointUrl)) bad('saslOauthbearerJwksEndpointUrl', c.saslOauthbearerJwksEndpointUrl, 'an https://, http:// or file:// URL');
  if (c.bootstrapUser !== '' && !/^[^:]+:.+$/.test(c.bootstrapUser)) bad('bootstrapUser', '(hidden)', 'NAME:PASSWORD');
  if (c.saslAuthTimeoutMs < 100) bad('saslAuthTimeoutMs', c.saslAuthTimeoutMs, 'at least 100');
  if (c.saslFailedLoginBurst < 1) bad('saslFailedLoginBurst', c.saslFailedLoginBurst, 'at least 1');
  if (c.saslFailedLoginsPerSecond < 1) bad('saslFailedLoginsPerSecond', c.saslFailedLoginsPerSecond, 'at least 1');
  if (c.sslClientAuth !== 'none' && c.sslCaFile === '') bad('sslClientAuth', c.sslClientAuth, 'client certificates need sslCaFile (the CA that signs them)');
  if ((c.adminSslCertFile === '') !== (c.adminSslKeyFile === '')) bad('adminSslCertFile', c.adminSslCertFile, 'HTTPS for the admin API needs both adminSslCertFile and adminSslKeyFile');
  if (c.schemaRegistryListener !== 'none' && schemaRegistryAddressOf(c) === undefined) bad('schemaRegistryListener', c.schemaRegistryListener, 'http://HOST:PORT, or none');
  for (const p of superUsersOf(c)) if (!/^[^:]+:.+$/.test(p)) bad('superUsers', c.superUsers, `${p} is not a principal (User:name), and principals are separated by ;`);
  return c;
}

/** Where the schema registry listens, or undefined when it is off (none). */
export function schemaRegistryAddressOf(c: BrokerConfig): { host: string; port: number } | undefined {
  const m = /^http:\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]+):(\d{1,5})\/?$/.exec(c.schemaRegistryListener);
  if (m === null || Number(m[2]) > 65535) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/** super.users as a list of principals. */
export function superUsersOf(c: BrokerConfig): string[] {
  return c.superUsers.split(';').map((p) => p.trim()).filter((p) => p !== '');
}

/** The listeners to bind: `listeners`, or one PLAINTEXT listener on host:port. */
export function listenersOf(c: BrokerConfig): ListenerSpec[] {
  return parseListeners('listeners', c.listeners) ?? [{ name: 'PLAINTEXT', protocol: 'PLAINTEXT', host: c.host, port: c.port }];
}

/** The advertised address of each listener, by name (missing: what it bound to). */
export function advertisedListenersOf(c: BrokerConfig): Map<string, { host: string; port: number }> {
  const out = new Map<string, { host: string; port: number }>();
  for (const a of parseListeners('advertisedListeners', c.advertisedListeners) ?? []) out.set(a.name, { host: a.host, port: a.port });
  return out;
}
