// The admin token: with --admin-token-file, /metrics and /api/v1 need the bearer token
// (401 otherwise, compared in constant time), /health and /ready stay open, and a
// rotated token file takes effect without a restart. A missing or short token file
// stops start-up with a clear message. With --authorizer acl, changes need the token of a
// super user (a "User:name TOKEN" line). With --admin-ssl-cert-file the API is HTTPS, and
// replaced certificate files are served to new connections without a restart.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { makeCerts } from '../helpers/certs.js';
import { hasTool, runWith } from '../helpers/tools.js';
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
    const malformed = join(tmp(), 'malformed');
    writeFileSync(malformed, 'alice token-0123456789abcdef\n');
    await expect(testBroker(tmp(), { adminTokenFile: malformed })).rejects.toThrow(/PRINCIPAL TOKEN/);
  });

  it('with authorisation on, lets only a super user\'s token change anything', async () => {
    const file = join(tmp(), 'tokens');
    writeFileSync(file, '# operators\nviewer-token-0123456789\nUser:alice alice-token-0123456789\nUser:admin admin-token-0123456789\n');
    const running = await testBroker(tmp(), { adminTokenFile: file, authorizer: 'acl', superUsers: 'User:admin' });
    const base = `http://${running.adminAddress}`;
    const call = (method: string, path: string, token: string, body?: unknown) => fetch(base + path, {
      method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    try {
      for (const token of ['viewer-token-0123456789', 'alice-token-0123456789', 'admin-token-0123456789']) expect((await call('GET', '/api/v1/topics', token)).status).toBe(200);
      expect((await call('POST', '/api/v1/topics', 'viewer-token-0123456789', { name: 'nope', partitions: 1 })).status).toBe(403);
      expect((await call('POST', '/api/v1/topics', 'alice-token-0123456789', { name: 'nope', partitions: 1 })).status).toBe(403);
      expect((await call('POST', '/api/v1/topics', 'admin-token-0123456789', { name: 'made', partitions: 1 })).status).toBe(201);
      expect((await call('DELETE', '/api/v1/topics/made', 'alice-token-0123456789')).status).toBe(403);
      expect((await call('DELETE', '/api/v1/topics/made', 'admin-token-0123456789')).status).toBeLessThan(300);
    } finally {
      await running.close();
    }
    // Authorisation on and no token file: reads stay open, changes are refused.
    const open = await testBroker(tmp(), { authorizer: 'acl', superUsers: 'User:admin' });
    try {
      expect((await fetch(`http://${open.adminAddress}/api/v1/topics`)).status).toBe(200);
      const refused = await fetch(`http://${open.adminAddress}/api/v1/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', partitions: 1 }) });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/admin-token-file/);
    } finally {
      await open.close();
    }
  });

  it.runIf(runWith(hasTool('openssl', ['version'])))('serves HTTPS with --admin-ssl-cert-file and picks up replaced certificates', async () => {
    const first = makeCerts(tmp());
    const second = makeCerts(tmp());
    const dir = tmp();
    const cert = join(dir, 'admin.crt');
    const key = join(dir, 'admin.key');
    copyFileSync(first.serverCertFile, cert);
    copyFileSync(first.serverKeyFile, key);
    const running = await testBroker(tmp(), { adminSslCertFile: cert, adminSslKeyFile: key });
    const get = (ca: string) => new Promise<{ status: number; fingerprint: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: running.adminPort, path: '/health', ca: readCa(ca), servername: 'localhost', agent: false }, (res) => {
        const peer = (res.socket as import('node:tls').TLSSocket).getPeerCertificate() as PeerCertificate;
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, fingerprint: peer.fingerprint256 }));
      });
      req.on('error', reject);
      req.end();
    });
    try {
      const a = await get(first.caFile);
      expect(a.status).toBe(200);
      // Plain HTTP on the HTTPS port gets no admin answer.
      expect(await fetch(`http://${running.adminAddress}/health`).then((r) => r.status, () => 'refused')).not.toBe(200);
      copyFileSync(second.serverCertFile, cert);
      copyFileSync(second.serverKeyFile, key);
      const deadline = Date.now() + 10_000;
      let b = await get(second.caFile).catch(() => undefined);
      while (b === undefined && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        b = await get(second.caFile).catch(() => undefined);
      }
      expect(b?.status).toBe(200);
      expect(b?.fingerprint).not.toBe(a.fingerprint);
    } finally {
      await running.close();
    }
  }, 30_000);
});

function readCa(file: string): Buffer {
  return readFileSync(file);
}
