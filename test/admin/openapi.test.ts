// The admin API's OpenAPI description matches its routes: every route is described (path
// and method), nothing is described that is not served, and the broker serves the document.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allRoutes } from '../../src/admin/server.js';
import { openApiDocument } from '../../src/admin/openapi.js';
import { testBroker } from '../helpers/broker.js';

const SERVED_OUTSIDE_ROUTES = ['/health', '/ready', '/metrics', '/api/v1/openapi.json'];

describe('OpenAPI description', () => {
  const described = Object.entries(openApiDocument.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
  const routes = allRoutes.map((r) => `${r.method} ${r.path.replace(/:([a-z]+)/g, '{$1}')}`);

  it('describes every route', () => {
    expect(routes.filter((r) => !described.includes(r))).toEqual([]);
  });

  it('describes nothing that is not served', () => {
    expect(described.filter((d) => !routes.includes(d) && !SERVED_OUTSIDE_ROUTES.includes(d.split(' ')[1]!))).toEqual([]);
  });

  it('is served at /api/v1/openapi.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-openapi-'));
    const b = await testBroker(dir);
    try {
      const doc = await (await fetch(`http://${b.adminAddress}/api/v1/openapi.json`)).json() as { openapi: string; paths: Record<string, unknown> };
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toContain('/api/v1/topics/{topic}/messages');
    } finally {
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
