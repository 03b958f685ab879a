// The tier's settings: every operation's rate is configurable, and the S3 settings come
// from the STRATA_S3_* environment like any other broker setting.
import { describe, expect, it } from 'vitest';
import { resolveBrokerConfig } from '../../../src/config/broker-config.js';
import { throttleOptions } from '../../../src/tier/tier-setup.js';

describe('tier settings', () => {
  it('reads S3 settings from STRATA_S3_* and rates per operation from flags', () => {
    const c = resolveBrokerConfig({
      env: { STRATA_S3_ENDPOINT: 'http://minio:9000', STRATA_S3_REGION: 'eu-west-1', STRATA_S3_BUCKET: 'logs', STRATA_S3_PREFIX: 'a/', STRATA_S3_FORCE_PATH_STYLE: 'true' },
      overrides: { tierPutRate: '40', tierGetRate: '400', tierDeleteRate: '30', tierListRate: '3' },
    });
    expect(c).toMatchObject({ s3Endpoint: 'http://minio:9000', s3Region: 'eu-west-1', s3Bucket: 'logs', s3Prefix: 'a/', s3ForcePathStyle: true });
    const t = throttleOptions(c);
    expect([t.rates.PUT.rate, t.rates.GET.rate, t.rates.DELETE.rate, t.rates.LIST.rate]).toEqual([40, 400, 30, 3]);
    expect(t.rates.PUT.maxRate).toBe(400);
    expect(() => resolveBrokerConfig({ overrides: { tierListRate: '0' } })).toThrow(/tierListRate/);
  });
});
