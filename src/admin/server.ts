// The admin HTTP server (default 127.0.0.1:9644): /metrics for Prometheus, /health (the
// process is alive), /ready (recovery done and the Kafka listener up), /api/v1 (admin).
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { HandlerServices } from '../services/handler-services.js';
import { routes, type Route } from './api.js';
import { HttpError, readJson, sendError, sendJson } from './http.js';

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

const compiled: CompiledRoute[] = routes.map((r) => {
  const names: string[] = [];
  const regex = new RegExp(`^${r.path.replace(/:([a-z]+)/g, (_, n: string) => { names.push(n); return '([^/]+)'; })}/?$`);
  return { ...r, regex, names };
});

/** What the admin server serves: the handlers' services and the Prometheus registry's text. */
export interface AdminDeps {
  services: HandlerServices;
  metrics: { text(): Promise<string>; readonly contentType: string };
  /**
   * When set, /metrics and /api/v1 need `Authorization: Bearer <token>` (401 otherwise);
   * /health and /ready stay open for probes. Read on each request, so a rotated token file
   * takes effect at once.
   */
  token?: () => string | undefined;
}

/** Constant-time comparison of a presented bearer token with the expected one. */
function tokenMatches(header: string | undefined, expected: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (m === null) return false;
  const a = createHash('sha256').update(m[1]!).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export class AdminServer {
  private readonly server: Server;
  /** Set once the Kafka listener accepts connections. */
  ready = false;

  constructor(private readonly deps: AdminDeps) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => sendError(res, err));
    });
  }

  private async handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin');
    const method = req.method ?? 'GET';
    if (url.pathname === '/health' && method === 'GET') return sendJson(res, 200, { status: 'ok' });
    if (url.pathname === '/ready' && method === 'GET') return sendJson(res, this.ready ? 200 : 503, { ready: this.ready });
    const token = this.deps.token?.();
    if (token !== undefined && !tokenMatches(req.headers.authorization, token)) {
      res.setHeader('www-authenticate', 'Bearer');
      throw new HttpError(401, 'UNAUTHORIZED', 'this endpoint needs Authorization: Bearer <token> (the admin token file)');
    }
    if (url.pathname === '/metrics' && method === 'GET') {
      const text = await this.deps.metrics.text();
      res.writeHead(200, { 'content-type': this.deps.metrics.contentType });
      res.end(text);
      return;
    }
    let pathMatched = false;
    for (const r of compiled) {
      const m = r.regex.exec(url.pathname);
      if (m === null) continue;
      pathMatched = true;
      if (r.method !== method) continue;
      const params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
      const body = method === 'POST' || method === 'PATCH' ? await readJson(req) : {};
      const [status, out] = await r.run({ services: this.deps.services, params, body, query: url.searchParams });
      return sendJson(res, status, out);
    }
    if (pathMatched) throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname}`);
    throw new HttpError(404, 'NOT_FOUND', `no such endpoint: ${url.pathname}`);
  }

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const a = this.server.address() as { address: string; port: number };
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
