// The admin HTTP server (default 127.0.0.1:9644): /metrics for Prometheus, /health (the
// process is alive), /ready (recovery done and the Kafka listener up), /api/v1 (admin).
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { SecureContextOptions } from 'node:tls';
import type { HandlerServices } from '../services/handler-services.js';
import { presentedToken } from '../services/bearer-tokens.js';
import { routes, type ConsoleExtras, type Route } from './api.js';
import { consoleRoutes } from './console-routes.js';
import { openApiDocument } from './openapi.js';
import { serveConsoleFile } from './console-files.js';
import { closeHttp, listenHttp } from '../network/http-server-lifecycle.js';
import { HttpError, readJson, sendError, sendJson } from './http.js';

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

/** Every /api/v1 route: the admin API's and the console's. */
export const allRoutes: Route[] = [...routes, ...consoleRoutes];

const compiled: CompiledRoute[] = allRoutes.map((r) => {
  const names: string[] = [];
  const regex = new RegExp(`^${r.path.replace(/:([a-z]+)/g, (_, n: string) => { names.push(n); return '([^/]+)'; })}/?$`);
  return { ...r, regex, names };
});

/** What the admin server serves: the handlers' services and the Prometheus registry's text. */
export interface AdminDeps {
  services: HandlerServices;
  metrics: { text(): Promise<string>; readonly contentType: string };
  /**
   * When set, /metrics and /api/v1 need `Authorization: Bearer <token>` with one of these
   * (401 otherwise); /health and /ready stay open for probes. Called on each request, so a
   * rotated token file takes effect at once.
   */
  tokens?: () => ReadonlyArray<{ token: string; principal: string | null }>;
  /**
   * With authorisation on (--authorizer acl), routes that change anything (POST, PATCH,
   * DELETE) need a token whose principal is one of these super users (403 otherwise).
   */
  superUsersOnlyForChanges?: readonly string[];
  /** Serve HTTPS with these (PEM); reloaded with setSecureContext. */
  tls?: SecureContextOptions;
  /** The schema registry, metrics history and listeners the console's routes show. */
  extras?: ConsoleExtras;
  /** The built web console (served at /); undefined: no console. */
  consoleDir?: string;
}

const MUTATING = new Set(['POST', 'PATCH', 'DELETE', 'PUT']);

export class AdminServer {
  private readonly server: Server | TlsServer;
  /** Set once the Kafka listener accepts connections. */
  ready = false;

  constructor(private readonly deps: AdminDeps) {
    const serve = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void => {
      this.handle(req, res).catch((err: unknown) => sendError(res, err));
    };
    this.server = deps.tls === undefined ? createServer(serve) : createTlsServer(deps.tls, serve);
  }

  /** Whether this server speaks HTTPS. */
  get https(): boolean {
    return this.deps.tls !== undefined;
  }

  /** New certificates for new connections; open ones keep theirs. */
  setSecureContext(options: SecureContextOptions): void {
    if ('setSecureContext' in this.server) this.server.setSecureContext(options);
  }

  private async handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin');
    const method = req.method ?? 'GET';
    if (url.pathname === '/health' && method === 'GET') return sendJson(res, 200, { status: 'ok' });
    if (url.pathname === '/ready' && method === 'GET') return sendJson(res, this.ready ? 200 : 503, { ready: this.ready });
    // The console's files are public (they hold no data); its API calls carry the token.
    if (method === 'GET' && this.deps.consoleDir !== undefined && url.pathname !== '/metrics' && !url.pathname.startsWith('/api/')) {
      return serveConsoleFile(this.deps.consoleDir, url.pathname, res);
    }
    const tokens = this.deps.tokens?.();
    const presented = tokens === undefined ? undefined : presentedToken(req.headers.authorization, tokens);
    if (tokens !== undefined && presented === undefined) {
      res.setHeader('www-authenticate', 'Bearer');
      throw new HttpError(401, 'UNAUTHORIZED', 'this endpoint needs Authorization: Bearer <token> (the admin token file)');
    }
    const superUsers = this.deps.superUsersOnlyForChanges;
    if (superUsers !== undefined && MUTATING.has(method) && !(presented?.principal != null && superUsers.includes(presented.principal))) {
      throw new HttpError(403, 'FORBIDDEN', tokens === undefined
        ? 'authorisation is on: changes through the admin API need --admin-token-file with a super user\'s token (User:name TOKEN)'
        : 'authorisation is on: changes through the admin API need the token of a super user');
    }
    if (url.pathname === '/metrics' && method === 'GET') {
      const text = await this.deps.metrics.text();
      res.writeHead(200, { 'content-type': this.deps.metrics.contentType });
      res.end(text);
      return;
    }
    if (url.pathname === '/api/v1/openapi.json' && method === 'GET') return sendJson(res, 200, openApiDocument);
    let pathMatched = false;
    for (const r of compiled) {
      const m = r.regex.exec(url.pathname);
      if (m === null) continue;
      pathMatched = true;
      if (r.method !== method) continue;
      const params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
      const body = method === 'POST' || method === 'PATCH' ? await readJson(req) : {};
      const [status, out] = await r.run({ services: this.deps.services, params, body, query: url.searchParams, extras: this.deps.extras ?? {} });
      return sendJson(res, status, out);
    }
    if (pathMatched) throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname}`);
    throw new HttpError(404, 'NOT_FOUND', `no such endpoint: ${url.pathname}`);
  }

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return listenHttp(this.server, host, port);
  }

  close(): Promise<void> {
    return closeHttp(this.server);
  }
}
