// Builds the broker's tier from its settings: S3 when a bucket is configured (endpoint,
// region, prefix, path style; credentials from the usual AWS chain), otherwise a local
// directory under the data dir; always behind the throttle.
import { join } from 'node:path';
import type { BrokerConfig } from '../config/broker-config.js';
import type { TierProbe } from '../metrics/tier-probe.js';
import { LocalObjectStore } from './local-object-store.js';
import type { ObjectStore } from './object-store.js';
import { S3ObjectStore } from './s3-object-store.js';
import { ThrottledObjectStore, type ThrottleOptions } from './throttled-object-store.js';

/** The throttle's settings from the broker's tier* settings. */
export function throttleOptions(c: BrokerConfig): ThrottleOptions {
  const limits = (rate: number) => ({ rate, minRate: Math.max(0.5, rate / 100), maxRate: rate * 10 });
  return {
    rates: { PUT: limits(c.tierPutRate), GET: limits(c.tierGetRate), DELETE: limits(c.tierDeleteRate), LIST: limits(c.tierListRate) },
    retries: c.tierRetries,
    baseBackoffMs: Math.min(100, c.tierBackoffMaxMs),
    maxBackoffMs: c.tierBackoffMaxMs,
    breaker: { failures: c.tierBreakerFailures, coolDownMs: c.tierBreakerCoolDownMs },
  };
}

export function buildObjectStore(config: BrokerConfig, probe: TierProbe): { store: ThrottledObjectStore; raw: ObjectStore; description: string } {
  const raw: ObjectStore = config.s3Bucket !== ''
    ? new S3ObjectStore({
        bucket: config.s3Bucket, prefix: config.s3Prefix, region: config.s3Region, forcePathStyle: config.s3ForcePathStyle,
        ...(config.s3Endpoint !== '' ? { endpoint: config.s3Endpoint } : {}), requestTimeoutMs: 30_000,
      })
    : new LocalObjectStore(join(config.dataDir, '__remote'));
  const options = throttleOptions(config);
  const store = new ThrottledObjectStore(raw, options, (e) => probe.event(e));
  probe.initialRates(Object.fromEntries(Object.entries(options.rates).map(([op, r]) => [op, r.rate])));
  const description = config.s3Bucket !== '' ? `s3://${config.s3Bucket}/${config.s3Prefix}${config.s3Endpoint ? ` at ${config.s3Endpoint}` : ''}` : `local directory ${join(config.dataDir, '__remote')}`;
  return { store, raw, description };
}
