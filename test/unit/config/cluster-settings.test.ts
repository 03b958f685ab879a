// Cluster mode's settings: defaults that keep Strata single-node, and clear refusals of bad
// values (a metadata URL that is not PostgreSQL is named by its scheme only: it may carry a
// password).
import { describe, expect, it } from 'vitest';
import { resolveBrokerConfig } from '../../../src/config/broker-config.js';

const resolve = (overrides: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => resolveBrokerConfig({ env, overrides });

describe('cluster mode settings', () => {
  it('default to single-node mode', () => {
    const c = resolve({});
    expect([c.metadataUrl, c.flushWindowMs, c.leaseTtlMs]).toEqual(['', 10, 3000]);
  });

  it('come from flags and STRATA_* variables', () => {
    const c = resolve({ flushWindowMs: '25' }, { STRATA_METADATA_URL: 'postgresql://u:p@db/strata', STRATA_LEASE_TTL_MS: '5000' });
    expect([c.metadataUrl, c.flushWindowMs, c.leaseTtlMs]).toEqual(['postgresql://u:p@db/strata', 25, 5000]);
  });

  it('refuse bad values with a message naming the setting, never the password', () => {
    expect(() => resolve({ metadataUrl: 'mysql://u:secret@db/x' })).toThrow(/metadataUrl="mysql:…": a postgresql:\/\/ URL/);
    expect(() => resolve({ metadataUrl: 'mysql://u:secret@db/x' })).not.toThrow(/secret/);
    expect(() => resolve({ flushWindowMs: 0 })).toThrow(/flushWindowMs/);
    expect(() => resolve({ flushWindowMs: 5000 })).toThrow(/from 1 to 1000/);
    expect(() => resolve({ leaseTtlMs: 100 })).toThrow(/leaseTtlMs.*at least 500/);
  });
});
