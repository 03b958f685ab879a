// The admin token: with --admin-token-file, /metrics and /api/v1 need the bearer token
// (401 otherwise, compared in constant time), /health and /ready stay open, and a
// rotated token file takes effect without a restart. A missing or short token file
// stops start-up with a clear message.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testBroker } from '../helpers/broker.js';
import { useTmpDirs } from '../helpers/tmp.js';

describe('admin token', () => {
  const tmp = useTmpDirs();

  it('guards /metrics and /api/v1, leaves /health and /ready open, and follows a rotated file', async () => {
    const dir = tmp();
    const file = join(dir, 'admin-token');
    writeFileSync(file, 'first-token-0123456789\n');
    const running = await testBroker(tmp(), { adminTokenFile: file });
    const base = `http://${running.adminAddress}`;
    const get = (path: string, token?: string) => fetch(base + path, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    try {
      expect((await get('/health')).status).toBe(200);
      expect((await get('/ready')).status).toBe(200);
      for (const path of ['/metrics', '/api/v1/broker', '/api/v1/topics']) {
        const denied = await get(path);
        expect(denied.status).toBe(401);
        expect(denied.headers.get('www-authenticate')).toBe('Bearer');
        expect((await get(path, 'wrong-token-0123456789')).status).toBe(401);
        expect((await get(path, 'first-token-0123456789')).status).toBe(200);
      }
      const created = await fetch(`${base}/api/v1/topics`, { method: 'POST', headers: { authorization: 'Bearer first-token-0123456789', 'content-type': 'application/json' }, body: JSON.stringify({ name: 'guarded', partitions: 1 }) });
      expect(created.status).toBe(201);
      writeFileSync(file, 'second-token-0123456789\n');
      expect((await get('/api/v1/broker', 'first-token-0123456789')).status).toBe(401);
      expect((await get('/api/v1/broker', 'second-token-0123456789')).status).toBe(200);
    } finally {
      await running.close();
    }
  });

  it('refuses to start with a missing or short token file', async () => {
    await expect(testBroker(tmp(), { adminTokenFile: join(tmp(), 'missing') })).rejects.toThrow(/cannot read adminTokenFile/);
    const short = join(tmp(), 'short');
    writeFileSync(short, 'abc');
    await expect(testBroker(tmp(), { adminTokenFile: short })).rejects.toThrow(/at least 16 characters/);
  });
});
