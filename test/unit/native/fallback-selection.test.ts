// The fallback is chosen once, at start, when the addon cannot load, and reported.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { crashBatch } from '../../fixtures/crash-batch.js';

const probe = join(fileURLToPath(new URL('../../..', import.meta.url)), 'dist', 'test', 'fixtures', 'fallback-probe.js');

function runProbe(env: Record<string, string>): { out: { mode: string; detail: string; baseOffset: number; bytes: number }; stderr: string } {
  const r = spawnSync(process.execPath, [probe], { env: { ...process.env, ...env }, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return { out: JSON.parse(r.stdout.trim()), stderr: r.stderr };
}

describe('addon selection', () => {
  it('falls back with a STRATA_NATIVE_FALLBACK warning when the addon cannot load, and the log still works', () => {
    const { out, stderr } = runProbe({ STRATA_NATIVE_ADDON: '/nonexistent/strata-native.node' });
    expect(out.mode).toBe('fallback');
    expect(out.detail).toMatch(/nonexistent/);
    expect(stderr).toMatch(/STRATA_NATIVE_FALLBACK/);
    expect(out.bytes).toBe(crashBatch(3).length);
  });

  it('uses the fallback quietly when STRATA_NATIVE=0 asks for it', () => {
    const { out, stderr } = runProbe({ STRATA_NATIVE: '0' });
    expect(out.mode).toBe('fallback');
    expect(stderr).not.toMatch(/STRATA_NATIVE_FALLBACK/);
  });

  it('loads the addon by default', () => {
    const { out } = runProbe({});
    expect(out.mode).toBe('native');
  });
});
